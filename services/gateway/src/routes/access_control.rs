//! Access control: the request-release workflow turned on for an account, a resource or a
//! resource group's resources (the requests that go through it are `access_requests`). The
//! access service decides and keeps it all; the gateway maps bodies.

use axum::extract::{Path, State};
use bytes::Bytes;
use strongroom_auth::{RequestContext, outgoing};
use strongroom_proto::access as pb;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::Gateway;
use crate::caller::Caller;
use crate::dto::access_control::{AccessControl, AccessPolicyBody};
use crate::dto::errors::{BadRequest, Forbidden, NotFound, Unauthorized, Unavailable};
use crate::dto::shares::ShareTargetKind;
use crate::openapi::tags;
use crate::routes::reply::{ApiResult, ok};
use crate::routes::request::body;

pub(super) fn router() -> OpenApiRouter<Gateway> {
    OpenApiRouter::new()
        .routes(routes!(
            get_account_control,
            set_account_control,
            remove_account_control
        ))
        .routes(routes!(
            get_resource_control,
            set_resource_control,
            remove_resource_control
        ))
        .routes(routes!(
            get_group_control,
            set_group_control,
            remove_group_control
        ))
}

async fn get_control(
    state: &Gateway,
    ctx: &RequestContext,
    kind: ShareTargetKind,
    id: String,
) -> ApiResult {
    let control = state
        .access
        .clone()
        .get_access_control(outgoing(ctx, kind.target(id)))
        .await?
        .into_inner();
    ok(AccessControl::from(control))
}

async fn set_control(
    state: &Gateway,
    ctx: &RequestContext,
    kind: ShareTargetKind,
    id: String,
    bytes: &Bytes,
) -> ApiResult {
    let b: AccessPolicyBody = body(bytes)?;
    let request = pb::SetAccessControlRequest {
        target: Some(kind.target(id)),
        policy: Some(b.into()),
    };
    let control = state
        .access
        .clone()
        .set_access_control(outgoing(ctx, request))
        .await?
        .into_inner();
    ok(AccessControl::from(control))
}

async fn remove_control(
    state: &Gateway,
    ctx: &RequestContext,
    kind: ShareTargetKind,
    id: String,
) -> ApiResult {
    let control = state
        .access
        .clone()
        .remove_access_control(outgoing(ctx, kind.target(id)))
        .await?
        .into_inner();
    ok(AccessControl::from(control))
}

#[utoipa::path(
    get,
    path = "/accounts/{id}/access-control",
    tag = tags::ACCESS_CONTROL,
    summary = "The account's access control",
    description = "Its owner and users with Full access to it may read its policy.",
    params(("id" = String, Path, description = "The account")),
    responses(
        (status = 200, description = "Its policy (`on`: false when it has none of its own)", body = AccessControl),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn get_account_control(
    State(state): State<Gateway>,
    Path(id): Path<String>,
    Caller(ctx): Caller,
) -> ApiResult {
    get_control(&state, &ctx, ShareTargetKind::Account, id).await
}

#[utoipa::path(
    put,
    path = "/accounts/{id}/access-control",
    tag = tags::ACCESS_CONTROL,
    summary = "Turn access control on for the account, or change its policy",
    description = "From then on nobody (its owner and administrators included) reveals or \
                   changes the passwords it covers, or exports them, without an approved \
                   request checked out for the time asked. Owner or Full access. Audited.",
    params(("id" = String, Path, description = "The account")),
    request_body = AccessPolicyBody,
    responses(
        (status = 200, description = "The policy set", body = AccessControl),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn set_account_control(
    State(state): State<Gateway>,
    Path(id): Path<String>,
    Caller(ctx): Caller,
    bytes: Bytes,
) -> ApiResult {
    set_control(&state, &ctx, ShareTargetKind::Account, id, &bytes).await
}

#[utoipa::path(
    delete,
    path = "/accounts/{id}/access-control",
    tag = tags::ACCESS_CONTROL,
    summary = "Turn access control off for the account",
    description = "Resources another resource or group policy covers stay under it. Owner \
                   or Full access. Audited.",
    params(("id" = String, Path, description = "The account")),
    responses(
        (status = 200, description = "Access control as it is now", body = AccessControl),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn remove_account_control(
    State(state): State<Gateway>,
    Path(id): Path<String>,
    Caller(ctx): Caller,
) -> ApiResult {
    remove_control(&state, &ctx, ShareTargetKind::Account, id).await
}

#[utoipa::path(
    get,
    path = "/resources/{id}/access-control",
    tag = tags::ACCESS_CONTROL,
    summary = "The resource's access control",
    description = "Its owner and users with Full access to it may read its policy.",
    params(("id" = String, Path, description = "The resource (all its accounts)")),
    responses(
        (status = 200, description = "Its policy (`on`: false when it has none of its own)", body = AccessControl),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn get_resource_control(
    State(state): State<Gateway>,
    Path(id): Path<String>,
    Caller(ctx): Caller,
) -> ApiResult {
    get_control(&state, &ctx, ShareTargetKind::Resource, id).await
}

#[utoipa::path(
    put,
    path = "/resources/{id}/access-control",
    tag = tags::ACCESS_CONTROL,
    summary = "Turn access control on for the resource, or change its policy",
    description = "From then on nobody (its owner and administrators included) reveals or \
                   changes the passwords it covers, or exports them, without an approved \
                   request checked out for the time asked. Owner or Full access. Audited.",
    params(("id" = String, Path, description = "The resource (all its accounts)")),
    request_body = AccessPolicyBody,
    responses(
        (status = 200, description = "The policy set", body = AccessControl),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn set_resource_control(
    State(state): State<Gateway>,
    Path(id): Path<String>,
    Caller(ctx): Caller,
    bytes: Bytes,
) -> ApiResult {
    set_control(&state, &ctx, ShareTargetKind::Resource, id, &bytes).await
}

#[utoipa::path(
    delete,
    path = "/resources/{id}/access-control",
    tag = tags::ACCESS_CONTROL,
    summary = "Turn access control off for the resource",
    description = "Resources another resource or group policy covers stay under it. Owner \
                   or Full access. Audited.",
    params(("id" = String, Path, description = "The resource (all its accounts)")),
    responses(
        (status = 200, description = "Access control as it is now", body = AccessControl),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn remove_resource_control(
    State(state): State<Gateway>,
    Path(id): Path<String>,
    Caller(ctx): Caller,
) -> ApiResult {
    remove_control(&state, &ctx, ShareTargetKind::Resource, id).await
}

#[utoipa::path(
    get,
    path = "/resource-groups/{id}/access-control",
    tag = tags::ACCESS_CONTROL,
    summary = "The group's access control",
    description = "Its owner and users with Full access to it may read its policy.",
    params(("id" = String, Path, description = "The resource group (its resources now)")),
    responses(
        (status = 200, description = "Its policy (`on`: false when it has none of its own)", body = AccessControl),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn get_group_control(
    State(state): State<Gateway>,
    Path(id): Path<String>,
    Caller(ctx): Caller,
) -> ApiResult {
    get_control(&state, &ctx, ShareTargetKind::ResourceGroup, id).await
}

#[utoipa::path(
    put,
    path = "/resource-groups/{id}/access-control",
    tag = tags::ACCESS_CONTROL,
    summary = "Turn access control on for the group, or change its policy",
    description = "From then on nobody (its owner and administrators included) reveals or \
                   changes the passwords it covers, or exports them, without an approved \
                   request checked out for the time asked. Owner or Full access. Audited.",
    params(("id" = String, Path, description = "The resource group (its resources now)")),
    request_body = AccessPolicyBody,
    responses(
        (status = 200, description = "The policy set", body = AccessControl),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn set_group_control(
    State(state): State<Gateway>,
    Path(id): Path<String>,
    Caller(ctx): Caller,
    bytes: Bytes,
) -> ApiResult {
    set_control(&state, &ctx, ShareTargetKind::ResourceGroup, id, &bytes).await
}

#[utoipa::path(
    delete,
    path = "/resource-groups/{id}/access-control",
    tag = tags::ACCESS_CONTROL,
    summary = "Turn access control off for the group",
    description = "Resources another resource or group policy covers stay under it. Owner \
                   or Full access. Audited.",
    params(("id" = String, Path, description = "The resource group (its resources now)")),
    responses(
        (status = 200, description = "Access control as it is now", body = AccessControl),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn remove_group_control(
    State(state): State<Gateway>,
    Path(id): Path<String>,
    Caller(ctx): Caller,
) -> ApiResult {
    remove_control(&state, &ctx, ShareTargetKind::ResourceGroup, id).await
}
