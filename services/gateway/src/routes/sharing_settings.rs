//! The org's sharing settings: whether people see shared passwords in plain text, or every
//! share is for use without seeing (applications fetch them with API keys).

use axum::extract::State;
use bytes::Bytes;
use strongroom_auth::outgoing;
use strongroom_proto::access as pb;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::Gateway;
use crate::caller::Caller;
use crate::dto::errors::{BadRequest, Forbidden, NotFound, Unauthorized, Unavailable};
use crate::dto::shares::SharingSettings;
use crate::openapi::tags;
use crate::routes::reply::{ApiResult, ok};
use crate::routes::request::body;

pub(super) fn router() -> OpenApiRouter<Gateway> {
    OpenApiRouter::new().routes(routes!(get_settings, update_settings))
}

#[utoipa::path(
    get,
    path = "/sharing-settings",
    tag = tags::SHARES,
    summary = "Whether people see shared passwords in plain text",
    responses(
        (status = 200, description = "The org's sharing settings", body = SharingSettings),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn get_settings(State(state): State<Gateway>, Caller(ctx): Caller) -> ApiResult {
    let settings = state
        .access
        .clone()
        .get_sharing_settings(outgoing(&ctx, pb::SharingSettingsRequest {}))
        .await?
        .into_inner();
    ok(SharingSettings {
        shares_show_plaintext: settings.shares_show_plaintext,
    })
}

#[utoipa::path(
    put,
    path = "/sharing-settings",
    tag = tags::SHARES,
    summary = "Let people see shared passwords, or make every share one for use without seeing",
    description = "Off: nobody but its owner sees a shared password in plain text, in the \
                   console or over a signed-in session; applications with the grantee's API \
                   key still fetch it. Counts from the next reveal on every replica. Needs \
                   `vault_settings.manage`, signed in. Audited as `share.settings_changed`.",
    request_body = SharingSettings,
    responses(
        (status = 200, description = "The settings saved", body = SharingSettings),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn update_settings(
    State(state): State<Gateway>,
    Caller(ctx): Caller,
    bytes: Bytes,
) -> ApiResult {
    let b: SharingSettings = body(&bytes)?;
    let settings = state
        .access
        .clone()
        .update_sharing_settings(outgoing(
            &ctx,
            pb::SharingSettings {
                shares_show_plaintext: b.shares_show_plaintext,
            },
        ))
        .await?
        .into_inner();
    ok(SharingSettings {
        shares_show_plaintext: settings.shares_show_plaintext,
    })
}
