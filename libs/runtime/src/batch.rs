//! Batching of work that arrives together (reveals on the hot path): whenever one of
//! `in_flight` slots is free, everything waiting, up to `max`, goes out as one batch. Under
//! light load a batch holds one item and nothing waits; under heavy load batches grow while
//! earlier ones run, so fixed costs per item fall.

use std::future::Future;
use std::sync::Arc;

use tokio::sync::{Semaphore, mpsc};

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
