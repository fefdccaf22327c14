//! The vault: resources, their accounts, and revealing an account's password.
//!
//! An endpoint is a handler with a `#[utoipa::path]` (path as seen under `/api/v1`, its
//! tag, a one-line summary, the request body, path and query parameters, the success
//! response and every error status it can answer), registered in `router()` with
//! `routes!` (one call a path, its handlers one a method). Bodies and replies are types
//! of `dto::vault`, replies built with `From` their gRPC message.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use bytes::Bytes;
use strongroom_auth::outgoing;
use strongroom_proto::vault as pb;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::Gateway;
use crate::caller::Caller;
use crate::dto::errors::{BadRequest, Conflict, Forbidden, NotFound, Unauthorized, Unavailable};
use crate::dto::vault::{Account, NewAccount, NewResource, Resource, RevealedPassword};
use crate::openapi::tags;
use crate::routes::{ApiResult, body, created, secret};

pub(super) fn router() -> OpenApiRouter<Gateway> {
    OpenApiRouter::new()
        .routes(routes!(create_resource))
        .routes(routes!(create_account))
        .routes(routes!(reveal_password))
}

#[utoipa::path(
    post,
    path = "/resources",
    tag = tags::VAULT,
    summary = "Add a resource you own",
    description = "A system whose privileged accounts the vault keeps; the caller owns it.",
    request_body = NewResource,
    responses(
        (status = 201, description = "The resource", body = Resource),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
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
                // Url, department, location, description and notes come with the
                // resource endpoints that show them.
                ..Default::default()
            },
        ))
        .await?
        .into_inner();
    created(Resource::from(r))
}

#[utoipa::path(
    post,
    path = "/resources/{id}/accounts",
    tag = tags::VAULT,
    summary = "Add an account to a resource",
    description = "The account's password is stored sealed with the org's data key.",
    params(("id" = String, Path, description = "The resource")),
    request_body = NewAccount,
    responses(
        (status = 201, description = "The account (never its password)", body = Account),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn create_account(
    State(state): State<Gateway>,
    Path(resource_id): Path<String>,
    Caller(ctx): Caller,
    bytes: Bytes,
) -> ApiResult {
    let b: NewAccount = body(&bytes)?;
    let a = state
        .vault
        .clone()
        .create_account(outgoing(
            &ctx,
            pb::CreateAccountRequest {
                resource_id,
                username: b.username,
                password: b.password,
                ..Default::default()
            },
        ))
        .await?
        .into_inner();
    created(Account::from(a))
}

#[utoipa::path(
    get,
    path = "/accounts/{id}/password",
    tag = tags::VAULT,
    summary = "Reveal an account's password",
    description = "Only to the resource's owner for now; anyone else gets 404. Every reveal \
                   is audited; the reply is never cached (`Cache-Control: no-store`).",
    params(("id" = String, Path, description = "The account")),
    responses(
        (status = 200, description = "The password", body = RevealedPassword,
            headers(("Cache-Control" = String, description = "`no-store`"))),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn reveal_password(
    State(state): State<Gateway>,
    Path(account_id): Path<String>,
    Caller(ctx): Caller,
) -> ApiResult {
    let password = state.reveals.reveal(&ctx, account_id).await?;
    secret(StatusCode::OK, RevealedPassword { password })
}
