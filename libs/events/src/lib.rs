//! Domain events: one envelope, a transactional outbox, a relay to NATS JetStream and a
//! consumer helper. A change and its event commit together; the relay publishes with
//! `Nats-Msg-Id` = event id and consumers store idempotently by event id, so a crash, a
//! second relay or a redelivery neither loses nor duplicates an event.

mod consume;
mod relay;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use strongroom_core::{ErrorCode, HasErrorCode, OrgId, UserId};
use strongroom_tenancy::{OrgsTx, TenantTx};
use uuid::Uuid;

pub use async_nats;
pub use consume::{ConsumeError, consume};
pub use relay::Relay;

#[derive(Debug, thiserror::Error)]
pub enum EventError {
    #[error("outbox write failed")]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Tenancy(#[from] strongroom_tenancy::TenancyError),
    #[error("event could not be encoded")]
    Encode(#[from] serde_json::Error),
    #[error("nats: {0}")]
    Nats(String),
}

impl HasErrorCode for EventError {
    fn code(&self) -> ErrorCode {
        match self {
            EventError::Tenancy(e) => e.code(),
            EventError::Nats(_) => ErrorCode::Unavailable,
            _ => ErrorCode::Internal,
        }
    }
}

/// Who did it: what PMP's audit trails show for every operation.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Option<UserId>,
    pub username: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// What it was done to.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Target {
    pub kind: String,
    pub id: Option<String>,
    pub name: Option<String>,
}

impl Target {
    pub fn new(kind: &str, id: impl ToString, name: impl Into<String>) -> Self {
        Self {
            kind: kind.to_owned(),
            id: Some(id.to_string()),
            name: Some(name.into()),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Event {
    pub id: Uuid,
    pub org_id: OrgId,
    pub service: String,
    /// Dotted, e.g. `password.revealed`.
    pub operation: String,
    pub actor: Actor,
    pub target: Target,
    pub occurred_at: DateTime<Utc>,
    pub details: serde_json::Value,
}

impl Event {
    pub fn new(
        org_id: OrgId,
        service: &str,
        operation: &str,
        actor: Actor,
        target: Target,
    ) -> Self {
        Self {
            id: Uuid::now_v7(),
            org_id,
            service: service.to_owned(),
            operation: operation.to_owned(),
            actor,
            target,
            occurred_at: Utc::now(),
            details: serde_json::Value::Null,
        }
    }

    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = details;
        self
    }

    /// `<prefix>.<org>.<service>.<operation>`
    pub fn subject(&self, prefix: &str) -> String {
        format!(
            "{prefix}.{}.{}.{}",
            self.org_id, self.service, self.operation
        )
    }
}

/// Writes events into the transaction's org outbox, and tells this process's relay which
/// orgs have new events once they commit. (No Postgres NOTIFY: it serialises every
/// committing transaction on one lock. Rows another process leaves behind, say after a
/// crash, are found by the relays' periodic sweep.)
#[derive(Debug, Clone)]
pub struct Outbox {
    prefix: String,
    committed: Arc<Committed>,
}

/// Orgs whose outbox gained rows since the relay last looked, each with the lowest
/// sequence number committed, so the relay's claim starts there instead of walking the
/// rows it already relayed (deleted, but still in the table until vacuumed).
#[derive(Debug, Default)]
struct Committed {
    orgs: Mutex<HashMap<OrgId, i64>>,
    wake: tokio::sync::Notify,
}

impl Committed {
    fn mark(&self, org: OrgId, from_seq: i64) {
        if let Ok(mut orgs) = self.orgs.lock() {
            let from = orgs.entry(org).or_insert(from_seq);
            *from = (*from).min(from_seq);
        }
        self.wake.notify_one();
    }

    fn take(&self) -> Vec<(OrgId, i64)> {
        self.orgs
            .lock()
            .map(|mut orgs| orgs.drain().collect())
            .unwrap_or_default()
    }
}

/// What [`Outbox::record_across`] wrote: per org, the lowest sequence number.
#[must_use = "pass to Outbox::commit_across"]
pub struct Recorded(Vec<(OrgId, i64)>);

impl Outbox {
    pub fn new(prefix: impl Into<String>) -> Self {
        Self {
            prefix: prefix.into(),
            committed: Arc::default(),
        }
    }

    /// Commits a transaction that recorded events and wakes the relay for its org.
    pub async fn commit(&self, tx: TenantTx) -> Result<(), EventError> {
        let org = tx.org();
        tx.commit().await?;
        // Few events take this path; the relay looks at the whole outbox.
        self.committed.mark(org, 0);
        Ok(())
    }

    /// Adds the event to the outbox of the transaction's org; it is published only if the
    /// transaction commits (commit with [`Outbox::commit`] so the relay wakes at once).
    pub async fn record(&self, tx: &mut TenantTx, event: &Event) -> Result<(), EventError> {
        debug_assert_eq!(tx.org(), event.org_id);
        sqlx::query("INSERT INTO outbox (event_id, subject, payload) VALUES ($1, $2, $3)")
            .bind(event.id)
            .bind(event.subject(&self.prefix))
            .bind(serde_json::to_value(event)?)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }
}

impl Outbox {
    /// Adds events of several orgs to their outboxes in one statement.
    pub async fn record_across(
        &self,
        tx: &mut OrgsTx,
        events: &[Event],
    ) -> Result<Recorded, EventError> {
        let mut by_org: Vec<(OrgId, Vec<&Event>)> = Vec::new();
        for event in events {
            match by_org.iter_mut().find(|(org, _)| *org == event.org_id) {
                Some((_, list)) => list.push(event),
                None => by_org.push((event.org_id, vec![event])),
            }
        }
        if by_org.is_empty() {
            return Ok(Recorded(Vec::new()));
        }
        let mut ctes = Vec::with_capacity(by_org.len());
        for (i, (org, _)) in by_org.iter().enumerate() {
            let n = i * 3;
            ctes.push(format!(
                "e{i} AS (INSERT INTO {} (event_id, subject, payload)
                    SELECT * FROM UNNEST(${}::uuid[], ${}::text[], ${}::jsonb[]) RETURNING seq)",
                tx.table(*org, "outbox")?,
                n + 1,
                n + 2,
                n + 3
            ));
        }
        let lowest: Vec<String> = (0..by_org.len())
            .map(|i| format!("SELECT {i} AS i, min(seq) FROM e{i}"))
            .collect();
        let sql = format!(
            "WITH {} {} ORDER BY i",
            ctes.join(", "),
            lowest.join(" UNION ALL ")
        );
        let mut query = sqlx::query_as::<_, (i32, i64)>(sqlx::AssertSqlSafe(sql))
            .persistent(tx.statements_repeat());
        for (_, list) in &by_org {
            let payloads = list
                .iter()
                .map(serde_json::to_value)
                .collect::<Result<Vec<_>, _>>()?;
            query = query
                .bind(list.iter().map(|e| e.id).collect::<Vec<_>>())
                .bind(
                    list.iter()
                        .map(|e| e.subject(&self.prefix))
                        .collect::<Vec<_>>(),
                )
                .bind(payloads);
        }
        let lowest = query.fetch_all(&mut **tx).await?;
        Ok(Recorded(
            by_org
                .iter()
                .zip(lowest)
                .map(|((org, _), (_, seq))| (*org, seq))
                .collect(),
        ))
    }

    /// Commits a transaction over several orgs and wakes the relay for each.
    pub async fn commit_across(&self, tx: OrgsTx, recorded: Recorded) -> Result<(), EventError> {
        tx.commit().await?;
        for (org, seq) in recorded.0 {
            self.committed.mark(org, seq);
        }
        Ok(())
    }
}

/// The stream that carries every event under `prefix`; synchronous writes are configured on
/// the server (`sync_interval: always`), not per stream.
pub async fn ensure_stream(
    js: &async_nats::jetstream::Context,
    prefix: &str,
) -> Result<async_nats::jetstream::stream::Stream, EventError> {
    use async_nats::jetstream::stream;
    js.get_or_create_stream(stream::Config {
        name: stream_name(prefix),
        subjects: vec![format!("{prefix}.>")],
        storage: stream::StorageType::File,
        duplicate_window: std::time::Duration::from_secs(120),
        ..Default::default()
    })
    .await
    .map_err(|e| EventError::Nats(e.to_string()))
}

pub fn stream_name(prefix: &str) -> String {
    let clean: String = prefix
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("{clean}_EVENTS")
}
