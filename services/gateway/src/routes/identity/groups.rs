//! User groups: add, list, rename, remove, and their members.

use axum::extract::{Path, State};
use bytes::Bytes;
use strongroom_auth::outgoing;
use strongroom_proto::identity::{
    CreateGroupRequest, Empty, GroupMemberRequest, GroupRef, RenameGroupRequest,
};

use crate::Gateway;
use crate::caller::Caller;
use crate::dto::errors::{BadRequest, Conflict, Forbidden, NotFound, Unauthorized, Unavailable};
use crate::dto::groups::{Group, GroupList, GroupName, NewGroup};
use crate::dto::users::UserList;
use crate::openapi::tags;
use crate::routes::reply::{ApiResult, created, no_content, ok};
use crate::routes::request::body;

#[utoipa::path(
    get,
    path = "/groups",
    tag = tags::GROUPS,
    summary = "The org's user groups",
    description = "Needs `users.view`.",
    responses(
        (status = 200, description = "The groups", body = GroupList),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
pub(super) async fn list(State(state): State<Gateway>, Caller(ctx): Caller) -> ApiResult {
    let list = state
        .identity
        .clone()
        .list_groups(outgoing(&ctx, Empty {}))
        .await?
        .into_inner();
    ok(GroupList::from(list))
}

#[utoipa::path(
    post,
    path = "/groups",
    tag = tags::GROUPS,
    summary = "Add a user group",
    description = "Needs `groups.manage`.",
    request_body = NewGroup,
    responses(
        (status = 201, description = "The group", body = Group),
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
    let b: NewGroup = body(&bytes)?;
    let g = state
        .identity
        .clone()
        .create_group(outgoing(
            &ctx,
            CreateGroupRequest {
                name: b.name,
                description: b.description,
            },
        ))
        .await?
        .into_inner();
    created(Group::from(g))
}

#[utoipa::path(
    patch,
    path = "/groups/{id}",
    tag = tags::GROUPS,
    summary = "Rename a user group",
    description = "Needs `groups.manage`.",
    params(("id" = String, Path, description = "The group")),
    request_body = GroupName,
    responses(
        (status = 200, description = "The group, renamed", body = Group),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
pub(super) async fn rename(
    State(state): State<Gateway>,
    Path(group_id): Path<String>,
    Caller(ctx): Caller,
    bytes: Bytes,
) -> ApiResult {
    let b: GroupName = body(&bytes)?;
    let g = state
        .identity
        .clone()
        .rename_group(outgoing(
            &ctx,
            RenameGroupRequest {
                group_id,
                name: b.name,
            },
        ))
        .await?
        .into_inner();
    ok(Group::from(g))
}

#[utoipa::path(
    delete,
    path = "/groups/{id}",
    tag = tags::GROUPS,
    summary = "Delete a user group",
    description = "Needs `groups.manage`.",
    params(("id" = String, Path, description = "The group")),
    responses(
        (status = 204, description = "Deleted"),
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
    Path(group_id): Path<String>,
    Caller(ctx): Caller,
) -> ApiResult {
    state
        .identity
        .clone()
        .delete_group(outgoing(&ctx, GroupRef { group_id }))
        .await?;
    no_content()
}

#[utoipa::path(
    get,
    path = "/groups/{id}/members",
    tag = tags::GROUPS,
    summary = "A group's members",
    description = "Needs `users.view`.",
    params(("id" = String, Path, description = "The group")),
    responses(
        (status = 200, description = "The members", body = UserList),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
pub(super) async fn members(
    State(state): State<Gateway>,
    Path(group_id): Path<String>,
    Caller(ctx): Caller,
) -> ApiResult {
    let list = state
        .identity
        .clone()
        .list_group_members(outgoing(&ctx, GroupRef { group_id }))
        .await?
        .into_inner();
    ok(UserList::from(list.users))
}

#[utoipa::path(
    put,
    path = "/groups/{id}/members/{user_id}",
    tag = tags::GROUPS,
    summary = "Add a member to a group",
    description = "Needs `groups.manage`.",
    params(
        ("id" = String, Path, description = "The group"),
        ("user_id" = String, Path, description = "The user"),
    ),
    responses(
        (status = 204, description = "A member"),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
pub(super) async fn add_member(
    State(state): State<Gateway>,
    Path((group_id, user_id)): Path<(String, String)>,
    Caller(ctx): Caller,
) -> ApiResult {
    state
        .identity
        .clone()
        .add_group_member(outgoing(&ctx, GroupMemberRequest { group_id, user_id }))
        .await?;
    no_content()
}

#[utoipa::path(
    delete,
    path = "/groups/{id}/members/{user_id}",
    tag = tags::GROUPS,
    summary = "Remove a member from a group",
    description = "Needs `groups.manage`.",
    params(
        ("id" = String, Path, description = "The group"),
        ("user_id" = String, Path, description = "The user"),
    ),
    responses(
        (status = 204, description = "Not a member"),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
pub(super) async fn remove_member(
    State(state): State<Gateway>,
    Path((group_id, user_id)): Path<(String, String)>,
    Caller(ctx): Caller,
) -> ApiResult {
    state
        .identity
        .clone()
        .remove_group_member(outgoing(&ctx, GroupMemberRequest { group_id, user_id }))
        .await?;
    no_content()
}
