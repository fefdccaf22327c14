//! The system's own operations: health checks, served at the root only.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;

use crate::Gateway;
use crate::dto::health::Health;
use crate::openapi::tags;

#[utoipa::path(
    get,
    path = "/healthz",
    tag = tags::SYSTEM,
    summary = "Whether every service is ready",
    description = "200 once every service answers its health check. Served at the root only, \
                   not under `/api/v1`.",
    responses(
        (status = 200, description = "Every service is ready", body = Health),
        (status = 503, description = "Still starting", body = Health),
    ),
)]
pub(super) async fn health(State(state): State<Gateway>) -> impl IntoResponse {
    if state.readiness.is_ready() {
        (StatusCode::OK, Json(Health::new("ok")))
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(Health::new("starting")),
        )
    }
}

/// Ready: every service answers, and this gateway reads session revocations (without
/// them it refuses older tokens, so a load balancer should send traffic elsewhere).
#[utoipa::path(
    get,
    path = "/readyz",
    tag = tags::SYSTEM,
    summary = "Whether this gateway takes traffic",
    description = "200 once every service answers and this gateway reads session \
                   revocations (without them it refuses older tokens). Served at the root \
                   only, not under `/api/v1`.",
    responses(
        (status = 200, description = "Ready", body = Health),
        (status = 503, description = "Still starting, or session revocations unreadable", body = Health),
    ),
)]
pub(super) async fn ready(State(state): State<Gateway>) -> impl IntoResponse {
    let waiting = if !state.verifier.revocations().is_fresh() {
        Some("session revocations unreadable")
    } else if !state.readiness.is_ready() {
        Some("starting")
    } else {
        None
    };
    match waiting {
        None => (StatusCode::OK, Json(Health::new("ok"))),
        Some(status) => (StatusCode::SERVICE_UNAVAILABLE, Json(Health::new(status))),
    }
}
