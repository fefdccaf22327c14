//! Org access grants: proposing, listing and deciding them, approving a group's member,
//! and revoking a grant.

use axum::extract::{Path, State};
use axum::http::Uri;
use bytes::Bytes;
use strongroom_auth::{RequestContext, outgoing};
use strongroom_proto::tenant::{
    DecideOrgAccessRequest, GroupMemberApproval, ListOrgAccessRequest, ProposeOrgAccessRequest,
    RevokeOrgAccessRequest,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::Gateway;
use crate::caller::Caller;
use crate::dto::errors::{BadRequest, Conflict, Forbidden, NotFound, Unauthorized, Unavailable};
use crate::dto::org_access::{Grant, GrantList, GrantQuery, NoteBody, ProposeBody};
use crate::openapi::tags;
use crate::routes::reply::{ApiResult, created, ok};
use crate::routes::request::{body, optional_body, query};

pub(super) fn router() -> OpenApiRouter<Gateway> {
    OpenApiRouter::new()
        .routes(routes!(list, propose))
        .routes(routes!(approve))
        .routes(routes!(reject))
        .routes(routes!(revoke))
        .routes(routes!(approve_member))
}

#[utoipa::path(
    post,
    path = "/org-access",
    tag = tags::ORG_ACCESS,
    summary = "Propose access to client orgs, or an org's next account manager",
    description = "For an MSPOrg user or user group (or, `account_manager`, one org's next \
                   account manager), applied when approved. The approver must be an active \
                   MSPOrg administrator who is neither the proposer nor the designee (nor in \
                   the designated group), so MSPOrg needs 3 administrators (409 otherwise). \
                   Needs `orgs.manage`, at MSPOrg.",
    request_body = ProposeBody,
    responses(
        (status = 201, description = "The grants proposed, one an org", body = GrantList),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn propose(State(state): State<Gateway>, Caller(ctx): Caller, bytes: Bytes) -> ApiResult {
    let b: ProposeBody = body(&bytes)?;
    let grants = state
        .tenant
        .clone()
        .propose_org_access(outgoing(
            &ctx,
            ProposeOrgAccessRequest {
                designee_kind: b.designee_kind,
                designee_id: b.designee_id,
                org_ids: b.org_ids,
                approver_id: b.approver_id,
                note: b.note,
            },
        ))
        .await?
        .into_inner()
        .grants;
    created(GrantList::from(grants))
}

async fn decide(
    state: &Gateway,
    ctx: &RequestContext,
    id: String,
    approve: bool,
    bytes: &Bytes,
) -> ApiResult {
    let b: NoteBody = optional_body(bytes)?;
    let g = state
        .tenant
        .clone()
        .decide_org_access(outgoing(
            ctx,
            DecideOrgAccessRequest {
                grant_id: id,
                approve,
                note: b.note,
            },
        ))
        .await?
        .into_inner();
    ok(Grant::from(g))
}

#[utoipa::path(
    post,
    path = "/org-access/{id}/approve",
    tag = tags::ORG_ACCESS,
    summary = "Approve a pending request",
    description = "By its named approver only.",
    params(("id" = String, Path, description = "The grant")),
    request_body = Option<NoteBody>,
    responses(
        (status = 200, description = "The grant, approved", body = Grant),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn approve(
    State(state): State<Gateway>,
    Caller(ctx): Caller,
    Path(id): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    decide(&state, &ctx, id, true, &bytes).await
}

#[utoipa::path(
    post,
    path = "/org-access/{id}/reject",
    tag = tags::ORG_ACCESS,
    summary = "Reject a pending request",
    description = "By its named approver only.",
    params(("id" = String, Path, description = "The grant")),
    request_body = Option<NoteBody>,
    responses(
        (status = 200, description = "The grant, rejected", body = Grant),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn reject(
    State(state): State<Gateway>,
    Caller(ctx): Caller,
    Path(id): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    decide(&state, &ctx, id, false, &bytes).await
}

#[utoipa::path(
    post,
    path = "/org-access/{id}/revoke",
    tag = tags::ORG_ACCESS,
    summary = "End a pending or approved grant",
    description = "Access ends at once. An applied account manager change is not revoked: \
                   propose another (409).",
    params(("id" = String, Path, description = "The grant")),
    request_body = Option<NoteBody>,
    responses(
        (status = 200, description = "The grant, revoked", body = Grant),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn revoke(
    State(state): State<Gateway>,
    Caller(ctx): Caller,
    Path(id): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    let b: NoteBody = optional_body(&bytes)?;
    let g = state
        .tenant
        .clone()
        .revoke_org_access(outgoing(
            &ctx,
            RevokeOrgAccessRequest {
                grant_id: id,
                note: b.note,
            },
        ))
        .await?
        .into_inner();
    ok(Grant::from(g))
}

/// Lets a member added to a granted group since its approval into the org.
#[utoipa::path(
    post,
    path = "/org-access/{id}/members/{user_id}/approve",
    tag = tags::ORG_ACCESS,
    summary = "Let a new member of a granted group in",
    description = "A group grant lets in the members the group had when it was approved; a \
                   member added since waits (`pending_group_member` in the report) until an \
                   administrator who is not the member, not in the group and not whoever \
                   added them approves.",
    params(
        ("id" = String, Path, description = "The group's grant"),
        ("user_id" = String, Path, description = "The member"),
    ),
    responses(
        (status = 200, description = "The grant", body = Grant),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn approve_member(
    State(state): State<Gateway>,
    Caller(ctx): Caller,
    Path((grant_id, user_id)): Path<(String, String)>,
) -> ApiResult {
    let g = state
        .tenant
        .clone()
        .approve_group_member(outgoing(&ctx, GroupMemberApproval { grant_id, user_id }))
        .await?
        .into_inner();
    ok(Grant::from(g))
}

pub(super) async fn listed(state: &Gateway, ctx: &RequestContext, q: GrantQuery) -> ApiResult {
    let grants = state
        .tenant
        .clone()
        .list_org_access(outgoing(
            ctx,
            ListOrgAccessRequest {
                org_id: q.org_id,
                designee_id: q.designee_id,
                status: q.status,
                awaiting_me: q.awaiting_me,
            },
        ))
        .await?
        .into_inner()
        .grants;
    ok(GrantList::from(grants))
}

/// `?org_id=&designee_id=&status=&awaiting_me=true`, all optional.
#[utoipa::path(
    get,
    path = "/org-access",
    tag = tags::ORG_ACCESS,
    summary = "Grants: pending, approved, rejected and revoked",
    description = "Users without `orgs.manage` see only grants naming them or their groups. \
                   At MSPOrg.",
    params(GrantQuery),
    responses(
        (status = 200, description = "The grants", body = GrantList),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn list(State(state): State<Gateway>, Caller(ctx): Caller, uri: Uri) -> ApiResult {
    listed(&state, &ctx, query(&uri)?).await
}
