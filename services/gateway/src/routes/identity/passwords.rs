//! Setting a user's password, and the resets waiting for a second administrator to
//! approve or reject them.

use axum::extract::{Path, State};
use bytes::Bytes;
use strongroom_auth::outgoing;
use strongroom_proto::identity::{Empty, PasswordResetDecision, SetUserPasswordRequest};

use crate::Gateway;
use crate::caller::Caller;
use crate::dto::errors::{BadRequest, Conflict, Forbidden, NotFound, Unauthorized, Unavailable};
use crate::dto::users::{NewPassword, PasswordReset, PasswordResetList};
use crate::openapi::tags;
use crate::routes::reply::{ApiResult, accepted, no_content, ok};
use crate::routes::request::body;

#[utoipa::path(
    put,
    path = "/users/{id}/password",
    tag = tags::USERS,
    summary = "Reset a user's password, once",
    description = "Every session and API key of the user ends at once, and the user must \
                   choose their own (`POST /auth/change-password`) before signing in again. \
                   Where the org has a mail server, send `{}`: the user's password stops \
                   working and a one-time password goes to them by mail, never shown to an \
                   administrator. \
                   When the user owns passwords (and is not the caller) the reset only asks \
                   (202): a second administrator of the org decides at \
                   `/password-resets/{id}/approve`, and the user's password stays as it is \
                   until then.",
    params(("id" = String, Path, description = "The user")),
    request_body = NewPassword,
    responses(
        (status = 202, description = "Waiting for a second administrator", body = PasswordReset),
        (status = 204, description = "Reset"),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
pub(super) async fn set_password(
    State(state): State<Gateway>,
    Path(user_id): Path<String>,
    Caller(ctx): Caller,
    bytes: Bytes,
) -> ApiResult {
    let b: NewPassword = body(&bytes)?;
    let r = state
        .identity
        .clone()
        .set_user_password(outgoing(
            &ctx,
            SetUserPasswordRequest {
                user_id,
                password: b.password.unwrap_or_default(),
            },
        ))
        .await?
        .into_inner();
    if r.status == "pending" {
        accepted(PasswordReset::from(r))
    } else {
        no_content()
    }
}

#[utoipa::path(
    get,
    path = "/password-resets",
    tag = tags::USERS,
    summary = "Password resets waiting for, or decided by, a second administrator",
    description = "Pending first. Needs `users.manage`.",
    responses(
        (status = 200, description = "The resets", body = PasswordResetList),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
pub(super) async fn list_resets(State(state): State<Gateway>, Caller(ctx): Caller) -> ApiResult {
    let list = state
        .identity
        .clone()
        .list_password_resets(outgoing(&ctx, Empty {}))
        .await?
        .into_inner();
    ok(PasswordResetList {
        resets: list.resets.into_iter().map(PasswordReset::from).collect(),
    })
}

#[utoipa::path(
    post,
    path = "/password-resets/{id}/approve",
    tag = tags::USERS,
    summary = "Approve a pending password reset, which then applies",
    description = "By an administrator of the org itself (not MSP staff working in it), \
                   signed in, other than whoever asked, an administrator since before the \
                   request and not added by its requester.",
    params(("id" = String, Path, description = "The reset")),
    responses(
        (status = 200, description = "The reset, done", body = PasswordReset),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
pub(super) async fn approve_reset(
    state: State<Gateway>,
    id: Path<String>,
    caller: Caller,
) -> ApiResult {
    decide_reset(state, id, caller, true).await
}

#[utoipa::path(
    post,
    path = "/password-resets/{id}/reject",
    tag = tags::USERS,
    summary = "Reject a pending password reset",
    description = "By an administrator of the org itself other than whoever asked.",
    params(("id" = String, Path, description = "The reset")),
    responses(
        (status = 200, description = "The reset, rejected", body = PasswordReset),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
pub(super) async fn reject_reset(
    state: State<Gateway>,
    id: Path<String>,
    caller: Caller,
) -> ApiResult {
    decide_reset(state, id, caller, false).await
}

async fn decide_reset(
    State(state): State<Gateway>,
    Path(reset_id): Path<String>,
    Caller(ctx): Caller,
    approve: bool,
) -> ApiResult {
    let r = state
        .identity
        .clone()
        .decide_password_reset(outgoing(&ctx, PasswordResetDecision { reset_id, approve }))
        .await?
        .into_inner();
    ok(PasswordReset::from(r))
}
