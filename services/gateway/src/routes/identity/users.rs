//! Users: add, list, show, edit, remove, unlock, and their groups and sessions.

use axum::extract::{Path, State};
use axum::http::Uri;
use bytes::Bytes;
use strongroom_auth::outgoing;
use strongroom_proto::identity::{
    CreateUserRequest, DeleteUserRequest, ListUsersRequest, UpdateUserRequest, UserRef,
};

use crate::Gateway;
use crate::caller::Caller;
use crate::dto::auth::SessionList;
use crate::dto::errors::{BadRequest, Conflict, Forbidden, NotFound, Unauthorized, Unavailable};
use crate::dto::groups::GroupList;
use crate::dto::users::{
    NewUser, RemoveQuery, RevokedCount, Transfer, User, UserChanges, UserList, UserQuery,
};
use crate::openapi::tags;
use crate::routes::reply::{ApiResult, accepted, created, no_content, ok};
use crate::routes::request::{body, query};

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
                   opens. Where the org has a mail server, leave the password out: a one-time \
                   password goes to the user's address by mail, and no administrator sees \
                   it. Needs `users.manage`, and every permission of the role given.",
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
                password: b.password.unwrap_or_default(),
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
