//! Failed-login counters in Redis, shared by every identity replica: a user locks after the
//! org's threshold of failures, and an address that fails too often is slowed down.

use redis::AsyncCommands;
use redis::aio::ConnectionManager;
use strongroom_core::OrgId;

use crate::error::IdentityError;

pub struct LoginGuard {
    conn: ConnectionManager,
    namespace: String,
    /// Failed logins one address may make within `ip_window_secs` before it must wait.
    pub ip_max_failures: u32,
    pub ip_window_secs: u64,
}

/// The org's lockout rule, from its login settings.
#[derive(Debug, Clone, Copy)]
pub struct LockoutRule {
    pub threshold: u32,
    pub minutes: u32,
}

impl LoginGuard {
    pub fn new(conn: ConnectionManager, namespace: &str) -> Self {
        Self {
            conn,
            namespace: namespace.to_owned(),
            ip_max_failures: 20,
            ip_window_secs: 300,
        }
    }

    fn user_key(&self, kind: &str, org: OrgId, username: &str) -> String {
        format!(
            "{}:{kind}:{}:{}",
            self.namespace,
            org.0.simple(),
            username.to_lowercase()
        )
    }

    fn ip_key(&self, ip: &str) -> String {
        format!("{}:login-ip-failures:{ip}", self.namespace)
    }

    /// Seconds the address must wait, when it has failed too often.
    pub async fn ip_wait(&self, ip: Option<&str>) -> Result<Option<u64>, IdentityError> {
        let Some(ip) = ip else { return Ok(None) };
        let mut conn = self.conn.clone();
        let key = self.ip_key(ip);
        let failures: Option<u32> = conn.get(&key).await?;
        if failures.unwrap_or(0) < self.ip_max_failures {
            return Ok(None);
        }
        let ttl: i64 = conn.ttl(&key).await?;
        Ok(Some(ttl.max(1).unsigned_abs()))
    }

    /// Unix time until which the user stays locked, if locked.
    pub async fn locked_until(
        &self,
        org: OrgId,
        username: &str,
    ) -> Result<Option<i64>, IdentityError> {
        let ttl: i64 = self
            .conn
            .clone()
            .ttl(self.user_key("locked", org, username))
            .await?;
        Ok((ttl > 0).then(|| chrono::Utc::now().timestamp() + ttl))
    }

    /// Counts a failure for the user and the address; true when this one locked the user.
    pub async fn record_failure(
        &self,
        org: OrgId,
        username: &str,
        ip: Option<&str>,
        rule: LockoutRule,
    ) -> Result<bool, IdentityError> {
        let mut conn = self.conn.clone();
        if let Some(ip) = ip {
            let key = self.ip_key(ip);
            let (_, _): (u32, bool) = redis::pipe()
                .incr(&key, 1)
                .expire(&key, self.ip_window_secs as i64)
                .arg("NX")
                .query_async(&mut conn)
                .await?;
        }
        if rule.threshold == 0 {
            return Ok(false);
        }
        let window = i64::from(rule.minutes.max(1)) * 60;
        let key = self.user_key("login-failures", org, username);
        let (failures, _): (u32, bool) = redis::pipe()
            .incr(&key, 1)
            .expire(&key, window)
            .arg("NX")
            .query_async(&mut conn)
            .await?;
        if failures < rule.threshold {
            return Ok(false);
        }
        let _: () = redis::pipe()
            .set_ex(self.user_key("locked", org, username), 1, window as u64)
            .del(&key)
            .query_async(&mut conn)
            .await?;
        Ok(true)
    }

    /// A good login forgets the user's earlier failures.
    pub async fn record_success(&self, org: OrgId, username: &str) -> Result<(), IdentityError> {
        let _: () = self
            .conn
            .clone()
            .del(self.user_key("login-failures", org, username))
            .await?;
        Ok(())
    }

    /// True when the user was locked.
    pub async fn unlock(&self, org: OrgId, username: &str) -> Result<bool, IdentityError> {
        let removed: u32 = self
            .conn
            .clone()
            .del(&[
                self.user_key("locked", org, username),
                self.user_key("login-failures", org, username),
            ])
            .await?;
        Ok(removed > 0)
    }
}
