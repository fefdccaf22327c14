//! Shares: an account, a resource (all its accounts) or a resource group (its resources at
//! the time of sharing) shared with users and user groups at View, Modify or Full access.
//! The access service decides who may share and keeps the shares; the gateway maps bodies.

use axum::extract::{Path, State};
use bytes::Bytes;
use strongroom_auth::{RequestContext, outgoing};
use strongroom_proto::access as pb;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::Gateway;
use crate::caller::Caller;
use crate::dto::errors::{BadRequest, Forbidden, NotFound, Unauthorized, Unavailable};
use crate::dto::shares::{Share, ShareBody, ShareList, ShareTargetKind};
use crate::error::ApiError;
use crate::openapi::tags;
use crate::routes::reply::{ApiResult, created, ok};
use crate::routes::request::body;

pub(super) fn router() -> OpenApiRouter<Gateway> {
    OpenApiRouter::new()
        .routes(routes!(list_account_shares, share_account))
        .routes(routes!(unshare_account))
        .routes(routes!(list_resource_shares, share_resource))
        .routes(routes!(unshare_resource))
        .routes(routes!(list_group_shares, share_group))
        .routes(routes!(unshare_group))
        .routes(routes!(shared_with_me))
}

async fn list(
    state: &Gateway,
    ctx: &RequestContext,
    kind: ShareTargetKind,
    id: String,
) -> ApiResult {
    let list = state
        .access
        .clone()
        .list_shares(outgoing(ctx, kind.target(id)))
        .await?
        .into_inner();
    ok(ShareList::from(list))
}

async fn share(
    state: &Gateway,
    ctx: &RequestContext,
    kind: ShareTargetKind,
    id: String,
    bytes: &Bytes,
) -> ApiResult {
    let b: ShareBody = body(bytes)?;
    let request = pb::ShareRequest {
        target: Some(kind.target(id)),
        grantee_kind: pb::GranteeKind::from(b.grantee_kind) as i32,
        grantee_id: b.grantee_id,
        level: pb::Level::from(b.level) as i32,
        expires_at: b.expires_at.unwrap_or_default(),
        use_without_seeing: b.use_without_seeing,
    };
    let share = state
        .access
        .clone()
        .share(outgoing(ctx, request))
        .await?
        .into_inner();
    created(Share::from(share))
}

async fn unshare(
    state: &Gateway,
    ctx: &RequestContext,
    kind: ShareTargetKind,
    id: String,
    share_id: String,
) -> ApiResult {
    let request = pb::UnshareRequest {
        target: Some(kind.target(id)),
        share_id,
    };
    let share = state
        .access
        .clone()
        .unshare(outgoing(ctx, request))
        .await
        .map_err(ApiError::from)?
        .into_inner();
    ok(Share::from(share))
}

#[utoipa::path(
    get,
    path = "/accounts/{id}/shares",
    tag = tags::SHARES,
    summary = "Who the account is shared with",
    description = "Its owner and users with Full access to it may list its shares.",
    params(("id" = String, Path, description = "The account")),
    responses(
        (status = 200, description = "Its live shares, by grantee", body = ShareList),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn list_account_shares(
    State(state): State<Gateway>,
    Path(id): Path<String>,
    Caller(ctx): Caller,
) -> ApiResult {
    list(&state, &ctx, ShareTargetKind::Account, id).await
}

#[utoipa::path(
    post,
    path = "/accounts/{id}/shares",
    tag = tags::SHARES,
    summary = "Share an account with a user or user group",
    description = "View: see and reveal the password; Modify: also change it; Full: also \
                   manage and share again. Only the owner and users with Full access may \
                   share. Sharing again with the same grantee replaces the level and end \
                   time. Audited.",
    params(("id" = String, Path, description = "The account")),
    request_body = ShareBody,
    responses(
        (status = 201, description = "The share", body = Share),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn share_account(
    State(state): State<Gateway>,
    Path(id): Path<String>,
    Caller(ctx): Caller,
    bytes: Bytes,
) -> ApiResult {
    share(&state, &ctx, ShareTargetKind::Account, id, &bytes).await
}

#[utoipa::path(
    delete,
    path = "/accounts/{id}/shares/{share_id}",
    tag = tags::SHARES,
    summary = "End a share of the account at once",
    description = "The grantee's next reveal or listing no longer has it. Audited.",
    params(
        ("id" = String, Path, description = "The account"),
        ("share_id" = String, Path, description = "The share"),
    ),
    responses(
        (status = 200, description = "The share ended", body = Share),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn unshare_account(
    State(state): State<Gateway>,
    Path((id, share_id)): Path<(String, String)>,
    Caller(ctx): Caller,
) -> ApiResult {
    unshare(&state, &ctx, ShareTargetKind::Account, id, share_id).await
}

#[utoipa::path(
    get,
    path = "/resources/{id}/shares",
    tag = tags::SHARES,
    summary = "Who the resource is shared with",
    description = "Its owner and users with Full access to it may list its shares.",
    params(("id" = String, Path, description = "The resource")),
    responses(
        (status = 200, description = "Its live shares, by grantee", body = ShareList),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn list_resource_shares(
    State(state): State<Gateway>,
    Path(id): Path<String>,
    Caller(ctx): Caller,
) -> ApiResult {
    list(&state, &ctx, ShareTargetKind::Resource, id).await
}

#[utoipa::path(
    post,
    path = "/resources/{id}/shares",
    tag = tags::SHARES,
    summary = "Share a resource (all its accounts) with a user or user group",
    description = "View: see and reveal the password; Modify: also change it; Full: also \
                   manage and share again. Only the owner and users with Full access may \
                   share. Sharing again with the same grantee replaces the level and end \
                   time. Audited.",
    params(("id" = String, Path, description = "The resource")),
    request_body = ShareBody,
    responses(
        (status = 201, description = "The share", body = Share),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn share_resource(
    State(state): State<Gateway>,
    Path(id): Path<String>,
    Caller(ctx): Caller,
    bytes: Bytes,
) -> ApiResult {
    share(&state, &ctx, ShareTargetKind::Resource, id, &bytes).await
}

#[utoipa::path(
    delete,
    path = "/resources/{id}/shares/{share_id}",
    tag = tags::SHARES,
    summary = "End a share of the resource at once",
    description = "The grantee's next reveal or listing no longer has it. Audited.",
    params(
        ("id" = String, Path, description = "The resource"),
        ("share_id" = String, Path, description = "The share"),
    ),
    responses(
        (status = 200, description = "The share ended", body = Share),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn unshare_resource(
    State(state): State<Gateway>,
    Path((id, share_id)): Path<(String, String)>,
    Caller(ctx): Caller,
) -> ApiResult {
    unshare(&state, &ctx, ShareTargetKind::Resource, id, share_id).await
}

#[utoipa::path(
    get,
    path = "/resource-groups/{id}/shares",
    tag = tags::SHARES,
    summary = "Who the group is shared with",
    description = "Its owner and users with Full access to it may list its shares.",
    params(("id" = String, Path, description = "The group")),
    responses(
        (status = 200, description = "Its live shares, by grantee", body = ShareList),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn list_group_shares(
    State(state): State<Gateway>,
    Path(id): Path<String>,
    Caller(ctx): Caller,
) -> ApiResult {
    list(&state, &ctx, ShareTargetKind::ResourceGroup, id).await
}

#[utoipa::path(
    post,
    path = "/resource-groups/{id}/shares",
    tag = tags::SHARES,
    summary = "Share a resource group (its resources when shared) with a user or user group",
    description = "View: see and reveal the password; Modify: also change it; Full: also \
                   manage and share again. Only the owner and users with Full access may \
                   share. Sharing again with the same grantee replaces the level and end \
                   time. Audited.",
    params(("id" = String, Path, description = "The group")),
    request_body = ShareBody,
    responses(
        (status = 201, description = "The share", body = Share),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn share_group(
    State(state): State<Gateway>,
    Path(id): Path<String>,
    Caller(ctx): Caller,
    bytes: Bytes,
) -> ApiResult {
    share(&state, &ctx, ShareTargetKind::ResourceGroup, id, &bytes).await
}

#[utoipa::path(
    delete,
    path = "/resource-groups/{id}/shares/{share_id}",
    tag = tags::SHARES,
    summary = "End a share of the group at once",
    description = "The grantee's next reveal or listing no longer has it. Audited.",
    params(
        ("id" = String, Path, description = "The group"),
        ("share_id" = String, Path, description = "The share"),
    ),
    responses(
        (status = 200, description = "The share ended", body = Share),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn unshare_group(
    State(state): State<Gateway>,
    Path((id, share_id)): Path<(String, String)>,
    Caller(ctx): Caller,
) -> ApiResult {
    unshare(&state, &ctx, ShareTargetKind::ResourceGroup, id, share_id).await
}

#[utoipa::path(
    get,
    path = "/shared-with-me",
    tag = tags::SHARES,
    summary = "What is shared with you, directly or through your user groups",
    responses(
        (status = 200, description = "Live shares reaching you, newest first", body = ShareList),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn shared_with_me(State(state): State<Gateway>, Caller(ctx): Caller) -> ApiResult {
    let list = state
        .access
        .clone()
        .list_shared_with_me(outgoing(&ctx, pb::SharedWithMeRequest {}))
        .await?
        .into_inner();
    ok(ShareList::from(list))
}
