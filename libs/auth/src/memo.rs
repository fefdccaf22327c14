//! Tokens already verified, remembered once per process and token key: the services of one
//! process (`strongroom up`) check a token's signature once between them, not once each as
//! a request reaches the gateway, the vault and access in turn. Only the signature's answer
//! is shared; each service still checks expiry and its own revocations on every use.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, PoisonError, RwLock, Weak};

use sha2::{Digest, Sha256};

use crate::Claims;

/// Verified tokens' claims, by the token's SHA-256 (never the token itself).
type Verified = RwLock<HashMap<[u8; 32], Claims>>;
pub(crate) type Memo = Arc<Verified>;

/// The process's memories, by the SHA-256 of the public key they verify with.
static MEMOS: LazyLock<Mutex<HashMap<[u8; 32], Weak<Verified>>>> = LazyLock::new(Mutex::default);

/// The memory of tokens verified with the public key `pem` in this process, shared by
/// every verifier of that key.
pub(crate) fn for_key(pem: &[u8]) -> Memo {
    let key: [u8; 32] = Sha256::digest(pem.trim_ascii()).into();
    let mut memos = MEMOS.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(memo) = memos.get(&key).and_then(Weak::upgrade) {
        return memo;
    }
    memos.retain(|_, memo| memo.strong_count() > 0);
    let memo = Memo::default();
    memos.insert(key, Arc::downgrade(&memo));
    memo
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use crate::{Verifier, generate_keypair};

    #[test]
    fn verifiers_of_one_key_share_a_memory_and_of_another_key_do_not() {
        let (_, public) = generate_keypair().unwrap();
        let (_, other) = generate_keypair().unwrap();
        let gateway = Verifier::from_pem(public.as_bytes()).unwrap();
        let vault = Verifier::from_pem(format!("{public}\n").as_bytes()).unwrap();
        let elsewhere = Verifier::from_pem(other.as_bytes()).unwrap();
        assert!(Arc::ptr_eq(&gateway.verified, &vault.verified));
        assert!(!Arc::ptr_eq(&gateway.verified, &elsewhere.verified));
    }
}
