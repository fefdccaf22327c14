use std::time::Duration;

use async_nats::jetstream;
use sqlx::postgres::PgListener;
use strongroom_core::OrgId;
use strongroom_tenancy::TenantDb;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::{EventError, OUTBOX_CHANNEL};

const BATCH: i64 = 200;
const SWEEP_EVERY: Duration = Duration::from_secs(5);

/// Publishes committed outbox rows to JetStream. Several relays may run against one
/// database: rows are claimed with `FOR UPDATE SKIP LOCKED` and deleted once acknowledged.
#[derive(Clone)]
pub struct Relay {
    db: TenantDb,
    js: jetstream::Context,
}

impl Relay {
    pub fn new(db: TenantDb, js: jetstream::Context) -> Self {
        Self { db, js }
    }

    /// Runs until `shutdown`: wakes on each outbox notification and sweeps every org
    /// periodically, so a missed notification only delays an event.
    pub async fn run(self, shutdown: CancellationToken) {
        let mut listener = match PgListener::connect_with(self.db.global()).await {
            Ok(mut l) => match l.listen(OUTBOX_CHANNEL).await {
                Ok(()) => Some(l),
                Err(e) => {
                    tracing::warn!(error = %e, "outbox listen failed; relying on sweeps");
                    None
                }
            },
            Err(e) => {
                tracing::warn!(error = %e, "outbox listener failed; relying on sweeps");
                None
            }
        };
        let mut sweep = tokio::time::interval(SWEEP_EVERY);
        loop {
            tokio::select! {
                () = shutdown.cancelled() => break,
                _ = sweep.tick() => self.sweep().await,
                note = recv(&mut listener) => match note {
                    Some(org) => self.drain_logged(org).await,
                    None => listener = None,
                },
            }
        }
    }

    async fn sweep(&self) {
        match self.db.provisioned_orgs().await {
            Ok(orgs) => {
                for org in orgs {
                    self.drain_logged(org).await;
                }
            }
            Err(e) => tracing::warn!(error = %e, "outbox sweep failed"),
        }
    }

    async fn drain_logged(&self, org: OrgId) {
        if let Err(e) = self.drain(org).await {
            tracing::warn!(%org, error = %e, "outbox relay failed; will retry");
        }
    }

    /// Publishes every pending event of one org; returns how many were published.
    pub async fn drain(&self, org: OrgId) -> Result<usize, EventError> {
        let mut total = 0;
        loop {
            let mut tx = self.db.begin(org).await?;
            let rows: Vec<(i64, Uuid, String, String)> = sqlx::query_as(
                "SELECT seq, event_id, subject, payload::text FROM outbox
                 ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED",
            )
            .bind(BATCH)
            .fetch_all(&mut *tx)
            .await?;
            if rows.is_empty() {
                return Ok(total);
            }
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

/// The next org named by an outbox notification; never resolves without a listener.
async fn recv(listener: &mut Option<PgListener>) -> Option<OrgId> {
    let Some(l) = listener else {
        return std::future::pending().await;
    };
    loop {
        match l.recv().await {
            Ok(note) => {
                if let Ok(org) = OrgId::parse(note.payload()) {
                    return Some(org);
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "outbox listener lost");
                return None;
            }
        }
    }
}
