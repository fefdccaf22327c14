//! Client orgs, for MSPOrg: add one, import many, change one, ask for one to be deleted and
//! decide such requests, and the org selector.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use bytes::Bytes;
use strongroom_auth::outgoing;
use strongroom_core::ErrorCode;
use strongroom_proto::tenant::{
    CreateOrgRequest, DeleteOrgRequest, ImportOrgsRequest, ListOrgsRequest, UpdateOrgRequest,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::Gateway;
use crate::caller::Caller;
use crate::dto::errors::{BadRequest, Conflict, Forbidden, NotFound, Unauthorized, Unavailable};
use crate::dto::orgs::{
    DeleteOrgBody, ImportOrgsBody, NewOrg, Org, OrgChanges, OrgDeletion, OrgImportReport, OrgList,
};
use crate::error::ApiError;
use crate::openapi::tags;
use crate::routes::reply::{ApiResult, accepted, created, ok};
use crate::routes::request::{body, is_text_file};

pub(super) fn router() -> OpenApiRouter<Gateway> {
    OpenApiRouter::new()
        .routes(routes!(all, add))
        .routes(routes!(mine))
        .routes(routes!(import))
        .routes(routes!(change, remove))
}

#[utoipa::path(
    post,
    path = "/orgs",
    tag = tags::ORGS,
    summary = "Add a client org",
    description = "Its account manager (an MSPOrg administrator, the caller by default) works \
                   in it at once. Needs `orgs.manage`, at MSPOrg.",
    request_body = NewOrg,
    responses(
        (status = 201, description = "The org", body = Org),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn add(State(state): State<Gateway>, Caller(ctx): Caller, bytes: Bytes) -> ApiResult {
    let b: NewOrg = body(&bytes)?;
    let o = state
        .tenant
        .clone()
        .create_org(outgoing(
            &ctx,
            CreateOrgRequest {
                slug: b.slug,
                name: b.name,
                description: b.description,
                department: b.department,
                location: b.location,
                contact: b.contact,
                account_manager_id: b.account_manager_id,
            },
        ))
        .await?
        .into_inner();
    created(Org::from(o))
}

async fn list(
    state: &Gateway,
    ctx: &strongroom_auth::RequestContext,
    mine_only: bool,
) -> ApiResult {
    let orgs = state
        .tenant
        .clone()
        .list_orgs(outgoing(ctx, ListOrgsRequest { mine_only }))
        .await?
        .into_inner();
    ok(OrgList::from(orgs))
}

/// Every client org (MSPOrg administrators).
#[utoipa::path(
    get,
    path = "/orgs",
    tag = tags::ORGS,
    summary = "Every client org",
    description = "For MSPOrg administrators; client orgs' users get 404.",
    responses(
        (status = 200, description = "The orgs", body = OrgList),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn all(State(state): State<Gateway>, Caller(ctx): Caller) -> ApiResult {
    list(&state, &ctx, false).await
}

/// The orgs the caller manages.
#[utoipa::path(
    get,
    path = "/orgs/mine",
    tag = tags::ORGS,
    summary = "The orgs the caller manages",
    description = "The org selector: as account manager or through an approved grant, \
                   directly or through a user group. At MSPOrg; client orgs' users get 404.",
    responses(
        (status = 200, description = "The orgs", body = OrgList),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn mine(State(state): State<Gateway>, Caller(ctx): Caller) -> ApiResult {
    list(&state, &ctx, true).await
}

/// The file as the raw body (`text/csv` or `text/plain`), or JSON `{text}`.
#[utoipa::path(
    post,
    path = "/orgs/import",
    tag = tags::ORGS,
    summary = "Add many client orgs from a file",
    description = "`slug,name[,description,department,location,contact]` a line; per-line \
                   created / rejected; a malformed file adds nothing and names the line. The \
                   file as the raw body (`text/csv` or `text/plain`) or as JSON `{text}`. \
                   Needs `orgs.manage`, at MSPOrg.",
    request_body(
        description = "The file, raw or as JSON",
        content(
            (ImportOrgsBody = "application/json"),
            (String = "text/csv"),
            (String = "text/plain"),
        ),
    ),
    responses(
        (status = 200, description = "The outcome, line by line", body = OrgImportReport),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn import(
    State(state): State<Gateway>,
    Caller(ctx): Caller,
    headers: HeaderMap,
    bytes: Bytes,
) -> ApiResult {
    let text = if is_text_file(&headers) {
        String::from_utf8(bytes.to_vec())
            .map_err(|_| ApiError::new(ErrorCode::InvalidArgument, "the file is not UTF-8 text"))?
    } else {
        body::<ImportOrgsBody>(&bytes)?.text
    };
    let r = state
        .tenant
        .clone()
        .import_orgs(outgoing(&ctx, ImportOrgsRequest { text }))
        .await?
        .into_inner();
    ok(OrgImportReport::from(r))
}

#[utoipa::path(
    patch,
    path = "/orgs/{id}",
    tag = tags::ORGS,
    summary = "Change a client org",
    description = "A new slug moves its URL at once. MSPOrg cannot be renamed (409). A \
                   different `account_manager_id` is refused (400): propose one through \
                   `POST /org-access`. Needs `orgs.manage`, at MSPOrg, as the org's account \
                   manager or an approved grantee.",
    params(("id" = String, Path, description = "The org")),
    request_body = OrgChanges,
    responses(
        (status = 200, description = "The org as changed", body = Org),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn change(
    State(state): State<Gateway>,
    Caller(ctx): Caller,
    Path(id): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    let b: OrgChanges = body(&bytes)?;
    let renamed = b.slug.is_some();
    let o = state
        .tenant
        .clone()
        .update_org(outgoing(
            &ctx,
            UpdateOrgRequest {
                org_id: id,
                slug: b.slug,
                name: b.name,
                description: b.description,
                department: b.department,
                location: b.location,
                contact: b.contact,
                account_manager_id: b.account_manager_id,
            },
        ))
        .await?
        .into_inner();
    if renamed {
        // The org answers at its new URL only.
        state.orgs.forget(&o.id);
    }
    ok(Org::from(o))
}

/// Asks for the org to be deleted; the body repeats its slug.
#[utoipa::path(
    delete,
    path = "/orgs/{id}",
    tag = tags::ORGS,
    summary = "Ask for a client org to be deleted",
    description = "By the org's account manager (for an org without one, an MSPOrg \
                   administrator); an administrator with only a grant to the org cannot. \
                   Nothing is deleted yet: a second MSPOrg administrator approves with \
                   `POST /org-deletions/{id}/approve`. Needs `orgs.manage`, at MSPOrg. \
                   Audited in MSPOrg as `org.deletion_requested`. MSPOrg cannot be deleted \
                   (409); an org with a request waiting gets no second one (409).",
    params(("id" = String, Path, description = "The org")),
    request_body = DeleteOrgBody,
    responses(
        (status = 202, description = "The request, waiting for approval", body = OrgDeletion),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn remove(
    State(state): State<Gateway>,
    Caller(ctx): Caller,
    Path(id): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    let b: DeleteOrgBody = body(&bytes)?;
    let d = state
        .tenant
        .clone()
        .delete_org(outgoing(
            &ctx,
            DeleteOrgRequest {
                org_id: id,
                confirm: b.confirm,
            },
        ))
        .await?
        .into_inner();
    accepted(OrgDeletion::from(d))
}
