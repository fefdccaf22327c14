//! Accounts: add one to a resource, read, edit, move, delete to the trash, restore, purge,
//! favourites (their passwords are `account_passwords`'). The layout is `resources.rs`'.

use axum::extract::{Path, State};
use bytes::Bytes;
use strongroom_auth::outgoing;
use strongroom_proto::vault as pb;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::Gateway;
use crate::caller::Caller;
use crate::dto::errors::{BadRequest, Conflict, Forbidden, NotFound, Unauthorized, Unavailable};
use crate::dto::vault::{
    Account, AccountChanges, AccountMove, DeleteConfirmation, Deleted, NewAccount,
};
use crate::openapi::tags;
use crate::routes::reply::{ApiResult, created, ok};
use crate::routes::request::body;
use crate::routes::resources::set_favourite;

pub(super) fn router() -> OpenApiRouter<Gateway> {
    OpenApiRouter::new()
        .routes(routes!(create_account))
        .routes(routes!(get_account, update_account, delete_account))
        .routes(routes!(restore_account))
        .routes(routes!(move_account))
        .routes(routes!(add_account_favourite, remove_account_favourite))
}

#[utoipa::path(
    post,
    path = "/resources/{id}/accounts",
    tag = tags::VAULT,
    summary = "Add an account to a resource",
    description = "The account's password is stored sealed with the org's data key, as \
                   its version 1.",
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
                notes: b.notes,
                fields: b.fields.into_iter().collect(),
            },
        ))
        .await?
        .into_inner();
    created(Account::from(a))
}

#[utoipa::path(
    get,
    path = "/accounts/{id}",
    tag = tags::VAULT,
    summary = "An account (never its password)",
    params(("id" = String, Path, description = "The account")),
    responses(
        (status = 200, description = "The account", body = Account),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn get_account(
    State(state): State<Gateway>,
    Path(id): Path<String>,
    Caller(ctx): Caller,
) -> ApiResult {
    let a = state
        .vault
        .clone()
        .get_account(outgoing(&ctx, pb::AccountRef { id }))
        .await?
        .into_inner();
    ok(Account::from(a))
}

#[utoipa::path(
    patch,
    path = "/accounts/{id}",
    tag = tags::VAULT,
    summary = "Edit an account's username or notes",
    params(("id" = String, Path, description = "The account")),
    request_body = AccountChanges,
    responses(
        (status = 200, description = "The account as it is now", body = Account),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn update_account(
    State(state): State<Gateway>,
    Path(id): Path<String>,
    Caller(ctx): Caller,
    bytes: Bytes,
) -> ApiResult {
    let b: AccountChanges = body(&bytes)?;
    let a = state
        .vault
        .clone()
        .update_account(outgoing(
            &ctx,
            pb::UpdateAccountRequest {
                id,
                username: b.username,
                notes: b.notes,
                fields: b.fields.into_iter().collect(),
            },
        ))
        .await?
        .into_inner();
    ok(Account::from(a))
}

#[utoipa::path(
    delete,
    path = "/accounts/{id}",
    tag = tags::VAULT,
    summary = "Delete an account to the trash, or purge it from there",
    description = "`confirm` repeats the account's username. In the trash its passwords \
                   stay sealed and reveal nothing until restored; with `purge`, an account \
                   in the trash is deleted for good with every version of its password. \
                   Audited.",
    params(("id" = String, Path, description = "The account")),
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
async fn delete_account(
    State(state): State<Gateway>,
    Path(id): Path<String>,
    Caller(ctx): Caller,
    bytes: Bytes,
) -> ApiResult {
    let b: DeleteConfirmation = body(&bytes)?;
    let d = state
        .vault
        .clone()
        .delete_account(outgoing(
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
    path = "/accounts/{id}/restore",
    tag = tags::VAULT,
    summary = "Bring an account back from the trash",
    params(("id" = String, Path, description = "The account")),
    responses(
        (status = 200, description = "The account", body = Account),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn restore_account(
    State(state): State<Gateway>,
    Path(id): Path<String>,
    Caller(ctx): Caller,
) -> ApiResult {
    let a = state
        .vault
        .clone()
        .restore_account(outgoing(&ctx, pb::AccountRef { id }))
        .await?
        .into_inner();
    ok(Account::from(a))
}

#[utoipa::path(
    post,
    path = "/accounts/{id}/move",
    tag = tags::VAULT,
    summary = "Move an account, with its password history, to another resource",
    description = "The caller must be allowed to manage both resources. Audited with both.",
    params(("id" = String, Path, description = "The account")),
    request_body = AccountMove,
    responses(
        (status = 200, description = "The account where it is now", body = Account),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn move_account(
    State(state): State<Gateway>,
    Path(id): Path<String>,
    Caller(ctx): Caller,
    bytes: Bytes,
) -> ApiResult {
    let b: AccountMove = body(&bytes)?;
    let a = state
        .vault
        .clone()
        .move_account(outgoing(
            &ctx,
            pb::MoveAccountRequest {
                account_id: id,
                to_resource_id: b.resource_id,
            },
        ))
        .await?
        .into_inner();
    ok(Account::from(a))
}

#[utoipa::path(
    put,
    path = "/accounts/{id}/favourite",
    tag = tags::VAULT,
    summary = "Mark an account as one of your favourites",
    params(("id" = String, Path, description = "The account")),
    responses(
        (status = 204, description = "Marked"),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn add_account_favourite(
    State(state): State<Gateway>,
    Path(id): Path<String>,
    Caller(ctx): Caller,
) -> ApiResult {
    set_favourite(&state, &ctx, pb::FavouriteKind::Account, id, true).await
}

#[utoipa::path(
    delete,
    path = "/accounts/{id}/favourite",
    tag = tags::VAULT,
    summary = "Take an account off your favourites",
    params(("id" = String, Path, description = "The account")),
    responses(
        (status = 204, description = "Not a favourite (any more)"),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn remove_account_favourite(
    State(state): State<Gateway>,
    Path(id): Path<String>,
    Caller(ctx): Caller,
) -> ApiResult {
    set_favourite(&state, &ctx, pb::FavouriteKind::Account, id, false).await
}
