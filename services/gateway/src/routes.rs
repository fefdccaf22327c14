//! REST routes: each handler authenticates, forwards one gRPC call, and shapes the reply
//! from a typed body of `dto`. Every handler has a `#[utoipa::path]` and each area's
//! `router()` registers its handlers with `routes!` (one call a path), so the OpenAPI
//! document (`crate::openapi`) lists every route. Identity's routes (login, users, groups,
//! roles, settings, API keys) live in `identity`.

mod access_control;
mod access_requests;
mod account_passwords;
mod accounts;
mod audit;
mod data_keys;
mod export;
mod fields;
mod group_notifications;
mod identity;
mod imports;
mod org_access;
mod org_deletions;
mod org_reach;
mod org_settings;
mod orgs;
mod personal;
mod policies;
mod replication;
mod reply;
pub(crate) mod request;
mod resource_groups;
mod resources;
mod shares;
mod sharing_settings;
mod system;
mod ticketing;

use std::sync::LazyLock;

use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use strongroom_core::ErrorCode;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::Gateway;
use crate::dto::errors::ErrorResponse;
use crate::error::ApiError;
use crate::openapi::{ApiDoc, name_operations, tags};

pub fn router(state: Gateway) -> axum::Router {
    let (routes, _) = api().split_for_parts();
    routes
        .fallback(|| async { ApiError::not_found() })
        .method_not_allowed_fallback(|| async {
            let body = ErrorResponse {
                error: "method_not_allowed".into(),
                message: "this path does not accept that method".into(),
            };
            (StatusCode::METHOD_NOT_ALLOWED, Json(body))
        })
        .layer(axum::middleware::from_fn(
            crate::key_retry::retry_refused_key_token,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::key_cache::forget_exchanges_after_changes,
        ))
        .layer(axum::middleware::from_fn(request::refuse_nul))
        .with_state(state)
}

/// Every route with its operation in the OpenAPI document.
pub fn api() -> OpenApiRouter<Gateway> {
    let v1 = OpenApiRouter::new()
        .routes(routes!(openapi_json))
        .merge(identity::router())
        .merge(orgs::router())
        .merge(org_deletions::router())
        .merge(org_access::router())
        .merge(org_reach::router())
        .merge(replication::router())
        .merge(org_settings::router())
        .merge(resources::router())
        .merge(accounts::router())
        .merge(account_passwords::router())
        .merge(policies::router())
        .merge(fields::router())
        .merge(export::router())
        .merge(resource_groups::router())
        .merge(group_notifications::router())
        .merge(shares::router())
        .merge(sharing_settings::router())
        .merge(ticketing::router())
        .merge(access_control::router())
        .merge(access_requests::router())
        .merge(imports::router())
        .merge(personal::router())
        .merge(data_keys::router())
        .merge(audit::router());
    let mut api = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(system::health))
        .routes(routes!(system::ready))
        .nest("/api/v1", v1);
    name_operations(api.get_openapi_mut());
    api
}

/// The document as `docs/openapi.json` holds it: pretty-printed, with a final newline.
pub fn document() -> Result<String, serde_json::Error> {
    let doc = serde_json::to_value(api().into_openapi())?;
    let mut text = serde_json::to_string_pretty(&sorted(doc))?;
    text.push('\n');
    Ok(text)
}

/// The value with every object's keys in order, so the text is the same however
/// `serde_json` was built (a crate elsewhere in the workspace may turn on its
/// `preserve_order`, which keeps maps in insertion order).
fn sorted(value: serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(map) => {
            let mut entries: Vec<(String, serde_json::Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            serde_json::Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.into_iter().map(sorted).collect())
        }
        other => other,
    }
}

static DOCUMENT: LazyLock<Result<String, String>> =
    LazyLock::new(|| document().map_err(|e| e.to_string()));

/// This document.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = tags::SYSTEM,
    summary = "This OpenAPI document",
    description = "The API's contract, as `docs/openapi.json` holds it; no credentials needed.",
    responses(
        (status = 200, description = "The OpenAPI 3.1 document", body = Object),
    ),
)]
pub async fn openapi_json() -> Response {
    match &*DOCUMENT {
        Ok(text) => ([(header::CONTENT_TYPE, "application/json")], text.clone()).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "the OpenAPI document does not serialise");
            ApiError::new(ErrorCode::Internal, "internal error").into_response()
        }
    }
}
