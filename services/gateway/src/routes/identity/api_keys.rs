//! The caller's own API keys. The secret is shown once, when the key is made.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Value, json};
use strongroom_auth::outgoing;
use strongroom_proto::identity::{ApiKeyRef, CreateApiKeyRequest, Empty};

use super::or_null;
use crate::Gateway;
use crate::caller::Caller;
use crate::routes::{ApiResult, body, no_content, ok, secret};

pub(super) async fn list(State(state): State<Gateway>, Caller(ctx): Caller) -> ApiResult {
    let list = state
        .identity
        .clone()
        .list_api_keys(outgoing(&ctx, Empty {}))
        .await?
        .into_inner();
    let keys: Vec<Value> = list
        .keys
        .into_iter()
        .map(|k| {
            json!({
                "id": k.id, "name": k.name, "created_at": k.created_at,
                "expires_at": or_null(k.expires_at), "allowed_cidrs": k.allowed_cidrs,
                "last_used_at": or_null(k.last_used_at), "revoked_at": or_null(k.revoked_at),
            })
        })
        .collect();
    ok(json!({ "keys": keys }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewKey {
    name: String,
    /// RFC 3339; none = never expires.
    #[serde(default)]
    expires_at: Option<String>,
    #[serde(default)]
    allowed_cidrs: Vec<String>,
}

pub(super) async fn add(
    State(state): State<Gateway>,
    Caller(ctx): Caller,
    bytes: Bytes,
) -> ApiResult {
    let b: NewKey = body(&bytes)?;
    let k = state
        .identity
        .clone()
        .create_api_key(outgoing(
            &ctx,
            CreateApiKeyRequest {
                name: b.name,
                expires_at: b.expires_at.unwrap_or_default(),
                allowed_cidrs: b.allowed_cidrs,
            },
        ))
        .await?
        .into_inner();
    secret(
        StatusCode::CREATED,
        json!({
            "id": k.id, "name": k.name, "key": k.key, "created_at": k.created_at,
            "expires_at": or_null(k.expires_at), "allowed_cidrs": k.allowed_cidrs,
        }),
    )
}

pub(super) async fn revoke(
    State(state): State<Gateway>,
    Path(key_id): Path<String>,
    Caller(ctx): Caller,
) -> ApiResult {
    state
        .identity
        .clone()
        .revoke_api_key(outgoing(&ctx, ApiKeyRef { key_id }))
        .await?;
    no_content()
}
