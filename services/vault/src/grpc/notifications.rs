//! The edge of password-action notifications: a group's (its owner's), and who is told of
//! an action (for the audit service, when it sends the mail).

use std::collections::BTreeSet;

use strongroom_auth::grpc_context;
use strongroom_core::OrgId;
use strongroom_proto::vault::*;
use tonic::{Request, Response, Status};
use uuid::Uuid;

use crate::notifications::{ActedOn, Action, Notifications};
use crate::store::NotificationRow;

use super::edge::{OrStatus, VaultGrpc};
use super::messages::group_ref;

pub(super) async fn get_group_notifications(
    g: &VaultGrpc,
    request: Request<GroupNotificationsRef>,
) -> Result<Response<GroupNotifications>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let group = group_ref(&request.get_ref().group_id)?
        .ok_or_else(|| Status::not_found("resource group not found"))?;
    let (group, found) = g.app.group_notifications(&ctx, group).await.or_status()?;
    Ok(Response::new(match found {
        Some(row) => message(row),
        None => GroupNotifications {
            group_id: group.id.to_string(),
            ..GroupNotifications::default()
        },
    }))
}

pub(super) async fn set_group_notifications(
    g: &VaultGrpc,
    request: Request<GroupNotifications>,
) -> Result<Response<GroupNotifications>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let req = request.into_inner();
    let group =
        group_ref(&req.group_id)?.ok_or_else(|| Status::not_found("resource group not found"))?;
    let actions = req
        .actions
        .iter()
        .map(|a| Action::parse(a.trim()))
        .collect::<Result<BTreeSet<_>, _>>()
        .or_status()?;
    let user_ids = req
        .user_ids
        .iter()
        .map(|u| {
            Uuid::parse_str(u.trim())
                .map_err(|_| Status::invalid_argument(format!("user_ids: {u:?} is not a user id")))
        })
        .collect::<Result<BTreeSet<_>, _>>()?;
    let notifications = Notifications {
        actions,
        to_owners: req.to_owners,
        to_sharees: req.to_sharees,
        user_ids,
    };
    let saved = g
        .app
        .set_group_notifications(&ctx, group, notifications)
        .await
        .or_status()?;
    Ok(Response::new(message(saved)))
}

pub(super) async fn password_action_audience(
    g: &VaultGrpc,
    request: Request<AudienceRequest>,
) -> Result<Response<Audience>, Status> {
    let req = request.into_inner();
    let org = OrgId::parse(&req.org_id)
        .map_err(|_| Status::invalid_argument("org_id must be an org id (a UUID)"))?;
    let action = Action::parse(&req.action).or_status()?;
    let id = Uuid::parse_str(&req.target_id)
        .map_err(|_| Status::invalid_argument("target_id must be a UUID"))?;
    let acted_on = match req.target_kind.as_str() {
        "account" => ActedOn::Account(id),
        "resource" => ActedOn::Resource(id),
        "resource_group" => ActedOn::Group(id),
        other => {
            return Err(Status::invalid_argument(format!(
                "target_kind {other:?} is none of account, resource, resource_group"
            )));
        }
    };
    let audience = g.app.audience(org, action, acted_on).await.or_status()?;
    Ok(Response::new(Audience {
        user_ids: audience.user_ids.iter().map(ToString::to_string).collect(),
        group_ids: audience.group_ids.iter().map(ToString::to_string).collect(),
    }))
}

fn message(row: NotificationRow) -> GroupNotifications {
    GroupNotifications {
        group_id: row.group_id.to_string(),
        actions: row.actions,
        to_owners: row.to_owners,
        to_sharees: row.to_sharees,
        user_ids: row.user_ids.iter().map(ToString::to_string).collect(),
        updated_by: row.updated_by,
        updated_at: row.updated_at.to_rfc3339(),
    }
}
