//! The org's LDAP / Active Directory connection, and importing from it.

use axum::extract::State;
use bytes::Bytes;
use strongroom_auth::outgoing;
use strongroom_proto::identity::{Empty, ImportDirectoryRequest};

use crate::Gateway;
use crate::caller::Caller;
use crate::dto::directory::{Directory, DirectoryBody, DirectoryImportBody};
use crate::dto::errors::{BadRequest, Conflict, Forbidden, NotFound, Unauthorized, Unavailable};
use crate::dto::users::ImportReport;
use crate::openapi::tags;
use crate::routes::reply::{ApiResult, no_content, ok};
use crate::routes::request::{body, optional_body};

#[utoipa::path(
    get,
    path = "/directory",
    tag = tags::DIRECTORY,
    summary = "The LDAP / Active Directory connection",
    description = "Never the bind password, only whether one is stored. Needs \
                   `directory.manage`.",
    responses(
        (status = 200, description = "The connection", body = Directory),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
pub(super) async fn show(State(state): State<Gateway>, Caller(ctx): Caller) -> ApiResult {
    let d = state
        .identity
        .clone()
        .get_directory(outgoing(&ctx, Empty {}))
        .await?
        .into_inner();
    ok(Directory::from(d))
}

#[utoipa::path(
    put,
    path = "/directory",
    tag = tags::DIRECTORY,
    summary = "Save the LDAP / Active Directory connection",
    description = "`ldaps://` or `starttls`; plain `ldap://` only with `allow_insecure`. A \
                   host internal to the deployment (loopback, link-local, private, a cluster \
                   name, or a name resolving to one) is refused unless `allow_internal_hosts`, \
                   which only an MSPOrg administrator turns on; every connection checks the \
                   addresses again. The bind password is stored sealed; changing `kind`, `url`, `bind_dn` or the \
                   TLS settings needs it again (400 naming `bind_password`). Needs \
                   `directory.manage`; not with an API key.",
    request_body = DirectoryBody,
    responses(
        (status = 200, description = "The connection", body = Directory),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
pub(super) async fn save(
    State(state): State<Gateway>,
    Caller(ctx): Caller,
    bytes: Bytes,
) -> ApiResult {
    let b: DirectoryBody = body(&bytes)?;
    let d = state
        .identity
        .clone()
        .save_directory(outgoing(&ctx, b.into()))
        .await?
        .into_inner();
    ok(Directory::from(d))
}

#[utoipa::path(
    post,
    path = "/directory/test",
    tag = tags::DIRECTORY,
    summary = "Try the saved connection",
    description = "Failures name their kind (unreachable, TLS failed, bind rejected, timed \
                   out, size limit), the raw cause only in the log.",
    responses(
        (status = 204, description = "The directory answers and takes the bind"),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
pub(super) async fn test(State(state): State<Gateway>, Caller(ctx): Caller) -> ApiResult {
    state
        .identity
        .clone()
        .test_directory(outgoing(&ctx, Empty {}))
        .await?;
    no_content()
}

/// No body (or no scopes) imports everything under the base DN.
#[utoipa::path(
    post,
    path = "/directory/import",
    tag = tags::DIRECTORY,
    summary = "Import users from the directory",
    description = "Each OU or group becomes a user group; later imports add only new users. \
                   No body (or no scopes) imports everything under the base DN.",
    request_body = Option<DirectoryImportBody>,
    responses(
        (status = 200, description = "The outcome, user by user", body = ImportReport),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
pub(super) async fn import(
    State(state): State<Gateway>,
    Caller(ctx): Caller,
    bytes: Bytes,
) -> ApiResult {
    let b: DirectoryImportBody = optional_body(&bytes)?;
    let result = state
        .identity
        .clone()
        .import_directory(outgoing(&ctx, ImportDirectoryRequest { scopes: b.scopes }))
        .await?
        .into_inner();
    ok(ImportReport::from(result))
}
