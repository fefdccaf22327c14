//! A reveal as asked of the batch, its result, and its audit record.

use strongroom_auth::RequestContext;
use strongroom_core::{AccountId, ErrorCode};
use tokio::sync::oneshot;
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::error::VaultError;
use crate::store::{CurrentSecret, RevealRecord};

pub type Reply = Result<Zeroizing<String>, VaultError>;

/// What a reveal gets if the batch it ran in gave it no result (never expected).
pub fn no_result() -> Reply {
    Err(VaultError::Batch {
        code: ErrorCode::Internal,
        message: "internal error",
    })
}

/// A reveal asked of the vault: who asks, for which account, and why (may be empty).
pub struct Reveal {
    pub ctx: RequestContext,
    pub account: AccountId,
    pub reason: String,
}

/// Reveals that came in one call, and where their results go (one each, in order).
pub(super) struct Call {
    pub(super) reveals: Vec<Reveal>,
    pub(super) reply: oneshot::Sender<Vec<Reply>>,
}

/// How the caller signed in, and the reason they gave, for a reveal's record.
pub(super) fn via(reveal: &Reveal) -> serde_json::Value {
    let mut details = serde_json::json!({ "via": reveal.ctx.claims.amr });
    if !reveal.reason.is_empty() {
        details["reason"] = reveal.reason.clone().into();
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
