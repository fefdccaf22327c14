//! Each org's data key: created at provisioning, stored wrapped by the org's KMS key, and
//! kept unwrapped in this process only, so retrievals never call the KMS.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use strongroom_core::{OrgId, to_status};
use strongroom_crypto::{AnyKms, DataKey, Kms};
use strongroom_events::{Actor, Event, Outbox, Target};
use strongroom_runtime::OnProvision;
use strongroom_tenancy::{TenantDb, TenantTx};

use crate::cache::SecretCache;
use crate::error::VaultError;
use crate::store;

pub struct OrgKeys {
    db: TenantDb,
    kms: AnyKms,
    rings: RwLock<HashMap<OrgId, Arc<KeyRing>>>,
}

/// One org's data keys, unwrapped, by version; new secrets are sealed with the newest.
pub struct KeyRing {
    current: (i32, Arc<DataKey>),
    versions: HashMap<i32, Arc<DataKey>>,
}

impl KeyRing {
    pub fn current(&self) -> (i32, Arc<DataKey>) {
        self.current.clone()
    }

    pub fn version(&self, version: i32) -> Option<Arc<DataKey>> {
        self.versions.get(&version).cloned()
    }
}

impl OrgKeys {
    pub fn new(db: TenantDb, kms: AnyKms) -> Self {
        Self {
            db,
            kms,
            rings: RwLock::default(),
        }
    }

    /// Creates the org's KMS key and first data key unless they exist. Idempotent.
    pub async fn ensure_data_key(&self, org: OrgId) -> Result<(), VaultError> {
        self.kms.ensure_key(org).await?;
        let mut tx = self.db.begin(org).await?;
        if store::list_data_keys(&mut tx).await?.is_empty() {
            let key = DataKey::generate();
            let wrapped = self.kms.wrap(org, &key).await?;
            store::create_first_data_key(&mut tx, &wrapped).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The org's keys, from the cache or read and unwrapped once in the caller's
    /// transaction (never a second pooled connection, which could starve the pool when many
    /// first requests arrive together).
    pub async fn in_tx(&self, tx: &mut TenantTx) -> Result<Arc<KeyRing>, VaultError> {
        match self.cached(tx.org()) {
            Some(ring) => Ok(ring),
            None => self.load(tx).await,
        }
    }

    /// The org's data key of `version`, reading the org's keys again when this process's
    /// copy predates it (another replica rotated).
    pub async fn version_in_tx(
        &self,
        tx: &mut TenantTx,
        version: i32,
    ) -> Result<Arc<DataKey>, VaultError> {
        if let Some(key) = self.in_tx(tx).await?.version(version) {
            return Ok(key);
        }
        self.load(tx)
            .await?
            .version(version)
            .ok_or(VaultError::MissingDataKey(tx.org()))
    }

    /// A new data key for the org, and its copy wrapped by the org's KMS key.
    pub async fn new_wrapped(&self, org: OrgId) -> Result<(DataKey, Vec<u8>), VaultError> {
        let key = DataKey::generate();
        let wrapped = self.kms.wrap(org, &key).await?;
        Ok((key, wrapped))
    }

    /// The org's keys, from the cache or read in a transaction of their own.
    pub async fn ring(&self, org: OrgId) -> Result<Arc<KeyRing>, VaultError> {
        match self.cached(org) {
            Some(ring) => Ok(ring),
            None => self.reload(org).await,
        }
    }

    /// Reads the org's keys again (another replica added a version).
    pub async fn reload(&self, org: OrgId) -> Result<Arc<KeyRing>, VaultError> {
        let mut tx = self.db.begin(org).await?;
        let ring = self.load(&mut tx).await?;
        tx.commit().await?;
        Ok(ring)
    }

    async fn load(&self, tx: &mut TenantTx) -> Result<Arc<KeyRing>, VaultError> {
        let org = tx.org();
        let rows = store::list_data_keys(tx).await?;
        let mut versions = HashMap::new();
        let mut current = None;
        for (version, wrapped) in rows {
            let key = Arc::new(self.kms.unwrap(org, &wrapped).await?);
            current = Some((version, key.clone()));
            versions.insert(version, key);
        }
        let current = current.ok_or(VaultError::MissingDataKey(org))?;
        let ring = Arc::new(KeyRing { current, versions });
        if let Ok(mut rings) = self.rings.write() {
            rings.insert(org, ring.clone());
        }
        Ok(ring)
    }

    /// Destroys the org's KMS key, so its wrapped data keys, and with them every copy of
    /// its secrets (backups included), can never be decrypted again. Idempotent.
    pub async fn destroy(&self, org: OrgId) -> Result<(), VaultError> {
        if let Ok(mut rings) = self.rings.write() {
            rings.remove(&org);
        }
        self.kms.destroy_key(org).await?;
        Ok(())
    }

    /// Drops the org's unwrapped keys from this process (another replica destroyed the
    /// org's KMS key). Whether it held them.
    pub fn forget(&self, org: OrgId) -> bool {
        self.rings
            .write()
            .map(|mut rings| rings.remove(&org).is_some())
            .unwrap_or(false)
    }

    /// Whether this process holds the org's keys unwrapped.
    pub fn holds(&self, org: OrgId) -> bool {
        self.cached(org).is_some()
    }

    /// The version new secrets of the org are sealed with, if this process holds its keys.
    pub fn sealing_version(&self, org: OrgId) -> Option<i32> {
        self.cached(org).map(|ring| ring.current.0)
    }

    fn cached(&self, org: OrgId) -> Option<Arc<KeyRing>> {
        self.rings.read().ok()?.get(&org).cloned()
    }
}

/// The event a replica records in MSPOrg when it destroys an org's key; every replica
/// hears it and drops what it holds of the org.
pub const KEY_DESTROYED: &str = "org.key_destroyed";

/// Provisioning hook: a new org gets its data key before it is usable; a deleted org's
/// key is destroyed, and what reveals kept of it is dropped, before its schema goes. The
/// other replicas hear of it through [`KEY_DESTROYED`].
pub struct ProvisionKey {
    pub keys: Arc<OrgKeys>,
    pub cache: Arc<SecretCache>,
    pub outbox: Outbox,
    pub msp_org: OrgId,
}

impl OnProvision for ProvisionKey {
    async fn provisioned(&self, org: OrgId) -> Result<(), tonic::Status> {
        self.keys
            .ensure_data_key(org)
            .await
            .map_err(|e| to_status(&e))
    }

    async fn deprovisioning(&self, org: OrgId) -> Result<(), tonic::Status> {
        self.keys.destroy(org).await.map_err(|e| to_status(&e))?;
        // The org's generation goes, so no replica uses what it kept of the org; this one
        // drops it.
        store::delete_generation(&self.keys.db, org.0)
            .await
            .map_err(|e| to_status(&VaultError::Database(e)))?;
        self.cache.forget(org);
        self.announce(org).await.map_err(|e| to_status(&e))
    }
}

impl ProvisionKey {
    /// Records [`KEY_DESTROYED`] in MSPOrg's trail; its relay publishes it to every replica.
    async fn announce(&self, org: OrgId) -> Result<(), VaultError> {
        let mut tx = self.keys.db.begin(self.msp_org).await?;
        let event = Event::new(
            self.msp_org,
            "vault",
            KEY_DESTROYED,
            Actor {
                username: "system".into(),
                ..Actor::default()
            },
            Target::new("org", org, org.to_string()),
        );
        self.outbox.record(&mut tx, &event).await?;
        self.outbox.commit(tx).await?;
        Ok(())
    }
}

/// The event of a replica starting a data-key rotation; every replica hears it and reloads
/// the org's keys (if it holds them), so none goes on sealing with the older version.
pub const ROTATION_STARTED: &str = "data_key.rotation_started";
