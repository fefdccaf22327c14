use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_nats::jetstream;
use strongroom_core::OrgId;
use strongroom_tenancy::{TenantDb, schema_name};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::{Committed, EventError, Outbox};

const BATCH: i64 = 200;
const SWEEP_EVERY: Duration = Duration::from_secs(5);
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
    /// they commit (many commits, one drain), and sweeps every org periodically for rows
    /// another process left behind.
    pub async fn run(self, shutdown: CancellationToken) {
        let mut sweep = tokio::time::interval(SWEEP_EVERY);
        loop {
            tokio::select! {
                () = shutdown.cancelled() => break,
                _ = sweep.tick() => self.sweep().await,
                () = self.committed.wake.notified() => {
                    for (org, from_seq) in self.committed.take() {
                        self.drain_logged(org, from_seq).await;
                    }
                }
            }
        }
    }

    async fn sweep(&self) {
        match self.db.provisioned_orgs().await {
            Ok(orgs) => {
                for org in orgs {
                    self.drain_logged(org, 0).await;
                }
            }
            Err(e) => tracing::warn!(error = %e, "outbox sweep failed"),
        }
    }

    async fn drain_logged(&self, org: OrgId, from_seq: i64) {
        match self.drain_from(org, from_seq).await {
            Ok(relayed) => self.vacuum_if_due(org, relayed).await,
            Err(e) => tracing::warn!(%org, error = %e, "outbox relay failed; will retry"),
        }
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
            let vacuum = format!("VACUUM {}.outbox", schema_name(org));
            if let Err(e) = sqlx::raw_sql(sqlx::AssertSqlSafe(vacuum))
                .execute(self.db.global())
                .await
            {
                tracing::warn!(%org, error = %e, "outbox vacuum failed");
            }
        }
    }

    /// Publishes every pending event of one org; returns how many were published.
    pub async fn drain(&self, org: OrgId) -> Result<usize, EventError> {
        self.drain_from(org, 0).await
    }

    /// Publishes the pending events of one org from sequence number `from_seq` on.
    async fn drain_from(&self, org: OrgId, mut from_seq: i64) -> Result<usize, EventError> {
        let mut total = 0;
        loop {
            let mut tx = self.db.begin(org).await?;
            let rows: Vec<(i64, Uuid, String, String)> = sqlx::query_as(
                "SELECT seq, event_id, subject, payload::text FROM outbox
                 WHERE seq >= $1 ORDER BY seq LIMIT $2 FOR UPDATE SKIP LOCKED",
            )
            .bind(from_seq)
            .bind(BATCH)
            .fetch_all(&mut *tx)
            .await?;
            let Some(last) = rows.last() else {
                return Ok(total);
            };
            from_seq = last.0 + 1;
            let mut acks = Vec::with_capacity(rows.len());
            for (_, event_id, subject, payload) in &rows {
                let mut headers = async_nats::HeaderMap::new();
                headers.insert(
                    async_nats::header::NATS_MESSAGE_ID,
                    event_id.to_string().as_str(),
                );
                let ack = self
                    .js
                    .publish_with_headers(subject.clone(), headers, payload.clone().into())
                    .await
                    .map_err(|e| EventError::Nats(e.to_string()))?;
                acks.push(ack);
            }
            for ack in acks {
                ack.await.map_err(|e| EventError::Nats(e.to_string()))?;
            }
            let seqs: Vec<i64> = rows.iter().map(|r| r.0).collect();
            sqlx::query("DELETE FROM outbox WHERE seq = ANY($1)")
                .bind(&seqs)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            total += rows.len();
        }
    }
}
