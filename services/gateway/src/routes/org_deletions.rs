//! Requests to delete a client org, for MSPOrg: the pending ones, and deciding them.

use axum::extract::{Path, State};
use axum::http::Uri;
use bytes::Bytes;
use strongroom_auth::{RequestContext, outgoing};
use strongroom_proto::tenant::{DecideOrgDeletionRequest, ListOrgDeletionsRequest};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::Gateway;
use crate::caller::Caller;
use crate::dto::errors::{BadRequest, Conflict, Forbidden, NotFound, Unauthorized, Unavailable};
use crate::dto::org_access::NoteBody;
use crate::dto::orgs::{OrgDeletion, OrgDeletionList, OrgDeletionQuery};
use crate::openapi::tags;
use crate::routes::reply::{ApiResult, ok};
use crate::routes::request::{optional_body, query};

pub(super) fn router() -> OpenApiRouter<Gateway> {
    OpenApiRouter::new()
        .routes(routes!(deletions))
        .routes(routes!(approve_deletion))
        .routes(routes!(reject_deletion))
}

#[utoipa::path(
    get,
    path = "/org-deletions",
    tag = tags::ORGS,
    summary = "Requests to delete client orgs",
    description = "Newest first. Needs `orgs.manage`, at MSPOrg.",
    params(OrgDeletionQuery),
    responses(
        (status = 200, description = "The requests", body = OrgDeletionList),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn deletions(State(state): State<Gateway>, Caller(ctx): Caller, uri: Uri) -> ApiResult {
    let q: OrgDeletionQuery = query(&uri)?;
    let list = state
        .tenant
        .clone()
        .list_org_deletions(outgoing(&ctx, ListOrgDeletionsRequest { status: q.status }))
        .await?
        .into_inner();
    ok(OrgDeletionList {
        requests: list.requests.into_iter().map(OrgDeletion::from).collect(),
    })
}

#[utoipa::path(
    post,
    path = "/org-deletions/{id}/approve",
    tag = tags::ORGS,
    summary = "Approve a deletion, which is then carried out",
    description = "By an active MSPOrg administrator other than the requester, who was a user \
                   before the request was made. Every service drops the org's schema; the \
                   vault destroys its KMS key first, so saved copies of its secrets never \
                   decrypt again. Answers once the org is gone (`status` `deleted`); a \
                   deletion that failed part way (503) leaves the org unreachable and is \
                   finished by approving again. Audited in MSPOrg as `org.deletion_approved` \
                   and `org.deleted`.",
    params(("id" = String, Path, description = "The deletion request")),
    request_body = Option<NoteBody>,
    responses(
        (status = 200, description = "The request, carried out", body = OrgDeletion),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn approve_deletion(
    State(state): State<Gateway>,
    Caller(ctx): Caller,
    Path(id): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    decide_deletion(&state, &ctx, id, true, &bytes).await
}

#[utoipa::path(
    post,
    path = "/org-deletions/{id}/reject",
    tag = tags::ORGS,
    summary = "Reject (or, as its requester, cancel) a deletion request",
    description = "By any other MSPOrg administrator (`rejected`) or the requester \
                   (`cancelled`), while it is pending.",
    params(("id" = String, Path, description = "The deletion request")),
    request_body = Option<NoteBody>,
    responses(
        (status = 200, description = "The request, rejected or cancelled", body = OrgDeletion),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn reject_deletion(
    State(state): State<Gateway>,
    Caller(ctx): Caller,
    Path(id): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    decide_deletion(&state, &ctx, id, false, &bytes).await
}

async fn decide_deletion(
    state: &Gateway,
    ctx: &RequestContext,
    request_id: String,
    approve: bool,
    bytes: &Bytes,
) -> ApiResult {
    let b: NoteBody = optional_body(bytes)?;
    let d = state
        .tenant
        .clone()
        .decide_org_deletion(outgoing(
            ctx,
            DecideOrgDeletionRequest {
                request_id,
                approve,
                note: b.note,
            },
        ))
        .await?
        .into_inner();
    if d.status == "deleted" {
        state.orgs.forget(&d.org_id);
    }
    ok(OrgDeletion::from(d))
}
