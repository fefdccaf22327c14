//! A service's own key for the few credentials it must keep to do its work (e.g. the
//! directory bind password the identity service binds with), sealed with AES-256-GCM and
//! bound to the org and the setting's name.

use std::path::Path;

use strongroom_core::OrgId;
use zeroize::Zeroizing;

use crate::CryptoError;
use crate::envelope::{KEY_LEN, KeyBytes, aead_open, aead_seal};

/// Wiped on drop; never printed.
pub struct SettingsKey(KeyBytes);

impl std::fmt::Debug for SettingsKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SettingsKey(<redacted>)")
    }
}

impl SettingsKey {
    /// Reads the key file, creating it (0600, random) on first start.
    pub fn load_or_create(path: &Path) -> Result<Self, CryptoError> {
        let fail = |reason: String| CryptoError::KeyFile {
            path: path.display().to_string(),
            reason,
        };
        if !path.exists() {
            use std::io::Write;
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| fail(e.to_string()))?;
            }
            let key = KeyBytes::random();
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            match options.open(path) {
                Ok(mut file) => file
                    .write_all(key.as_bytes())
                    .map_err(|e| fail(e.to_string()))?,
                // Another process created it first: read theirs.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(fail(e.to_string())),
            }
        }
        let mut file = std::fs::File::open(path).map_err(|e| fail(e.to_string()))?;
        let meta = file.metadata().map_err(|e| fail(e.to_string()))?;
        crate::kms::local::ensure_owner_only(path, &meta)?;
        let mut bytes = Zeroizing::new(Vec::new());
        std::io::Read::read_to_end(&mut file, &mut bytes).map_err(|e| fail(e.to_string()))?;
        KeyBytes::from_slice(&bytes)
            .map(Self)
            .ok_or_else(|| fail(format!("expected {KEY_LEN} bytes")))
    }

    /// Reads the key file if there is one: settings sealed with it before they were sealed
    /// with each org's data key can still be read (and sealed again).
    pub fn load_existing(path: &Path) -> Result<Option<Self>, CryptoError> {
        if path.exists() {
            Self::load_or_create(path).map(Some)
        } else {
            Ok(None)
        }
    }

    pub fn seal(&self, org: OrgId, name: &str, plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        aead_seal(self.0.as_bytes(), &aad(org, name), plaintext)
    }

    pub fn open(
        &self,
        org: OrgId,
        name: &str,
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        aead_open(self.0.as_bytes(), &aad(org, name), sealed)
    }
}

fn aad(org: OrgId, name: &str) -> Vec<u8> {
    format!("strongroom/setting/v1|{}|{name}", org.0.hyphenated()).into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_setting_opens_only_for_its_org_and_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.key");
        let key = SettingsKey::load_or_create(&path).unwrap();
        let org = OrgId::new();
        let sealed = key.seal(org, "bind", b"s3cret").unwrap();
        assert_eq!(&**key.open(org, "bind", &sealed).unwrap(), b"s3cret");
        assert!(key.open(OrgId::new(), "bind", &sealed).is_err());
        assert!(key.open(org, "other", &sealed).is_err());
        // The same file gives the same key after a restart.
        let again = SettingsKey::load_or_create(&path).unwrap();
        assert_eq!(&**again.open(org, "bind", &sealed).unwrap(), b"s3cret");
    }
}
