//! Requests for accounts under access control: asked for, approved or rejected, checked
//! out and in; and the passwords marked for reset when checkouts end. The access service
//! decides and keeps it all; the gateway maps bodies.

use axum::extract::{Path, State};
use axum::http::Uri;
use bytes::Bytes;
use strongroom_auth::{RequestContext, outgoing};
use strongroom_proto::access as pb;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::Gateway;
use crate::caller::Caller;
use crate::dto::access_control::{
    AccessRequest, AccessRequestBody, AccessRequestList, AccessRequestQuery, DecisionBody,
    ResetMarkList,
};
use crate::dto::errors::{BadRequest, Conflict, Forbidden, NotFound, Unauthorized, Unavailable};
use crate::openapi::tags;
use crate::routes::reply::{ApiResult, created, ok};
use crate::routes::request::{body, query};

pub(super) fn router() -> OpenApiRouter<Gateway> {
    OpenApiRouter::new()
        .routes(routes!(list_requests, request_access))
        .routes(routes!(get_request))
        .routes(routes!(approve_request))
        .routes(routes!(reject_request))
        .routes(routes!(check_out))
        .routes(routes!(check_in))
        .routes(routes!(marked_for_reset))
}

#[utoipa::path(
    get,
    path = "/access-requests",
    tag = tags::ACCESS_CONTROL,
    summary = "The caller's requests, or those waiting for the caller's approval",
    params(AccessRequestQuery),
    responses(
        (status = 200, description = "Requests, newest first (`mine`) or oldest first (`to_approve`)", body = AccessRequestList),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn list_requests(State(state): State<Gateway>, Caller(ctx): Caller, uri: Uri) -> ApiResult {
    let q: AccessRequestQuery = query(&uri)?;
    let request = pb::ListAccessRequestsRequest {
        view: pb::RequestView::from(q.view) as i32,
    };
    let list = state
        .access
        .clone()
        .list_access_requests(outgoing(&ctx, request))
        .await?
        .into_inner();
    ok(AccessRequestList::from(list))
}

#[utoipa::path(
    post,
    path = "/access-requests",
    tag = tags::ACCESS_CONTROL,
    summary = "Ask for an account under access control",
    description = "For someone who may see the account (its owner, an administrator who owns \
                   it, or a share). The answer names who may approve. Where the org checks \
                   tickets before requests, `ticket_id` must be valid in its ticketing system \
                   (400 saying why; 503 when it does not answer). Audited.",
    request_body = AccessRequestBody,
    responses(
        (status = 201, description = "The request, pending", body = AccessRequest),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn request_access(
    State(state): State<Gateway>,
    Caller(ctx): Caller,
    bytes: Bytes,
) -> ApiResult {
    let b: AccessRequestBody = body(&bytes)?;
    let request = pb::AccessRequestInput {
        account_id: b.account_id,
        reason: b.reason,
        ticket_id: b.ticket_id.unwrap_or_default(),
        starts_at: b.starts_at.unwrap_or_default(),
        ends_at: b.ends_at,
    };
    let asked = state
        .access
        .clone()
        .request_access(outgoing(&ctx, request))
        .await?
        .into_inner();
    created(AccessRequest::from(asked))
}

#[utoipa::path(
    get,
    path = "/access-requests/{id}",
    tag = tags::ACCESS_CONTROL,
    summary = "One request",
    description = "For its requester, those who decided it and those who may.",
    params(("id" = String, Path, description = "The request")),
    responses(
        (status = 200, description = "The request", body = AccessRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn get_request(
    State(state): State<Gateway>,
    Path(id): Path<String>,
    Caller(ctx): Caller,
) -> ApiResult {
    let found = state
        .access
        .clone()
        .get_access_request(outgoing(&ctx, pb::AccessRequestRef { id }))
        .await?
        .into_inner();
    ok(AccessRequest::from(found))
}

async fn decide(
    state: &Gateway,
    ctx: &RequestContext,
    id: String,
    approve: bool,
    bytes: &Bytes,
) -> ApiResult {
    let b: DecisionBody = if bytes.is_empty() {
        DecisionBody::default()
    } else {
        body(bytes)?
    };
    let decision = pb::AccessDecision {
        id,
        approve,
        comment: b.comment.unwrap_or_default(),
    };
    let decided = state
        .access
        .clone()
        .decide_access_request(outgoing(ctx, decision))
        .await?
        .into_inner();
    ok(AccessRequest::from(decided))
}

#[utoipa::path(
    post,
    path = "/access-requests/{id}/approve",
    tag = tags::ACCESS_CONTROL,
    summary = "Approve a pending request",
    description = "Counts for the first approval still needed that the caller may give; the \
                   last one approves the request. Never one's own request, never twice by \
                   one person, never a lapsed one. Audited.",
    params(("id" = String, Path, description = "The request")),
    request_body(content = DecisionBody, description = "An optional comment"),
    responses(
        (status = 200, description = "The request as it is now", body = AccessRequest),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn approve_request(
    State(state): State<Gateway>,
    Path(id): Path<String>,
    Caller(ctx): Caller,
    bytes: Bytes,
) -> ApiResult {
    decide(&state, &ctx, id, true, &bytes).await
}

#[utoipa::path(
    post,
    path = "/access-requests/{id}/reject",
    tag = tags::ACCESS_CONTROL,
    summary = "Reject a pending request",
    description = "Anyone who may approve it may reject it; one rejection ends it. Audited.",
    params(("id" = String, Path, description = "The request")),
    request_body(content = DecisionBody, description = "An optional comment"),
    responses(
        (status = 200, description = "The request, rejected", body = AccessRequest),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn reject_request(
    State(state): State<Gateway>,
    Path(id): Path<String>,
    Caller(ctx): Caller,
    bytes: Bytes,
) -> ApiResult {
    decide(&state, &ctx, id, false, &bytes).await
}

#[utoipa::path(
    post,
    path = "/access-requests/{id}/check-out",
    tag = tags::ACCESS_CONTROL,
    summary = "Check out the account of an approved request",
    description = "The requester's alone until check-in or the end of the window: others' \
                   reveals are refused and their checkouts wait in the queue (409 names the \
                   holder and the place). Where the org checks tickets before checkouts, the \
                   request's ticket must still be valid (403 saying why). Audited.",
    params(("id" = String, Path, description = "The request")),
    responses(
        (status = 200, description = "The request, checked out", body = AccessRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn check_out(
    State(state): State<Gateway>,
    Path(id): Path<String>,
    Caller(ctx): Caller,
) -> ApiResult {
    let out = state
        .access
        .clone()
        .check_out(outgoing(&ctx, pb::AccessRequestRef { id }))
        .await?
        .into_inner();
    ok(AccessRequest::from(out))
}

#[utoipa::path(
    post,
    path = "/access-requests/{id}/check-in",
    tag = tags::ACCESS_CONTROL,
    summary = "Check the account in before the window ends",
    description = "The password is marked for reset at once (the window's end marks it too). \
                   Audited.",
    params(("id" = String, Path, description = "The request")),
    responses(
        (status = 200, description = "The request, checked in", body = AccessRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn check_in(
    State(state): State<Gateway>,
    Path(id): Path<String>,
    Caller(ctx): Caller,
) -> ApiResult {
    let back = state
        .access
        .clone()
        .check_in(outgoing(&ctx, pb::AccessRequestRef { id }))
        .await?
        .into_inner();
    ok(AccessRequest::from(back))
}

#[utoipa::path(
    get,
    path = "/access-control/marked-for-reset",
    tag = tags::ACCESS_CONTROL,
    summary = "Passwords marked for reset after a checkout or a time-limited share",
    description = "Accounts whose checkout ended (check-in or the end of its window), and \
                   targets whose time-limited share ended (at its end, or when revoked \
                   early), whose reset is still pending. Needs `vault_settings.manage`.",
    responses(
        (status = 200, description = "Pending resets, oldest first", body = ResetMarkList),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn marked_for_reset(State(state): State<Gateway>, Caller(ctx): Caller) -> ApiResult {
    let marks = state
        .access
        .clone()
        .list_marked_for_reset(outgoing(&ctx, pb::MarkedForResetRequest {}))
        .await?
        .into_inner();
    ok(ResetMarkList::from(marks))
}
