//! The audit records of reveals. A batch of reveals commits its records in the vault's own
//! database, in the statement that reads its orgs' generations, before any password leaves:
//! one round trip and one durable commit, with no other service on the reveal's path. A
//! forwarder then hands them to the audit service (`Record`, which only the vault may call)
//! in the background, a round at most every [`GATHER`] after a commit wakes it, and deletes
//! them once the audit service holds them; a record forwarded twice (a crash between the two) is stored once there. Replicas
//! each run a forwarder: a round claims its records with SKIP LOCKED.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use strongroom_core::OrgId;
use strongroom_proto::audit::audit_client::AuditClient;
use strongroom_proto::audit::{Record, RecordRequest};
use strongroom_tenancy::{HeldConnections, TenantDb};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tonic::transport::Channel;
use uuid::Uuid;

use crate::error::VaultError;
use crate::store::{self, RevealRecord};

/// Records forwarded in one call at most: a few hundred bytes each, far below gRPC's 4 MiB.
const FORWARD_LIMIT: i64 = 2_000;
/// How long the forwarder waits after a round that failed, and how often it looks for
/// records nobody woke it for (another process's, left by a crash).
const PAUSE: Duration = Duration::from_secs(1);
/// How long the forwarder lets records gather once woken. Each round ends in a durable
/// commit in the audit service, which on a shared Postgres waits on the same log flush as
/// the reveals' own commits: a round per reveal doubled a lone application's reveal time.
/// So the trail shows a reveal up to this much later; its record is committed at once.
const GATHER: Duration = Duration::from_millis(100);
/// How often the forwarder vacuums the table, whose whole content turns over all the time.
const VACUUM_EVERY: Duration = Duration::from_secs(15);

pub struct RevealRecords {
    db: TenantDb,
    // The commits' own connections, one per batch under way (see `HeldConnections`).
    connections: HeldConnections,
    audit: AuditClient<Channel>,
    committed: Notify,
}

impl RevealRecords {
    /// `in_flight`: the reveal batches under way at once, each committing on a connection
    /// of its own.
    pub fn new(db: TenantDb, audit: AuditClient<Channel>, in_flight: usize) -> Self {
        Self {
            connections: HeldConnections::like(db.global(), in_flight),
            db,
            audit,
            committed: Notify::new(),
        }
    }

    /// Commits `records` (durably: synchronous commit) in the statement that reads the
    /// generations of `orgs`, and wakes the forwarder.
    pub async fn commit(
        &self,
        records: &[RevealRecord],
        orgs: &[OrgId],
    ) -> Result<HashMap<OrgId, i64>, VaultError> {
        if records.is_empty() && orgs.is_empty() {
            return Ok(HashMap::new());
        }
        let ids: Vec<Uuid> = orgs.iter().map(|o| o.0).collect();
        let committed = async {
            let mut held = self.connections.take().await?;
            let generations = store::record_reveals(held.connection(), records, &ids).await?;
            held.give_back();
            Ok(generations)
        };
        let generations = committed
            .await
            .map_err(|e: sqlx::Error| {
                if records.is_empty() {
                    VaultError::Database(e)
                } else {
                    tracing::error!(error = %e, records = records.len(), "committing reveal records failed");
                    VaultError::Unrecorded(e)
                }
            })?;
        if !records.is_empty() {
            self.committed.notify_one();
        }
        Ok(generations
            .into_iter()
            .map(|(org, g)| (OrgId(org), g))
            .collect())
    }

    /// Forwards committed records to the audit service until `shutdown`; what is left then
    /// is forwarded by the next start (or another replica).
    pub async fn forward(&self, shutdown: CancellationToken) {
        if let Err(e) = store::grant_queue_rights(&self.db).await {
            tracing::warn!(error = %e, "granting the vault role its rights on reveal records");
        }
        let mut vacuumed = Instant::now();
        loop {
            let failed = match self.forward_round().await {
                Ok(n) if n >= FORWARD_LIMIT as usize => continue,
                Ok(_) => false,
                Err(e) => {
                    tracing::warn!(error = %e, "forwarding reveal records to the audit service failed; retrying");
                    true
                }
            };
            if vacuumed.elapsed() >= VACUUM_EVERY {
                vacuumed = Instant::now();
                if let Err(e) = store::vacuum_reveal_records(&self.db).await {
                    tracing::warn!(error = %e, "vacuuming the reveal records failed");
                }
            }
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = self.committed.notified(), if !failed => {}
                () = tokio::time::sleep(PAUSE) => {}
            }
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(GATHER) => {}
            }
        }
    }

    /// One round: claims the oldest records, hands them to the audit service and deletes
    /// them; how many were forwarded. Records the audit service refuses (their org was
    /// deleted meanwhile, with its trail) are deleted too, and counted in the log.
    async fn forward_round(&self) -> Result<usize, VaultError> {
        let mut tx = self.db.global().begin().await?;
        let claimed = store::claim_reveal_records(&mut tx, FORWARD_LIMIT).await?;
        if claimed.is_empty() {
            tx.commit().await?;
            return Ok(0);
        }
        let ids: Vec<Uuid> = claimed.iter().map(|r| r.id).collect();
        let stored = self
            .audit
            .clone()
            .record(RecordRequest {
                records: claimed.into_iter().map(to_proto).collect(),
            })
            .await
            .map_err(VaultError::Audit)?
            .into_inner()
            .stored;
        if stored.len() != ids.len() {
            return Err(VaultError::Audit(tonic::Status::internal(
                "the audit service answered a different number of records",
            )));
        }
        let refused = stored.iter().filter(|s| !**s).count();
        if refused > 0 {
            tracing::warn!(refused, "the audit service refused reveal records");
        }
        store::delete_reveal_records(&mut tx, &ids).await?;
        tx.commit().await?;
        Ok(ids.len())
    }
}

fn to_proto(r: RevealRecord) -> Record {
    Record {
        ip: r.ip.unwrap_or_default(),
        user_agent: r.user_agent.unwrap_or_default(),
        id: r.id.to_string(),
        operation: r.operation,
        target_kind: "account".to_owned(),
        target_id: r.account_id.to_string(),
        target_name: r.target_name,
        details_json: match r.details {
            serde_json::Value::Null => String::new(),
            details => details.to_string(),
        },
        org_id: r.org_id.to_string(),
        actor_user_id: r.actor_user_id.map(|u| u.to_string()).unwrap_or_default(),
        actor_username: r.actor_username,
        occurred_at: r.occurred_at.to_rfc3339(),
    }
}
