//! The caller's own API keys. The secret is shown once, when the key is made.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use bytes::Bytes;
use strongroom_auth::outgoing;
use strongroom_proto::identity::{ApiKeyRef, CreateApiKeyRequest, Empty};

use crate::Gateway;
use crate::caller::Caller;
use crate::dto::api_keys::{ApiKeyList, CreatedApiKey, NewApiKey};
use crate::dto::errors::{BadRequest, Forbidden, NotFound, Unauthorized, Unavailable};
use crate::openapi::tags;
use crate::routes::reply::{ApiResult, no_content, ok, secret};
use crate::routes::request::body;

#[utoipa::path(
    get,
    path = "/api-keys",
    tag = tags::API_KEYS,
    summary = "The caller's API keys",
    description = "Never their secrets. Not with an API key.",
    responses(
        (status = 200, description = "The keys", body = ApiKeyList),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
pub(super) async fn list(State(state): State<Gateway>, Caller(ctx): Caller) -> ApiResult {
    let list = state
        .identity
        .clone()
        .list_api_keys(outgoing(&ctx, Empty {}))
        .await?
        .into_inner();
    ok(ApiKeyList::from(list))
}

#[utoipa::path(
    post,
    path = "/api-keys",
    tag = tags::API_KEYS,
    summary = "Make an API key",
    description = "The key is shown once, in this reply. Optional expiry and source \
                   addresses. Needs `api_keys.own`; not with an API key.",
    request_body = NewApiKey,
    responses(
        (status = 201, description = "The key with its secret; never cached", body = CreatedApiKey),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
pub(super) async fn add(
    State(state): State<Gateway>,
    Caller(ctx): Caller,
    bytes: Bytes,
) -> ApiResult {
    let b: NewApiKey = body(&bytes)?;
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
    secret(StatusCode::CREATED, CreatedApiKey::from(k))
}

#[utoipa::path(
    delete,
    path = "/api-keys/{id}",
    tag = tags::API_KEYS,
    summary = "Revoke one of the caller's API keys",
    description = "Not with an API key.",
    params(("id" = String, Path, description = "The key")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
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
