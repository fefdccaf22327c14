//! The intake's table (`public.audit_intake`): records waiting for their orgs' trails.

use std::collections::HashMap;

use sqlx::{Postgres, Transaction};
use strongroom_core::OrgId;
use strongroom_events::Event;
use strongroom_tenancy::{TenancyError, TenantDb};
use uuid::Uuid;

use super::events::{Columns, Row};

/// Stores the events in the intake, in one statement; an event stored before is left as it
/// is.
pub async fn insert(db: &TenantDb, events: &[Event]) -> Result<(), TenancyError> {
    let orgs: Vec<Uuid> = events.iter().map(|e| e.org_id.0).collect();
    let c = Columns::of(events);
    sqlx::query(
        "INSERT INTO public.audit_intake (id, org_id, service, operation, actor_user_id,
            actor_username, ip, user_agent, target_kind, target_id, target_name, occurred_at,
            details)
         SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::uuid[],
            $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[],
            $12::timestamptz[], $13::jsonb[])
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(&c.ids)
    .bind(&orgs)
    .bind(&c.services)
    .bind(&c.operations)
    .bind(&c.actor_user_ids)
    .bind(&c.actor_usernames)
    .bind(&c.ips)
    .bind(&c.user_agents)
    .bind(&c.target_kinds)
    .bind(&c.target_ids)
    .bind(&c.target_names)
    .bind(&c.occurred_at)
    .bind(&c.details)
    .execute(db.global())
    .await?;
    Ok(())
}

/// Claims up to `limit` waiting records, except those of `passing_over`, in `tx` (other
/// replicas skip them until it ends); returns how many, and the events by org.
pub async fn claim(
    tx: &mut Transaction<'static, Postgres>,
    limit: usize,
    passing_over: &[OrgId],
) -> Result<(usize, HashMap<OrgId, Vec<Event>>), TenancyError> {
    let skipped: Vec<Uuid> = passing_over.iter().map(|o| o.0).collect();
    let rows: Vec<IntakeRow> = sqlx::query_as(
        "SELECT id, org_id, service, operation, actor_user_id, actor_username, ip, user_agent,
                target_kind, target_id, target_name, occurred_at, details
         FROM public.audit_intake WHERE org_id <> ALL($2)
         ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
    )
    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
    .bind(&skipped)
    .fetch_all(&mut **tx)
    .await?;
    let claimed = rows.len();
    let mut by_org: HashMap<OrgId, Vec<Event>> = HashMap::new();
    for row in rows {
        let event = row.event.into_event(OrgId(row.org_id));
        by_org.entry(event.org_id).or_default().push(event);
    }
    Ok((claimed, by_org))
}

/// Deletes the records `ids` from the intake.
pub async fn delete(
    tx: &mut Transaction<'static, Postgres>,
    ids: &[Uuid],
) -> Result<(), TenancyError> {
    sqlx::query("DELETE FROM public.audit_intake WHERE id = ANY($1)")
        .bind(ids)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Vacuums the intake, whose whole content turns over every round. Only the table's owner
/// may.
pub async fn vacuum(db: &TenantDb) -> Result<(), TenancyError> {
    sqlx::raw_sql("VACUUM public.audit_intake")
        .execute(db.owner())
        .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct IntakeRow {
    org_id: Uuid,
    #[sqlx(flatten)]
    event: Row,
}
