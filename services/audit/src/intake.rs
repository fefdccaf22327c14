//! The intake: records that must be stored before their service answers (password reveals)
//! land here first, a whole batch in one insert however many orgs it spans, and a mover
//! appends them to their orgs' trails in the background. Touching each org's trail for every
//! batch made a reveal's cost grow with the number of orgs it arrived with; the mover touches
//! each org's trail once per round instead. Reads of a trail include the org's records still
//! waiting (a record being moved is in both places for a moment, and is read once).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use strongroom_core::OrgId;
use strongroom_events::Event;
use strongroom_tenancy::{TenancyError, TenantDb};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::store::{Columns, Row, store_events};

/// Records moved in one round at most.
const MOVE_LIMIT: usize = 20_000;
/// How long the mover waits when the intake had less than a full round: the longer, the
/// more records each org's trail takes per statement.
const MOVE_PAUSE: Duration = Duration::from_secs(1);
/// How often the mover vacuums the intake, whose whole content turns over every round, so it
/// stays small whatever the server's autovacuum settings.
const VACUUM_EVERY: Duration = Duration::from_secs(15);

/// Stores the events in the intake, in one statement; an event stored before is left as it
/// is. The caller has checked that each event's org has a trail here.
pub async fn store_in_intake(db: &TenantDb, events: &[Event]) -> Result<(), TenancyError> {
    if events.is_empty() {
        return Ok(());
    }
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

/// Moves waiting records to their orgs' trails until `shutdown`. Replicas may all run it:
/// each round claims its records with SKIP LOCKED.
pub async fn run_mover(db: TenantDb, shutdown: CancellationToken) {
    let mut vacuumed = Instant::now();
    loop {
        let pause = match move_waiting(&db).await {
            Ok(moved) if moved >= MOVE_LIMIT => Duration::ZERO,
            Ok(_) => MOVE_PAUSE,
            Err(e) => {
                tracing::warn!(error = %e, "moving audit records to their trails failed; retrying");
                MOVE_PAUSE
            }
        };
        if vacuumed.elapsed() >= VACUUM_EVERY {
            vacuumed = Instant::now();
            if let Err(e) = sqlx::raw_sql("VACUUM public.audit_intake")
                .execute(db.global())
                .await
            {
                tracing::warn!(error = %e, "vacuuming the audit intake failed");
            }
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(pause) => {}
        }
    }
}

/// One round: claims up to [`MOVE_LIMIT`] waiting records, stores them in their orgs' trails
/// and deletes them from the intake once stored (a round cut short stores them again, which
/// changes nothing). Records of deleted orgs are dropped. Returns how many were claimed.
pub async fn move_waiting(db: &TenantDb) -> Result<usize, TenancyError> {
    let mut tx = db.global().begin().await?;
    let rows: Vec<IntakeRow> = sqlx::query_as(
        "SELECT id, org_id, service, operation, actor_user_id, actor_username, ip, user_agent,
                target_kind, target_id, target_name, occurred_at, details
         FROM public.audit_intake ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
    )
    .bind(MOVE_LIMIT as i64)
    .fetch_all(&mut *tx)
    .await?;
    let claimed = rows.len();
    if claimed == 0 {
        return Ok(0);
    }
    let mut by_org: HashMap<OrgId, Vec<Event>> = HashMap::new();
    for row in rows {
        let event = row.into_event();
        by_org.entry(event.org_id).or_default().push(event);
    }
    let batch: Vec<(OrgId, Vec<Event>)> = by_org.into_iter().collect();
    let waiting = store_events(db, &batch).await?;
    let done: Vec<Uuid> = batch
        .iter()
        .filter(|(org, _)| !waiting.contains(org))
        .flat_map(|(_, events)| events.iter().map(|e| e.id))
        .collect();
    sqlx::query("DELETE FROM public.audit_intake WHERE id = ANY($1)")
        .bind(&done)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(claimed)
}

#[derive(sqlx::FromRow)]
struct IntakeRow {
    org_id: Uuid,
    #[sqlx(flatten)]
    event: Row,
}

impl IntakeRow {
    fn into_event(self) -> Event {
        self.event.into_event(OrgId(self.org_id))
    }
}
