//! Domain events: one envelope, a transactional outbox, a relay to NATS JetStream and a
//! consumer helper. A change and its event commit together; the relay publishes with
//! `Nats-Msg-Id` = event id and consumers store idempotently by event id, so a crash, a
//! second relay or a redelivery neither loses nor duplicates an event.

mod consume;
mod nats;
mod outbox;
mod relay;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use strongroom_core::{ErrorCode, HasErrorCode, OrgId, UserId};
use uuid::Uuid;

pub use async_nats;
pub use consume::{ConsumeError, consume, consume_filtered, mismatched_events};
pub use nats::{
    DEFAULT_STREAM_MAX_AGE_SECS, DEFAULT_STREAM_MAX_BYTES, NatsConsumer, NatsLogin, NatsUser,
    PROVISIONER, StreamLimits, authorization, connect, inbox_prefix, provisioner_password_variable,
    provisioner_publish,
};
pub use outbox::{Outbox, Recorded};
pub use relay::Relay;

#[derive(Debug, thiserror::Error)]
pub enum EventError {
    #[error("outbox write failed")]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Tenancy(#[from] strongroom_tenancy::TenancyError),
    #[error("event could not be encoded")]
    Encode(#[from] serde_json::Error),
    #[error("nats: {0}")]
    Nats(String),
}

impl HasErrorCode for EventError {
    fn code(&self) -> ErrorCode {
        match self {
            EventError::Tenancy(e) => e.code(),
            EventError::Nats(_) => ErrorCode::Unavailable,
            _ => ErrorCode::Internal,
        }
    }
}

/// Who did it: what PMP's audit trails show for every operation.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Option<UserId>,
    pub username: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// What it was done to.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Target {
    pub kind: String,
    pub id: Option<String>,
    pub name: Option<String>,
}

impl Target {
    pub fn new(kind: &str, id: impl ToString, name: impl Into<String>) -> Self {
        Self {
            kind: kind.to_owned(),
            id: Some(id.to_string()),
            name: Some(name.into()),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Event {
    pub id: Uuid,
    pub org_id: OrgId,
    pub service: String,
    /// Dotted, e.g. `password.revealed`.
    pub operation: String,
    pub actor: Actor,
    pub target: Target,
    pub occurred_at: DateTime<Utc>,
    pub details: serde_json::Value,
}

impl Event {
    pub fn new(
        org_id: OrgId,
        service: &str,
        operation: &str,
        actor: Actor,
        target: Target,
    ) -> Self {
        Self {
            id: Uuid::now_v7(),
            org_id,
            service: service.to_owned(),
            operation: operation.to_owned(),
            actor,
            target,
            occurred_at: Utc::now(),
            details: serde_json::Value::Null,
        }
    }

    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = details;
        self
    }

    /// `<prefix>.<org>.<service>.<operation>`
    pub fn subject(&self, prefix: &str) -> String {
        format!(
            "{prefix}.{}.{}.{}",
            self.org_id, self.service, self.operation
        )
    }
}

/// The stream that carries every event under `prefix`, created or brought to `limits`: the
/// provisioner's step, before the services start (they may only read its settings);
/// synchronous writes are configured on the server (`sync_interval: always`), not per
/// stream.
pub async fn ensure_stream(
    js: &async_nats::jetstream::Context,
    prefix: &str,
    limits: &StreamLimits,
) -> Result<async_nats::jetstream::stream::Stream, EventError> {
    use async_nats::jetstream::stream;
    let name = stream_name(prefix);
    let config = stream::Config {
        name: name.clone(),
        subjects: vec![format!("{prefix}.>")],
        storage: stream::StorageType::File,
        duplicate_window: std::time::Duration::from_secs(120),
        max_age: limits.max_age,
        max_bytes: limits.max_bytes,
        // A full stream refuses new events (the outboxes keep them and retry) rather than
        // dropping old ones that audit may not have read.
        discard: stream::DiscardPolicy::New,
        ..Default::default()
    };
    js.create_or_update_stream(config)
        .await
        .map_err(|e| EventError::Nats(format!("creating or updating event stream {name}: {e}")))?;
    js.get_stream(&name)
        .await
        .map_err(|e| EventError::Nats(format!("event stream {name}: {e}")))
}

/// The event stream, as the provisioner created it.
pub async fn existing_stream(
    js: &async_nats::jetstream::Context,
    prefix: &str,
) -> Result<async_nats::jetstream::stream::Stream, EventError> {
    let name = stream_name(prefix);
    js.get_stream(&name).await.map_err(|e| {
        EventError::Nats(format!(
            "event stream {name}: {e} (it is created by `strongroom up`, or by \
             `strongroom provision-stream` where the services run apart)"
        ))
    })
}

/// Removes every event of `org` from the stream (its deletion).
pub async fn purge_org(
    js: &async_nats::jetstream::Context,
    prefix: &str,
    org: OrgId,
) -> Result<u64, EventError> {
    let stream = existing_stream(js, prefix).await?;
    stream
        .purge()
        .filter(format!("{prefix}.{org}.>"))
        .await
        .map(|p| p.purged)
        .map_err(|e| EventError::Nats(format!("purging org {org}'s events: {e}")))
}

pub fn stream_name(prefix: &str) -> String {
    let clean: String = prefix
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("{clean}_EVENTS")
}
