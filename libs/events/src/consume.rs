use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_nats::jetstream::{self, AckKind, consumer::pull};
use futures::StreamExt;
use tokio_util::sync::CancellationToken;

use strongroom_core::OrgId;

use crate::{Event, EventError, existing_stream};

#[derive(Debug, thiserror::Error)]
pub enum ConsumeError {
    #[error(transparent)]
    Event(#[from] EventError),
    #[error("consumer: {0}")]
    Nats(String),
}

/// Most messages handled together.
const BATCH: usize = 500;

/// Events refused since the process started because their body named another org, service
/// or operation than the subject they arrived on.
static MISMATCHED: AtomicU64 = AtomicU64::new(0);

/// How many events this process refused because their body did not match their subject:
/// a service's NATS user may publish only under its own name, so a body claiming another
/// service's or another org's event on it is forged.
pub fn mismatched_events() -> u64 {
    MISMATCHED.load(Ordering::Relaxed)
}

/// Runs a durable pull consumer over `<prefix>.>` until `shutdown`. Replicas sharing the
/// durable name share the work. Messages already delivered are handled together: `handle`
/// gets them grouped by org, in stream order within each org, and answers which orgs'
/// events must be retried. A message is acknowledged only once handled; otherwise it is
/// redelivered, so `handle` must be idempotent by event id.
pub async fn consume<F, Fut, E>(
    js: jetstream::Context,
    prefix: &str,
    durable: &str,
    shutdown: CancellationToken,
    handle: F,
) -> Result<(), ConsumeError>
where
    F: Fn(Vec<(OrgId, Vec<Event>)>) -> Fut,
    Fut: Future<Output = Result<HashSet<OrgId>, E>>,
    E: std::fmt::Display,
{
    consume_filtered(js, prefix, durable, None, shutdown, handle).await
}

/// Like [`consume`], over the subjects that match `filter` (a subject under `<prefix>.`,
/// wildcards allowed) when given.
pub async fn consume_filtered<F, Fut, E>(
    js: jetstream::Context,
    prefix: &str,
    durable: &str,
    filter: Option<String>,
    shutdown: CancellationToken,
    handle: F,
) -> Result<(), ConsumeError>
where
    F: Fn(Vec<(OrgId, Vec<Event>)>) -> Fut,
    Fut: Future<Output = Result<HashSet<OrgId>, E>>,
    E: std::fmt::Display,
{
    let nats = |e: &dyn std::fmt::Display| ConsumeError::Nats(e.to_string());
    let stream = existing_stream(&js, prefix).await?;
    let consumer = stream
        .get_or_create_consumer(
            durable,
            pull::Config {
                durable_name: Some(durable.to_owned()),
                ack_policy: jetstream::consumer::AckPolicy::Explicit,
                ack_wait: Duration::from_secs(30),
                filter_subject: filter.unwrap_or_default(),
                ..Default::default()
            },
        )
        .await
        .map_err(|e| nats(&e))?;
    let messages = consumer
        .stream()
        .max_messages_per_batch(BATCH)
        .messages()
        .await
        .map_err(|e| nats(&e))?;
    let mut batches = messages.ready_chunks(BATCH);
    loop {
        let batch = tokio::select! {
            () = shutdown.cancelled() => return Ok(()),
            next = batches.next() => next.ok_or_else(|| ConsumeError::Nats("event stream ended".into()))?,
        };
        let (events, messages): (Vec<_>, Vec<_>) = by_org(prefix, batch)
            .await
            .into_iter()
            .map(|(org, (events, messages))| ((org, events), (org, messages)))
            .unzip();
        let retry = match handle(events).await {
            Ok(retry) => retry,
            Err(e) => {
                tracing::warn!(error = %e, "event handling failed; will retry");
                messages.iter().map(|(org, _)| *org).collect()
            }
        };
        for (org, messages) in messages {
            for message in messages {
                let acked = if retry.contains(&org) {
                    message
                        .ack_with(AckKind::Nak(Some(Duration::from_secs(1))))
                        .await
                } else {
                    message.ack().await
                };
                if let Err(e) = acked {
                    tracing::warn!(%org, error = %e, "ack failed; event will be redelivered");
                }
            }
        }
    }
}

type OrgBatch = (Vec<Event>, Vec<jetstream::Message>);

/// Decodes a batch and groups it by org, keeping stream order within each org.
async fn by_org(
    prefix: &str,
    batch: Vec<Result<jetstream::Message, pull::MessagesError>>,
) -> Vec<(OrgId, OrgBatch)> {
    let mut groups: Vec<(OrgId, OrgBatch)> = Vec::new();
    let mut index: HashMap<OrgId, usize> = HashMap::new();
    for item in batch {
        let message = match item {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(error = %e, "event stream error");
                continue;
            }
        };
        let event: Event = match serde_json::from_slice(&message.payload) {
            Ok(ev) => ev,
            Err(e) => {
                // A message we can never read must not block the ones behind it.
                tracing::error!(subject = %message.subject, error = %e, "undecodable event dropped");
                let _ = message.ack_with(AckKind::Term).await;
                continue;
            }
        };
        // The server lets each service publish only under its own name: the subject is
        // what vouches for the service, and the body must say the same.
        let expected = event.subject(prefix);
        if message.subject.as_str() != expected {
            let refused = MISMATCHED.fetch_add(1, Ordering::Relaxed) + 1;
            tracing::error!(
                subject = %message.subject, claimed = %expected, event = %event.id, refused,
                "event refused: its body does not match its subject"
            );
            let _ = message.ack_with(AckKind::Term).await;
            continue;
        }
        let org = event.org_id;
        let i = *index.entry(org).or_insert_with(|| {
            groups.push((org, (Vec::new(), Vec::new())));
            groups.len() - 1
        });
        if let Some((_, (events, messages))) = groups.get_mut(i) {
            events.push(event);
            messages.push(message);
        }
    }
    groups
}
