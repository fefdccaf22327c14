//! Applications present the same API key on every call; the token identity issues for it is
//! kept for a minute, so an application costs identity one lookup a minute rather than one
//! per request, however many orgs and keys share the gateway. Keeping it is safe because
//! every use is verified again: a revoked key's token carries the key as its session, which
//! every verifier refuses within a fraction of a second of the revocation, and disabling
//! the user or changing their role outdates the token the same way (a token the verifier
//! refuses is asked for again, and identity then refuses the key or issues the new rights).
//! Entries are found by a SHA-256 of org, key and client address: the key itself is never
//! held, and a token issued for one address is never served to another (keys may be limited
//! to some addresses). Requests that miss together wait for one identity call rather than
//! each making their own (they would all queue on the key's row there).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use strongroom_core::OrgId;

const TTL: Duration = Duration::from_secs(60);
/// Keys remembered at most; past that, stale ones go, then all.
const CAPACITY: usize = 16_384;

#[derive(Default)]
pub struct ApiKeyTokens {
    /// Each token with when it was issued and when it expires (Unix seconds): a token is
    /// never served past its own expiry, which for a key that expires is the key's.
    tokens: Mutex<HashMap<[u8; 32], (String, Instant, i64)>>,
    /// Keys being asked of identity now, each with the lock its askers queue on.
    asking: Mutex<HashMap<[u8; 32], Arc<tokio::sync::Mutex<()>>>>,
}

/// The right to ask identity for a key's token; others missing it meanwhile wait for it.
pub struct Turn<'a> {
    cache: &'a ApiKeyTokens,
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

impl ApiKeyTokens {
    pub fn digest(org: OrgId, key: &str, client_ip: &str) -> [u8; 32] {
        let mut hash = Sha256::new();
        hash.update(org.0.as_bytes());
        // Length-prefixed, so no (key, address) pair can run into another.
        hash.update((key.len() as u64).to_be_bytes());
        hash.update(key.as_bytes());
        hash.update(client_ip.as_bytes());
        hash.finalize().into()
    }

    /// The token issued for this key less than a minute ago, if any.
    pub fn get(&self, digest: &[u8; 32]) -> Option<String> {
        let tokens = self.tokens.lock().ok()?;
        let (token, at, expires) = tokens.get(digest)?;
        (at.elapsed() < TTL && *expires > unix_now()).then(|| token.clone())
    }

    /// Waits until no other request is asking identity for this key; look in the cache
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

    pub fn put(&self, digest: [u8; 32], token: String, expires: i64) {
        let Ok(mut tokens) = self.tokens.lock() else {
            return;
        };
        if tokens.len() >= CAPACITY {
            tokens.retain(|_, (_, at, _)| at.elapsed() < TTL);
            if tokens.len() >= CAPACITY {
                tokens.clear();
            }
        }
        tokens.insert(digest, (token, Instant::now(), expires));
    }
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
        let cache = ApiKeyTokens::default();
        let (org, other) = (OrgId::new(), OrgId::new());
        let ip = "10.1.2.3";
        let digest = ApiKeyTokens::digest(org, "srk_a", ip);
        cache.put(digest, "token-a".into(), unix_now() + 60);
        assert_eq!(cache.get(&digest).as_deref(), Some("token-a"));
        assert_eq!(cache.get(&ApiKeyTokens::digest(other, "srk_a", ip)), None);
        assert_eq!(cache.get(&ApiKeyTokens::digest(org, "srk_b", ip)), None);
        assert_eq!(
            cache.get(&ApiKeyTokens::digest(org, "srk_a", "10.1.2.4")),
            None
        );
        assert_eq!(cache.get(&ApiKeyTokens::digest(org, "srk_a", "")), None);
        assert_ne!(
            ApiKeyTokens::digest(org, "srk_a1", "0.1.2.3"),
            ApiKeyTokens::digest(org, "srk_a", "10.1.2.3")
        );
        if let Ok(mut tokens) = cache.tokens.lock() {
            tokens.insert(
                digest,
                ("old".into(), Instant::now() - TTL, unix_now() + 60),
            );
        }
        assert_eq!(cache.get(&digest), None);
        // Nor past the token's own expiry (a key that expires sooner than the cache keeps).
        cache.put(digest, "token-a".into(), unix_now() - 1);
        assert_eq!(cache.get(&digest), None);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn requests_that_miss_together_ask_identity_once() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let cache = Arc::new(ApiKeyTokens::default());
        let digest = ApiKeyTokens::digest(OrgId::new(), "srk_a", "10.1.2.3");
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
                cache.put(digest, "token-a".into(), unix_now() + 60);
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
