//! The intake: records the vault forwards (password reveals) land here first when a call
//! spans many orgs, in one insert however many orgs it spans, and a mover
//! appends them to their orgs' trails in the background. Touching each org's trail for every
//! batch made a reveal's cost grow with the number of orgs it arrived with; the mover touches
//! each org's trail once per round instead. Reads of a trail include the org's records still
//! waiting (a record being moved is in both places for a moment, and is read once).

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use strongroom_core::OrgId;
use strongroom_events::Event;
use strongroom_tenancy::{TenancyError, TenantDb};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::store::{Columns, Row, store_events};

/// Records moved in one round at most.
const MOVE_LIMIT: usize = 20_000;
/// How long the mover waits after a round that was not full: the longer, the more records
/// each org's trail takes per statement.
const MOVE_PAUSE: Duration = Duration::from_secs(1);
/// How often the mover vacuums the intake, whose whole content turns over every round (so
/// it stays small whatever the server's autovacuum settings), and tries again the orgs whose
/// records it could not move.
const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(15);

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
    let mut housekeeping = Instant::now();
    // Orgs whose records could not be moved: passed over until the next housekeeping, so
    // they hold up no other org's records.
    let mut stuck: HashSet<OrgId> = HashSet::new();
    loop {
        let passing_over: Vec<OrgId> = stuck.iter().copied().collect();
        let pause = match move_waiting(&db, &passing_over).await {
            Ok(round) => {
                stuck.extend(round.stuck);
                if round.claimed >= MOVE_LIMIT {
                    Duration::ZERO
                } else {
                    MOVE_PAUSE
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "moving audit records to their trails failed; retrying");
                MOVE_PAUSE
            }
        };
        if housekeeping.elapsed() >= HOUSEKEEPING_EVERY {
            housekeeping = Instant::now();
            stuck.clear();
            // Only the table's owner may vacuum it.
            if let Err(e) = sqlx::raw_sql("VACUUM public.audit_intake")
                .execute(db.owner())
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

/// What one round of the mover did.
pub struct MoveRound {
    /// Records claimed.
    pub claimed: usize,
    /// Orgs whose records could not be stored in their trail; they stay in the intake.
    pub stuck: HashSet<OrgId>,
}

/// One round: claims up to [`MOVE_LIMIT`] waiting records, except those of `passing_over`,
/// stores them in their orgs' trails and deletes them from the intake once stored (a round
/// cut short stores them again, which changes nothing). Records of deleted orgs are
/// dropped. When the round cannot be stored at once, each org is tried alone, so one org's
/// trail failing holds up no other org.
pub async fn move_waiting(
    db: &TenantDb,
    passing_over: &[OrgId],
) -> Result<MoveRound, TenancyError> {
    let skipped: Vec<Uuid> = passing_over.iter().map(|o| o.0).collect();
    let mut tx = db.global().begin().await?;
    let rows: Vec<IntakeRow> = sqlx::query_as(
        "SELECT id, org_id, service, operation, actor_user_id, actor_username, ip, user_agent,
                target_kind, target_id, target_name, occurred_at, details
         FROM public.audit_intake WHERE org_id <> ALL($2)
         ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
    )
    .bind(MOVE_LIMIT as i64)
    .bind(&skipped)
    .fetch_all(&mut *tx)
    .await?;
    let claimed = rows.len();
    if claimed == 0 {
        return Ok(MoveRound {
            claimed,
            stuck: HashSet::new(),
        });
    }
    let mut by_org: HashMap<OrgId, Vec<Event>> = HashMap::new();
    for row in rows {
        let event = row.into_event();
        by_org.entry(event.org_id).or_default().push(event);
    }
    let batch: Vec<(OrgId, Vec<Event>)> = by_org.into_iter().collect();
    let mut stuck = HashSet::new();
    match store_events(db, &batch).await {
        Ok(waiting) => stuck.extend(waiting),
        Err(e) => {
            tracing::warn!(error = %e, "moving a round of audit records failed; moving org by org");
            for one in &batch {
                match store_events(db, std::slice::from_ref(one)).await {
                    Ok(waiting) => stuck.extend(waiting),
                    Err(e) => {
                        tracing::warn!(org = %one.0, error = %e, "an org's audit records wait in the intake");
                        stuck.insert(one.0);
                    }
                }
            }
        }
    }
    let done: Vec<Uuid> = batch
        .iter()
        .filter(|(org, _)| !stuck.contains(org))
        .flat_map(|(_, events)| events.iter().map(|e| e.id))
        .collect();
    sqlx::query("DELETE FROM public.audit_intake WHERE id = ANY($1)")
        .bind(&done)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(MoveRound { claimed, stuck })
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
