//! The trails: each org's events, stored once by id, read with filters.

use std::collections::HashSet;

use strongroom_core::{OrgId, UserId};
use strongroom_events::{Actor, Event, Target};
use strongroom_tenancy::{OrgsStatements, TenancyError, TenantDb, ToSql};
use uuid::Uuid;

/// Lets the service's own role move intake rows (claim and delete them) when another role
/// owns the tables. It may read and add rows of everything else, trails included, and
/// change or remove none (see `TenantDb::connect_as`). Run at start-up, as the owner.
pub async fn grant_intake_rights(db: &TenantDb) -> Result<(), TenancyError> {
    if let Some(role) = db.runtime_role() {
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "GRANT UPDATE, DELETE ON public.audit_intake TO {role}"
        )))
        .execute(db.owner())
        .await?;
    }
    Ok(())
}

/// Stores events of several orgs in their trails, one statement per org; storing an event
/// again changes nothing. Returns the orgs with no trail here yet (their events must wait);
/// events of deleted orgs are dropped.
pub async fn store_events(
    db: &TenantDb,
    batch: &[(OrgId, Vec<Event>)],
) -> Result<HashSet<OrgId>, TenancyError> {
    match store_once(db, batch).await {
        Err(e) => {
            // Another replica may have deleted an org this one still knew: forget it, retry.
            let orgs: Vec<OrgId> = batch.iter().map(|(org, _)| *org).collect();
            if db.still_provisioned(&orgs).await?.len() < orgs.len() {
                store_once(db, batch).await
            } else {
                Err(e)
            }
        }
        stored => stored,
    }
}

async fn store_once(
    db: &TenantDb,
    batch: &[(OrgId, Vec<Event>)],
) -> Result<HashSet<OrgId>, TenancyError> {
    let mut unknown = HashSet::new();
    let mut known = Vec::new();
    for (org, events) in batch {
        if db.is_provisioned(*org).await? {
            known.push((*org, events));
        } else if db.is_deleted(*org).await? {
            tracing::info!(%org, dropped = events.len(), "events of a deleted org dropped");
        } else {
            unknown.insert(*org);
        }
    }
    if known.is_empty() {
        return Ok(unknown);
    }
    let orgs: Vec<OrgId> = known.iter().map(|(org, _)| *org).collect();
    let groups = db.statements_over(&orgs).await?;
    // Every group runs to its end (none is cut off mid-statement); any failure fails the call.
    for stored in futures::future::join_all(groups.iter().map(|g| store_group(g, &known))).await {
        stored?;
    }
    Ok(unknown)
}

/// Stores the events of a group's orgs on one connection: one prepared statement per org,
/// sent together and committed together.
async fn store_group(
    group: &OrgsStatements<'_>,
    known: &[(OrgId, &Vec<Event>)],
) -> Result<(), TenancyError> {
    let mine: Vec<&(OrgId, &Vec<Event>)> = known
        .iter()
        .filter(|(org, _)| group.orgs().contains(org))
        .collect();
    let columns: Vec<Columns> = mine.iter().map(|(_, events)| Columns::of(events)).collect();
    let mut statements = Vec::with_capacity(mine.len());
    for ((org, _), columns) in mine.iter().zip(&columns) {
        let sql = format!(
            "INSERT INTO {} (id, service, operation, actor_user_id, actor_username, ip,
                user_agent, target_kind, target_id, target_name, occurred_at, details)
             SELECT * FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::text[],
                $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
                $11::timestamptz[], $12::jsonb[])
             ON CONFLICT (id) DO NOTHING",
            group.table(*org, "audit_events")?
        );
        statements.push((sql, columns.params()));
    }
    group.execute_atomically(&statements).await
}

/// Events as the columns of their table, one array each, in the insert's order.
pub(super) struct Columns {
    pub(super) ids: Vec<Uuid>,
    pub(super) services: Vec<String>,
    pub(super) operations: Vec<String>,
    pub(super) actor_user_ids: Vec<Option<Uuid>>,
    pub(super) actor_usernames: Vec<String>,
    pub(super) ips: Vec<Option<String>>,
    pub(super) user_agents: Vec<Option<String>>,
    pub(super) target_kinds: Vec<String>,
    pub(super) target_ids: Vec<Option<String>>,
    pub(super) target_names: Vec<Option<String>>,
    pub(super) occurred_at: Vec<chrono::DateTime<chrono::Utc>>,
    pub(super) details: Vec<serde_json::Value>,
}

impl Columns {
    pub(super) fn of(events: &[Event]) -> Self {
        fn col<T>(events: &[Event], f: impl Fn(&Event) -> T) -> Vec<T> {
            events.iter().map(f).collect()
        }
        Columns {
            ids: col(events, |e| e.id),
            services: col(events, |e| e.service.clone()),
            operations: col(events, |e| e.operation.clone()),
            actor_user_ids: col(events, |e| e.actor.user_id.map(|u| u.0)),
            actor_usernames: col(events, |e| e.actor.username.clone()),
            ips: col(events, |e| e.actor.ip.clone()),
            user_agents: col(events, |e| e.actor.user_agent.clone()),
            target_kinds: col(events, |e| e.target.kind.clone()),
            target_ids: col(events, |e| e.target.id.clone()),
            target_names: col(events, |e| e.target.name.clone()),
            occurred_at: col(events, |e| e.occurred_at),
            details: col(events, |e| e.details.clone()),
        }
    }

    fn params(&self) -> Vec<&(dyn ToSql + Sync)> {
        vec![
            &self.ids,
            &self.services,
            &self.operations,
            &self.actor_user_ids,
            &self.actor_usernames,
            &self.ips,
            &self.user_agents,
            &self.target_kinds,
            &self.target_ids,
            &self.target_names,
            &self.occurred_at,
            &self.details,
        ]
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct Row {
    pub(super) id: Uuid,
    pub(super) service: String,
    pub(super) operation: String,
    pub(super) actor_user_id: Option<Uuid>,
    pub(super) actor_username: String,
    pub(super) ip: Option<String>,
    pub(super) user_agent: Option<String>,
    pub(super) target_kind: String,
    pub(super) target_id: Option<String>,
    pub(super) target_name: Option<String>,
    pub(super) occurred_at: chrono::DateTime<chrono::Utc>,
    pub(super) details: serde_json::Value,
}

impl Row {
    pub(super) fn into_event(self, org: OrgId) -> Event {
        Event {
            id: self.id,
            org_id: org,
            service: self.service,
            operation: self.operation,
            actor: Actor {
                user_id: self.actor_user_id.map(UserId),
                username: self.actor_username,
                ip: self.ip,
                user_agent: self.user_agent,
            },
            target: Target {
                kind: self.target_kind,
                id: self.target_id,
                name: self.target_name,
            },
            occurred_at: self.occurred_at,
            details: self.details,
        }
    }
}

/// Which of an org's events to list, newest first.
#[derive(Debug, Default)]
pub struct EventFilter {
    pub limit: i64,
    /// Only what these users did.
    pub actors: Option<Vec<uuid::Uuid>>,
    /// Text the operation, the user's name, and the target's kind, name or id must each
    /// contain (ignoring case).
    pub operation: Option<String>,
    pub user: Option<String>,
    pub target: Option<String>,
    pub since: Option<chrono::DateTime<chrono::Utc>>,
    pub until: Option<chrono::DateTime<chrono::Utc>>,
}

/// The org's events that pass `filter`, newest first.
pub async fn list_events(
    db: &TenantDb,
    org: OrgId,
    filter: EventFilter,
) -> Result<Vec<Event>, TenancyError> {
    let mut tx = db.begin(org).await?;
    // The org's records still in the intake are part of its trail (see `intake`).
    let rows: Vec<Row> = sqlx::query_as(
        "WITH trail AS (
             SELECT id, service, operation, actor_user_id, actor_username, ip, user_agent,
                    target_kind, target_id, target_name, occurred_at, details
             FROM audit_events
             UNION ALL
             SELECT id, service, operation, actor_user_id, actor_username, ip, user_agent,
                    target_kind, target_id, target_name, occurred_at, details
             FROM public.audit_intake i
             WHERE i.org_id = $2
               AND NOT EXISTS (SELECT 1 FROM audit_events t WHERE t.id = i.id)
         )
         SELECT * FROM trail
         WHERE ($3::uuid[] IS NULL OR actor_user_id = ANY($3))
           AND ($4::text IS NULL OR strpos(lower(operation), lower($4)) > 0)
           AND ($5::text IS NULL OR strpos(lower(actor_username), lower($5)) > 0)
           AND ($6::text IS NULL
                OR strpos(lower(target_kind), lower($6)) > 0
                OR strpos(lower(coalesce(target_name, '')), lower($6)) > 0
                OR strpos(lower(coalesce(target_id, '')), lower($6)) > 0)
           AND ($7::timestamptz IS NULL OR occurred_at >= $7)
           AND ($8::timestamptz IS NULL OR occurred_at < $8)
         ORDER BY occurred_at DESC, id DESC LIMIT $1",
    )
    .bind(filter.limit)
    .bind(org.0)
    .bind(filter.actors)
    .bind(filter.operation)
    .bind(filter.user)
    .bind(filter.target)
    .bind(filter.since)
    .bind(filter.until)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(rows.into_iter().map(|r| r.into_event(org)).collect())
}
