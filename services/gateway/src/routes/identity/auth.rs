//! Signing in and out, refreshing, changing one's own password, and one's own sessions.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use bytes::Bytes;
use serde::Deserialize;
use serde_json::json;
use strongroom_auth::outgoing;
use strongroom_proto::identity::{
    self, ChangePasswordRequest, Empty, LoginRequest, RefreshRequest, SessionRef, UserRef,
};

use super::sessions_json;
use crate::Gateway;
use crate::caller::{Caller, Origin, TargetOrg};
use crate::routes::{ApiResult, body, no_content, ok, secret};

#[derive(Deserialize)]
struct LoginBody {
    username: String,
    password: String,
}

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
    token_reply(t)
}

#[derive(Deserialize)]
struct RefreshBody {
    refresh_token: String,
}

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
    token_reply(t)
}

fn token_reply(t: identity::TokenResponse) -> ApiResult {
    secret(
        StatusCode::OK,
        json!({
            "token": t.token, "token_type": "Bearer", "expires_at": t.expires_at,
            "user_id": t.user_id, "org_id": t.org_id, "role": t.role,
            "permissions": t.permissions, "session_id": t.session_id,
            "refresh_token": t.refresh_token, "refresh_expires_at": t.refresh_expires_at,
        }),
    )
}

pub(super) async fn logout(State(state): State<Gateway>, Caller(ctx): Caller) -> ApiResult {
    state
        .identity
        .clone()
        .logout(outgoing(&ctx, Empty {}))
        .await?;
    no_content()
}

#[derive(Deserialize)]
struct ChangePasswordBody {
    username: String,
    current_password: String,
    new_password: String,
}

/// Takes the current password rather than a token, so a user whose password has expired
/// (and who therefore cannot sign in) can still change it.
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

pub(super) async fn own_sessions(State(state): State<Gateway>, Caller(ctx): Caller) -> ApiResult {
    // No user id: the caller's own sessions.
    let list = state
        .identity
        .clone()
        .list_sessions(outgoing(&ctx, UserRef::default()))
        .await?
        .into_inner();
    ok(sessions_json(list.sessions))
}

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
