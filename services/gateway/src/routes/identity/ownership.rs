//! Ownership transfers: handing a user's resources to another user, and the transfers
//! waiting for a second administrator to approve or reject them.

use axum::extract::{Path, State};
use bytes::Bytes;
use strongroom_auth::outgoing;
use strongroom_proto::identity::{Empty, OwnershipDecision, OwnershipTransferRequest};

use crate::Gateway;
use crate::caller::Caller;
use crate::dto::errors::{BadRequest, Conflict, Forbidden, NotFound, Unauthorized, Unavailable};
use crate::dto::users::{NewOwner, Transfer, TransferList};
use crate::openapi::tags;
use crate::routes::reply::{ApiResult, accepted, ok};
use crate::routes::request::body;

#[utoipa::path(
    post,
    path = "/users/{id}/ownership",
    tag = tags::USERS,
    summary = "Hand every resource the user owns to another active user",
    description = "Audited with old and new owner. To yourself, 202: pending a second \
                   administrator. Needs `users.manage`, signed in (not with an API key).",
    params(("id" = String, Path, description = "The user whose resources move")),
    request_body = NewOwner,
    responses(
        (status = 200, description = "Done", body = Transfer),
        (status = 202, description = "Waiting for a second administrator", body = Transfer),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
pub(super) async fn transfer_ownership(
    State(state): State<Gateway>,
    Path(user_id): Path<String>,
    Caller(ctx): Caller,
    bytes: Bytes,
) -> ApiResult {
    let b: NewOwner = body(&bytes)?;
    let t = state
        .identity
        .clone()
        .transfer_ownership(outgoing(
            &ctx,
            OwnershipTransferRequest {
                from_user_id: user_id,
                to_user_id: b.to_user_id,
            },
        ))
        .await?
        .into_inner();
    if t.status == "pending" {
        accepted(Transfer::from(t))
    } else {
        ok(Transfer::from(t))
    }
}

#[utoipa::path(
    get,
    path = "/ownership-transfers",
    tag = tags::USERS,
    summary = "Transfers of ownership, pending first",
    responses(
        (status = 200, description = "The transfers", body = TransferList),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
pub(super) async fn list_transfers(State(state): State<Gateway>, Caller(ctx): Caller) -> ApiResult {
    let list = state
        .identity
        .clone()
        .list_ownership_transfers(outgoing(&ctx, Empty {}))
        .await?
        .into_inner();
    ok(TransferList::from(list))
}

#[utoipa::path(
    post,
    path = "/ownership-transfers/{id}/approve",
    tag = tags::USERS,
    summary = "Approve a pending transfer",
    description = "By an administrator of the org itself (not MSP staff working in it) other \
                   than whoever asked, signed in.",
    params(("id" = String, Path, description = "The transfer")),
    responses(
        (status = 200, description = "The transfer, done", body = Transfer),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
pub(super) async fn approve_transfer(
    state: State<Gateway>,
    id: Path<String>,
    caller: Caller,
) -> ApiResult {
    decide_transfer(state, id, caller, true).await
}

#[utoipa::path(
    post,
    path = "/ownership-transfers/{id}/reject",
    tag = tags::USERS,
    summary = "Reject a pending transfer",
    description = "By an administrator of the org itself (not MSP staff working in it) other \
                   than whoever asked, signed in.",
    params(("id" = String, Path, description = "The transfer")),
    responses(
        (status = 200, description = "The transfer, rejected", body = Transfer),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
pub(super) async fn reject_transfer(
    state: State<Gateway>,
    id: Path<String>,
    caller: Caller,
) -> ApiResult {
    decide_transfer(state, id, caller, false).await
}

async fn decide_transfer(
    State(state): State<Gateway>,
    Path(transfer_id): Path<String>,
    Caller(ctx): Caller,
    approve: bool,
) -> ApiResult {
    let t = state
        .identity
        .clone()
        .decide_ownership_transfer(outgoing(
            &ctx,
            OwnershipDecision {
                transfer_id,
                approve,
            },
        ))
        .await?
        .into_inner();
    ok(Transfer::from(t))
}
