//! Roles: the built-in ones and the org's custom roles, each a named set of permissions.

use axum::extract::{Path, State};
use bytes::Bytes;
use strongroom_auth::outgoing;
use strongroom_proto::identity::{Empty, RoleInfo, RoleRef, SaveRoleRequest};

use crate::Gateway;
use crate::caller::Caller;
use crate::dto::errors::{BadRequest, Conflict, Forbidden, NotFound, Unauthorized, Unavailable};
use crate::dto::roles::{Role, RoleBody, RoleList};
use crate::openapi::tags;
use crate::routes::reply::{ApiResult, created, no_content, ok};
use crate::routes::request::body;

#[utoipa::path(
    get,
    path = "/roles",
    tag = tags::ROLES,
    summary = "Built-in and custom roles, and the permission catalogue",
    description = "Needs `users.view`.",
    responses(
        (status = 200, description = "The roles and permissions", body = RoleList),
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
        .list_roles(outgoing(&ctx, Empty {}))
        .await?
        .into_inner();
    ok(RoleList::from(list))
}

#[utoipa::path(
    post,
    path = "/roles",
    tag = tags::ROLES,
    summary = "Add a custom role",
    description = "Needs `roles.manage`, and every permission the role holds.",
    request_body = RoleBody,
    responses(
        (status = 201, description = "The role", body = Role),
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
    let b: RoleBody = body(&bytes)?;
    let r = save(&state, &ctx, b, String::new()).await?;
    created(Role::from(r))
}

/// Replaces the role named in the path (which the body may rename).
#[utoipa::path(
    put,
    path = "/roles/{name}",
    tag = tags::ROLES,
    summary = "Replace a custom role",
    description = "The body may rename it. Its holders get fresh tokens. Needs `roles.manage`, \
                   and every permission added.",
    params(("name" = String, Path, description = "The role's current name")),
    request_body = RoleBody,
    responses(
        (status = 200, description = "The role", body = Role),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
pub(super) async fn change(
    State(state): State<Gateway>,
    Path(previous_name): Path<String>,
    Caller(ctx): Caller,
    bytes: Bytes,
) -> ApiResult {
    let b: RoleBody = body(&bytes)?;
    let r = save(&state, &ctx, b, previous_name).await?;
    ok(Role::from(r))
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

#[utoipa::path(
    delete,
    path = "/roles/{name}",
    tag = tags::ROLES,
    summary = "Delete a custom role",
    description = "Needs `roles.manage`.",
    params(("name" = String, Path, description = "The role")),
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
