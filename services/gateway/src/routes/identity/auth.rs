//! Signing in and out, refreshing, changing one's own password, and one's own sessions.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use bytes::Bytes;
use strongroom_auth::outgoing;
use strongroom_proto::identity::{
    ChangePasswordRequest, Empty, LoginRequest, RefreshRequest, SessionRef, UserRef,
};

use crate::Gateway;
use crate::caller::{Caller, Origin, TargetOrg};
use crate::dto::auth::{ChangePasswordBody, LoginBody, RefreshBody, SessionList, Token};
use crate::dto::errors::{
    BadRequest, Forbidden, NotFound, TooManyRequests, Unauthorized, Unavailable,
};
use crate::openapi::tags;
use crate::routes::reply::{ApiResult, no_content, ok, secret};
use crate::routes::request::body;

#[utoipa::path(
    post,
    path = "/auth/login",
    tag = tags::AUTH,
    summary = "Sign in",
    description = "An access token (15 minutes), the session's id and a one-time refresh \
                   token. Locked, disabled and unknown users get the same answer as a wrong \
                   password; repeated failures from one address wait (429).",
    request_body = LoginBody,
    responses(
        (status = 200, description = "Signed in; never cached", body = Token),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 429, response = TooManyRequests),
        (status = 503, response = Unavailable),
    ),
)]
pub(super) async fn login(
    State(state): State<Gateway>,
    TargetOrg(org): TargetOrg,
    origin: Origin,
    bytes: Bytes,
) -> ApiResult {
    let b: LoginBody = body(&bytes)?;
    let t = state
        .identity
        .clone()
        .login(origin.attach(LoginRequest {
            org_id: org.to_string(),
            username: b.username,
            password: b.password,
        }))
        .await?
        .into_inner();
    secret(StatusCode::OK, Token::from(t))
}

#[utoipa::path(
    post,
    path = "/auth/refresh",
    tag = tags::AUTH,
    summary = "New access and refresh tokens",
    description = "Each refresh token is good once: one already used, shown again, ends the \
                   session; a wrong one is only refused (401).",
    request_body = RefreshBody,
    responses(
        (status = 200, description = "Refreshed; never cached", body = Token),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 503, response = Unavailable),
    ),
)]
pub(super) async fn refresh(
    State(state): State<Gateway>,
    TargetOrg(org): TargetOrg,
    origin: Origin,
    bytes: Bytes,
) -> ApiResult {
    let b: RefreshBody = body(&bytes)?;
    let t = state
        .identity
        .clone()
        .refresh(origin.attach(RefreshRequest {
            org_id: org.to_string(),
            refresh_token: b.refresh_token,
        }))
        .await?
        .into_inner();
    secret(StatusCode::OK, Token::from(t))
}

#[utoipa::path(
    post,
    path = "/auth/logout",
    tag = tags::AUTH,
    summary = "Sign out",
    description = "Ends the caller's session at once, in every service. Not with an API key.",
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
pub(super) async fn logout(State(state): State<Gateway>, Caller(ctx): Caller) -> ApiResult {
    state
        .identity
        .clone()
        .logout(outgoing(&ctx, Empty {}))
        .await?;
    no_content()
}

/// Takes the current password rather than a token, so a user whose password has expired
/// (and who therefore cannot sign in) can still change it.
#[utoipa::path(
    post,
    path = "/auth/change-password",
    tag = tags::AUTH,
    summary = "Change one's own password",
    description = "With the current password rather than a token, so it works once the \
                   password has expired or an administrator has reset it.",
    request_body = ChangePasswordBody,
    responses(
        (status = 204, description = "Changed"),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 429, response = TooManyRequests),
        (status = 503, response = Unavailable),
    ),
)]
pub(super) async fn change_password(
    State(state): State<Gateway>,
    TargetOrg(org): TargetOrg,
    origin: Origin,
    bytes: Bytes,
) -> ApiResult {
    let b: ChangePasswordBody = body(&bytes)?;
    state
        .identity
        .clone()
        .change_password(origin.attach(ChangePasswordRequest {
            org_id: org.to_string(),
            username: b.username,
            current_password: b.current_password,
            new_password: b.new_password,
        }))
        .await?;
    no_content()
}

#[utoipa::path(
    get,
    path = "/sessions",
    tag = tags::AUTH,
    summary = "The caller's sessions",
    responses(
        (status = 200, description = "The caller's sessions", body = SessionList),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
pub(super) async fn own_sessions(State(state): State<Gateway>, Caller(ctx): Caller) -> ApiResult {
    // No user id: the caller's own sessions.
    let list = state
        .identity
        .clone()
        .list_sessions(outgoing(&ctx, UserRef::default()))
        .await?
        .into_inner();
    ok(SessionList::from(list))
}

#[utoipa::path(
    delete,
    path = "/sessions/{id}",
    tag = tags::AUTH,
    summary = "End one of the caller's sessions",
    params(("id" = String, Path, description = "The session")),
    responses(
        (status = 204, description = "Ended"),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
pub(super) async fn end_session(
    State(state): State<Gateway>,
    Path(session_id): Path<String>,
    Caller(ctx): Caller,
) -> ApiResult {
    state
        .identity
        .clone()
        .revoke_session(outgoing(&ctx, SessionRef { session_id }))
        .await?;
    no_content()
}
