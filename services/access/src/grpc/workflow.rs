//! The edge of the access-control workflow: policies, requests, decisions, checkouts.

use chrono::{DateTime, Utc};
use strongroom_auth::grpc_context;
use strongroom_proto::access::{
    self as proto, AccessControl, AccessDecision, AccessRequestInput, AccessRequestList,
    AccessRequestRef, ListAccessRequestsRequest, MarkedForResetRequest, RequestStatus,
    ResetMarkList, SetAccessControlRequest,
};
use tonic::{Request, Response, Status as RpcStatus};
use uuid::Uuid;

use super::edge::{AccessGrpc, Rpc, or_status, target_kind, target_ref};
use crate::model::{PolicyOn, Target};
use crate::policies::PolicyInput;
use crate::requests::{Listing, RequestInput, RequestView};
use crate::workflow::Status;

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339()
}

fn optional_time(field: &str, value: &str) -> Result<Option<DateTime<Utc>>, RpcStatus> {
    match value.trim() {
        "" => Ok(None),
        at => DateTime::parse_from_rfc3339(at)
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(|_| RpcStatus::invalid_argument(format!("{field} must be an RFC 3339 time"))),
    }
}

fn request_id(r: &AccessRequestRef) -> Result<Uuid, RpcStatus> {
    Uuid::try_parse(&r.id).map_err(|_| RpcStatus::not_found("request not found"))
}

fn control_message(target: &Target, policy: Option<PolicyOn>) -> AccessControl {
    let at = proto::TargetRef {
        kind: target_kind(target.at.kind) as i32,
        id: target.at.id.to_string(),
    };
    let Some(p) = policy else {
        return AccessControl {
            on: false,
            target: Some(at),
            target_name: target.name.clone(),
            ..AccessControl::default()
        };
    };
    AccessControl {
        on: true,
        target: Some(at),
        target_name: target.name.clone(),
        policy: Some(proto::AccessPolicy {
            approver_group_ids: p
                .policy
                .approver_groups
                .iter()
                .map(|(id, _)| id.to_string())
                .collect(),
            client_admin_approves_msp_staff: p.policy.client_admin_approves_msp_staff,
            lapse_after_minutes: p.policy.lapse_after_minutes,
            max_checkout_minutes: p.policy.max_checkout_minutes,
        }),
        approver_groups: p
            .policy
            .approver_groups
            .iter()
            .map(|(id, name)| proto::ApproverGroup {
                id: id.to_string(),
                name: name.clone(),
            })
            .collect(),
        resource_count: u32::try_from(p.resources.len()).unwrap_or(u32::MAX),
        updated_by: p.updated_by.to_string(),
        updated_at: time(p.updated_at),
    }
}

fn status_message(s: Status) -> RequestStatus {
    match s {
        Status::Pending => RequestStatus::Pending,
        Status::Approved => RequestStatus::Approved,
        Status::Rejected => RequestStatus::Rejected,
        Status::Lapsed => RequestStatus::Lapsed,
        Status::CheckedOut => RequestStatus::CheckedOut,
        Status::CheckedIn => RequestStatus::CheckedIn,
        Status::Ended => RequestStatus::Ended,
        Status::Expired => RequestStatus::Expired,
    }
}

fn request_message(v: RequestView) -> proto::AccessRequest {
    let r = v.request;
    proto::AccessRequest {
        id: r.id.to_string(),
        account_id: r.account.to_string(),
        account_name: r.account_name,
        resource_id: r.resource.to_string(),
        requester_id: r.requester.to_string(),
        requester_name: r.requester_name,
        requester_is_msp_staff: r.msp_staff,
        reason: r.reason,
        ticket_id: r.ticket_id,
        starts_at: time(r.starts_at),
        ends_at: time(r.timeline.ends_at),
        created_at: time(r.created_at),
        lapses_at: time(r.timeline.lapses_at),
        status: status_message(v.status) as i32,
        decisions: r
            .decisions
            .into_iter()
            .map(|d| proto::Approval {
                approver_id: d.approver.to_string(),
                approver_name: d.approver_name,
                approved: d.approved,
                counted_for: d.counted_for,
                comment: d.comment,
                at: time(d.at),
            })
            .collect(),
        needed: v
            .needed
            .iter()
            .zip(
                v.approver_names
                    .into_iter()
                    .chain(std::iter::repeat_with(Vec::new)),
            )
            .map(|(n, approver_names)| proto::Requirement {
                kind: n.kind().into(),
                group_id: match n {
                    crate::workflow::Requirement::Group { id, .. } => id.to_string(),
                    _ => String::new(),
                },
                label: n.label(),
                approver_names,
            })
            .collect(),
        queue_position: v.queue_position,
        checked_out_at: r.timeline.checked_out_at.map(time).unwrap_or_default(),
        checked_in_at: r.timeline.checked_in_at.map(time).unwrap_or_default(),
        may_decide: v.may_decide,
    }
}

pub(super) async fn get_access_control(
    g: &AccessGrpc,
    request: Request<proto::TargetRef>,
) -> Rpc<AccessControl> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let at = target_ref(Some(request.get_ref()))?;
    let (target, policy) = or_status(g.app.access_control(&ctx, at).await)?;
    Ok(Response::new(control_message(&target, policy)))
}

pub(super) async fn set_access_control(
    g: &AccessGrpc,
    request: Request<SetAccessControlRequest>,
) -> Rpc<AccessControl> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let req = request.get_ref();
    let at = target_ref(req.target.as_ref())?;
    let policy = req
        .policy
        .as_ref()
        .ok_or_else(|| RpcStatus::invalid_argument("policy is required"))?;
    let input = PolicyInput {
        approver_groups: policy
            .approver_group_ids
            .iter()
            .map(|id| {
                Uuid::try_parse(id).map_err(|_| {
                    RpcStatus::invalid_argument("approver_group_ids must be user group ids")
                })
            })
            .collect::<Result<_, _>>()?,
        client_admin_approves_msp_staff: policy.client_admin_approves_msp_staff,
        lapse_after_minutes: policy.lapse_after_minutes,
        max_checkout_minutes: policy.max_checkout_minutes,
    };
    let saved = or_status(g.app.set_access_control(&ctx, at, input).await)?;
    let (target, _) = or_status(g.app.access_control(&ctx, at).await)?;
    Ok(Response::new(control_message(&target, Some(saved))))
}

pub(super) async fn remove_access_control(
    g: &AccessGrpc,
    request: Request<proto::TargetRef>,
) -> Rpc<AccessControl> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let at = target_ref(Some(request.get_ref()))?;
    let (target, _) = or_status(g.app.remove_access_control(&ctx, at).await)?;
    Ok(Response::new(control_message(&target, None)))
}

pub(super) async fn request_access(
    g: &AccessGrpc,
    request: Request<AccessRequestInput>,
) -> Rpc<proto::AccessRequest> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let req = request.get_ref();
    let input = RequestInput {
        account: Uuid::try_parse(&req.account_id)
            .map_err(|_| RpcStatus::not_found("account not found"))?,
        reason: req.reason.clone(),
        ticket_id: req.ticket_id.clone(),
        starts_at: optional_time("starts_at", &req.starts_at)?,
        ends_at: optional_time("ends_at", &req.ends_at)?
            .ok_or_else(|| RpcStatus::invalid_argument("ends_at is required"))?,
    };
    let view = or_status(g.app.request_access(&ctx, input).await)?;
    Ok(Response::new(request_message(view)))
}

pub(super) async fn list_access_requests(
    g: &AccessGrpc,
    request: Request<ListAccessRequestsRequest>,
) -> Rpc<AccessRequestList> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let listing = match proto::RequestView::try_from(request.get_ref().view) {
        Ok(proto::RequestView::ToApprove) => Listing::ToApprove,
        Ok(proto::RequestView::Mine) | Ok(proto::RequestView::Unspecified) | Err(_) => {
            Listing::Mine
        }
    };
    let views = or_status(g.app.requests(&ctx, listing).await)?;
    Ok(Response::new(AccessRequestList {
        requests: views.into_iter().map(request_message).collect(),
    }))
}

pub(super) async fn get_access_request(
    g: &AccessGrpc,
    request: Request<AccessRequestRef>,
) -> Rpc<proto::AccessRequest> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let id = request_id(request.get_ref())?;
    let view = or_status(g.app.request(&ctx, id).await)?;
    Ok(Response::new(request_message(view)))
}

pub(super) async fn decide_access_request(
    g: &AccessGrpc,
    request: Request<AccessDecision>,
) -> Rpc<proto::AccessRequest> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let req = request.get_ref();
    let id = Uuid::try_parse(&req.id).map_err(|_| RpcStatus::not_found("request not found"))?;
    let view = or_status(
        g.app
            .decide_request(&ctx, id, req.approve, &req.comment)
            .await,
    )?;
    Ok(Response::new(request_message(view)))
}

pub(super) async fn check_out(
    g: &AccessGrpc,
    request: Request<AccessRequestRef>,
) -> Rpc<proto::AccessRequest> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let id = request_id(request.get_ref())?;
    let view = or_status(g.app.check_out(&ctx, id).await)?;
    Ok(Response::new(request_message(view)))
}

pub(super) async fn check_in(
    g: &AccessGrpc,
    request: Request<AccessRequestRef>,
) -> Rpc<proto::AccessRequest> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let id = request_id(request.get_ref())?;
    let view = or_status(g.app.check_in(&ctx, id).await)?;
    Ok(Response::new(request_message(view)))
}

pub(super) async fn list_marked_for_reset(
    g: &AccessGrpc,
    request: Request<MarkedForResetRequest>,
) -> Rpc<ResetMarkList> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let marks = or_status(g.app.marked_for_reset(&ctx).await)?;
    Ok(Response::new(ResetMarkList {
        marks: marks
            .into_iter()
            .map(|m| proto::ResetMark {
                target: Some(proto::TargetRef {
                    kind: target_kind(m.target.kind) as i32,
                    id: m.target.id.to_string(),
                }),
                target_name: m.target_name,
                reason: m.reason,
                due_at: time(m.due_at),
                request_id: m.request.map(|r| r.to_string()).unwrap_or_default(),
            })
            .collect(),
    }))
}
