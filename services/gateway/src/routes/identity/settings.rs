//! The org's login settings: password policy and lockout.

use axum::extract::State;
use bytes::Bytes;
use strongroom_auth::outgoing;
use strongroom_proto::identity::Empty;

use crate::Gateway;
use crate::caller::Caller;
use crate::dto::errors::{BadRequest, Forbidden, NotFound, Unauthorized, Unavailable};
use crate::dto::login_settings::LoginSettings;
use crate::openapi::tags;
use crate::routes::reply::{ApiResult, ok};
use crate::routes::request::body;

#[utoipa::path(
    get,
    path = "/settings/login",
    tag = tags::SETTINGS,
    summary = "Password policy and lockout",
    description = "Needs `users.view`.",
    responses(
        (status = 200, description = "The login settings", body = LoginSettings),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
pub(super) async fn show_login(State(state): State<Gateway>, Caller(ctx): Caller) -> ApiResult {
    let s = state
        .identity
        .clone()
        .get_login_settings(outgoing(&ctx, Empty {}))
        .await?
        .into_inner();
    ok(LoginSettings::from(s))
}

#[utoipa::path(
    put,
    path = "/settings/login",
    tag = tags::SETTINGS,
    summary = "Replace the password policy and lockout",
    description = "The whole settings, every field required. Needs `login_settings.manage`; \
                   not with an API key.",
    request_body = LoginSettings,
    responses(
        (status = 200, description = "The login settings", body = LoginSettings),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
pub(super) async fn save_login(
    State(state): State<Gateway>,
    Caller(ctx): Caller,
    bytes: Bytes,
) -> ApiResult {
    let b: LoginSettings = body(&bytes)?;
    let s = state
        .identity
        .clone()
        .update_login_settings(outgoing(&ctx, b.into()))
        .await?
        .into_inner();
    ok(LoginSettings::from(s))
}
