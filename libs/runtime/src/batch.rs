//! Batching of work that arrives together (reveals on the hot path): whenever one of
//! `in_flight` slots is free, everything waiting, up to `max`, goes out as one batch. Under
//! light load a batch holds one item and nothing waits; under heavy load batches grow while
//! earlier ones run, so fixed costs per item fall.

use std::future::Future;
use std::sync::Arc;

use anyhow::Context;
use tokio::sync::{Semaphore, mpsc};

/// How reveals are batched on their way through the gateway and the vault. Read from the
/// environment by both (the same variables in every deployment shape); the defaults derive
/// from the machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchTuning {
    /// Batches under way at once, in the gateway (calls to the vault) and in the vault
    /// (`STRONGROOM_REVEAL_BATCHES_IN_FLIGHT`). While they run, the next reveals gather into
    /// one batch. Default: the cores this process may use, at least 2 — one batch waiting
    /// on a commit while another is worked on keeps every core busy; more only splits the
    /// load into smaller batches, each paying its own round trips.
    pub in_flight: usize,
    /// Reveals in one batch at most (`STRONGROOM_REVEAL_BATCH_MAX`, default 256): a batch's
    /// calls carry a token (about 1 KiB) per reveal, and four merged batches must stay well
    /// under gRPC's 4 MiB message limit.
    pub max: usize,
}

impl BatchTuning {
    pub const DEFAULT_MAX: usize = 256;
    /// The largest batch: four merged (the vault merges up to four calls) stay inside
    /// gRPC's 4 MiB limit with a token of up to 2 KiB and the rest of each item.
    pub const LIMIT_MAX: usize = 400;

    pub fn from_env() -> anyhow::Result<Self> {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        Self::from_lookup(|name| std::env::var(name).ok(), cores)
    }

    fn from_lookup(get: impl Fn(&str) -> Option<String>, cores: usize) -> anyhow::Result<Self> {
        let read = |name: &str, default: usize| -> anyhow::Result<usize> {
            match get(name) {
                Some(v) => v
                    .parse::<usize>()
                    .ok()
                    .filter(|n| *n > 0)
                    .with_context(|| format!("{name} must be a positive number, not {v:?}")),
                None => Ok(default),
            }
        };
        let tuning = Self {
            in_flight: read("STRONGROOM_REVEAL_BATCHES_IN_FLIGHT", cores.max(2))?,
            max: read("STRONGROOM_REVEAL_BATCH_MAX", Self::DEFAULT_MAX)?,
        };
        anyhow::ensure!(
            tuning.max <= Self::LIMIT_MAX,
            "STRONGROOM_REVEAL_BATCH_MAX may be at most {}",
            Self::LIMIT_MAX
        );
        Ok(tuning)
    }
}

/// Feeds batches from `receiver` to `handle` until every sender is gone.
pub async fn run_batches<T, F, Fut>(
    mut receiver: mpsc::Receiver<T>,
    max: usize,
    in_flight: usize,
    handle: F,
) where
    T: Send + 'static,
    F: Fn(Vec<T>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let slots = Arc::new(Semaphore::new(in_flight.max(1)));
    while let Some(first) = receiver.recv().await {
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        let mut batch = vec![first];
        while batch.len() < max {
            match receiver.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        let work = handle(batch);
        tokio::spawn(async move {
            work.await;
            drop(slot);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_follow_the_cores_and_the_variables_override_them() {
        let none = |_: &str| None;
        let on = |cores| BatchTuning::from_lookup(none, cores).unwrap();
        assert_eq!(
            on(1),
            BatchTuning {
                in_flight: 2,
                max: 256
            }
        );
        assert_eq!(on(8).in_flight, 8);
        let set =
            |name: &'static str, v: &'static str| move |n: &str| (n == name).then(|| v.to_owned());
        let t = BatchTuning::from_lookup(set("STRONGROOM_REVEAL_BATCHES_IN_FLIGHT", "3"), 2);
        assert_eq!(t.unwrap().in_flight, 3);
        for bad in ["0", "many", "-1"] {
            assert!(BatchTuning::from_lookup(set("STRONGROOM_REVEAL_BATCH_MAX", bad), 2).is_err());
        }
        assert!(BatchTuning::from_lookup(set("STRONGROOM_REVEAL_BATCH_MAX", "401"), 2).is_err());
    }
}
