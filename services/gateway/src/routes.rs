//! REST routes: each handler authenticates, forwards one gRPC call, and shapes the reply.
//! Identity's routes (login, users, groups, roles, settings, API keys) live in `identity`.

mod identity;
mod org_access;
mod org_settings;
mod orgs;
mod replication;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use bytes::Bytes;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use strongroom_auth::outgoing;
use strongroom_core::ErrorCode;
use strongroom_proto::{audit, vault};

use crate::Gateway;
use crate::caller::Caller;
use crate::error::ApiError;

pub fn router(state: Gateway) -> axum::Router {
    let api = axum::Router::new()
        .route("/resources", post(create_resource))
        .route("/resources/{id}/accounts", post(create_account))
        .route("/accounts/{id}/password", get(reveal_password))
        .route("/audit", get(list_audit))
        .merge(identity::router())
        .merge(orgs::router())
        .merge(org_access::router())
        .merge(replication::router())
        .merge(org_settings::router());
    axum::Router::new()
        .route("/healthz", get(health))
        .route("/readyz", get(ready))
        .nest("/api/v1", api)
        .fallback(|| async { ApiError::not_found() })
        .method_not_allowed_fallback(|| async {
            let body = strongroom_core::ErrorBody {
                error: "method_not_allowed".into(),
                message: "this path does not accept that method".into(),
            };
            (StatusCode::METHOD_NOT_ALLOWED, Json(body))
        })
        .layer(axum::middleware::from_fn(
            crate::key_retry::retry_refused_key_token,
        ))
        .with_state(state)
}

/// Parses a JSON body, answering 400 with the reason when it does not fit.
fn body<T: DeserializeOwned>(bytes: &Bytes) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| {
        ApiError::new(
            ErrorCode::InvalidArgument,
            format!("invalid request body: {e}"),
        )
    })
}

/// Like [`body`], for requests whose body may be left out entirely.
fn optional_body<T: DeserializeOwned + Default>(bytes: &Bytes) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        Ok(T::default())
    } else {
        body(bytes)
    }
}

/// Parses the query string, answering 400 with the reason when it does not fit.
fn query<T: DeserializeOwned>(uri: &Uri) -> Result<T, ApiError> {
    axum::extract::Query::try_from_uri(uri)
        .map(|q| q.0)
        .map_err(|e| {
            ApiError::new(
                ErrorCode::InvalidArgument,
                format!("invalid query string: {}", e.body_text()),
            )
        })
}

type ApiResult = Result<axum::response::Response, ApiError>;

fn ok(value: Value) -> ApiResult {
    Ok(Json(value).into_response())
}

fn created(value: Value) -> ApiResult {
    Ok((StatusCode::CREATED, Json(value)).into_response())
}

/// Taken, but waiting (for a second administrator, say).
fn accepted(value: Value) -> ApiResult {
    Ok((StatusCode::ACCEPTED, Json(value)).into_response())
}

fn no_content() -> ApiResult {
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A reply carrying a token or key: no cache along the way may keep it.
fn secret(status: StatusCode, value: Value) -> ApiResult {
    Ok((status, [(header::CACHE_CONTROL, "no-store")], Json(value)).into_response())
}

async fn health(State(state): State<Gateway>) -> impl IntoResponse {
    if state.readiness.is_ready() {
        (StatusCode::OK, Json(json!({ "status": "ok" })))
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "starting" })),
        )
    }
}

/// Ready: every service answers, and this gateway reads session revocations (without
/// them it refuses older tokens, so a load balancer should send traffic elsewhere).
async fn ready(State(state): State<Gateway>) -> impl IntoResponse {
    let waiting = if !state.verifier.revocations().is_fresh() {
        Some("session revocations unreadable")
    } else if !state.readiness.is_ready() {
        Some("starting")
    } else {
        None
    };
    match waiting {
        None => (StatusCode::OK, Json(json!({ "status": "ok" }))),
        Some(status) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": status })),
        ),
    }
}

#[derive(Deserialize)]
struct ResourceBody {
    name: String,
    #[serde(rename = "type")]
    resource_type: String,
    #[serde(default)]
    host: String,
}

async fn create_resource(
    State(state): State<Gateway>,
    Caller(ctx): Caller,
    bytes: Bytes,
) -> ApiResult {
    let b: ResourceBody = body(&bytes)?;
    let r = state
        .vault
        .clone()
        .create_resource(outgoing(
            &ctx,
            vault::CreateResourceRequest {
                name: b.name,
                resource_type: b.resource_type,
                host: b.host,
            },
        ))
        .await?
        .into_inner();
    created(json!({
        "id": r.id, "name": r.name, "type": r.resource_type, "host": r.host,
        "owner_id": r.owner_id, "created_at": r.created_at,
    }))
}

#[derive(Deserialize)]
struct AccountBody {
    username: String,
    password: String,
}

async fn create_account(
    State(state): State<Gateway>,
    Path(resource_id): Path<String>,
    Caller(ctx): Caller,
    bytes: Bytes,
) -> ApiResult {
    let b: AccountBody = body(&bytes)?;
    let a = state
        .vault
        .clone()
        .create_account(outgoing(
            &ctx,
            vault::CreateAccountRequest {
                resource_id,
                username: b.username,
                password: b.password,
            },
        ))
        .await?
        .into_inner();
    created(json!({
        "id": a.id, "resource_id": a.resource_id, "username": a.username, "created_at": a.created_at,
    }))
}

async fn reveal_password(
    State(state): State<Gateway>,
    Path(account_id): Path<String>,
    Caller(ctx): Caller,
) -> ApiResult {
    let password = state.reveals.reveal(&ctx, account_id).await?;
    secret(StatusCode::OK, json!({ "password": password }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditQuery {
    /// Comma-separated user ids: only what they did.
    #[serde(default)]
    actor_ids: String,
}

async fn list_audit(State(state): State<Gateway>, Caller(ctx): Caller, uri: Uri) -> ApiResult {
    let q: AuditQuery = query(&uri)?;
    let actor_ids = q
        .actor_ids
        .split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
        .collect();
    let events = state
        .audit
        .clone()
        .list_events(outgoing(
            &ctx,
            audit::ListEventsRequest {
                limit: 500,
                actor_ids,
            },
        ))
        .await?
        .into_inner()
        .events;
    let events: Vec<Value> = events
        .into_iter()
        .map(|e| {
            json!({
                "id": e.id, "service": e.service, "operation": e.operation,
                "actor": { "user_id": e.actor_user_id, "username": e.actor_username,
                           "ip": e.ip, "user_agent": e.user_agent },
                "target": { "kind": e.target_kind, "id": e.target_id, "name": e.target_name },
                "time": e.occurred_at,
                "details": serde_json::from_str::<Value>(&e.details_json).unwrap_or(Value::Null),
            })
        })
        .collect();
    Ok(Json(json!({ "events": events })).into_response())
}

/// A raw file upload: `text/csv`, or `text/plain` as some tools send it.
fn is_text_file(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|m| {
            let m = m.trim();
            m.eq_ignore_ascii_case("text/csv") || m.eq_ignore_ascii_case("text/plain")
        })
        .unwrap_or(false)
}
