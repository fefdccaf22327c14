//! Password-action notifications of a resource group (its owner's).

use axum::extract::{Path, State};
use bytes::Bytes;
use strongroom_auth::outgoing;
use strongroom_proto::vault as pb;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::Gateway;
use crate::caller::Caller;
use crate::dto::errors::{BadRequest, NotFound, Unauthorized, Unavailable};
use crate::dto::group_notifications::{GroupNotifications, GroupNotificationsBody};
use crate::openapi::tags;
use crate::routes::reply::{ApiResult, ok};
use crate::routes::request::body;

pub(super) fn router() -> OpenApiRouter<Gateway> {
    OpenApiRouter::new().routes(routes!(get_notifications, set_notifications))
}

#[utoipa::path(
    get,
    path = "/resource-groups/{id}/notifications",
    tag = tags::VAULT,
    summary = "Read a group's password-action notifications",
    description = "For the group's owner; nothing mailed until they are saved.",
    params(("id" = String, Path, description = "One of your groups")),
    responses(
        (status = 200, description = "The notifications", body = GroupNotifications),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn get_notifications(
    State(state): State<Gateway>,
    Path(group_id): Path<String>,
    Caller(ctx): Caller,
) -> ApiResult {
    let n = state
        .vault
        .clone()
        .get_group_notifications(outgoing(&ctx, pb::GroupNotificationsRef { group_id }))
        .await?
        .into_inner();
    ok(GroupNotifications::from(n))
}

#[utoipa::path(
    put,
    path = "/resource-groups/{id}/notifications",
    tag = tags::VAULT,
    summary = "Choose which password actions in a group are mailed, and to whom",
    description = "For the group's owner. Each reveal, password change or share change on \
                   a password the group holds (as it holds them when the mail goes) is \
                   mailed through the org's mail server to the passwords' owners, those \
                   with a share reaching them and/or chosen users; the mail names the \
                   action, who did it and the password, never the password itself. The \
                   delivery log lists each mail. Audited (`resource_group.notifications_set`).",
    params(("id" = String, Path, description = "One of your groups")),
    request_body = GroupNotificationsBody,
    responses(
        (status = 200, description = "Saved", body = GroupNotifications),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn set_notifications(
    State(state): State<Gateway>,
    Path(group_id): Path<String>,
    Caller(ctx): Caller,
    bytes: Bytes,
) -> ApiResult {
    let b: GroupNotificationsBody = body(&bytes)?;
    let n = state
        .vault
        .clone()
        .set_group_notifications(outgoing(
            &ctx,
            pb::GroupNotifications {
                group_id,
                actions: b.actions,
                to_owners: b.to_owners,
                to_sharees: b.to_sharees,
                user_ids: b.user_ids,
                updated_by: String::new(),
                updated_at: String::new(),
            },
        ))
        .await?
        .into_inner();
    ok(GroupNotifications::from(n))
}
