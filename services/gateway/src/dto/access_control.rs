//! Access control (the request-release workflow): policies on accounts, resources and
//! resource groups; requests, their approvals and checkouts; passwords marked for reset.

use serde::{Deserialize, Serialize};
use strongroom_proto::access as pb;
use utoipa::{IntoParams, ToSchema};

use super::or_null;
use super::shares::ShareTargetKind;

fn default_lapse() -> u32 {
    24 * 60
}

fn default_max_checkout() -> u32 {
    8 * 60
}

/// A policy to set on a target.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccessPolicyBody {
    /// User groups that must each give one approval, by different people (none: one
    /// approval from an administrator of the org).
    #[serde(default)]
    pub approver_group_ids: Vec<String>,
    /// A request by MSP staff also needs an approval from one of this org's own
    /// administrators.
    #[serde(default)]
    pub client_admin_approves_msp_staff: bool,
    /// An unanswered request lapses after this many minutes (or when its window ends).
    #[serde(default = "default_lapse")]
    #[schema(default = 1440, minimum = 1, maximum = 43200)]
    pub lapse_after_minutes: u32,
    /// The longest window a request may ask for.
    #[serde(default = "default_max_checkout")]
    #[schema(default = 480, minimum = 1, maximum = 43200)]
    pub max_checkout_minutes: u32,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct ApproverGroup {
    pub id: String,
    pub name: String,
}

/// A target's access control.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct AccessControl {
    /// Whether the target has a policy of its own (an account may also follow its
    /// resource's, or a group's).
    pub on: bool,
    pub target_kind: ShareTargetKind,
    pub target_id: String,
    pub target_name: String,
    pub approver_groups: Vec<ApproverGroup>,
    pub client_admin_approves_msp_staff: bool,
    pub lapse_after_minutes: u32,
    pub max_checkout_minutes: u32,
    /// The resources it covers (a resource group's, when the policy was set).
    pub resources: u32,
    pub updated_by: Option<String>,
    pub updated_at: Option<String>,
}

/// A request for an account under access control.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccessRequestBody {
    pub account_id: String,
    /// Why the password is needed (1 to 500 characters).
    pub reason: String,
    #[serde(default)]
    pub ticket_id: Option<String>,
    /// RFC 3339; left out: now.
    #[serde(default)]
    pub starts_at: Option<String>,
    /// RFC 3339: the end of the window asked for.
    #[schema(example = "2026-12-31T18:00:00Z")]
    pub ends_at: String,
}

/// Which requests to list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequestListing {
    /// The caller's own.
    #[default]
    Mine,
    /// Pending requests the caller may approve or reject now.
    ToApprove,
}

#[derive(Debug, Default, Deserialize, Serialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AccessRequestQuery {
    #[serde(default)]
    #[param(inline)]
    pub view: RequestListing,
}

/// An approval or rejection.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    #[serde(default)]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    Pending,
    Approved,
    Rejected,
    /// Not answered in time.
    Lapsed,
    CheckedOut,
    CheckedIn,
    /// Checked out until its window ended.
    Ended,
    /// Approved, and its window ended without a checkout.
    Expired,
}

/// One approver's decision.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct Approval {
    pub approver_id: String,
    pub approver_name: String,
    pub approved: bool,
    /// The requirement it met (`group:<id>`, `client_admin`, `administrator`).
    pub counted_for: String,
    pub comment: String,
    pub at: String,
}

/// An approval still needed, and who may give it.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct Requirement {
    /// `group`, `client_admin` or `administrator`.
    pub kind: String,
    pub group_id: Option<String>,
    /// Who may give it, in words.
    pub label: String,
    /// The people who may give it now, by username (never the requester, nor anyone who
    /// already decided the request).
    pub approver_names: Vec<String>,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct AccessRequest {
    pub id: String,
    pub account_id: String,
    /// `resource/username`.
    pub account_name: String,
    pub resource_id: String,
    pub requester_id: String,
    pub requester_name: String,
    pub requester_is_msp_staff: bool,
    pub reason: String,
    pub ticket_id: Option<String>,
    pub starts_at: String,
    pub ends_at: String,
    pub created_at: String,
    /// When it lapses if still unanswered.
    pub lapses_at: String,
    pub status: RequestStatus,
    pub decisions: Vec<Approval>,
    /// The approvals still needed (pending requests).
    pub needed: Vec<Requirement>,
    /// Approved and waiting while another checkout holds the account: 1 is next (0: not
    /// waiting).
    pub queue_position: u32,
    pub checked_out_at: Option<String>,
    pub checked_in_at: Option<String>,
    /// The caller may approve or reject it now.
    pub may_decide: bool,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct AccessRequestList {
    pub requests: Vec<AccessRequest>,
}

/// Passwords waiting for their reset: an account's whose checkout ended, or those of a
/// target whose time-limited share ended.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct ResetMark {
    pub target_kind: ShareTargetKind,
    pub target_id: String,
    /// `resource/username` for an account.
    pub target_name: String,
    /// `check_in`, `window_ended` or `share_ended`.
    pub reason: String,
    pub due_at: String,
    pub request_id: Option<String>,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct ResetMarkList {
    pub marks: Vec<ResetMark>,
}

impl From<pb::AccessControl> for AccessControl {
    fn from(c: pb::AccessControl) -> Self {
        let target = c.target.unwrap_or_default();
        let policy = c.policy.unwrap_or_default();
        Self {
            on: c.on,
            target_kind: ShareTargetKind::from_message(target.kind),
            target_id: target.id,
            target_name: c.target_name,
            approver_groups: c
                .approver_groups
                .into_iter()
                .map(|g| ApproverGroup {
                    id: g.id,
                    name: g.name,
                })
                .collect(),
            client_admin_approves_msp_staff: policy.client_admin_approves_msp_staff,
            lapse_after_minutes: policy.lapse_after_minutes,
            max_checkout_minutes: policy.max_checkout_minutes,
            resources: c.resource_count,
            updated_by: or_null(c.updated_by),
            updated_at: or_null(c.updated_at),
        }
    }
}

impl From<AccessPolicyBody> for pb::AccessPolicy {
    fn from(b: AccessPolicyBody) -> Self {
        Self {
            approver_group_ids: b.approver_group_ids,
            client_admin_approves_msp_staff: b.client_admin_approves_msp_staff,
            lapse_after_minutes: b.lapse_after_minutes,
            max_checkout_minutes: b.max_checkout_minutes,
        }
    }
}

impl From<RequestListing> for pb::RequestView {
    fn from(l: RequestListing) -> Self {
        match l {
            RequestListing::Mine => Self::Mine,
            RequestListing::ToApprove => Self::ToApprove,
        }
    }
}

fn status(value: i32) -> RequestStatus {
    match pb::RequestStatus::try_from(value) {
        Ok(pb::RequestStatus::Approved) => RequestStatus::Approved,
        Ok(pb::RequestStatus::Rejected) => RequestStatus::Rejected,
        Ok(pb::RequestStatus::Lapsed) => RequestStatus::Lapsed,
        Ok(pb::RequestStatus::CheckedOut) => RequestStatus::CheckedOut,
        Ok(pb::RequestStatus::CheckedIn) => RequestStatus::CheckedIn,
        Ok(pb::RequestStatus::Ended) => RequestStatus::Ended,
        Ok(pb::RequestStatus::Expired) => RequestStatus::Expired,
        _ => RequestStatus::Pending,
    }
}

impl From<pb::AccessRequest> for AccessRequest {
    fn from(r: pb::AccessRequest) -> Self {
        Self {
            status: status(r.status),
            id: r.id,
            account_id: r.account_id,
            account_name: r.account_name,
            resource_id: r.resource_id,
            requester_id: r.requester_id,
            requester_name: r.requester_name,
            requester_is_msp_staff: r.requester_is_msp_staff,
            reason: r.reason,
            ticket_id: or_null(r.ticket_id),
            starts_at: r.starts_at,
            ends_at: r.ends_at,
            created_at: r.created_at,
            lapses_at: r.lapses_at,
            decisions: r
                .decisions
                .into_iter()
                .map(|d| Approval {
                    approver_id: d.approver_id,
                    approver_name: d.approver_name,
                    approved: d.approved,
                    counted_for: d.counted_for,
                    comment: d.comment,
                    at: d.at,
                })
                .collect(),
            needed: r
                .needed
                .into_iter()
                .map(|n| Requirement {
                    kind: n.kind,
                    group_id: or_null(n.group_id),
                    label: n.label,
                    approver_names: n.approver_names,
                })
                .collect(),
            queue_position: r.queue_position,
            checked_out_at: or_null(r.checked_out_at),
            checked_in_at: or_null(r.checked_in_at),
            may_decide: r.may_decide,
        }
    }
}

impl From<pb::AccessRequestList> for AccessRequestList {
    fn from(l: pb::AccessRequestList) -> Self {
        Self {
            requests: l.requests.into_iter().map(AccessRequest::from).collect(),
        }
    }
}

impl From<pb::ResetMarkList> for ResetMarkList {
    fn from(l: pb::ResetMarkList) -> Self {
        Self {
            marks: l
                .marks
                .into_iter()
                .map(|m| {
                    let target = m.target.unwrap_or_default();
                    ResetMark {
                        target_kind: ShareTargetKind::from_message(target.kind),
                        target_id: target.id,
                        target_name: m.target_name,
                        reason: m.reason,
                        due_at: m.due_at,
                        request_id: or_null(m.request_id),
                    }
                })
                .collect(),
        }
    }
}
