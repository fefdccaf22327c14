//! Users: add, list, show, edit, remove, set a password, unlock, and their groups and sessions.

use axum::extract::{Path, State};
use axum::http::Uri;
use bytes::Bytes;
use serde::Deserialize;
use serde_json::json;
use strongroom_auth::outgoing;
use strongroom_proto::identity::{
    CreateUserRequest, DeleteUserRequest, Empty, ListUsersRequest, OwnershipDecision,
    OwnershipTransferRequest, SetUserPasswordRequest, UpdateUserRequest, UserRef,
};

use super::{groups_json, sessions_json, transfer_json, user_json, users_json};
use crate::Gateway;
use crate::caller::Caller;
use crate::routes::{ApiResult, accepted, body, created, no_content, ok, query};

#[derive(Deserialize)]
struct ListQuery {
    #[serde(default)]
    q: String,
}

pub(super) async fn list(State(state): State<Gateway>, Caller(ctx): Caller, uri: Uri) -> ApiResult {
    let q: ListQuery = query(&uri)?;
    let list = state
        .identity
        .clone()
        .list_users(outgoing(&ctx, ListUsersRequest { query: q.q }))
        .await?
        .into_inner();
    ok(users_json(list.users))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewUser {
    username: String,
    #[serde(default)]
    full_name: String,
    email: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    location: String,
    role: String,
    password: String,
}

pub(super) async fn add(
    State(state): State<Gateway>,
    Caller(ctx): Caller,
    bytes: Bytes,
) -> ApiResult {
    let b: NewUser = body(&bytes)?;
    let u = state
        .identity
        .clone()
        .create_user(outgoing(
            &ctx,
            CreateUserRequest {
                username: b.username,
                full_name: b.full_name,
                email: b.email,
                department: b.department,
                location: b.location,
                role: b.role,
                password: b.password,
            },
        ))
        .await?
        .into_inner();
    created(user_json(u))
}

pub(super) async fn show(
    State(state): State<Gateway>,
    Path(user_id): Path<String>,
    Caller(ctx): Caller,
) -> ApiResult {
    let u = state
        .identity
        .clone()
        .get_user(outgoing(&ctx, UserRef { user_id }))
        .await?
        .into_inner();
    ok(user_json(u))
}

/// Only the fields present change; unknown ones (a username, say) are refused, not ignored.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UserChanges {
    full_name: Option<String>,
    email: Option<String>,
    department: Option<String>,
    location: Option<String>,
    role: Option<String>,
    status: Option<String>,
}

pub(super) async fn edit(
    State(state): State<Gateway>,
    Path(user_id): Path<String>,
    Caller(ctx): Caller,
    bytes: Bytes,
) -> ApiResult {
    let b: UserChanges = body(&bytes)?;
    let u = state
        .identity
        .clone()
        .update_user(outgoing(
            &ctx,
            UpdateUserRequest {
                user_id,
                full_name: b.full_name,
                email: b.email,
                department: b.department,
                location: b.location,
                role: b.role,
                status: b.status,
            },
        ))
        .await?
        .into_inner();
    ok(user_json(u))
}

#[derive(Deserialize)]
struct RemoveQuery {
    #[serde(default)]
    transfer_to: String,
}

pub(super) async fn remove(
    State(state): State<Gateway>,
    Path(user_id): Path<String>,
    Caller(ctx): Caller,
    uri: Uri,
) -> ApiResult {
    let q: RemoveQuery = query(&uri)?;
    let reply = state
        .identity
        .clone()
        .delete_user(outgoing(
            &ctx,
            DeleteUserRequest {
                user_id,
                transfer_to_user_id: q.transfer_to,
            },
        ))
        .await?
        .into_inner();
    match reply.pending {
        // Named oneself: the deletion waits for a second administrator.
        Some(pending) => accepted(transfer_json(pending)),
        None => no_content(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewOwner {
    to_user_id: String,
}

/// Hands everything the user owns to `to_user_id`: 200 when done, 202 when it waits for a
/// second administrator (the caller named themselves).
pub(super) async fn transfer_ownership(
    State(state): State<Gateway>,
    Path(user_id): Path<String>,
    Caller(ctx): Caller,
    bytes: Bytes,
) -> ApiResult {
    let b: NewOwner = body(&bytes)?;
    let t = state
        .identity
        .clone()
        .transfer_ownership(outgoing(
            &ctx,
            OwnershipTransferRequest {
                from_user_id: user_id,
                to_user_id: b.to_user_id,
            },
        ))
        .await?
        .into_inner();
    if t.status == "pending" {
        accepted(transfer_json(t))
    } else {
        ok(transfer_json(t))
    }
}

pub(super) async fn list_transfers(State(state): State<Gateway>, Caller(ctx): Caller) -> ApiResult {
    let list = state
        .identity
        .clone()
        .list_ownership_transfers(outgoing(&ctx, Empty {}))
        .await?
        .into_inner();
    let transfers: Vec<_> = list.transfers.into_iter().map(transfer_json).collect();
    ok(json!({ "transfers": transfers }))
}

pub(super) async fn approve_transfer(
    state: State<Gateway>,
    id: Path<String>,
    caller: Caller,
) -> ApiResult {
    decide_transfer(state, id, caller, true).await
}

pub(super) async fn reject_transfer(
    state: State<Gateway>,
    id: Path<String>,
    caller: Caller,
) -> ApiResult {
    decide_transfer(state, id, caller, false).await
}

async fn decide_transfer(
    State(state): State<Gateway>,
    Path(transfer_id): Path<String>,
    Caller(ctx): Caller,
    approve: bool,
) -> ApiResult {
    let t = state
        .identity
        .clone()
        .decide_ownership_transfer(outgoing(
            &ctx,
            OwnershipDecision {
                transfer_id,
                approve,
            },
        ))
        .await?
        .into_inner();
    ok(transfer_json(t))
}

#[derive(Deserialize)]
struct NewPassword {
    password: String,
}

pub(super) async fn set_password(
    State(state): State<Gateway>,
    Path(user_id): Path<String>,
    Caller(ctx): Caller,
    bytes: Bytes,
) -> ApiResult {
    let b: NewPassword = body(&bytes)?;
    state
        .identity
        .clone()
        .set_user_password(outgoing(
            &ctx,
            SetUserPasswordRequest {
                user_id,
                password: b.password,
            },
        ))
        .await?;
    no_content()
}

pub(super) async fn unlock(
    State(state): State<Gateway>,
    Path(user_id): Path<String>,
    Caller(ctx): Caller,
) -> ApiResult {
    let u = state
        .identity
        .clone()
        .unlock_user(outgoing(&ctx, UserRef { user_id }))
        .await?
        .into_inner();
    ok(user_json(u))
}

pub(super) async fn groups(
    State(state): State<Gateway>,
    Path(user_id): Path<String>,
    Caller(ctx): Caller,
) -> ApiResult {
    let list = state
        .identity
        .clone()
        .list_user_groups(outgoing(&ctx, UserRef { user_id }))
        .await?
        .into_inner();
    ok(groups_json(list.groups))
}

pub(super) async fn sessions(
    State(state): State<Gateway>,
    Path(user_id): Path<String>,
    Caller(ctx): Caller,
) -> ApiResult {
    let list = state
        .identity
        .clone()
        .list_sessions(outgoing(&ctx, UserRef { user_id }))
        .await?
        .into_inner();
    ok(sessions_json(list.sessions))
}

pub(super) async fn end_sessions(
    State(state): State<Gateway>,
    Path(user_id): Path<String>,
    Caller(ctx): Caller,
) -> ApiResult {
    let n = state
        .identity
        .clone()
        .revoke_user_sessions(outgoing(&ctx, UserRef { user_id }))
        .await?
        .into_inner();
    ok(json!({ "revoked": n.revoked }))
}
