//! Users: add, list, show, edit, remove, set a password, unlock, and their groups and sessions.

use axum::extract::{Path, State};
use axum::http::Uri;
use bytes::Bytes;
use strongroom_auth::outgoing;
use strongroom_proto::identity::{
    CreateUserRequest, DeleteUserRequest, Empty, ListUsersRequest, OwnershipDecision,
    OwnershipTransferRequest, PasswordResetDecision, SetUserPasswordRequest, UpdateUserRequest,
    UserRef,
};

use crate::Gateway;
use crate::caller::Caller;
use crate::dto::auth::SessionList;
use crate::dto::errors::{BadRequest, Conflict, Forbidden, NotFound, Unauthorized, Unavailable};
use crate::dto::groups::GroupList;
use crate::dto::users::{
    NewOwner, NewPassword, NewUser, PasswordReset, PasswordResetList, RemoveQuery, RevokedCount,
    Transfer, TransferList, User, UserChanges, UserList, UserQuery,
};
use crate::openapi::tags;
use crate::routes::{ApiResult, accepted, body, created, no_content, ok, query};

#[utoipa::path(
    get,
    path = "/users",
    tag = tags::USERS,
    summary = "The org's users",
    description = "With `locked_until` while a user is locked out. Needs `users.view`.",
    params(UserQuery),
    responses(
        (status = 200, description = "The users", body = UserList),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
pub(super) async fn list(State(state): State<Gateway>, Caller(ctx): Caller, uri: Uri) -> ApiResult {
    let q: UserQuery = query(&uri)?;
    let list = state
        .identity
        .clone()
        .list_users(outgoing(&ctx, ListUsersRequest { query: q.q }))
        .await?
        .into_inner();
    ok(UserList::from(list.users))
}

#[utoipa::path(
    post,
    path = "/users",
    tag = tags::USERS,
    summary = "Add a local user",
    description = "The password given is a one-time password: the user chooses their own \
                   (`POST /auth/change-password`) at the first login, before any session \
                   opens. Needs `users.manage`, and every permission of the role given.",
    request_body = NewUser,
    responses(
        (status = 201, description = "The user", body = User),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
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
    created(User::from(u))
}

#[utoipa::path(
    get,
    path = "/users/{id}",
    tag = tags::USERS,
    summary = "A user",
    params(("id" = String, Path, description = "The user")),
    responses(
        (status = 200, description = "The user", body = User),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
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
    ok(User::from(u))
}

#[utoipa::path(
    patch,
    path = "/users/{id}",
    tag = tags::USERS,
    summary = "Edit a user",
    description = "Only the fields present change. A new role or disabling voids the user's \
                   tokens within a second.",
    params(("id" = String, Path, description = "The user")),
    request_body = UserChanges,
    responses(
        (status = 200, description = "The user as changed", body = User),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
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
    ok(User::from(u))
}

#[utoipa::path(
    delete,
    path = "/users/{id}",
    tag = tags::USERS,
    summary = "Delete a user",
    description = "Whoever owns resources needs someone to take them over (`transfer_to`). \
                   Naming yourself answers 202 with a pending transfer: the user stays until \
                   a second administrator approves.",
    params(("id" = String, Path, description = "The user"), RemoveQuery),
    responses(
        (status = 204, description = "Deleted"),
        (status = 202, description = "Waiting for a second administrator", body = Transfer),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
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
        Some(pending) => accepted(Transfer::from(pending)),
        None => no_content(),
    }
}

/// Hands everything the user owns to `to_user_id`: 200 when done, 202 when it waits for a
/// second administrator (the caller named themselves).
#[utoipa::path(
    post,
    path = "/users/{id}/ownership",
    tag = tags::USERS,
    summary = "Hand every resource the user owns to another active user",
    description = "Audited with old and new owner. To yourself, 202: pending a second \
                   administrator. Needs `users.manage`, signed in (not with an API key).",
    params(("id" = String, Path, description = "The user whose resources move")),
    request_body = NewOwner,
    responses(
        (status = 200, description = "Done", body = Transfer),
        (status = 202, description = "Waiting for a second administrator", body = Transfer),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
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
        accepted(Transfer::from(t))
    } else {
        ok(Transfer::from(t))
    }
}

#[utoipa::path(
    get,
    path = "/ownership-transfers",
    tag = tags::USERS,
    summary = "Transfers of ownership, pending first",
    responses(
        (status = 200, description = "The transfers", body = TransferList),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
pub(super) async fn list_transfers(State(state): State<Gateway>, Caller(ctx): Caller) -> ApiResult {
    let list = state
        .identity
        .clone()
        .list_ownership_transfers(outgoing(&ctx, Empty {}))
        .await?
        .into_inner();
    ok(TransferList::from(list))
}

#[utoipa::path(
    post,
    path = "/ownership-transfers/{id}/approve",
    tag = tags::USERS,
    summary = "Approve a pending transfer",
    description = "By an administrator of the org itself (not MSP staff working in it) other \
                   than whoever asked, signed in.",
    params(("id" = String, Path, description = "The transfer")),
    responses(
        (status = 200, description = "The transfer, done", body = Transfer),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
pub(super) async fn approve_transfer(
    state: State<Gateway>,
    id: Path<String>,
    caller: Caller,
) -> ApiResult {
    decide_transfer(state, id, caller, true).await
}

#[utoipa::path(
    post,
    path = "/ownership-transfers/{id}/reject",
    tag = tags::USERS,
    summary = "Reject a pending transfer",
    description = "By an administrator of the org itself (not MSP staff working in it) other \
                   than whoever asked, signed in.",
    params(("id" = String, Path, description = "The transfer")),
    responses(
        (status = 200, description = "The transfer, rejected", body = Transfer),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
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
    ok(Transfer::from(t))
}

#[utoipa::path(
    put,
    path = "/users/{id}/password",
    tag = tags::USERS,
    summary = "Reset a user's password, once",
    description = "Every session and API key of the user ends at once, and the user must \
                   choose their own (`POST /auth/change-password`) before signing in again. \
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
                password: b.password,
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

#[utoipa::path(
    post,
    path = "/users/{id}/unlock",
    tag = tags::USERS,
    summary = "Lift a user's lockout",
    params(("id" = String, Path, description = "The user")),
    responses(
        (status = 200, description = "The user, unlocked", body = User),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
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
    ok(User::from(u))
}

#[utoipa::path(
    get,
    path = "/users/{id}/groups",
    tag = tags::USERS,
    summary = "The groups a user is in",
    params(("id" = String, Path, description = "The user")),
    responses(
        (status = 200, description = "The user's groups", body = GroupList),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
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
    ok(GroupList::from(list))
}

#[utoipa::path(
    get,
    path = "/users/{id}/sessions",
    tag = tags::USERS,
    summary = "A user's sessions",
    params(("id" = String, Path, description = "The user")),
    responses(
        (status = 200, description = "The user's sessions", body = SessionList),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
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
    ok(SessionList::from(list))
}

#[utoipa::path(
    delete,
    path = "/users/{id}/sessions",
    tag = tags::USERS,
    summary = "End every session of a user",
    params(("id" = String, Path, description = "The user")),
    responses(
        (status = 200, description = "How many sessions ended", body = RevokedCount),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
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
    ok(RevokedCount { revoked: n.revoked })
}
