//! Resources: add, list and search, read with their accounts, edit, delete to the trash,
//! restore, purge, and favourites.
//!
//! An endpoint is a handler with a `#[utoipa::path]` (path as seen under `/api/v1`, its
//! tag, a one-line summary, the request body, path and query parameters, the success
//! response and every error status it can answer), registered in `router()` with
//! `routes!` (one call a path, its handlers one a method). Bodies and replies are types
//! of `dto::vault`, replies built with `From` their gRPC message.

use axum::extract::{Path, State};
use axum::http::Uri;
use bytes::Bytes;
use strongroom_auth::outgoing;
use strongroom_proto::vault as pb;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::Gateway;
use crate::caller::Caller;
use crate::dto::errors::{BadRequest, Conflict, Forbidden, NotFound, Unauthorized, Unavailable};
use crate::dto::vault::{
    DeleteConfirmation, Deleted, NewResource, Resource, ResourceChanges, ResourceDetail,
    ResourcePage, ResourceQuery, SortOrder,
};
use crate::openapi::tags;
use crate::routes::reply::{ApiResult, created, no_content, ok};
use crate::routes::request::{body, query};

pub(super) fn router() -> OpenApiRouter<Gateway> {
    OpenApiRouter::new()
        .routes(routes!(list_resources, create_resource))
        .routes(routes!(get_resource, update_resource, delete_resource))
        .routes(routes!(restore_resource))
        .routes(routes!(add_resource_favourite, remove_resource_favourite))
}

#[utoipa::path(
    post,
    path = "/resources",
    tag = tags::VAULT,
    summary = "Add a resource you own",
    description = "A system whose privileged accounts the vault keeps; the caller owns it. \
                   Needs `resources.create`.",
    request_body = NewResource,
    responses(
        (status = 201, description = "The resource", body = Resource),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn create_resource(
    State(state): State<Gateway>,
    Caller(ctx): Caller,
    bytes: Bytes,
) -> ApiResult {
    let b: NewResource = body(&bytes)?;
    let r = state
        .vault
        .clone()
        .create_resource(outgoing(
            &ctx,
            pb::CreateResourceRequest {
                name: b.name,
                resource_type: b.resource_type,
                host: b.host,
                url: b.url,
                department: b.department,
                location: b.location,
                description: b.description,
                notes: b.notes,
                password_policy: b.password_policy,
                fields: b.fields.into_iter().collect(),
            },
        ))
        .await?
        .into_inner();
    created(Resource::from(r))
}

#[utoipa::path(
    get,
    path = "/resources",
    tag = tags::VAULT,
    summary = "List, filter and search the resources you may see",
    description = "Paged and sorted; only what the caller owns (or, with sharing, what was \
                   shared with them), whatever their role.",
    params(ResourceQuery),
    responses(
        (status = 200, description = "One page", body = ResourcePage),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn list_resources(State(state): State<Gateway>, Caller(ctx): Caller, uri: Uri) -> ApiResult {
    let q: ResourceQuery = query(&uri)?;
    let page = state
        .vault
        .clone()
        .list_resources(outgoing(
            &ctx,
            pb::ListResourcesRequest {
                query: q.q,
                name: q.name,
                host: q.host,
                resource_type: q.resource_type,
                department: q.department,
                location: q.location,
                owner_id: q.owner_id,
                favourites_only: q.favourites,
                deleted: q.trash,
                sort: pb::ResourceSort::from(q.sort) as i32,
                descending: matches!(q.order, SortOrder::Desc),
                offset: q.offset,
                limit: q.limit,
                field_name: q.field_name,
                field_value: q.field_value,
                group_id: q.group_id,
            },
        ))
        .await?
        .into_inner();
    ok(ResourcePage {
        resources: page.resources.into_iter().map(Resource::from).collect(),
        total: page.total,
    })
}

#[utoipa::path(
    get,
    path = "/resources/{id}",
    tag = tags::VAULT,
    summary = "A resource with its accounts",
    params(("id" = String, Path, description = "The resource")),
    responses(
        (status = 200, description = "The resource and its accounts", body = ResourceDetail),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn get_resource(
    State(state): State<Gateway>,
    Path(id): Path<String>,
    Caller(ctx): Caller,
) -> ApiResult {
    let d = state
        .vault
        .clone()
        .get_resource(outgoing(&ctx, pb::ResourceRef { id }))
        .await?
        .into_inner();
    ok(ResourceDetail::from(d))
}

#[utoipa::path(
    patch,
    path = "/resources/{id}",
    tag = tags::VAULT,
    summary = "Edit a resource",
    description = "Fields left out stay as they are; audited with the names of those that \
                   changed.",
    params(("id" = String, Path, description = "The resource")),
    request_body = ResourceChanges,
    responses(
        (status = 200, description = "The resource as it is now", body = Resource),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn update_resource(
    State(state): State<Gateway>,
    Path(id): Path<String>,
    Caller(ctx): Caller,
    bytes: Bytes,
) -> ApiResult {
    let b: ResourceChanges = body(&bytes)?;
    let r = state
        .vault
        .clone()
        .update_resource(outgoing(
            &ctx,
            pb::UpdateResourceRequest {
                id,
                name: b.name,
                resource_type: b.resource_type,
                host: b.host,
                url: b.url,
                department: b.department,
                location: b.location,
                description: b.description,
                notes: b.notes,
                password_policy: b.password_policy,
                fields: b.fields.into_iter().collect(),
            },
        ))
        .await?
        .into_inner();
    ok(Resource::from(r))
}

#[utoipa::path(
    delete,
    path = "/resources/{id}",
    tag = tags::VAULT,
    summary = "Delete a resource to the trash, or purge it from there",
    description = "`confirm` repeats the resource's name. The resource and its accounts go \
                   to the trash, where their passwords stay sealed and reveal nothing until \
                   restored; with `purge`, a resource in the trash is deleted for good with \
                   every version of its passwords. Audited.",
    params(("id" = String, Path, description = "The resource")),
    request_body = DeleteConfirmation,
    responses(
        (status = 200, description = "What went", body = Deleted),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn delete_resource(
    State(state): State<Gateway>,
    Path(id): Path<String>,
    Caller(ctx): Caller,
    bytes: Bytes,
) -> ApiResult {
    let b: DeleteConfirmation = body(&bytes)?;
    let d = state
        .vault
        .clone()
        .delete_resource(outgoing(
            &ctx,
            pb::DeleteRequest {
                id,
                confirm: b.confirm,
                purge: b.purge,
            },
        ))
        .await?
        .into_inner();
    ok(Deleted::from(d))
}

#[utoipa::path(
    post,
    path = "/resources/{id}/restore",
    tag = tags::VAULT,
    summary = "Bring a resource and its accounts back from the trash",
    params(("id" = String, Path, description = "The resource")),
    responses(
        (status = 200, description = "The resource", body = Resource),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn restore_resource(
    State(state): State<Gateway>,
    Path(id): Path<String>,
    Caller(ctx): Caller,
) -> ApiResult {
    let r = state
        .vault
        .clone()
        .restore_resource(outgoing(&ctx, pb::ResourceRef { id }))
        .await?
        .into_inner();
    ok(Resource::from(r))
}

#[utoipa::path(
    put,
    path = "/resources/{id}/favourite",
    tag = tags::VAULT,
    summary = "Mark a resource as one of your favourites",
    params(("id" = String, Path, description = "The resource")),
    responses(
        (status = 204, description = "Marked"),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn add_resource_favourite(
    State(state): State<Gateway>,
    Path(id): Path<String>,
    Caller(ctx): Caller,
) -> ApiResult {
    set_favourite(&state, &ctx, pb::FavouriteKind::Resource, id, true).await
}

#[utoipa::path(
    delete,
    path = "/resources/{id}/favourite",
    tag = tags::VAULT,
    summary = "Take a resource off your favourites",
    params(("id" = String, Path, description = "The resource")),
    responses(
        (status = 204, description = "Not a favourite (any more)"),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn remove_resource_favourite(
    State(state): State<Gateway>,
    Path(id): Path<String>,
    Caller(ctx): Caller,
) -> ApiResult {
    set_favourite(&state, &ctx, pb::FavouriteKind::Resource, id, false).await
}

/// Marks a resource or account as a favourite of the caller, or not.
pub(super) async fn set_favourite(
    state: &Gateway,
    ctx: &strongroom_auth::RequestContext,
    kind: pb::FavouriteKind,
    id: String,
    favourite: bool,
) -> ApiResult {
    state
        .vault
        .clone()
        .set_favourite(outgoing(
            ctx,
            pb::SetFavouriteRequest {
                kind: kind as i32,
                id,
                favourite,
            },
        ))
        .await?;
    no_content()
}
