//! Data keys and AES-256-GCM sealing of secrets.

use std::fmt;

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{Aead, KeyInit, Nonce, Payload};
use strongroom_core::{AccountId, OrgId};
use zeroize::{Zeroize, Zeroizing};

use crate::CryptoError;

/// Length of every symmetric key handled here (AES-256).
pub(crate) const KEY_LEN: usize = 32;
/// AES-GCM nonce length (96 bits).
pub(crate) const NONCE_LEN: usize = 12;
/// AES-GCM tag length.
pub(crate) const TAG_LEN: usize = 16;

/// A 256-bit key kept on the heap (so moves do not leave copies behind) and wiped on drop.
pub(crate) struct KeyBytes(Box<[u8; KEY_LEN]>);

impl KeyBytes {
    pub(crate) fn zeroed() -> Self {
        Self(Box::new([0u8; KEY_LEN]))
    }

    pub(crate) fn random() -> Self {
        let mut key = Self::zeroed();
        rand::fill(&mut key.as_mut_bytes()[..]);
        key
    }

    /// Copies a key out of `bytes`; `None` unless it is exactly [`KEY_LEN`] long.
    pub(crate) fn from_slice(bytes: &[u8]) -> Option<Self> {
        if bytes.len() != KEY_LEN {
            return None;
        }
        let mut key = Self::zeroed();
        key.as_mut_bytes().copy_from_slice(bytes);
        Some(key)
    }

    pub(crate) fn as_bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    pub(crate) fn as_mut_bytes(&mut self) -> &mut [u8; KEY_LEN] {
        &mut self.0
    }
}

impl Drop for KeyBytes {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// An org's 256-bit data-encryption key (DEK). Wiped from memory on drop; its `Debug`
/// output is redacted; it cannot be cloned, compared or serialized.
pub struct DataKey(KeyBytes);

impl DataKey {
    /// A fresh random key from the operating system's CSPRNG (via `rand`'s thread RNG).
    pub fn generate() -> Self {
        Self(KeyBytes::random())
    }

    pub(crate) fn from_key_bytes(key: KeyBytes) -> Self {
        Self(key)
    }

    pub(crate) fn as_bytes(&self) -> &[u8; KEY_LEN] {
        self.0.as_bytes()
    }
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey(<redacted>)")
    }
}

/// What a sealed secret is bound to. Opening with any other value fails, so a ciphertext
/// copied to another account, org or version is useless.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SecretAad {
    pub org: OrgId,
    pub account: AccountId,
    pub version: i32,
}

impl SecretAad {
    /// The associated data actually fed to AES-GCM:
    /// `strongroom/secret/v1|<org uuid>|<account uuid>|<version>`. Uuids are fixed-length
    /// hyphenated hex and the version is plain decimal, so the encoding is unambiguous.
    pub fn encode(&self) -> Vec<u8> {
        format!(
            "strongroom/secret/v1|{}|{}|{}",
            self.org.0.hyphenated(),
            self.account.0.hyphenated(),
            self.version
        )
        .into_bytes()
    }
}

/// Encrypts `plaintext` under `key`, bound to `aad`. Output: `nonce (12) || ciphertext || tag (16)`.
pub fn seal(key: &DataKey, aad: &SecretAad, plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
    aead_seal(key.as_bytes(), &aad.encode(), plaintext)
}

/// Decrypts the output of [`seal`]. Fails with [`CryptoError::Decrypt`] for a wrong key, a
/// different `aad`, or any modification of `sealed`.
pub fn open(
    key: &DataKey,
    aad: &SecretAad,
    sealed: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    aead_open(key.as_bytes(), &aad.encode(), sealed)
}

/// What a sealed setting is bound to: the service that keeps it, its org, the data key
/// version and the setting's name. A setting sealed for identity does not open for tenant,
/// nor for another org or name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SettingAad<'a> {
    pub service: &'a str,
    pub org: OrgId,
    pub version: i32,
    pub name: &'a str,
}

impl SettingAad<'_> {
    /// `strongroom/setting/v2|<service>|<org uuid>|<version>|<name>`: only the name, last,
    /// has a free form, so the encoding is unambiguous.
    pub fn encode(&self) -> Vec<u8> {
        format!(
            "strongroom/setting/v2|{}|{}|{}|{}",
            self.service,
            self.org.0.hyphenated(),
            self.version,
            self.name
        )
        .into_bytes()
    }
}

/// What a password-kind field of a resource or an account is bound to: its org, its owner
/// (the resource or account), the data key's version and the field's name. A value copied
/// to another field, owner or org does not decrypt.
#[derive(Debug, Clone, Copy)]
pub struct FieldAad<'a> {
    pub org: OrgId,
    /// `resource` or `account`.
    pub owner_kind: &'a str,
    pub owner: uuid::Uuid,
    pub key_version: i32,
    pub name: &'a str,
}

impl FieldAad<'_> {
    /// `strongroom/field/v1|<org uuid>|<owner kind>|<owner uuid>|<key version>|<name>`: only
    /// the name, last, has a free form, so the encoding is unambiguous.
    pub fn encode(&self) -> Vec<u8> {
        format!(
            "strongroom/field/v1|{}|{}|{}|{}|{}",
            self.org.0.hyphenated(),
            self.owner_kind,
            self.owner.hyphenated(),
            self.key_version,
            self.name
        )
        .into_bytes()
    }
}

/// As [`seal`], for a password-kind field.
pub fn seal_field(
    key: &DataKey,
    aad: &FieldAad<'_>,
    plaintext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    aead_seal(key.as_bytes(), &aad.encode(), plaintext)
}

/// As [`open`], for a password-kind field.
pub fn open_field(
    key: &DataKey,
    aad: &FieldAad<'_>,
    sealed: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    aead_open(key.as_bytes(), &aad.encode(), sealed)
}

/// How a setting sealed by the vault with an org's data key begins (then the key's version,
/// 4 bytes big-endian, then [`seal_setting`]'s output). Settings sealed before carry no
/// such mark (they begin with a random nonce).
pub const ORG_SEALED_SETTING: &[u8; 4] = b"SRs2";

/// As [`seal`], for a setting's secret.
pub fn seal_setting(
    key: &DataKey,
    aad: &SettingAad<'_>,
    plaintext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    aead_seal(key.as_bytes(), &aad.encode(), plaintext)
}

/// As [`open`], for a setting's secret.
pub fn open_setting(
    key: &DataKey,
    aad: &SettingAad<'_>,
    sealed: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    aead_open(key.as_bytes(), &aad.encode(), sealed)
}

/// AES-256-GCM with a random 96-bit nonce, returned as `nonce || ciphertext || tag`.
pub(crate) fn aead_seal(
    key: &[u8; KEY_LEN],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let cipher = Aes256Gcm::new(key.into());
    let nonce_bytes: [u8; NONCE_LEN] = rand::random();
    let nonce: &Nonce<Aes256Gcm> = (&nonce_bytes).into();
    let ciphertext = cipher
        .encrypt(
            nonce,
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .map_err(|_| CryptoError::Encrypt)?;
    let mut out = Vec::with_capacity(NONCE_LEN + ciphertext.len());
    out.extend_from_slice(&nonce_bytes);
    out.extend_from_slice(&ciphertext);
    Ok(out)
}

/// Inverse of [`aead_seal`].
pub(crate) fn aead_open(
    key: &[u8; KEY_LEN],
    aad: &[u8],
    sealed: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    if sealed.len() < NONCE_LEN + TAG_LEN {
        return Err(CryptoError::Decrypt);
    }
    let (nonce_bytes, ciphertext) = sealed.split_at(NONCE_LEN);
    let nonce = <&Nonce<Aes256Gcm>>::try_from(nonce_bytes).map_err(|_| CryptoError::Decrypt)?;
    let cipher = Aes256Gcm::new(key.into());
    cipher
        .decrypt(
            nonce,
            Payload {
                msg: ciphertext,
                aad,
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| CryptoError::Decrypt)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_field_opens_only_for_its_org_owner_key_version_and_name() {
        let key = DataKey::generate();
        let aad = FieldAad {
            org: OrgId::new(),
            owner_kind: "account",
            owner: uuid::Uuid::new_v4(),
            key_version: 1,
            name: "enable_password",
        };
        let sealed = seal_field(&key, &aad, b"en4ble").unwrap();
        assert_eq!(&**open_field(&key, &aad, &sealed).unwrap(), b"en4ble");
        let others = [
            FieldAad {
                org: OrgId::new(),
                ..aad
            },
            FieldAad {
                owner_kind: "resource",
                ..aad
            },
            FieldAad {
                owner: uuid::Uuid::new_v4(),
                ..aad
            },
            FieldAad {
                key_version: 2,
                ..aad
            },
            FieldAad { name: "pin", ..aad },
        ];
        for other in others {
            assert!(open_field(&key, &other, &sealed).is_err(), "{other:?}");
        }
    }

    #[test]
    fn a_sealed_setting_opens_only_for_its_service_org_version_and_name() {
        let key = DataKey::generate();
        let org = OrgId::new();
        let aad = SettingAad {
            service: "identity",
            org,
            version: 1,
            name: "directory.bind_password",
        };
        let sealed = seal_setting(&key, &aad, b"s3cret").unwrap();
        assert_eq!(&**open_setting(&key, &aad, &sealed).unwrap(), b"s3cret");
        let others = [
            SettingAad {
                service: "tenant",
                ..aad
            },
            SettingAad {
                org: OrgId::new(),
                ..aad
            },
            SettingAad { version: 2, ..aad },
            SettingAad {
                name: "mail.password",
                ..aad
            },
        ];
        for other in others {
            assert!(open_setting(&key, &other, &sealed).is_err(), "{other:?}");
        }
        assert!(open_setting(&DataKey::generate(), &aad, &sealed).is_err());
    }
}
