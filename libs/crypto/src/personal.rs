//! Personal passwords: a user's private store, locked by a passphrase the server never
//! keeps. Argon2id turns the passphrase and a random salt into 64 bytes: the first half is
//! the key that wraps the store's own random key (so a new passphrase rewraps one key, not
//! every entry), the second half, hashed, is the verifier the server keeps to tell a wrong
//! passphrase from a right one. Entries are sealed with the store's key, bound to the org,
//! the user and the entry; an unlock token carries the store's key to later requests of the
//! same user, sealed under the org's data key and bound to the user and its expiry.

use sha2::Digest;
use strongroom_core::{OrgId, UserId};
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::envelope::{KEY_LEN, KeyBytes, aead_open, aead_seal};
use crate::{CryptoError, DataKey};

/// Argon2id's cost: OWASP's recommendation (19 MiB, 2 passes, 1 lane).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PersonalKdf {
    pub memory_kib: u32,
    pub passes: u32,
    pub lanes: u32,
}

pub const PERSONAL_KDF: PersonalKdf = PersonalKdf {
    memory_kib: 19 * 1024,
    passes: 2,
    lanes: 1,
};

/// What a passphrase opens: the key that wraps the store's key, and the verifier.
pub struct PassphraseKeys {
    wrap: KeyBytes,
    verifier: [u8; 32],
}

impl PassphraseKeys {
    /// Derives the keys (CPU- and memory-bound: call it off the async workers).
    pub fn derive(passphrase: &str, salt: &[u8], kdf: PersonalKdf) -> Result<Self, CryptoError> {
        let params = argon2::Params::new(kdf.memory_kib, kdf.passes, kdf.lanes, Some(64))
            .map_err(|_| CryptoError::Encrypt)?;
        let argon =
            argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        let mut out = Zeroizing::new([0u8; 64]);
        argon
            .hash_password_into(passphrase.as_bytes(), salt, &mut out[..])
            .map_err(|_| CryptoError::Encrypt)?;
        let wrap = KeyBytes::from_slice(&out[..KEY_LEN]).ok_or(CryptoError::Encrypt)?;
        let verifier: [u8; 32] = sha2::Sha256::digest(&out[KEY_LEN..]).into();
        Ok(Self { wrap, verifier })
    }

    /// What the server keeps to check a passphrase (it opens nothing).
    pub fn verifier(&self) -> [u8; 32] {
        self.verifier
    }

    /// Whether these keys come from the passphrase `verifier` was made from (constant time).
    pub fn matches(&self, verifier: &[u8]) -> bool {
        verifier.len() == 32
            && self
                .verifier
                .iter()
                .zip(verifier)
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }

    /// Wraps the store's key, bound to its org and user.
    pub fn wrap(
        &self,
        store_key: &DataKey,
        org: OrgId,
        user: UserId,
    ) -> Result<Vec<u8>, CryptoError> {
        aead_seal(
            self.wrap.as_bytes(),
            &store_aad(org, user),
            store_key.as_bytes(),
        )
    }

    pub fn unwrap(&self, wrapped: &[u8], org: OrgId, user: UserId) -> Result<DataKey, CryptoError> {
        let key = aead_open(self.wrap.as_bytes(), &store_aad(org, user), wrapped)?;
        KeyBytes::from_slice(&key)
            .map(DataKey::from_key_bytes)
            .ok_or(CryptoError::Decrypt)
    }
}

fn store_aad(org: OrgId, user: UserId) -> Vec<u8> {
    format!(
        "strongroom/personal-store/v1|{}|{}",
        org.0.hyphenated(),
        user.0.hyphenated()
    )
    .into_bytes()
}

fn entry_aad(org: OrgId, user: UserId, entry: Uuid) -> Vec<u8> {
    format!(
        "strongroom/personal-entry/v1|{}|{}|{}",
        org.0.hyphenated(),
        user.0.hyphenated(),
        entry.hyphenated()
    )
    .into_bytes()
}

fn token_aad(org: OrgId, user: UserId, key_version: i32, expires: i64) -> Vec<u8> {
    format!(
        "strongroom/personal-unlock/v1|{}|{}|{key_version}|{expires}",
        org.0.hyphenated(),
        user.0.hyphenated()
    )
    .into_bytes()
}

/// Seals one entry's content with the store's key.
pub fn seal_entry(
    store_key: &DataKey,
    org: OrgId,
    user: UserId,
    entry: Uuid,
    plaintext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    aead_seal(
        store_key.as_bytes(),
        &entry_aad(org, user, entry),
        plaintext,
    )
}

pub fn open_entry(
    store_key: &DataKey,
    org: OrgId,
    user: UserId,
    entry: Uuid,
    sealed: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    aead_open(store_key.as_bytes(), &entry_aad(org, user, entry), sealed)
}

/// The store's key sealed for the user's later requests until `expires` (unix seconds),
/// under the org's data key of `key_version`.
pub fn seal_unlock(
    org_key: &DataKey,
    key_version: i32,
    org: OrgId,
    user: UserId,
    expires: i64,
    store_key: &DataKey,
) -> Result<Vec<u8>, CryptoError> {
    aead_seal(
        org_key.as_bytes(),
        &token_aad(org, user, key_version, expires),
        store_key.as_bytes(),
    )
}

pub fn open_unlock(
    org_key: &DataKey,
    key_version: i32,
    org: OrgId,
    user: UserId,
    expires: i64,
    sealed: &[u8],
) -> Result<DataKey, CryptoError> {
    let key = aead_open(
        org_key.as_bytes(),
        &token_aad(org, user, key_version, expires),
        sealed,
    )?;
    KeyBytes::from_slice(&key)
        .map(DataKey::from_key_bytes)
        .ok_or(CryptoError::Decrypt)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHEAP: PersonalKdf = PersonalKdf {
        memory_kib: 64,
        passes: 1,
        lanes: 1,
    };

    #[test]
    fn only_the_passphrase_opens_the_store_and_only_for_its_user() {
        let (org, user) = (OrgId::new(), UserId::new());
        let salt = [7u8; 16];
        let keys = PassphraseKeys::derive("correct horse battery", &salt, CHEAP).unwrap();
        let store_key = DataKey::generate();
        let wrapped = keys.wrap(&store_key, org, user).unwrap();
        let again = PassphraseKeys::derive("correct horse battery", &salt, CHEAP).unwrap();
        assert!(again.matches(&keys.verifier()));
        let opened = again.unwrap(&wrapped, org, user).unwrap();
        let sealed = seal_entry(&store_key, org, user, Uuid::nil(), b"entry").unwrap();
        assert_eq!(
            &**open_entry(&opened, org, user, Uuid::nil(), &sealed).unwrap(),
            b"entry"
        );
        let wrong = PassphraseKeys::derive("wrong horse battery", &salt, CHEAP).unwrap();
        assert!(!wrong.matches(&keys.verifier()));
        assert!(wrong.unwrap(&wrapped, org, user).is_err());
        assert!(again.unwrap(&wrapped, org, UserId::new()).is_err());
        assert!(open_entry(&opened, org, UserId::new(), Uuid::nil(), &sealed).is_err());
        assert!(open_entry(&opened, org, user, Uuid::new_v4(), &sealed).is_err());
    }

    #[test]
    fn an_unlock_token_opens_for_its_user_and_expiry_only() {
        let (org, user) = (OrgId::new(), UserId::new());
        let org_key = DataKey::generate();
        let store_key = DataKey::generate();
        let token = seal_unlock(&org_key, 1, org, user, 1_000, &store_key).unwrap();
        let opened = open_unlock(&org_key, 1, org, user, 1_000, &token).unwrap();
        let sealed = seal_entry(&store_key, org, user, Uuid::nil(), b"x").unwrap();
        assert!(open_entry(&opened, org, user, Uuid::nil(), &sealed).is_ok());
        assert!(open_unlock(&org_key, 1, org, user, 2_000, &token).is_err());
        assert!(open_unlock(&org_key, 1, org, UserId::new(), 1_000, &token).is_err());
        assert!(open_unlock(&org_key, 2, org, user, 1_000, &token).is_err());
    }
}
