//! Sealed settings of other services (identity's directory bind password, tenant's mail
//! and proxy passwords), sealed with the org's data key so deleting the org shreds them.

use strongroom_core::OrgId;
use strongroom_crypto::{ORG_SEALED_SETTING, SettingAad, open_setting, seal_setting};
use strongroom_trust::Service;
use zeroize::Zeroizing;

use crate::app::Vault;
use crate::error::VaultError;

impl Vault {
    /// Seals a secret `service` keeps in the org's settings with the org's current data key.
    /// The result begins with [`ORG_SEALED_SETTING`] and the key's version (4 bytes,
    /// big-endian).
    pub async fn seal_setting(
        &self,
        service: Service,
        org: OrgId,
        name: &str,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, VaultError> {
        let (version, key) = self.keys.ring(org).await?.current();
        let aad = SettingAad {
            service: service.as_str(),
            org,
            version,
            name,
        };
        let mut sealed = ORG_SEALED_SETTING.to_vec();
        sealed.extend(version.to_be_bytes());
        sealed.extend(seal_setting(&key, &aad, plaintext)?);
        Ok(sealed)
    }

    /// Opens what [`Vault::seal_setting`] sealed for the same service, org and name.
    pub async fn open_setting(
        &self,
        service: Service,
        org: OrgId,
        name: &str,
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        let unreadable = || VaultError::InvalidInput("the sealed setting cannot be read".into());
        let sealed = sealed
            .strip_prefix(ORG_SEALED_SETTING.as_slice())
            .ok_or_else(unreadable)?;
        let (version, sealed) = sealed.split_first_chunk::<4>().ok_or_else(unreadable)?;
        let version = i32::from_be_bytes(*version);
        let key = match self.keys.ring(org).await?.version(version) {
            Some(key) => key,
            // Another replica may have added the version since this one read the ring.
            None => self
                .keys
                .reload(org)
                .await?
                .version(version)
                .ok_or_else(unreadable)?,
        };
        let aad = SettingAad {
            service: service.as_str(),
            org,
            version,
            name,
        };
        open_setting(&key, &aad, sealed).map_err(|_| unreadable())
    }
}
