//! Data-key rotation: an administrator starts a new version of the org's data key; what is
//! sealed from then on uses it, and every password version and sealed field under an older
//! version is sealed again in the background, in batches, with its progress readable. Old
//! versions stay (other services keep settings sealed under them, and a replica that has not
//! yet read the new version still writes with the old one), so nothing ever fails to open
//! while a rotation runs: a reveal reads whichever version its row names.

use std::sync::Arc;

use strongroom_auth::RequestContext;
use strongroom_core::{AccountId, Permission};
use strongroom_crypto::{FieldAad, SecretAad, open, open_field, seal, seal_field};
use strongroom_events::Target;
use uuid::Uuid;

use crate::app::{Vault, event, owner};
use crate::error::VaultError;
use crate::store::{self, FieldOwner, KeyVersionRow, RotationRow, StaleSeal};

/// Sealed values re-sealed in one transaction.
const BATCH: i64 = 200;

/// A running rotation with no batch done for this long was cut off (its replica stopped):
/// a new one may take over. Taking over is safe even if it was not: both claim rows with
/// `SKIP LOCKED`, and the newer version seals last.
const STALLED_AFTER: chrono::TimeDelta = chrono::TimeDelta::minutes(10);

impl Vault {
    /// Starts a new data-key version and re-seals everything under older ones in the
    /// background. One rotation at a time (409 while one runs).
    pub async fn rotate_data_key(
        self: &Arc<Self>,
        ctx: &RequestContext,
    ) -> Result<RotationRow, VaultError> {
        ctx.require(Permission::VaultSettingsManage)?;
        ctx.require_signed_in()?;
        let (_, wrapped) = self.keys.new_wrapped(ctx.org()).await?;
        let mut tx = self.db.begin(ctx.org()).await?;
        if let Some(running) = store::latest_rotation(&mut tx).await?
            && running.status == "running"
        {
            if running.progressed_at > chrono::Utc::now() - STALLED_AFTER {
                return Err(VaultError::Conflict(format!(
                    "a rotation to version {} is under way ({} of {} done)",
                    running.to_version, running.done, running.total
                )));
            }
            let why = "stalled (no progress for 10 minutes): a new rotation took over";
            store::finish_rotation(&mut tx, running.id, Some(why)).await?;
        }
        let version = store::create_data_key(&mut tx, &wrapped).await?;
        let rotation = store::create_rotation(&mut tx, Uuid::now_v7(), version, owner(ctx))
            .await?
            .ok_or_else(|| VaultError::Conflict("a rotation is under way".into()))?;
        let started = event(
            ctx,
            "data_key.rotation_started",
            Target::new("data_key", version, ""),
        )
        .with_details(serde_json::json!({ "version": version, "to_reseal": rotation.total }));
        self.outbox.record(&mut tx, &started).await?;
        self.outbox.commit(tx).await?;
        self.keys.reload(ctx.org()).await?;
        let (vault, ctx, id) = (self.clone(), ctx.clone(), rotation.id);
        tokio::spawn(async move {
            let failed = vault.reseal_all(&ctx, id, version).await.err();
            if let Some(e) = &failed {
                tracing::warn!(rotation = %id, error = %e, "a data-key rotation stopped");
            }
            let finished = async {
                let mut tx = vault.db.begin(ctx.org()).await?;
                let error = failed.as_ref().map(ToString::to_string);
                if let Some(done) = store::finish_rotation(&mut tx, id, error.as_deref()).await? {
                    let event = event(
                        &ctx,
                        "data_key.rotated",
                        Target::new("data_key", version, ""),
                    )
                    .with_details(serde_json::json!({
                        "version": version, "status": done.status, "resealed": done.done,
                    }));
                    vault.outbox.record(&mut tx, &event).await?;
                }
                vault.outbox.commit(tx).await?;
                Ok::<(), VaultError>(())
            };
            if let Err(e) = finished.await {
                tracing::warn!(rotation = %id, error = %e, "a rotation's end was not recorded");
            }
        });
        Ok(rotation)
    }

    /// The org's data-key versions with what each still seals, and the latest rotation.
    pub async fn data_keys(
        &self,
        ctx: &RequestContext,
    ) -> Result<(Vec<KeyVersionRow>, Option<RotationRow>), VaultError> {
        ctx.require(Permission::VaultSettingsManage)?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let versions = store::list_key_versions(&mut tx).await?;
        let rotation = store::latest_rotation(&mut tx).await?;
        tx.commit().await?;
        Ok((versions, rotation))
    }

    async fn reseal_all(
        &self,
        ctx: &RequestContext,
        id: Uuid,
        version: i32,
    ) -> Result<(), VaultError> {
        for owner in [None, Some(FieldOwner::Resource), Some(FieldOwner::Account)] {
            loop {
                let mut tx = self.db.begin(ctx.org()).await?;
                let stale = match owner {
                    None => store::claim_stale_secrets(&mut tx, version, BATCH).await?,
                    Some(kind) => store::claim_stale_fields(&mut tx, kind, version, BATCH).await?,
                };
                if stale.is_empty() {
                    tx.commit().await?;
                    break;
                }
                let new_key = self.keys.version_in_tx(&mut tx, version).await?;
                for s in &stale {
                    let old_key = self.keys.version_in_tx(&mut tx, s.key_version).await?;
                    match owner {
                        None => {
                            let sealed = reseal_secret(ctx, s, &old_key, &new_key)?;
                            store::reseal_secret(&mut tx, s.owner, s.version, version, &sealed)
                                .await?;
                        }
                        Some(kind) => {
                            let sealed = reseal_field(ctx, kind, s, version, &old_key, &new_key)?;
                            store::reseal_field(&mut tx, kind, s.owner, &s.name, version, &sealed)
                                .await?;
                        }
                    }
                }
                store::advance_rotation(
                    &mut tx,
                    id,
                    i32::try_from(stale.len()).unwrap_or(i32::MAX),
                )
                .await?;
                tx.commit().await?;
            }
        }
        Ok(())
    }
}

/// A password version opened with its old key and sealed with the new one (its associated
/// data names the password's version, not the key's, so it does not change).
fn reseal_secret(
    ctx: &RequestContext,
    s: &StaleSeal,
    old: &strongroom_crypto::DataKey,
    new: &strongroom_crypto::DataKey,
) -> Result<Vec<u8>, VaultError> {
    let aad = SecretAad {
        org: ctx.org(),
        account: AccountId(s.owner),
        version: s.version,
    };
    let plain = open(old, &aad, &s.ciphertext)?;
    Ok(seal(new, &aad, &plain)?)
}

/// A sealed field opened with its old key and sealed with the new one, bound to the new
/// key's version.
fn reseal_field(
    ctx: &RequestContext,
    kind: FieldOwner,
    s: &StaleSeal,
    version: i32,
    old: &strongroom_crypto::DataKey,
    new: &strongroom_crypto::DataKey,
) -> Result<Vec<u8>, VaultError> {
    let aad = |key_version| FieldAad {
        org: ctx.org(),
        owner_kind: kind.as_str(),
        owner: s.owner,
        key_version,
        name: &s.name,
    };
    let plain = open_field(old, &aad(s.key_version), &s.ciphertext)?;
    Ok(seal_field(new, &aad(version), &plain)?)
}
