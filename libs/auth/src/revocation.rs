//! Ended sessions, shared by every replica of every service through Redis: identity records
//! a revoked session id there, and each process polls for new ones often enough that a
//! revoked token stops working within a second everywhere.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use redis::aio::ConnectionManager;
use secrecy::{ExposeSecret, SecretString};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::AuthError;

/// How long a revocation is remembered: longer than any token the identity service issues.
pub const REVOCATION_HORIZON_SECS: i64 = 3600;
/// How often a verifier reads the revocation list.
pub const REVOCATIONS_POLL_EVERY: Duration = Duration::from_millis(200);
/// A verifier that has not read the revocation list for longer than this fails closed: it
/// refuses every token, and its service reports not ready.
pub const REVOCATIONS_STALE_AFTER: Duration = Duration::from_secs(3);
/// How far ahead of this process's clock an entry may be scored and still be read now: the
/// skew allowed between Redis' clock and ours. One scored further ahead is read once our
/// clock gets there, so a forged far-future entry is never read and hides nothing.
pub const REVOCATION_SKEW_ALLOWANCE_MS: i64 = 5_000;
/// How far back of this process's clock each poll reads.
const POLL_OVERLAP_MS: i64 = 60_000;
/// Every this many polls (5 s), one reads everything Redis keeps: entries scored further
/// back (Redis' clock stepped backwards) are found too.
const FULL_READ_EVERY: u32 = 25;

/// Revoked session ids, and per user the lowest token version still valid (a disabled user
/// or a changed role voids every older token), each with when it can be forgotten; and
/// when the list was last read in full.
#[derive(Debug, Default)]
pub struct Revocations {
    revoked: RwLock<HashMap<Uuid, i64>>,
    min_versions: RwLock<HashMap<Uuid, (i64, i64)>>,
    /// The last successful read: when (monotonic) and its unix time. `None`: never read.
    last_read: RwLock<Option<(Instant, i64)>>,
    /// Whether staleness has been logged since the last successful read.
    stale_logged: AtomicBool,
}

impl Revocations {
    /// Notes a successful read of the whole list at `unix_now`.
    pub fn mark_read(&self, unix_now: i64) {
        if let Ok(mut last) = self.last_read.write() {
            *last = Some((Instant::now(), unix_now));
        }
        if self.stale_logged.swap(false, Ordering::Relaxed) {
            tracing::info!("session revocations are read again; tokens are accepted again");
        }
    }

    /// Whether the list was read within [`REVOCATIONS_STALE_AFTER`].
    pub fn is_fresh(&self) -> bool {
        !self.is_stale()
    }

    /// Whether the list has not been read within [`REVOCATIONS_STALE_AFTER`] (or never).
    /// While it is stale every token is refused: one issued after the last read may have
    /// been revoked since, in what was missed, as much as an older one.
    pub fn is_stale(&self) -> bool {
        let last = self.last_read.read().ok().and_then(|l| *l);
        match last {
            Some((at, _)) if at.elapsed() <= REVOCATIONS_STALE_AFTER => false,
            Some((at, unix)) => {
                if !self.stale_logged.swap(true, Ordering::Relaxed) {
                    tracing::error!(
                        unread_for_secs = at.elapsed().as_secs(),
                        last_read_at = unix,
                        "session revocations cannot be read: refusing every token"
                    );
                }
                true
            }
            None => true,
        }
    }

    pub fn is_revoked(&self, sid: Uuid) -> bool {
        self.revoked.read().is_ok_and(|r| r.contains_key(&sid))
    }

    /// True when a token of `version` predates the user's last change.
    pub fn is_outdated(&self, user: Uuid, version: i64) -> bool {
        self.min_versions
            .read()
            .is_ok_and(|c| c.get(&user).is_some_and(|(min, _)| version < *min))
    }

    pub fn insert(&self, sid: Uuid, forget_at: i64) {
        if let Ok(mut r) = self.revoked.write() {
            r.insert(sid, forget_at);
        }
    }

    pub fn require_version(&self, user: Uuid, min_version: i64, forget_at: i64) {
        if let Ok(mut c) = self.min_versions.write() {
            let entry = c.entry(user).or_insert((min_version, forget_at));
            if min_version >= entry.0 {
                *entry = (min_version, forget_at);
            }
        }
    }

    fn forget_expired(&self, now: i64) {
        if let Ok(mut r) = self.revoked.write() {
            r.retain(|_, at| *at > now);
        }
        if let Ok(mut c) = self.min_versions.write() {
            c.retain(|_, (_, at)| *at > now);
        }
    }
}

/// The one service that writes to Redis: revocations and failed-login counters. Every
/// other service, and the gateway, only reads the revocations.
pub const REDIS_WRITER: &str = "identity";

/// The Redis key of deployment `prefix`'s revocations.
pub fn revocations_key(prefix: &str) -> String {
    format!("{prefix}:revoked-sessions")
}

/// What `service`'s Redis ACL user may do in deployment `prefix`: the rules of an
/// `ACL SETUSER`, or of an ACL file's `user` line after the name and password.
/// [`REDIS_WRITER`] reads and writes the deployment's keys (revocations are scored by the
/// server's clock, read in their script, hence `TIME`); everyone else may read the
/// revocations and nothing else: a pod that is not identity can neither forge nor delete
/// a revocation or a lockout counter.
pub fn redis_acl_rules(prefix: &str, service: &str) -> Vec<String> {
    let head = ["on", "resetkeys", "resetchannels", "-@all", "+@connection"];
    let rest: Vec<String> = if service == REDIS_WRITER {
        [
            "+@read",
            "+@write",
            "+@scripting",
            "+@transaction",
            "-@dangerous",
            "+time",
        ]
        .iter()
        .map(|r| (*r).to_owned())
        .chain([format!("~{prefix}:*")])
        .collect()
    } else {
        vec![
            "-@dangerous".to_owned(),
            "+zrangebyscore".to_owned(),
            format!("%R~{}", revocations_key(prefix)),
        ]
    };
    head.iter().map(|r| (*r).to_owned()).chain(rest).collect()
}

/// The shared record in Redis: a sorted set of session ids scored by the Redis server's
/// clock in milliseconds, so replicas with skewed clocks still read each other's entries.
#[derive(Clone)]
pub struct RevocationStore {
    conn: ConnectionManager,
    key: String,
}

impl std::fmt::Debug for RevocationStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RevocationStore")
            .field("key", &self.key)
            .finish()
    }
}

const REVOKE_SCRIPT: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], now, ARGV[i]) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[1]))
return now";

/// How a service signs in to Redis: an ACL user whose keys are `<namespace>:*`, or the
/// URL's own (no user: the default user).
#[derive(Clone, Default)]
pub struct RedisLogin {
    pub user: Option<String>,
    pub password: Option<SecretString>,
}

impl std::fmt::Debug for RedisLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisLogin")
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl RedisLogin {
    /// A client for `url` signed in as this login.
    pub fn client(&self, url: &str) -> Result<redis::Client, AuthError> {
        use redis::IntoConnectionInfo;
        let redis_error = |e: redis::RedisError| AuthError::Redis(e.to_string());
        let info = url.into_connection_info().map_err(redis_error)?;
        let mut settings = info.redis_settings().clone();
        if let Some(user) = &self.user {
            settings = settings.set_username(user);
        }
        if let Some(password) = &self.password {
            settings = settings.set_password(password.expose_secret());
        }
        redis::Client::open(info.set_redis_settings(settings)).map_err(redis_error)
    }
}

impl RevocationStore {
    /// Connects to Redis; `namespace` separates deployments (and test stacks) sharing one.
    pub async fn connect(
        url: &str,
        login: &RedisLogin,
        namespace: &str,
    ) -> Result<Self, AuthError> {
        let client = login.client(url)?;
        let conn = ConnectionManager::new(client)
            .await
            .map_err(|e| AuthError::Redis(e.to_string()))?;
        Ok(Self {
            conn,
            key: revocations_key(namespace),
        })
    }

    pub fn connection(&self) -> ConnectionManager {
        self.conn.clone()
    }

    /// Records sessions (or API keys) as ended for every verifier.
    pub async fn revoke(&self, sids: &[Uuid]) -> Result<(), AuthError> {
        self.record(sids.iter().map(Uuid::to_string)).await
    }

    /// Voids every token of `user` older than `min_version` (the user's token version after
    /// a change committed).
    pub async fn require_version(&self, user: Uuid, min_version: i64) -> Result<(), AuthError> {
        self.record(std::iter::once(format!("user:{user}:{min_version}")))
            .await
    }

    async fn record(&self, members: impl Iterator<Item = String>) -> Result<(), AuthError> {
        let script = redis::Script::new(REVOKE_SCRIPT);
        let mut invocation = script.prepare_invoke();
        invocation
            .key(&self.key)
            .arg(REVOCATION_HORIZON_SECS * 1000);
        let mut any = false;
        for member in members {
            invocation.arg(member);
            any = true;
        }
        if !any {
            return Ok(());
        }
        invocation
            .invoke_async::<i64>(&mut self.conn.clone())
            .await
            .map(|_| ())
            .map_err(|e| AuthError::Redis(e.to_string()))
    }

    /// Keeps `revocations` current until `shutdown`: reads what Redis keeps (before
    /// returning, so a service verifies nothing before it has read the list once), then
    /// polls. Each poll reads a window around this process's clock, never "after the
    /// highest score seen": an entry scored far in the future (forged, or written by a
    /// Redis whose clock ran ahead) moves nothing, and every few polls a read of everything
    /// finds entries scored in the past (a Redis clock stepped backwards).
    pub async fn watch(
        self,
        revocations: Arc<Revocations>,
        shutdown: CancellationToken,
    ) -> Result<(), AuthError> {
        self.poll(&revocations, true).await?;
        tokio::spawn(async move {
            let mut failing = false;
            let mut polls: u32 = 0;
            loop {
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    () = tokio::time::sleep(REVOCATIONS_POLL_EVERY) => {}
                }
                polls = polls.wrapping_add(1);
                match self
                    .poll(&revocations, polls.is_multiple_of(FULL_READ_EVERY))
                    .await
                {
                    Ok(()) => failing = false,
                    Err(e) if !failing => {
                        failing = true;
                        tracing::warn!(error = %e, "cannot read session revocations from Redis");
                    }
                    Err(_) => {}
                }
            }
        });
        Ok(())
    }

    /// Reads the entries scored up to [`REVOCATION_SKEW_ALLOWANCE_MS`] ahead of this
    /// process's clock: from [`POLL_OVERLAP_MS`] back, or (`full`) all of them.
    async fn poll(&self, revocations: &Revocations, full: bool) -> Result<(), AuthError> {
        let now = chrono::Utc::now();
        let read_at = now.timestamp();
        let now_ms = now.timestamp_millis();
        let low = if full {
            "-inf".to_owned()
        } else {
            (now_ms - POLL_OVERLAP_MS).to_string()
        };
        let entries: Vec<(String, i64)> = redis::cmd("ZRANGEBYSCORE")
            .arg(&self.key)
            .arg(low)
            .arg(now_ms + REVOCATION_SKEW_ALLOWANCE_MS)
            .arg("WITHSCORES")
            .query_async(&mut self.conn.clone())
            .await
            .map_err(|e| AuthError::Redis(e.to_string()))?;
        for (member, score) in entries {
            // Remembered a horizon past the later of its score and now: an entry scored in
            // the past by a Redis whose clock stepped back is not forgotten early.
            let forget_at = (score / 1000).max(read_at) + REVOCATION_HORIZON_SECS;
            if let Some((user, min)) = member
                .strip_prefix("user:")
                .and_then(|rest| rest.split_once(':'))
            {
                if let (Ok(user), Ok(min)) = (Uuid::parse_str(user), min.parse()) {
                    revocations.require_version(user, min, forget_at);
                }
            } else if let Ok(sid) = Uuid::parse_str(&member) {
                revocations.insert(sid, forget_at);
            }
        }
        revocations.forget_expired(chrono::Utc::now().timestamp());
        revocations.mark_read(read_at);
        Ok(())
    }
}
