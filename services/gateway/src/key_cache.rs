//! Tokens the gateway is issued on a caller's behalf, kept for a while so they are not asked
//! for on every request. Two kinds are kept, each in its own cache:
//!
//! - **API keys.** Applications present the same key on every call; the token identity
//!   issues for it is kept for a minute, so an application costs identity one lookup a
//!   minute rather than one per request, however many orgs and keys share the gateway.
//!   Entries are found by a SHA-256 of org, key and client address: the key itself is never
//!   held, and a token issued for one address is never served to another (keys may be
//!   limited to some addresses).
//! - **MSP staff working in a client org.** Their token is exchanged for one scoped to that
//!   org, carrying what the org's MSP-staff settings deny; the exchanged token is kept for
//!   one second (found by org and a SHA-256 of the token it was exchanged from), so a page
//!   that makes several calls, or a script, costs one exchange a second. A change to the
//!   org's MSP-staff settings, a revoked grant or a new account manager therefore reaches
//!   every replica within a second; the replica that made the change forgets its exchanged
//!   tokens at once (see [`forget_exchanges_after_changes`]).
//!
//! Keeping either is safe because every use is verified again: a revoked key or ended
//! session carries its id as the token's session, which every verifier refuses within a
//! fraction of a second of the revocation, and disabling the user or changing their role
//! outdates the token the same way (a token the verifier refuses is asked for again, and
//! identity then refuses it or issues the new rights). Requests that miss together wait for
//! one identity call rather than each making their own.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use strongroom_core::OrgId;

/// How long an API key's token is kept.
pub const KEY_TOKEN_TTL: Duration = Duration::from_secs(60);
/// How long an exchanged token is kept: the longest an MSP-access change may take to apply.
pub const EXCHANGED_TOKEN_TTL: Duration = Duration::from_secs(1);
/// Tokens remembered at most; past that, stale ones go, then all.
const CAPACITY: usize = 16_384;

pub struct TokenCache {
    ttl: Duration,
    /// Each token with when it was issued and when it expires (Unix seconds): a token is
    /// never served past its own expiry, which for a key that expires is the key's.
    tokens: Mutex<HashMap<[u8; 32], (String, Instant, i64)>>,
    /// Keys being asked of identity now, each with the lock its askers queue on.
    asking: Mutex<HashMap<[u8; 32], Arc<tokio::sync::Mutex<()>>>>,
}

/// The right to ask identity for a key's token; others missing it meanwhile wait for it.
pub struct Turn<'a> {
    cache: &'a TokenCache,
    digest: [u8; 32],
    lock: Arc<tokio::sync::Mutex<()>>,
    _held: tokio::sync::OwnedMutexGuard<()>,
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        if let Ok(mut asking) = self.cache.asking.lock()
            && asking
                .get(&self.digest)
                .is_some_and(|l| Arc::ptr_eq(l, &self.lock))
        {
            asking.remove(&self.digest);
        }
    }
}

impl TokenCache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            tokens: Mutex::default(),
            asking: Mutex::default(),
        }
    }

    /// Where the token issued for `secret` (an API key, or the token an exchanged one came
    /// from) in `org`, asked from `client_ip`, is kept.
    pub fn digest(org: OrgId, secret: &str, client_ip: &str) -> [u8; 32] {
        let mut hash = Sha256::new();
        hash.update(org.0.as_bytes());
        // Length-prefixed, so no (secret, address) pair can run into another.
        hash.update((secret.len() as u64).to_be_bytes());
        hash.update(secret.as_bytes());
        hash.update(client_ip.as_bytes());
        hash.finalize().into()
    }

    /// The token issued less than the cache's TTL ago, if any.
    pub fn get(&self, digest: &[u8; 32]) -> Option<String> {
        let tokens = self.tokens.lock().ok()?;
        let (token, at, expires) = tokens.get(digest)?;
        (at.elapsed() < self.ttl && *expires > unix_now()).then(|| token.clone())
    }

    /// Forgets every token kept.
    pub fn forget_all(&self) {
        if let Ok(mut tokens) = self.tokens.lock() {
            tokens.clear();
        }
    }

    /// Waits until no other request is asking identity for this token; look in the cache
    /// again once it returns.
    pub async fn turn(&self, digest: [u8; 32]) -> Turn<'_> {
        let lock = match self.asking.lock() {
            Ok(mut asking) => asking.entry(digest).or_default().clone(),
            Err(_) => Arc::default(),
        };
        let held = lock.clone().lock_owned().await;
        Turn {
            cache: self,
            digest,
            lock,
            _held: held,
        }
    }

    /// Keeps `token`, asked for at `asked` (its age counts from the question, not the
    /// answer: what identity read may have changed while it answered).
    pub fn put(&self, digest: [u8; 32], token: String, expires: i64, asked: Instant) {
        let Ok(mut tokens) = self.tokens.lock() else {
            return;
        };
        if tokens.len() >= CAPACITY {
            tokens.retain(|_, (_, at, _)| at.elapsed() < self.ttl);
            if tokens.len() >= CAPACITY {
                tokens.clear();
            }
        }
        tokens.insert(digest, (token, asked, expires));
    }
}

/// After any change made through this gateway succeeds, its exchanged tokens are forgotten:
/// a change that narrows what MSP staff may do in an org (its MSP-staff settings, a revoked
/// grant, another account manager, a group membership in MSPOrg) applies from the next
/// request here, and within [`EXCHANGED_TOKEN_TTL`] on other replicas. Reads keep them.
pub async fn forget_exchanges_after_changes(
    axum::extract::State(state): axum::extract::State<crate::Gateway>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let reads = matches!(
        *request.method(),
        axum::http::Method::GET | axum::http::Method::HEAD | axum::http::Method::OPTIONS
    );
    let response = next.run(request).await;
    if !reads && response.status().is_success() {
        state.exchanged_tokens.forget_all();
    }
    response
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_found_for_its_org_key_and_address_only_and_not_after_a_minute() {
        let cache = TokenCache::new(KEY_TOKEN_TTL);
        let (org, other) = (OrgId::new(), OrgId::new());
        let ip = "10.1.2.3";
        let digest = TokenCache::digest(org, "srk_a", ip);
        cache.put(digest, "token-a".into(), unix_now() + 60, Instant::now());
        assert_eq!(cache.get(&digest).as_deref(), Some("token-a"));
        assert_eq!(cache.get(&TokenCache::digest(other, "srk_a", ip)), None);
        assert_eq!(cache.get(&TokenCache::digest(org, "srk_b", ip)), None);
        assert_eq!(
            cache.get(&TokenCache::digest(org, "srk_a", "10.1.2.4")),
            None
        );
        assert_eq!(cache.get(&TokenCache::digest(org, "srk_a", "")), None);
        assert_ne!(
            TokenCache::digest(org, "srk_a1", "0.1.2.3"),
            TokenCache::digest(org, "srk_a", "10.1.2.3")
        );
        if let Ok(mut tokens) = cache.tokens.lock() {
            tokens.insert(
                digest,
                (
                    "old".into(),
                    Instant::now() - KEY_TOKEN_TTL,
                    unix_now() + 60,
                ),
            );
        }
        assert_eq!(cache.get(&digest), None);
        // Nor past the token's own expiry (a key that expires sooner than the cache keeps).
        cache.put(digest, "token-a".into(), unix_now() - 1, Instant::now());
        assert_eq!(cache.get(&digest), None);
    }

    #[test]
    fn an_exchanged_token_is_kept_one_second_and_forgotten_on_demand() {
        let cache = TokenCache::new(EXCHANGED_TOKEN_TTL);
        let digest = TokenCache::digest(OrgId::new(), "eyJ.source.token", "");
        cache.put(digest, "exchanged".into(), unix_now() + 600, Instant::now());
        assert_eq!(cache.get(&digest).as_deref(), Some("exchanged"));
        cache.forget_all();
        assert_eq!(cache.get(&digest), None);
        if let Ok(mut tokens) = cache.tokens.lock() {
            let at = Instant::now() - EXCHANGED_TOKEN_TTL;
            tokens.insert(digest, ("exchanged".into(), at, unix_now() + 600));
        }
        assert_eq!(cache.get(&digest), None, "not past one second");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn requests_that_miss_together_ask_identity_once() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let cache = Arc::new(TokenCache::new(KEY_TOKEN_TTL));
        let digest = TokenCache::digest(OrgId::new(), "srk_a", "10.1.2.3");
        let asked = Arc::new(AtomicUsize::new(0));
        let mut requests = tokio::task::JoinSet::new();
        for _ in 0..16 {
            let (cache, asked) = (cache.clone(), asked.clone());
            requests.spawn(async move {
                if let Some(token) = cache.get(&digest) {
                    return token;
                }
                let _turn = cache.turn(digest).await;
                if let Some(token) = cache.get(&digest) {
                    return token;
                }
                asked.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(50)).await;
                cache.put(digest, "token-a".into(), unix_now() + 60, Instant::now());
                "token-a".to_owned()
            });
        }
        while let Some(token) = requests.join_next().await {
            assert_eq!(token.unwrap(), "token-a");
        }
        assert_eq!(asked.load(Ordering::SeqCst), 1);
        assert!(
            cache.asking.lock().unwrap().is_empty(),
            "no turn is left behind"
        );
    }
}
