use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_nats::jetstream;
use strongroom_core::OrgId;
use strongroom_tenancy::{OrgsTx, TenantDb, schema_name};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::EventError;
use crate::outbox::{Committed, Outbox};

const BATCH: i64 = 200;
/// Orgs drained in one transaction at most.
const ORGS_PER_DRAIN: usize = 100;
/// How often the relay looks for rows another process left behind, in the orgs whose outbox
/// Postgres counts rows in; and how often in every org's outbox (the counts start from zero
/// after a database crash, exactly when rows may have been left).
const SWEEP_EVERY: Duration = Duration::from_secs(5);
const FULL_SWEEP_EVERY: Duration = Duration::from_secs(300);
/// An org's outbox is vacuumed after this many relayed rows: a queue table's dead rows
/// otherwise pile up faster than autovacuum removes them, and every claim walks them.
const VACUUM_AFTER: usize = 5_000;

/// Publishes committed outbox rows to JetStream. Several relays may run against one
/// database: rows are claimed with `FOR UPDATE SKIP LOCKED` and deleted once acknowledged.
#[derive(Clone)]
pub struct Relay {
    db: TenantDb,
    js: jetstream::Context,
    committed: Arc<Committed>,
    relayed_since_vacuum: Arc<Mutex<HashMap<OrgId, usize>>>,
}

impl Relay {
    /// A relay woken by `outbox`'s commits (those of this process).
    pub fn new(db: TenantDb, js: jetstream::Context, outbox: &Outbox) -> Self {
        Self {
            db,
            js,
            committed: outbox.committed.clone(),
            relayed_since_vacuum: Arc::default(),
        }
    }

    /// Runs until `shutdown`: drains the orgs this process committed events for as soon as
    /// they commit (many commits, one drain), and sweeps periodically for rows another
    /// process left behind.
    pub async fn run(self, shutdown: CancellationToken) {
        let mut sweep = tokio::time::interval(SWEEP_EVERY);
        let mut full_sweep = tokio::time::interval(FULL_SWEEP_EVERY);
        loop {
            tokio::select! {
                () = shutdown.cancelled() => break,
                _ = full_sweep.tick() => self.sweep(self.db.provisioned_orgs().await).await,
                _ = sweep.tick() => self.sweep(self.db.orgs_with_rows_in("outbox").await).await,
                () = self.committed.wake.notified() => self.drain_logged(self.committed.take()).await,
            }
        }
    }

    /// Drains the outboxes of these orgs from their first row on.
    async fn sweep(&self, orgs: Result<Vec<OrgId>, strongroom_tenancy::TenancyError>) {
        match orgs {
            Ok(orgs) => {
                self.drain_logged(orgs.into_iter().map(|o| (o, 0)).collect())
                    .await
            }
            Err(e) => tracing::warn!(error = %e, "outbox sweep failed"),
        }
    }

    async fn drain_logged(&self, orgs: Vec<(OrgId, i64)>) {
        for chunk in orgs.chunks(ORGS_PER_DRAIN) {
            let relayed = match self.drain_orgs(chunk.to_vec()).await {
                Ok(relayed) => Ok(relayed),
                // An org deleted meanwhile (its schema is gone) must not hold up the others.
                Err(first) => match self.without_deleted(chunk).await {
                    Some(rest) => self.drain_orgs(rest).await,
                    None => Err(first),
                },
            };
            match relayed {
                Ok(relayed) => {
                    for (org, n) in relayed {
                        self.vacuum_if_due(org, n).await;
                    }
                }
                Err(e) => tracing::warn!(error = %e, "outbox relay failed; will retry"),
            }
        }
    }

    /// `orgs` less those no longer provisioned, if there were any.
    async fn without_deleted(&self, orgs: &[(OrgId, i64)]) -> Option<Vec<(OrgId, i64)>> {
        let ids: Vec<OrgId> = orgs.iter().map(|(org, _)| *org).collect();
        let kept = self.db.still_provisioned(&ids).await.ok()?;
        (kept.len() < ids.len()).then(|| {
            orgs.iter()
                .filter(|(org, _)| kept.contains(org))
                .copied()
                .collect()
        })
    }

    async fn vacuum_if_due(&self, org: OrgId, relayed: usize) {
        let due = self.relayed_since_vacuum.lock().is_ok_and(|mut counts| {
            let count = counts.entry(org).or_default();
            *count += relayed;
            let due = *count >= VACUUM_AFTER;
            if due {
                *count = 0;
            }
            due
        });
        if due {
            // The schema name is made of the org id's hex digits only.
            // Only the table's owner may vacuum it.
            let vacuum = format!("VACUUM {}.outbox", schema_name(org));
            if let Err(e) = sqlx::raw_sql(sqlx::AssertSqlSafe(vacuum))
                .execute(self.db.owner())
                .await
            {
                tracing::warn!(%org, error = %e, "outbox vacuum failed");
            }
        }
    }

    /// Publishes every pending event of one org; returns how many were published.
    pub async fn drain(&self, org: OrgId) -> Result<usize, EventError> {
        let relayed = self.drain_orgs(vec![(org, 0)]).await?;
        Ok(relayed.iter().map(|(_, n)| n).sum())
    }

    /// Publishes the pending events of several orgs, each from its given sequence number
    /// on, claiming and deleting for all of them in one transaction a round; returns how
    /// many were published per org.
    async fn drain_orgs(
        &self,
        mut pending: Vec<(OrgId, i64)>,
    ) -> Result<Vec<(OrgId, usize)>, EventError> {
        let mut relayed: HashMap<OrgId, usize> = HashMap::new();
        while !pending.is_empty() {
            let orgs: Vec<OrgId> = pending.iter().map(|(org, _)| *org).collect();
            let mut tx = self.db.begin_orgs(&orgs).await?;
            let rows = claim(&mut tx, &pending).await?;
            if rows.is_empty() {
                tx.commit().await?;
                break;
            }
            let mut acks = Vec::with_capacity(rows.len());
            for row in &rows {
                let mut headers = async_nats::HeaderMap::new();
                headers.insert(
                    async_nats::header::NATS_MESSAGE_ID,
                    row.event_id.to_string().as_str(),
                );
                let ack = self
                    .js
                    .publish_with_headers(row.subject.clone(), headers, row.payload.clone().into())
                    .await
                    .map_err(|e| EventError::Nats(e.to_string()))?;
                acks.push(ack);
            }
            for ack in acks {
                ack.await.map_err(|e| EventError::Nats(e.to_string()))?;
            }
            delete(&mut tx, &orgs, &rows).await?;
            tx.commit().await?;
            // Orgs that filled their claim may have more; the others are done.
            let mut next = Vec::new();
            for (i, (org, _)) in pending.iter().enumerate() {
                let mine: Vec<&Claimed> = rows.iter().filter(|r| r.i as usize == i).collect();
                *relayed.entry(*org).or_default() += mine.len();
                if let Some(last) = mine.last().filter(|_| mine.len() as i64 == BATCH) {
                    next.push((*org, last.seq + 1));
                }
            }
            pending = next;
        }
        Ok(relayed.into_iter().collect())
    }
}

#[derive(sqlx::FromRow)]
struct Claimed {
    /// Index of the org in the claim.
    i: i32,
    seq: i64,
    event_id: Uuid,
    subject: String,
    payload: String,
}

/// Locks up to `BATCH` rows of each org's outbox, from its sequence number on.
async fn claim(tx: &mut OrgsTx, pending: &[(OrgId, i64)]) -> Result<Vec<Claimed>, EventError> {
    let mut ctes = Vec::with_capacity(pending.len());
    let mut selects = Vec::with_capacity(pending.len());
    for (i, (org, _)) in pending.iter().enumerate() {
        ctes.push(format!(
            "c{i} AS (SELECT seq, event_id, subject, payload::text AS payload FROM {}
                WHERE seq >= ${} ORDER BY seq LIMIT {BATCH} FOR UPDATE SKIP LOCKED)",
            tx.table(*org, "outbox")?,
            i + 1
        ));
        selects.push(format!("SELECT {i} AS i, * FROM c{i}"));
    }
    let sql = format!(
        "WITH {} {} ORDER BY i, seq",
        ctes.join(", "),
        selects.join(" UNION ALL ")
    );
    let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql)).persistent(tx.statements_repeat());
    for (_, from_seq) in pending {
        query = query.bind(*from_seq);
    }
    Ok(query.fetch_all(&mut **tx).await?)
}

/// Deletes the published rows. The commit need not wait for the disk: if it is lost, the
/// rows are published again, and NATS (by message id) and consumers (by event id) drop
/// the copies.
async fn delete(tx: &mut OrgsTx, orgs: &[OrgId], rows: &[Claimed]) -> Result<(), EventError> {
    let mut ctes = Vec::with_capacity(orgs.len());
    for (i, org) in orgs.iter().enumerate() {
        ctes.push(format!(
            "d{i} AS (DELETE FROM {} WHERE seq = ANY(${}))",
            tx.table(*org, "outbox")?,
            i + 1
        ));
    }
    let sql = format!(
        "WITH {} SELECT set_config('synchronous_commit', 'off', true)",
        ctes.join(", ")
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).persistent(tx.statements_repeat());
    for i in 0..orgs.len() {
        let seqs: Vec<i64> = rows
            .iter()
            .filter(|r| r.i as usize == i)
            .map(|r| r.seq)
            .collect();
        query = query.bind(seqs);
    }
    query.execute(&mut **tx).await?;
    Ok(())
}
