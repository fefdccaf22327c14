//! Settings replication across client orgs, for MSPOrg administrators: which of MSPOrg's
//! settings every client org receives. The tenant service decides what may be saved.

use axum::extract::State;
use bytes::Bytes;
use serde_json::Value;
use strongroom_auth::outgoing;
use strongroom_core::ErrorCode;
use strongroom_proto::tenant::{GetReplicationRequest, ReplicationChoice, SaveReplicationRequest};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::Gateway;
use crate::caller::Caller;
use crate::dto::errors::{BadRequest, Forbidden, NotFound, Unauthorized, Unavailable};
use crate::dto::replication::{ReplicationChoices, ReplicationSettings};
use crate::error::ApiError;
use crate::openapi::tags;
use crate::routes::reply::{ApiResult, ok};
use crate::routes::request::body;

pub(super) fn router() -> OpenApiRouter<Gateway> {
    OpenApiRouter::new().routes(routes!(show, save))
}

#[utoipa::path(
    get,
    path = "/orgs/replication",
    tag = tags::REPLICATION,
    summary = "Which of MSPOrg's settings every client org receives",
    description = "Each kind with `label`, `available` (else the `reason`), `enabled`, \
                   `version`, `options`. Needs `orgs.manage`, at MSPOrg; client orgs' users \
                   get 404.",
    responses(
        (status = 200, description = "The kinds", body = ReplicationSettings),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn show(State(state): State<Gateway>, Caller(ctx): Caller) -> ApiResult {
    let s = state
        .replication
        .clone()
        .get(outgoing(&ctx, GetReplicationRequest {}))
        .await?
        .into_inner();
    ok(ReplicationSettings::from(s))
}

/// One kind's choice: `true`/`false`, or `{"enabled": bool, ...options}`.
fn choice(kind: String, value: Value) -> Result<ReplicationChoice, ApiError> {
    let invalid = || {
        ApiError::new(
            ErrorCode::InvalidArgument,
            format!(
                "{kind} must be true, false or {{\"enabled\": true|false, ...options}}, \
                 e.g. {{\"enabled\": true, \"on_conflict\": \"rename\"}}"
            ),
        )
    };
    match value {
        Value::Bool(enabled) => Ok(ReplicationChoice {
            kind,
            enabled,
            options_json: String::new(),
        }),
        Value::Object(mut options) => {
            let Some(Value::Bool(enabled)) = options.remove("enabled") else {
                return Err(invalid());
            };
            Ok(ReplicationChoice {
                kind,
                enabled,
                options_json: Value::Object(options).to_string(),
            })
        }
        _ => Err(invalid()),
    }
}

/// Saves the kinds named; the others keep their setting.
#[utoipa::path(
    put,
    path = "/orgs/replication",
    tag = tags::REPLICATION,
    summary = "Choose which of MSPOrg's settings every client org receives",
    description = "Kinds not named keep their setting. Saving an enabled kind applies \
                   MSPOrg's current state of it to every client org within seconds and to \
                   orgs added later as they are created; unknown or not yet available kinds \
                   are refused (400). Needs `orgs.manage`, at MSPOrg.",
    request_body = ReplicationChoices,
    responses(
        (status = 200, description = "The kinds", body = ReplicationSettings),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn save(State(state): State<Gateway>, Caller(ctx): Caller, bytes: Bytes) -> ApiResult {
    let ReplicationChoices(kinds) = body(&bytes)?;
    let choices = kinds
        .into_iter()
        .map(|(kind, value)| choice(kind, value))
        .collect::<Result<Vec<_>, _>>()?;
    let s = state
        .replication
        .clone()
        .save(outgoing(&ctx, SaveReplicationRequest { choices }))
        .await?
        .into_inner();
    ok(ReplicationSettings::from(s))
}
