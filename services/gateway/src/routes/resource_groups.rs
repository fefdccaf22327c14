//! Resource groups: the tree (with each user's Default Group), static and dynamic groups,
//! their hand-picked members, and group-level operations (password policy, report; export
//! and listing take a `group_id`). The layout is `resources.rs`'.

use axum::extract::{Path, State};
use axum::http::Uri;
use bytes::Bytes;
use strongroom_auth::{RequestContext, outgoing};
use strongroom_proto::vault as pb;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::Gateway;
use crate::caller::Caller;
use crate::dto::errors::{BadRequest, Conflict, NotFound, Unauthorized, Unavailable};
use crate::dto::resource_groups::{
    DeletedGroups, GroupDeleteConfirmation, GroupPolicyBody, GroupPolicyResult, GroupReport,
    GroupReportRow, ReportQuery, ResourceGroup, ResourceGroupBody, ResourceGroupTree, tree,
};
use crate::error::ApiError;
use crate::openapi::tags;
use crate::routes::reply::{ApiResult, created, no_content, ok};
use crate::routes::request::{body, query};

pub(super) fn router() -> OpenApiRouter<Gateway> {
    OpenApiRouter::new()
        .routes(routes!(list_groups, create_group))
        .routes(routes!(update_group, delete_group))
        .routes(routes!(add_group_resource, remove_group_resource))
        .routes(routes!(add_group_account, remove_group_account))
        .routes(routes!(set_group_policy))
        .routes(routes!(group_report))
}

#[utoipa::path(
    get,
    path = "/resource-groups",
    tag = tags::VAULT,
    summary = "Your resource groups as a tree, your Default Group first",
    responses(
        (status = 200, description = "The tree", body = ResourceGroupTree),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn list_groups(State(state): State<Gateway>, Caller(ctx): Caller) -> ApiResult {
    let list = state
        .vault
        .clone()
        .list_resource_groups(outgoing(&ctx, pb::ListResourceGroupsRequest {}))
        .await?
        .into_inner();
    ok(ResourceGroupTree {
        groups: tree(list.groups.into_iter().map(ResourceGroup::from).collect()),
    })
}

fn input(id: String, b: ResourceGroupBody) -> Result<pb::ResourceGroupInput, ApiError> {
    Ok(pb::ResourceGroupInput {
        id,
        name: b.name,
        parent_id: b.parent_id.unwrap_or_default(),
        criteria_json: b.criteria.map(|c| c.to_string()).unwrap_or_default(),
        description: b.description,
    })
}

#[utoipa::path(
    post,
    path = "/resource-groups",
    tag = tags::VAULT,
    summary = "Add a resource group",
    description = "Static (add resources and accounts by hand) or, with `criteria`, dynamic: \
                   a resource that matches joins at once, one that stops matching leaves. \
                   Audited.",
    request_body = ResourceGroupBody,
    responses(
        (status = 201, description = "The group", body = ResourceGroup),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn create_group(
    State(state): State<Gateway>,
    Caller(ctx): Caller,
    bytes: Bytes,
) -> ApiResult {
    let b: ResourceGroupBody = body(&bytes)?;
    let g = state
        .vault
        .clone()
        .create_resource_group(outgoing(&ctx, input(String::new(), b)?))
        .await?
        .into_inner();
    created(ResourceGroup::from(g))
}

#[utoipa::path(
    put,
    path = "/resource-groups/{id}",
    tag = tags::VAULT,
    summary = "Rename, move, describe a group or change a dynamic group's criteria",
    params(("id" = String, Path, description = "The group")),
    request_body = ResourceGroupBody,
    responses(
        (status = 200, description = "The group", body = ResourceGroup),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn update_group(
    State(state): State<Gateway>,
    Path(id): Path<String>,
    Caller(ctx): Caller,
    bytes: Bytes,
) -> ApiResult {
    let b: ResourceGroupBody = body(&bytes)?;
    let g = state
        .vault
        .clone()
        .update_resource_group(outgoing(&ctx, input(id, b)?))
        .await?
        .into_inner();
    ok(ResourceGroup::from(g))
}

#[utoipa::path(
    delete,
    path = "/resource-groups/{id}",
    tag = tags::VAULT,
    summary = "Delete a group and those nested in it (never their resources)",
    params(("id" = String, Path, description = "The group")),
    request_body = GroupDeleteConfirmation,
    responses(
        (status = 200, description = "How many groups went", body = DeletedGroups),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn delete_group(
    State(state): State<Gateway>,
    Path(id): Path<String>,
    Caller(ctx): Caller,
    bytes: Bytes,
) -> ApiResult {
    let b: GroupDeleteConfirmation = body(&bytes)?;
    let d = state
        .vault
        .clone()
        .delete_resource_group(outgoing(
            &ctx,
            pb::DeleteRequest {
                id,
                confirm: b.confirm,
                purge: false,
            },
        ))
        .await?
        .into_inner();
    ok(DeletedGroups { groups: d.groups })
}

async fn set_member(
    state: &Gateway,
    ctx: &RequestContext,
    (group_id, member_id): (String, String),
    kind: &str,
    member: bool,
) -> ApiResult {
    state
        .vault
        .clone()
        .set_group_member(outgoing(
            ctx,
            pb::GroupMember {
                group_id,
                kind: kind.into(),
                member_id,
                member,
            },
        ))
        .await?;
    no_content()
}

#[utoipa::path(
    put,
    path = "/resource-groups/{id}/resources/{resource_id}",
    tag = tags::VAULT,
    summary = "Put a resource into a static group",
    params(
        ("id" = String, Path, description = "The group"),
        ("resource_id" = String, Path, description = "The resource"),
    ),
    responses(
        (status = 204, description = "In the group"),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn add_group_resource(
    State(state): State<Gateway>,
    Path(path): Path<(String, String)>,
    Caller(ctx): Caller,
) -> ApiResult {
    set_member(&state, &ctx, path, "resource", true).await
}

#[utoipa::path(
    delete,
    path = "/resource-groups/{id}/resources/{resource_id}",
    tag = tags::VAULT,
    summary = "Take a resource out of a static group",
    params(
        ("id" = String, Path, description = "The group"),
        ("resource_id" = String, Path, description = "The resource"),
    ),
    responses(
        (status = 204, description = "Not in the group"),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn remove_group_resource(
    State(state): State<Gateway>,
    Path(path): Path<(String, String)>,
    Caller(ctx): Caller,
) -> ApiResult {
    set_member(&state, &ctx, path, "resource", false).await
}

#[utoipa::path(
    put,
    path = "/resource-groups/{id}/accounts/{account_id}",
    tag = tags::VAULT,
    summary = "Put an account (and so its resource) into a static group",
    params(
        ("id" = String, Path, description = "The group"),
        ("account_id" = String, Path, description = "The account"),
    ),
    responses(
        (status = 204, description = "In the group"),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn add_group_account(
    State(state): State<Gateway>,
    Path(path): Path<(String, String)>,
    Caller(ctx): Caller,
) -> ApiResult {
    set_member(&state, &ctx, path, "account", true).await
}

#[utoipa::path(
    delete,
    path = "/resource-groups/{id}/accounts/{account_id}",
    tag = tags::VAULT,
    summary = "Take an account out of a static group",
    params(
        ("id" = String, Path, description = "The group"),
        ("account_id" = String, Path, description = "The account"),
    ),
    responses(
        (status = 204, description = "Not in the group"),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn remove_group_account(
    State(state): State<Gateway>,
    Path(path): Path<(String, String)>,
    Caller(ctx): Caller,
) -> ApiResult {
    set_member(&state, &ctx, path, "account", false).await
}

#[utoipa::path(
    put,
    path = "/resource-groups/{id}/password-policy",
    tag = tags::VAULT,
    summary = "Give every resource of the group a password policy",
    description = "Those of its resources you may modify; audited.",
    params(("id" = String, Path, description = "The group, or `default`")),
    request_body = GroupPolicyBody,
    responses(
        (status = 200, description = "How many changed", body = GroupPolicyResult),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn set_group_policy(
    State(state): State<Gateway>,
    Path(group_id): Path<String>,
    Caller(ctx): Caller,
    bytes: Bytes,
) -> ApiResult {
    let b: GroupPolicyBody = body(&bytes)?;
    let r = state
        .vault
        .clone()
        .set_group_policy(outgoing(
            &ctx,
            pb::GroupPolicyRequest {
                group_id,
                password_policy: b.password_policy,
            },
        ))
        .await?
        .into_inner();
    ok(GroupPolicyResult {
        resources: r.resources,
    })
}

#[utoipa::path(
    get,
    path = "/resource-groups/{id}/report",
    tag = tags::VAULT,
    summary = "The group's resources, accounts and stale passwords by type",
    params(("id" = String, Path, description = "The group, or `default`"), ReportQuery),
    responses(
        (status = 200, description = "The report", body = GroupReport),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn group_report(
    State(state): State<Gateway>,
    Path(group_id): Path<String>,
    Caller(ctx): Caller,
    uri: Uri,
) -> ApiResult {
    let q: ReportQuery = query(&uri)?;
    let r = state
        .vault
        .clone()
        .get_group_report(outgoing(
            &ctx,
            pb::GroupReportRequest {
                group_id,
                days: q.days,
            },
        ))
        .await?
        .into_inner();
    ok(GroupReport {
        rows: r.rows.into_iter().map(GroupReportRow::from).collect(),
    })
}
