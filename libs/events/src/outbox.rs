//! The transactional outbox: events are written in the same transaction as the change
//! they describe, and the relay of this process is woken when they commit.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use strongroom_core::OrgId;
use strongroom_tenancy::{OrgsTx, TenantTx};

use crate::{Event, EventError};

/// Writes events into the transaction's org outbox, and tells this process's relay which
/// orgs have new events once they commit. (No Postgres NOTIFY: it serialises every
/// committing transaction on one lock. Rows another process leaves behind, say after a
/// crash, are found by the relays' periodic sweep.)
#[derive(Debug, Clone)]
pub struct Outbox {
    prefix: String,
    pub(crate) committed: Arc<Committed>,
}

/// Orgs whose outbox gained rows since the relay last looked, each with the lowest
/// sequence number committed, so the relay's claim starts there instead of walking the
/// rows it already relayed (deleted, but still in the table until vacuumed).
#[derive(Debug, Default)]
pub(crate) struct Committed {
    orgs: Mutex<HashMap<OrgId, i64>>,
    pub(crate) wake: tokio::sync::Notify,
}

impl Committed {
    fn mark(&self, org: OrgId, from_seq: i64) {
        if let Ok(mut orgs) = self.orgs.lock() {
            let from = orgs.entry(org).or_insert(from_seq);
            *from = (*from).min(from_seq);
        }
        self.wake.notify_one();
    }

    pub(crate) fn take(&self) -> Vec<(OrgId, i64)> {
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
