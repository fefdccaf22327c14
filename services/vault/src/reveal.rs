//! Password reveals, the hottest path: applications fetch passwords far more often than
//! people do. Reveals that arrive together, from any orgs, run as one batch: one read of
//! the orgs' generations, then of each org's secrets not kept in memory at its generation
//! (orgs on different connections side by side), one call to the access service for the
//! decisions not already known (an owner's allowance is kept; see `cache`) and one
//! statement that commits all their audit records. The rows already held are decided while
//! the generations are read, and the records of reveals allowed by a kept allowance are
//! committed in the very statement that reads them. A reveal changes nothing else, so its
//! audit record is its only write; each password leaves only after its record is committed
//! (see `reveal_records`, which forwards them to the audit service).

use std::sync::Arc;

use strongroom_core::ErrorCode;
use strongroom_runtime::{BatchTuning, Batches};
use tokio::sync::oneshot;

use crate::error::VaultError;

mod batch;
mod decide;
mod request;

pub use batch::Revealer;
use request::Call;
pub use request::{Reply, Reveal, Showing, no_result};

/// Calls (each a batch of its own, of up to `BatchTuning::max` reveals from a gateway)
/// merged into one batch at most: a batch's access check carries a token per reveal, and
/// must stay under gRPC's 4 MiB message limit (see `BatchTuning`).
const MAX_CALLS: usize = 4;

/// Hands reveals to the batching task.
pub struct RevealQueue {
    batches: Batches<Call>,
}

impl RevealQueue {
    pub fn start(revealer: Revealer, tuning: BatchTuning) -> Self {
        let revealer = Arc::new(revealer);
        let batches = Batches::start(MAX_CALLS, tuning.in_flight, move |calls| {
            let revealer = revealer.clone();
            async move { revealer.run(calls).await }
        });
        Self { batches }
    }

    /// Reveals these together (and with other calls waiting); one result each, in order.
    pub async fn reveal(&self, reveals: Vec<Reveal>) -> Vec<Reply> {
        let asked = reveals.len();
        if asked == 0 {
            return Vec::new();
        }
        let stopped = || {
            (0..asked)
                .map(|_| {
                    Err(VaultError::Batch {
                        code: ErrorCode::Unavailable,
                        message: "the vault is shutting down",
                    })
                })
                .collect()
        };
        let (reply, answer) = oneshot::channel();
        if self.batches.submit(Call { reveals, reply }).await.is_err() {
            return stopped();
        }
        answer.await.unwrap_or_else(|_| stopped())
    }
}
