//! A reveal as asked of the batch, its result, and its audit record.

use strongroom_auth::RequestContext;
use strongroom_core::{AccountId, ErrorCode};
use tokio::sync::oneshot;
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::error::VaultError;
use crate::store::{CurrentSecret, RevealRecord};
use crate::text::optional;

pub type Reply = Result<Zeroizing<String>, VaultError>;

/// What a reveal gets if the batch it ran in gave it no result (never expected).
pub fn no_result() -> Reply {
    Err(VaultError::Batch {
        code: ErrorCode::Internal,
        message: "internal error",
    })
}

/// What a caller gives to see a password: why, for the trail, and the ticket the org's
/// ticketing system is asked about where the org checks tickets before reveals.
#[derive(Debug, Clone, Default)]
pub struct Showing {
    pub reason: String,
    pub ticket_id: String,
}

impl Showing {
    pub fn parse(reason: &str, ticket_id: &str) -> Result<Self, VaultError> {
        Ok(Self {
            reason: optional("reason", reason, 500)?,
            ticket_id: optional("ticket_id", ticket_id, 100)?,
        })
    }
}

/// A reveal asked of the vault: who asks, for which account, why (may be empty) and with
/// which ticket.
pub struct Reveal {
    pub ctx: RequestContext,
    pub account: AccountId,
    pub showing: Showing,
}

/// Reveals that came in one call, and where their results go (one each, in order).
pub(super) struct Call {
    pub(super) reveals: Vec<Reveal>,
    pub(super) reply: oneshot::Sender<Vec<Reply>>,
}

/// How the caller signed in, and the reason they gave, for a reveal's record.
pub(super) fn via(reveal: &Reveal) -> serde_json::Value {
    let mut details = serde_json::json!({ "via": reveal.ctx.claims.amr });
    let showing = &reveal.showing;
    if !showing.reason.is_empty() {
        details["reason"] = showing.reason.clone().into();
    }
    if !showing.ticket_id.is_empty() {
        details["ticket_id"] = showing.ticket_id.clone().into();
    }
    details
}

/// The audit record of a reveal (or a refused one) of `secret` by the caller.
pub(super) fn record(
    ctx: &RequestContext,
    operation: &str,
    secret: &CurrentSecret,
    details: Option<serde_json::Value>,
) -> RevealRecord {
    RevealRecord {
        id: Uuid::now_v7(),
        org_id: ctx.org().0,
        operation: operation.to_owned(),
        actor_user_id: Some(ctx.user().0),
        actor_username: ctx.username().to_owned(),
        ip: ctx.ip.clone(),
        user_agent: ctx.user_agent.clone(),
        account_id: secret.account_id,
        target_name: format!("{}/{}", secret.resource_name, secret.username),
        occurred_at: chrono::Utc::now(),
        details: details.unwrap_or(serde_json::Value::Null),
    }
}
