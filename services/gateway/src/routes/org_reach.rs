//! Who reaches an org, and which orgs a user or group reaches: the grants seen from the
//! org's side and from the designee's, MSP access, and the org report.

use axum::extract::{Path, State};
use axum::http::Uri;
use strongroom_auth::{RequestContext, outgoing};
use strongroom_proto::tenant::{GetMspAccessRequest, OrgRef};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::Gateway;
use crate::caller::Caller;
use crate::dto::errors::{BadRequest, Forbidden, NotFound, Unauthorized, Unavailable};
use crate::dto::org_access::{GrantList, GrantQuery, MspAccess, OrgReport};
use crate::openapi::tags;
use crate::routes::org_access::listed;
use crate::routes::reply::{ApiResult, ok};
use crate::routes::request::query;

pub(super) fn router() -> OpenApiRouter<Gateway> {
    OpenApiRouter::new()
        .routes(routes!(msp_access))
        .routes(routes!(of_org))
        .routes(routes!(report))
        .routes(routes!(of_user))
        .routes(routes!(of_group))
}

/// At a client org's URL: who from the MSP reaches the org, and where their actions are.
#[utoipa::path(
    get,
    path = "/msp-access",
    tag = tags::ORG_ACCESS,
    summary = "Who from the MSP reaches this org",
    description = "At a client org's URL: its account manager, granted users, granted groups \
                   with the members let in, approved by whom and since when, and where each \
                   one's actions are (`/api/v1/audit?actor_ids=<id>`). Needs `users.view`.",
    responses(
        (status = 200, description = "The MSP's access", body = MspAccess),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn msp_access(State(state): State<Gateway>, Caller(ctx): Caller) -> ApiResult {
    let a = state
        .tenant
        .clone()
        .get_msp_access(outgoing(&ctx, GetMspAccessRequest {}))
        .await?
        .into_inner();
    ok(MspAccess::from(a))
}

/// The org's side: every grant for one org.
#[utoipa::path(
    get,
    path = "/orgs/{id}/access",
    tag = tags::ORG_ACCESS,
    summary = "The grants of one client org",
    description = "Takes the filters of `GET /org-access`; the org is the one in the path.",
    params(("id" = String, Path, description = "The org"), GrantQuery),
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
async fn of_org(
    State(state): State<Gateway>,
    Caller(ctx): Caller,
    Path(id): Path<String>,
    uri: Uri,
) -> ApiResult {
    let q = GrantQuery {
        org_id: id,
        ..query(&uri)?
    };
    listed(&state, &ctx, q).await
}

/// The user's side: every grant naming them.
#[utoipa::path(
    get,
    path = "/users/{id}/org-access",
    tag = tags::ORG_ACCESS,
    summary = "The grants naming an MSPOrg user",
    description = "Takes the filters of `GET /org-access`; the designee is the one in the path.",
    params(("id" = String, Path, description = "The user"), GrantQuery),
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
async fn of_user(
    State(state): State<Gateway>,
    Caller(ctx): Caller,
    Path(id): Path<String>,
    uri: Uri,
) -> ApiResult {
    of_designee(&state, &ctx, id, &uri).await
}

/// The user group's side: every grant naming it.
#[utoipa::path(
    get,
    path = "/groups/{id}/org-access",
    tag = tags::ORG_ACCESS,
    summary = "The grants naming an MSPOrg user group",
    description = "Takes the filters of `GET /org-access`; the designee is the one in the path.",
    params(("id" = String, Path, description = "The user group"), GrantQuery),
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
async fn of_group(
    State(state): State<Gateway>,
    Caller(ctx): Caller,
    Path(id): Path<String>,
    uri: Uri,
) -> ApiResult {
    of_designee(&state, &ctx, id, &uri).await
}

async fn of_designee(state: &Gateway, ctx: &RequestContext, id: String, uri: &Uri) -> ApiResult {
    let q = GrantQuery {
        designee_id: id,
        ..query(uri)?
    };
    listed(state, ctx, q).await
}

#[utoipa::path(
    get,
    path = "/orgs/{id}/report",
    tag = tags::ORG_ACCESS,
    summary = "Who reaches a client org and at which level",
    description = "Its own users and groups, its account manager, granted users and granted \
                   groups with their members (`granted_group_member`, or \
                   `pending_group_member` while a new member waits for approval). Needs \
                   `orgs.manage`, at MSPOrg, as the org's account manager or an approved \
                   grantee.",
    params(("id" = String, Path, description = "The org")),
    responses(
        (status = 200, description = "The report", body = OrgReport),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn report(
    State(state): State<Gateway>,
    Caller(ctx): Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let r = state
        .tenant
        .clone()
        .get_org_report(outgoing(&ctx, OrgRef { org_id: id }))
        .await?
        .into_inner();
    ok(OrgReport::from(r))
}
