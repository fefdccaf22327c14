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

    /// Unix time until which the user stays locked, if locked: the lock's own expiry time
    /// (`EXPIRETIME`, Redis 7), the same for every reader, never "now" plus a rounded TTL.
    pub async fn locked_until(
        &self,
        org: OrgId,
        username: &str,
    ) -> Result<Option<i64>, IdentityError> {
        let mut until = self.locked_until_each(org, &[username]).await?;
        Ok(until.pop().flatten())
    }

    /// `locked_until` for many users in one round trip (user lists).
    pub async fn locked_until_each(
        &self,
        org: OrgId,
        usernames: &[&str],
    ) -> Result<Vec<Option<i64>>, IdentityError> {
        if usernames.is_empty() {
            return Ok(Vec::new());
        }
        let mut pipe = redis::pipe();
        for name in usernames {
            pipe.cmd("EXPIRETIME")
                .arg(self.user_key("locked", org, name));
        }
        // -2: no lock; -1: a lock without expiry, which this guard never sets.
        let ends: Vec<i64> = pipe.query_async(&mut self.conn.clone()).await?;
        Ok(ends
            .into_iter()
            .map(|end| (end > 0).then_some(end))
            .collect())
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

    /// Lifts a lockout and forgets the failures that led to it.
    pub async fn unlock(&self, org: OrgId, username: &str) -> Result<(), IdentityError> {
        let _: u32 = self
            .conn
            .clone()
            .del(&[
                self.user_key("locked", org, username),
                self.user_key("login-failures", org, username),
            ])
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn replica(namespace: &str) -> LoginGuard {
        let client = redis::Client::open(strongroom_testkit::redis_url()).unwrap();
        let conn = ConnectionManager::new(client).await.unwrap();
        let mut guard = LoginGuard::new(conn, namespace);
        guard.ip_max_failures = 4;
        guard
    }

    #[tokio::test]
    async fn failures_counted_by_any_replica_lock_the_user_and_slow_the_address() {
        let namespace = strongroom_testkit::unique("guard");
        let (a, b) = (replica(&namespace).await, replica(&namespace).await);
        let org = OrgId::new();
        let rule = LockoutRule {
            threshold: 3,
            minutes: 1,
        };
        let ip = Some("192.0.2.7");
        assert!(!a.record_failure(org, "Alice", ip, rule).await.unwrap());
        assert!(!b.record_failure(org, "alice", ip, rule).await.unwrap());
        assert!(a.locked_until(org, "alice").await.unwrap().is_none());
        assert!(
            b.record_failure(org, "ALICE", ip, rule).await.unwrap(),
            "third locks"
        );
        let until = a.locked_until(org, "alice").await.unwrap().unwrap();
        assert!(
            until > chrono::Utc::now().timestamp() + 50,
            "for the rule's minutes"
        );
        // Another org's alice, and another address, are untouched.
        assert!(
            b.locked_until(OrgId::new(), "alice")
                .await
                .unwrap()
                .is_none()
        );
        assert!(a.ip_wait(Some("192.0.2.8")).await.unwrap().is_none());
        assert!(a.ip_wait(ip).await.unwrap().is_none(), "3 of 4 failures");
        b.record_failure(org, "bob", ip, rule).await.unwrap();
        let wait = a.ip_wait(ip).await.unwrap().unwrap();
        assert!((1..=300).contains(&wait), "{wait}");

        b.unlock(org, "alice").await.unwrap();
        assert!(a.locked_until(org, "alice").await.unwrap().is_none());
        // A good login forgets earlier failures: two more do not lock.
        a.record_failure(org, "carol", None, rule).await.unwrap();
        a.record_failure(org, "carol", None, rule).await.unwrap();
        b.record_success(org, "carol").await.unwrap();
        a.record_failure(org, "carol", None, rule).await.unwrap();
        assert!(!a.record_failure(org, "carol", None, rule).await.unwrap());
    }
}
