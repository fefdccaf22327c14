use std::future::Future;
use std::time::Duration;

use async_nats::jetstream::{self, AckKind, consumer::pull};
use futures::StreamExt;
use tokio_util::sync::CancellationToken;

use crate::{Event, EventError, ensure_stream};

#[derive(Debug, thiserror::Error)]
pub enum ConsumeError {
    #[error(transparent)]
    Event(#[from] EventError),
    #[error("consumer: {0}")]
    Nats(String),
}

/// Runs a durable pull consumer over `<prefix>.>` until `shutdown`. Replicas sharing the
/// durable name share the work. A message is acknowledged only after `handle` succeeds;
/// otherwise it is redelivered, so `handle` must be idempotent by event id.
pub async fn consume<F, Fut, E>(
    js: jetstream::Context,
    prefix: &str,
    durable: &str,
    shutdown: CancellationToken,
    handle: F,
) -> Result<(), ConsumeError>
where
    F: Fn(Event) -> Fut,
    Fut: Future<Output = Result<(), E>>,
    E: std::fmt::Display,
{
    let nats = |e: &dyn std::fmt::Display| ConsumeError::Nats(e.to_string());
    let stream = ensure_stream(&js, prefix).await?;
    let consumer = stream
        .get_or_create_consumer(
            durable,
            pull::Config {
                durable_name: Some(durable.to_owned()),
                ack_policy: jetstream::consumer::AckPolicy::Explicit,
                ack_wait: Duration::from_secs(30),
                ..Default::default()
            },
        )
        .await
        .map_err(|e| nats(&e))?;
    let mut messages = consumer.messages().await.map_err(|e| nats(&e))?;
    loop {
        let message = tokio::select! {
            () = shutdown.cancelled() => return Ok(()),
            next = messages.next() => match next {
                Some(Ok(m)) => m,
                Some(Err(e)) => {
                    tracing::warn!(error = %e, "event stream error");
                    continue;
                }
                None => return Err(ConsumeError::Nats("event stream ended".into())),
            },
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
        let id = event.id;
        match handle(event).await {
            Ok(()) => {
                if let Err(e) = message.ack().await {
                    tracing::warn!(event = %id, error = %e, "ack failed; event will be redelivered");
                }
            }
            Err(e) => {
                tracing::warn!(event = %id, error = %e, "event handling failed; will retry");
                let _ = message
                    .ack_with(AckKind::Nak(Some(Duration::from_secs(1))))
                    .await;
            }
        }
    }
}
