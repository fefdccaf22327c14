//! Batching of work that arrives together (reveals on the hot path): whenever one of
//! `in_flight` slots is free, everything waiting, up to `max`, goes out as one batch. Under
//! light load a batch holds one item and nothing waits; under heavy load batches grow while
//! earlier ones run, so fixed costs per item fall.

use std::future::Future;
use std::pin::Pin;
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

type Handler<T> = dyn Fn(Vec<T>) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync;

/// Hands items to `handle` in batches: whenever one of `in_flight` slots is free, everything
/// waiting, up to `max`, goes out as one batch, in a task of its own.
///
/// An item that finds nothing waiting and a slot free is a batch of one at once, handled in
/// the submitter's own task: under light load nothing is handed from task to task (each
/// hand-off wakes a task, often on another core), and a lone reveal pays only its own work.
pub struct Batches<T> {
    queue: mpsc::Sender<T>,
    slots: Arc<Semaphore>,
    handle: Arc<Handler<T>>,
}

impl<T: Send + 'static> Batches<T> {
    pub fn start<F, Fut>(max: usize, in_flight: usize, handle: F) -> Self
    where
        F: Fn(Vec<T>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let max = max.max(1);
        let (queue, receiver) = mpsc::channel(4 * max);
        let slots = Arc::new(Semaphore::new(in_flight.max(1)));
        let handle: Arc<Handler<T>> = Arc::new(move |batch| Box::pin(handle(batch)));
        tokio::spawn(run(receiver, max, slots.clone(), handle.clone()));
        Self {
            queue,
            slots,
            handle,
        }
    }

    /// Handles `item` in a batch; returns once a batch holding it has been handled, or has
    /// been handed to a task of its own. Gives the item back if batching has stopped.
    pub async fn submit(&self, item: T) -> Result<(), T> {
        // Nothing queued, and a slot free: the batch loop holds no item either (it takes a
        // slot before draining, and a freed slot goes to a waiting loop first).
        if self.queue.capacity() == self.queue.max_capacity()
            && let Ok(slot) = self.slots.clone().try_acquire_owned()
        {
            (self.handle)(vec![item]).await;
            drop(slot);
            return Ok(());
        }
        self.queue.send(item).await.map_err(|e| e.0)
    }
}

async fn run<T: Send + 'static>(
    mut receiver: mpsc::Receiver<T>,
    max: usize,
    slots: Arc<Semaphore>,
    handle: Arc<Handler<T>>,
) {
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

    #[tokio::test]
    async fn a_lone_item_runs_in_its_own_task_and_items_waiting_for_a_slot_share_a_batch() {
        use std::sync::Mutex;
        use tokio::sync::Notify;
        // Each batch handled, and the task it was handled in.
        type Seen = Vec<(Vec<u32>, Option<tokio::task::Id>)>;
        let seen: Arc<Mutex<Seen>> = Arc::default();
        let release = Arc::new(Notify::new());
        let batches = Arc::new({
            let (seen, release) = (seen.clone(), release.clone());
            Batches::start(8, 1, move |batch: Vec<u32>| {
                let (seen, release) = (seen.clone(), release.clone());
                async move {
                    let first = batch[0];
                    seen.lock().unwrap().push((batch, tokio::task::try_id()));
                    if first == 10 {
                        release.notified().await;
                    }
                }
            })
        });
        // Nothing waiting, a slot free: handled at once, in the submitting task.
        let lone = tokio::spawn({
            let batches = batches.clone();
            async move {
                batches.submit(1).await.unwrap();
                tokio::task::id()
            }
        });
        let lone_task = lone.await.unwrap();
        assert_eq!(seen.lock().unwrap()[0], (vec![1], Some(lone_task)));
        // The one slot busy: the next items wait, then go out together.
        let busy = tokio::spawn({
            let batches = batches.clone();
            async move { batches.submit(10).await.unwrap() }
        });
        while seen.lock().unwrap().len() < 2 {
            tokio::task::yield_now().await;
        }
        let waiting: Vec<_> = (11..14)
            .map(|n| {
                let batches = batches.clone();
                tokio::spawn(async move { batches.submit(n).await.unwrap() })
            })
            .collect();
        for _ in 0..100 {
            tokio::task::yield_now().await;
        }
        assert_eq!(
            seen.lock().unwrap().len(),
            2,
            "nothing runs while the slot is busy"
        );
        release.notify_one();
        busy.await.unwrap();
        for w in waiting {
            w.await.unwrap();
        }
        while seen.lock().unwrap().len() < 3 {
            tokio::task::yield_now().await;
        }
        let seen = seen.lock().unwrap();
        assert_eq!(seen[2].0, vec![11, 12, 13]);
        assert_ne!(
            seen[2].1,
            Some(lone_task),
            "a batch of waiting items has its own task"
        );
    }
}
