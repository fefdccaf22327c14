//! The audit records of reveals. A batch of reveals commits its records in the vault's own
//! database, in the statement that reads its orgs' generations, before any password leaves:
//! one round trip and one durable commit, with no other service on the reveal's path. A
//! forwarder then hands them to the audit service (`Record`, which only the vault may call)
//! in the background, a round at most every [`GATHER`] after a commit wakes it (every
//! [`SPREAD_GATHER`] while reveals span many orgs), and deletes them once the audit service
//! holds them; a record forwarded twice (a crash between the two) is stored once there.
//! Replicas each run a forwarder: a round claims its records with SKIP LOCKED.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
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

/// Records claimed in one round at most: [`SPREAD_GATHER`] of reveals at the rate two cores
/// serve (about 12 MB while they are forwarded).
const FORWARD_LIMIT: i64 = 25_000;
/// Records in one call to the audit service at most: a few hundred bytes each, far below
/// gRPC's 4 MiB.
const CALL_RECORDS: usize = 2_000;
/// Orgs in one call at most: the audit service appends a call of up to this many orgs
/// straight to their trails, a statement per org.
const CALL_ORGS: usize = strongroom_proto::audit::RECORD_DIRECT_ORGS;
/// How long the forwarder waits after a round that failed, and how often it looks for
/// records nobody woke it for (another process's, left by a crash).
const PAUSE: Duration = Duration::from_secs(1);
/// How long the forwarder lets records gather once woken. Each round ends in a durable
/// commit in the audit service, which on a shared Postgres waits on the same log flush as
/// the reveals' own commits: a round per reveal doubled a lone application's reveal time.
/// So the trail shows a reveal up to this much later; its record is committed at once.
const GATHER: Duration = Duration::from_millis(100);
/// How long it lets them gather after a round that spanned more orgs than [`FEW_ORGS`]:
/// each org costs a statement in the audit service per round, so reveals spread over a
/// thousand orgs gather for a second (a thousand statements a second, each of many rows),
/// and the trail shows them up to this much later.
const SPREAD_GATHER: Duration = Duration::from_secs(1);
/// A round over more orgs than this makes the next one gather for [`SPREAD_GATHER`].
const FEW_ORGS: usize = 32;
/// How often the forwarder vacuums the table, whose whole content turns over all the time.
const VACUUM_EVERY: Duration = Duration::from_secs(15);

pub struct RevealRecords {
    db: TenantDb,
    // The commits' own connections, one per batch under way (see `HeldConnections`).
    connections: HeldConnections,
    audit: AuditClient<Channel>,
    committed: Notify,
    /// Records set aside because the audit service refused them (an ops figure).
    refused: Arc<AtomicI64>,
}

impl RevealRecords {
    /// `in_flight`: the reveal batches under way at once, each committing on a connection
    /// of its own.
    /// `refused` is kept at the number of records set aside.
    pub fn new(
        db: TenantDb,
        audit: AuditClient<Channel>,
        in_flight: usize,
        refused: Arc<AtomicI64>,
    ) -> Self {
        Self {
            connections: HeldConnections::like(db.global(), in_flight),
            db,
            audit,
            committed: Notify::new(),
            refused,
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
        match store::count_refused_reveal_records(self.db.global()).await {
            Ok(0) => {}
            Ok(set_aside) => {
                self.refused.store(set_aside, Ordering::Relaxed);
                tracing::error!(
                    set_aside,
                    "reveal records the audit service refused are set aside \
                     (`strongroom reveal-records retry` forwards them again)"
                );
            }
            Err(e) => tracing::warn!(error = %e, "counting refused reveal records"),
        }
        let mut vacuumed = Instant::now();
        let mut gather = GATHER;
        loop {
            let failed = match self.forward_round().await {
                Ok(round) if round.records >= FORWARD_LIMIT as usize => continue,
                Ok(round) => {
                    gather = if round.orgs > FEW_ORGS {
                        SPREAD_GATHER
                    } else {
                        GATHER
                    };
                    false
                }
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
                () = tokio::time::sleep(gather) => {}
            }
        }
    }

    /// One round: claims the oldest records, hands them to the audit service (each org's
    /// in as few calls as fit) and deletes those it stored. Records it refuses (their org
    /// unknown to it, their time too far ahead of its clock) are never deleted: they are set
    /// aside in `refused_reveal_records`, counted on the ops endpoints, until an operator
    /// forwards them again.
    async fn forward_round(&self) -> Result<Round, VaultError> {
        let mut tx = self.db.global().begin().await?;
        let claimed = store::claim_reveal_records(&mut tx, FORWARD_LIMIT).await?;
        let records = claimed.len();
        let calls = calls(claimed);
        let orgs = calls.iter().map(|c| c.orgs).sum();
        let mut refused: Vec<Uuid> = Vec::new();
        let mut forwarded: Vec<Uuid> = Vec::with_capacity(records);
        for call in calls {
            let ids: Vec<Uuid> = call.records.iter().map(|r| r.id).collect();
            let stored = self
                .audit
                .clone()
                .record(RecordRequest {
                    records: call.records.into_iter().map(to_proto).collect(),
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
            for (id, stored) in ids.into_iter().zip(stored) {
                if stored {
                    forwarded.push(id);
                } else {
                    refused.push(id);
                }
            }
        }
        if !refused.is_empty() {
            store::set_aside_reveal_records(&mut tx, &refused).await?;
        }
        if !forwarded.is_empty() {
            store::delete_reveal_records(&mut tx, &forwarded).await?;
        }
        tx.commit().await?;
        if !refused.is_empty() {
            let set_aside = store::count_refused_reveal_records(self.db.global()).await?;
            self.refused.store(set_aside, Ordering::Relaxed);
            tracing::error!(
                refused = refused.len(),
                set_aside,
                "the audit service refused reveal records: they are set aside, not deleted \
                 (`strongroom reveal-records retry` forwards them again)"
            );
        }
        Ok(Round { records, orgs })
    }
}

/// What a forwarding round did.
struct Round {
    records: usize,
    /// Orgs summed over the round's calls (an org split between two calls counts twice).
    orgs: usize,
}

/// Records for one call to the audit service, and how many orgs they span.
struct Call {
    records: Vec<RevealRecord>,
    orgs: usize,
}

/// The records, grouped by org, in calls of at most [`CALL_RECORDS`] records and
/// [`CALL_ORGS`] orgs (an org with more records than a call holds spans several).
fn calls(records: Vec<RevealRecord>) -> Vec<Call> {
    let mut by_org: HashMap<Uuid, Vec<RevealRecord>> = HashMap::new();
    for record in records {
        by_org.entry(record.org_id).or_default().push(record);
    }
    let mut calls: Vec<Call> = Vec::new();
    for (_, records) in by_org {
        let mut records = records.into_iter().peekable();
        while records.peek().is_some() {
            let has_room = |c: &Call| c.orgs < CALL_ORGS && c.records.len() < CALL_RECORDS;
            if !calls.last().is_some_and(has_room) {
                calls.push(Call {
                    records: Vec::new(),
                    orgs: 0,
                });
            }
            let Some(call) = calls.last_mut() else { break };
            let room = CALL_RECORDS - call.records.len();
            call.records.extend(records.by_ref().take(room));
            call.orgs += 1;
        }
    }
    calls
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

#[cfg(test)]
mod tests {
    use super::*;

    fn records(orgs: usize, each: usize) -> Vec<RevealRecord> {
        (0..orgs)
            .flat_map(|_| {
                let org = Uuid::now_v7();
                (0..each).map(move |_| RevealRecord {
                    id: Uuid::now_v7(),
                    org_id: org,
                    operation: "password.revealed".into(),
                    actor_user_id: None,
                    actor_username: "app".into(),
                    ip: None,
                    user_agent: None,
                    account_id: Uuid::now_v7(),
                    target_name: "db/app".into(),
                    occurred_at: chrono::Utc::now(),
                    details: serde_json::Value::Null,
                })
            })
            .collect()
    }

    fn check(calls: &[Call], total: usize) {
        let mut seen = std::collections::HashSet::new();
        for call in calls {
            assert!(!call.records.is_empty());
            assert!(call.records.len() <= CALL_RECORDS);
            let orgs: std::collections::HashSet<Uuid> =
                call.records.iter().map(|r| r.org_id).collect();
            assert!(orgs.len() <= CALL_ORGS);
            assert_eq!(orgs.len(), call.orgs, "the org count is the call's");
            seen.extend(call.records.iter().map(|r| r.id));
        }
        assert_eq!(seen.len(), total, "every record goes once");
    }

    #[test]
    fn a_round_is_split_into_calls_of_bounded_records_and_orgs() {
        let one_org = calls(records(1, 5_000));
        check(&one_org, 5_000);
        assert_eq!(
            one_org.len(),
            3,
            "an org's records span as few calls as fit"
        );

        let spread = calls(records(1_000, 12));
        check(&spread, 12_000);
        assert!(spread.len() <= 7, "{} calls", spread.len());
        assert!(spread.iter().all(|c| c.orgs <= CALL_ORGS));

        let few = calls(records(3, 10));
        check(&few, 30);
        assert_eq!(few.len(), 1);
        assert!(calls(Vec::new()).is_empty());
    }
}
