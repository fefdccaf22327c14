//! Roles: the built-in ones and the org's custom roles, each a named set of permissions.

use axum::extract::{Path, State};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Value, json};
use strongroom_auth::outgoing;
use strongroom_proto::identity::{Empty, RoleInfo, RoleRef, SaveRoleRequest};

use crate::Gateway;
use crate::caller::Caller;
use crate::routes::{ApiResult, body, created, no_content, ok};

fn role_json(r: RoleInfo) -> Value {
    json!({
        "name": r.name, "description": r.description, "built_in": r.built_in,
        "permissions": r.permissions,
    })
}

pub(super) async fn list(State(state): State<Gateway>, Caller(ctx): Caller) -> ApiResult {
    let list = state
        .identity
        .clone()
        .list_roles(outgoing(&ctx, Empty {}))
        .await?
        .into_inner();
    let permissions: Vec<Value> = list
        .permission_catalog
        .into_iter()
        .map(|p| json!({ "name": p.name, "description": p.description }))
        .collect();
    let roles: Vec<Value> = list.roles.into_iter().map(role_json).collect();
    ok(json!({ "roles": roles, "permissions": permissions }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleBody {
    name: String,
    #[serde(default)]
    description: String,
    permissions: Vec<String>,
}

pub(super) async fn add(
    State(state): State<Gateway>,
    Caller(ctx): Caller,
    bytes: Bytes,
) -> ApiResult {
    let b: RoleBody = body(&bytes)?;
    let r = save(&state, &ctx, b, String::new()).await?;
    created(role_json(r))
}

/// Replaces the role named in the path (which the body may rename).
pub(super) async fn change(
    State(state): State<Gateway>,
    Path(previous_name): Path<String>,
    Caller(ctx): Caller,
    bytes: Bytes,
) -> ApiResult {
    let b: RoleBody = body(&bytes)?;
    let r = save(&state, &ctx, b, previous_name).await?;
    ok(role_json(r))
}

async fn save(
    state: &Gateway,
    ctx: &strongroom_auth::RequestContext,
    b: RoleBody,
    previous_name: String,
) -> Result<RoleInfo, tonic::Status> {
    state
        .identity
        .clone()
        .save_role(outgoing(
            ctx,
            SaveRoleRequest {
                name: b.name,
                description: b.description,
                permissions: b.permissions,
                previous_name,
            },
        ))
        .await
        .map(tonic::Response::into_inner)
}

pub(super) async fn remove(
    State(state): State<Gateway>,
    Path(name): Path<String>,
    Caller(ctx): Caller,
) -> ApiResult {
    state
        .identity
        .clone()
        .delete_role(outgoing(&ctx, RoleRef { name }))
        .await?;
    no_content()
}
