//! Secrets a service keeps in an org's settings to do its own work (identity's directory
//! bind password, tenant's mail and proxy passwords). The vault seals them with the org's
//! data key, bound to the calling service, the org and the setting's name, so deleting the
//! org (which destroys its KMS key) makes every copy unreadable, backups included. Settings
//! sealed before with the service's own key file are still read, and sealed again.

use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};
use strongroom_core::{ErrorCode, HasErrorCode, OrgId};
use strongroom_crypto::{ORG_SEALED_SETTING, SettingsKey};
use strongroom_proto::vault::vault_client::VaultClient;
use strongroom_proto::vault::{OpenSettingRequest, SealSettingRequest};
use tonic::transport::Channel;
use zeroize::Zeroizing;

#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("the vault could not seal or open a stored setting: {}", .0.message())]
    Vault(tonic::Status),
    #[error("a stored setting cannot be read")]
    Unreadable,
}

impl HasErrorCode for SealError {
    fn code(&self) -> ErrorCode {
        match self {
            SealError::Vault(s) if s.code() == tonic::Code::Unavailable => ErrorCode::Unavailable,
            _ => ErrorCode::Internal,
        }
    }
}

#[derive(Clone)]
pub struct SettingsSealer {
    vault: VaultClient<Channel>,
    /// The service's own key file of before, if it is still there.
    legacy: Option<Arc<SettingsKey>>,
}

impl SettingsSealer {
    pub fn new(vault: VaultClient<Channel>, legacy: Option<SettingsKey>) -> Self {
        Self {
            vault,
            legacy: legacy.map(Arc::new),
        }
    }

    pub async fn seal(
        &self,
        org: OrgId,
        name: &str,
        secret: &SecretString,
    ) -> Result<Vec<u8>, SealError> {
        let sealed = self
            .vault
            .clone()
            .seal_setting(SealSettingRequest {
                org_id: org.to_string(),
                name: name.to_owned(),
                plaintext: secret.expose_secret().as_bytes().to_vec(),
            })
            .await
            .map_err(SealError::Vault)?;
        Ok(sealed.into_inner().sealed)
    }

    pub async fn open(
        &self,
        org: OrgId,
        name: &str,
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, SealError> {
        if !Self::is_legacy(sealed) {
            let opened = self
                .vault
                .clone()
                .open_setting(OpenSettingRequest {
                    org_id: org.to_string(),
                    name: name.to_owned(),
                    sealed: sealed.to_vec(),
                })
                .await
                .map_err(SealError::Vault)?;
            return Ok(Zeroizing::new(opened.into_inner().plaintext));
        }
        let legacy = self.legacy.as_ref().ok_or(SealError::Unreadable)?;
        legacy
            .open(org, name, sealed)
            .map_err(|_| SealError::Unreadable)
    }

    /// Sealed with the service's own key file, before the org's data key sealed settings.
    pub fn is_legacy(sealed: &[u8]) -> bool {
        !sealed.starts_with(ORG_SEALED_SETTING)
    }

    /// `sealed` as the vault seals it now: opened and sealed again if it is older.
    pub async fn resealed(
        &self,
        org: OrgId,
        name: &str,
        sealed: &[u8],
    ) -> Result<Option<Vec<u8>>, SealError> {
        if !Self::is_legacy(sealed) {
            return Ok(None);
        }
        let plain = self.open(org, name, sealed).await?;
        let secret = SecretString::from(String::from_utf8_lossy(&plain).into_owned());
        self.seal(org, name, &secret).await.map(Some)
    }
}

/// Once per start, in the background: `reseal` each org's settings sealed before (with the
/// service's own key file) so they are sealed with the org's data key, retrying every few
/// seconds while that fails (the vault may start later than this service).
pub async fn reseal_every_org<F, Fut, E>(
    db: strongroom_tenancy::TenantDb,
    what: &'static str,
    shutdown: tokio_util::sync::CancellationToken,
    mut reseal: F,
) where
    F: FnMut(OrgId) -> Fut,
    Fut: Future<Output = Result<bool, E>>,
    E: std::fmt::Display,
{
    let mut pending = match db.provisioned_orgs().await {
        Ok(orgs) => orgs,
        Err(e) => {
            tracing::warn!(error = %e, what, "cannot list orgs to seal their settings again");
            return;
        }
    };
    let mut resealed = 0;
    // About five minutes of retries; what still fails then is logged and left as it is.
    for round in 1..=60 {
        if pending.is_empty() || shutdown.is_cancelled() {
            break;
        }
        let mut failed = Vec::new();
        for org in pending {
            match reseal(org).await {
                Ok(true) => resealed += 1,
                Ok(false) => {}
                Err(e) if round == 60 => {
                    tracing::warn!(%org, error = %e, what, "could not seal settings again");
                }
                Err(e) => {
                    tracing::debug!(%org, error = %e, what, "sealing settings again failed; retrying");
                    failed.push(org);
                }
            }
        }
        pending = failed;
        if !pending.is_empty() {
            tokio::select! {
                () = shutdown.cancelled() => {}
                () = tokio::time::sleep(std::time::Duration::from_secs(5)) => {}
            }
        }
    }
    if resealed > 0 {
        tracing::info!(
            orgs = resealed,
            what,
            "sealed settings again with each org's data key"
        );
    }
}
