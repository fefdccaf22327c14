//! The org's data keys: rotate to a new version, and read the versions and a rotation's
//! progress. The layout is `resources.rs`'.

use axum::extract::State;
use strongroom_auth::outgoing;
use strongroom_proto::vault as pb;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::Gateway;
use crate::caller::Caller;
use crate::dto::errors::{Conflict, Forbidden, NotFound, Unauthorized, Unavailable};
use crate::dto::vault::{DataKeys, KeyRotation};
use crate::openapi::tags;
use crate::routes::{ApiResult, accepted, ok};

pub(super) fn router() -> OpenApiRouter<Gateway> {
    OpenApiRouter::new()
        .routes(routes!(data_keys))
        .routes(routes!(rotate))
}

#[utoipa::path(
    get,
    path = "/data-keys",
    tag = tags::VAULT,
    summary = "The org's data-key versions and the latest rotation's progress",
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
