//! The intake: records the vault forwards (password reveals) land here first when a call
//! spans many orgs, in one insert however many orgs it spans, and a mover
//! appends them to their orgs' trails in the background. Touching each org's trail for every
//! batch made a reveal's cost grow with the number of orgs it arrived with; the mover touches
//! each org's trail once per round instead. Reads of a trail include the org's records still
//! waiting (a record being moved is in both places for a moment, and is read once).

use std::collections::HashSet;
use std::time::{Duration, Instant};

use strongroom_core::OrgId;
use strongroom_events::Event;
use strongroom_tenancy::{TenancyError, TenantDb};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::store::{self, store_events};

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
    store::intake::insert(db, events).await
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
            if let Err(e) = store::intake::vacuum(&db).await {
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
    let mut tx = db.global().begin().await?;
    let (claimed, by_org) = store::intake::claim(&mut tx, MOVE_LIMIT, passing_over).await?;
    if claimed == 0 {
        return Ok(MoveRound {
            claimed,
            stuck: HashSet::new(),
        });
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
    let mut unqueued = Vec::new();
    for (org, events) in batch.iter().filter(|(org, _)| !stuck.contains(org)) {
        if let Err(e) = crate::notices::queue_notices(db, *org, events).await {
            tracing::warn!(org = %org, error = %e, "an org's mail could not be queued; its records wait");
            unqueued.push(*org);
        }
    }
    stuck.extend(unqueued);
    let done: Vec<Uuid> = batch
        .iter()
        .filter(|(org, _)| !stuck.contains(org))
        .flat_map(|(_, events)| events.iter().map(|e| e.id))
        .collect();
    store::intake::delete(&mut tx, &done).await?;
    tx.commit().await?;
    Ok(MoveRound { claimed, stuck })
}
