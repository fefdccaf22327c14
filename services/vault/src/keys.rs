//! Each org's data key: created at provisioning, stored wrapped by the org's KMS key, and
//! kept unwrapped in this process only, so retrievals never call the KMS.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use strongroom_core::{OrgId, to_status};
use strongroom_crypto::{AnyKms, DataKey, Kms};
use strongroom_runtime::OnProvision;
use strongroom_tenancy::TenantDb;

use crate::error::VaultError;

pub struct OrgKeys {
    db: TenantDb,
    kms: AnyKms,
    current: RwLock<HashMap<OrgId, (i32, Arc<DataKey>)>>,
}

impl OrgKeys {
    pub fn new(db: TenantDb, kms: AnyKms) -> Self {
        Self {
            db,
            kms,
            current: RwLock::default(),
        }
    }

    /// Creates the org's KMS key and first data key unless they exist. Idempotent.
    pub async fn ensure_data_key(&self, org: OrgId) -> Result<(), VaultError> {
        self.kms.ensure_key(org).await?;
        let mut tx = self.db.begin(org).await?;
        let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM data_keys)")
            .fetch_one(&mut *tx)
            .await?;
        if !exists {
            let key = DataKey::generate();
            let wrapped = self.kms.wrap(org, &key).await?;
            sqlx::query(
                "INSERT INTO data_keys (version, wrapped) VALUES (1, $1) ON CONFLICT DO NOTHING",
            )
            .bind(wrapped)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The key new secrets are sealed with, and its version.
    pub async fn current(&self, org: OrgId) -> Result<(i32, Arc<DataKey>), VaultError> {
        if let Some(found) = self.cached(org) {
            return Ok(found);
        }
        let mut tx = self.db.begin(org).await?;
        let row: Option<(i32, Vec<u8>)> =
            sqlx::query_as("SELECT version, wrapped FROM data_keys ORDER BY version DESC LIMIT 1")
                .fetch_optional(&mut *tx)
                .await?;
        tx.commit().await?;
        let (version, wrapped) = row.ok_or(VaultError::MissingDataKey(org))?;
        let key = Arc::new(self.kms.unwrap(org, &wrapped).await?);
        if let Ok(mut cache) = self.current.write() {
            cache.insert(org, (version, key.clone()));
        }
        Ok((version, key))
    }

    /// The key of a given version (older versions are unwrapped on demand).
    pub async fn version(&self, org: OrgId, version: i32) -> Result<Arc<DataKey>, VaultError> {
        let (current, key) = self.current(org).await?;
        if current == version {
            return Ok(key);
        }
        let mut tx = self.db.begin(org).await?;
        let wrapped: Option<Vec<u8>> =
            sqlx::query_scalar("SELECT wrapped FROM data_keys WHERE version = $1")
                .bind(version)
                .fetch_optional(&mut *tx)
                .await?;
        tx.commit().await?;
        let wrapped = wrapped.ok_or(VaultError::MissingDataKey(org))?;
        Ok(Arc::new(self.kms.unwrap(org, &wrapped).await?))
    }

    fn cached(&self, org: OrgId) -> Option<(i32, Arc<DataKey>)> {
        self.current.read().ok()?.get(&org).cloned()
    }
}

/// Provisioning hook: a new org gets its data key before it is usable.
pub struct ProvisionKey(pub Arc<OrgKeys>);

impl OnProvision for ProvisionKey {
    async fn provisioned(&self, org: OrgId) -> Result<(), tonic::Status> {
        self.0.ensure_data_key(org).await.map_err(|e| to_status(&e))
    }
}
