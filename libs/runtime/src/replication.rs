//! Settings replication, as every service that owns a replicated kind receives it.
//!
//! The tenant service records each save of MSPOrg's replication choice as
//! [`SAVED`] in MSPOrg's trail, with the kind and a version that rises with every save.
//! Each owning service runs [`run`] with a durable consumer of its own: it hands every
//! save of MSPOrg to [`Replicate::replicate`], in order, and retries from the first that
//! failed. The owner takes MSPOrg's settings of the kind as that version's template and
//! applies it to every client org once per version (and to orgs provisioned later).

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;
use strongroom_core::OrgId;
use strongroom_events::async_nats::jetstream;
use strongroom_events::{Actor, Event, NatsConsumer};
use strongroom_tenancy::{TenancyError, TenantDb, TenantTx};
use tokio_util::sync::CancellationToken;

/// The tenant's event for a saved choice.
pub const SAVED: &str = "settings.replication_saved";

/// The subjects a replication consumer reads, under `<prefix>.`: the tenant's saves.
const FILTER: &str = "*.tenant.settings.replication_saved";

/// A durable replication consumer named `durable`, for the NATS server's permissions.
pub const fn nats_consumer(durable: &'static str) -> NatsConsumer {
    NatsConsumer {
        durable,
        filter: Some(FILTER),
    }
}

/// The details of [`SAVED`].
#[derive(Debug, Clone, Deserialize)]
pub struct Saved {
    pub kind: String,
    pub version: i64,
    pub enabled: bool,
    #[serde(default)]
    pub options: Value,
}

/// A service that owns some replicated kinds.
pub trait Replicate: Send + Sync + 'static {
    type Error: std::fmt::Display + Send;

    /// Applies one save (of any kind: those of other services are ignored), by `actor`.
    fn replicate(
        &self,
        saved: Saved,
        actor: &Actor,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;
}

/// Applies a kind's template to every client org with `apply`, going on past an org that
/// fails (logged) and answering the last failure, so the save is retried for the orgs that
/// still lack it (`apply` skips those that have it).
pub async fn to_client_orgs<E, F, Fut>(
    db: &TenantDb,
    msp_org: OrgId,
    kind: &str,
    apply: F,
) -> Result<(), E>
where
    E: From<TenancyError> + std::fmt::Display,
    F: Fn(OrgId) -> Fut,
    Fut: Future<Output = Result<(), E>>,
{
    let mut failure = None;
    for org in db.provisioned_orgs().await? {
        if org == msp_org {
            continue;
        }
        if let Err(e) = apply(org).await {
            tracing::warn!(%org, kind, error = %e, "replicating to an org failed");
            failure = Some(e);
        }
    }
    failure.map_or(Ok(()), Err)
}

/// Hands MSPOrg's saves to `owner` until `shutdown`, reconnecting after a failure of the
/// event stream.
pub async fn run<R: Replicate>(
    owner: Arc<R>,
    js: jetstream::Context,
    prefix: String,
    durable: &'static str,
    msp_org: OrgId,
    shutdown: CancellationToken,
) {
    let filter = format!("{prefix}.{msp_org}.tenant.{SAVED}");
    loop {
        let owner = owner.clone();
        let consumed =
            strongroom_events::consume_filtered(
                js.clone(),
                &prefix,
                durable,
                Some(filter.clone()),
                shutdown.clone(),
                move |batch| {
                    let owner = owner.clone();
                    async move {
                        Ok::<_, std::convert::Infallible>(on_saved(&*owner, msp_org, batch).await)
                    }
                },
            )
            .await;
        match consumed {
            Ok(()) => return,
            Err(e) => {
                tracing::warn!(error = %e, durable, "replication consumer failed; restarting")
            }
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
    }
}

/// Handles MSPOrg's saves in order; the org is retried from the first that failed (those
/// before it change nothing the second time).
async fn on_saved<R: Replicate>(
    owner: &R,
    msp_org: OrgId,
    batch: Vec<(OrgId, Vec<Event>)>,
) -> HashSet<OrgId> {
    let mut retry = HashSet::new();
    for (org, events) in batch {
        if org != msp_org {
            continue;
        }
        for event in events.iter().filter(|e| e.operation == SAVED) {
            let saved = match serde_json::from_value::<Saved>(event.details.clone()) {
                Ok(saved) => saved,
                Err(e) => {
                    tracing::error!(event = %event.id, error = %e, "unreadable replication event ignored");
                    continue;
                }
            };
            if let Err(e) = owner.replicate(saved, &event.actor).await {
                tracing::warn!(event = %event.id, error = %e, "replication failed; will retry");
                retry.insert(org);
                break;
            }
        }
    }
    retry
}

/// The version of `kind` the org has applied (0: none), from the `applied_templates` table
/// every replicating service keeps in each org, locked until the transaction ends so two
/// replicas never apply the same version twice.
pub async fn lock_applied_version(tx: &mut TenantTx, kind: &str) -> Result<i64, sqlx::Error> {
    sqlx::query(
        "INSERT INTO applied_templates (kind, version) VALUES ($1, 0) ON CONFLICT DO NOTHING",
    )
    .bind(kind)
    .execute(&mut **tx)
    .await?;
    sqlx::query_scalar("SELECT version FROM applied_templates WHERE kind = $1 FOR UPDATE")
        .bind(kind)
        .fetch_one(&mut **tx)
        .await
}

/// Records that the org has applied `version` of `kind`.
pub async fn set_applied_version(
    tx: &mut TenantTx,
    kind: &str,
    version: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE applied_templates SET version = $2, applied_at = now() WHERE kind = $1")
        .bind(kind)
        .bind(version)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_nats_permission_covers_the_subject_consumed() {
        let consumer = super::nats_consumer("x-replication");
        assert_eq!(
            consumer.filter,
            Some(format!("*.tenant.{}", super::SAVED).as_str())
        );
    }
}
