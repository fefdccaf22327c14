//! User groups: add, list, rename, remove, and their members.

use axum::extract::{Path, State};
use bytes::Bytes;
use serde::Deserialize;
use strongroom_auth::outgoing;
use strongroom_proto::identity::{
    CreateGroupRequest, Empty, GroupMemberRequest, GroupRef, RenameGroupRequest,
};

use super::{group_json, groups_json, users_json};
use crate::Gateway;
use crate::caller::Caller;
use crate::routes::{ApiResult, body, created, no_content, ok};

pub(super) async fn list(State(state): State<Gateway>, Caller(ctx): Caller) -> ApiResult {
    let list = state
        .identity
        .clone()
        .list_groups(outgoing(&ctx, Empty {}))
        .await?
        .into_inner();
    ok(groups_json(list.groups))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewGroup {
    name: String,
    #[serde(default)]
    description: String,
}

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
    created(group_json(g))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupName {
    name: String,
}

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
    ok(group_json(g))
}

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
    ok(users_json(list.users))
}

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
