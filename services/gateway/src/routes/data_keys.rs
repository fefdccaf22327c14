//! The org's data keys: rotate to a new version, by hand or on a schedule, and read the
//! versions and a rotation's progress. The layout is `resources.rs`'.

use axum::body::Bytes;
use axum::extract::State;
use strongroom_auth::outgoing;
use strongroom_proto::vault as pb;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::Gateway;
use crate::caller::Caller;
use crate::dto::errors::{BadRequest, Conflict, Forbidden, NotFound, Unauthorized, Unavailable};
use crate::dto::vault::{DataKeys, KeyRotation, KeyRotationSchedule, KeyRotationScheduleBody};
use crate::openapi::tags;
use crate::routes::reply::{ApiResult, accepted, ok};
use crate::routes::request::body;

pub(super) fn router() -> OpenApiRouter<Gateway> {
    OpenApiRouter::new()
        .routes(routes!(data_keys))
        .routes(routes!(rotate))
        .routes(routes!(schedule))
}

#[utoipa::path(
    get,
    path = "/data-keys",
    tag = tags::VAULT,
    summary = "The org's data-key versions, the latest rotation's progress and the schedule",
    description = "Needs `vault_settings.manage`. Never the keys.",
    responses(
        (status = 200, description = "Versions and rotation", body = DataKeys),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn data_keys(State(state): State<Gateway>, Caller(ctx): Caller) -> ApiResult {
    let d = state
        .vault
        .clone()
        .get_data_keys(outgoing(&ctx, pb::GetDataKeysRequest {}))
        .await?
        .into_inner();
    ok(DataKeys::from(d))
}

#[utoipa::path(
    post,
    path = "/data-keys/rotate",
    tag = tags::VAULT,
    summary = "Rotate the org's data key",
    description = "A new data-key version seals everything written from now on; every \
                   password version and sealed field under an older version is sealed again \
                   in the background (progress: `GET /data-keys`). Reveals go on throughout. \
                   One rotation at a time (409). Needs `vault_settings.manage`, signed in; \
                   audited.",
    responses(
        (status = 202, description = "The rotation", body = KeyRotation),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn rotate(State(state): State<Gateway>, Caller(ctx): Caller) -> ApiResult {
    let r = state
        .vault
        .clone()
        .rotate_data_key(outgoing(&ctx, pb::RotateDataKeyRequest {}))
        .await?
        .into_inner();
    accepted(KeyRotation::from(r))
}

#[utoipa::path(
    put,
    path = "/data-keys/schedule",
    tag = tags::VAULT,
    summary = "Rotate the org's data key on a schedule",
    description = "Every `every_days` days a rotation starts by itself, as `POST \
                   /data-keys/rotate` does (audited as the rotation schedule); a rotation \
                   by hand moves the next one a whole period on. 0 turns it off. Needs \
                   `vault_settings.manage`; audited.",
    request_body = KeyRotationScheduleBody,
    responses(
        (status = 200, description = "The schedule as saved", body = KeyRotationSchedule),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn schedule(State(state): State<Gateway>, Caller(ctx): Caller, bytes: Bytes) -> ApiResult {
    let b: KeyRotationScheduleBody = body(&bytes)?;
    let s = state
        .vault
        .clone()
        .set_key_rotation_schedule(outgoing(
            &ctx,
            pb::KeyRotationSchedule {
                every_days: b.every_days,
                next_rotation_at: String::new(),
            },
        ))
        .await?
        .into_inner();
    ok(KeyRotationSchedule::from(s))
}
