//! The access-control workflow's rules: who must approve a request, who may, what state a
//! request is in at a given time, and which windows may be asked for. Pure: `requests` reads
//! and writes the rows.

use chrono::{DateTime, Duration, Utc};
use strongroom_core::UserId;
use uuid::Uuid;

/// An access-control policy, as set on an account, resource or resource group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Policy {
    /// User groups that must each give one approval, by different people (id, name).
    pub(crate) approver_groups: Vec<(Uuid, String)>,
    /// MSP staff's requests also need an approval from an administrator of the org's own.
    pub(crate) client_admin_approves_msp_staff: bool,
    pub(crate) lapse_after_minutes: u32,
    pub(crate) max_checkout_minutes: u32,
}

/// Longest a policy may let a request wait or a checkout last: 30 days.
pub(crate) const MAX_MINUTES: u32 = 30 * 24 * 60;
/// Most approver groups one policy may name.
pub(crate) const MAX_APPROVER_GROUPS: usize = 10;

impl Default for Policy {
    /// What an account under access control without a stored policy follows (a policy lost
    /// between the vault's mark and the access service's row): one administrator's approval.
    fn default() -> Self {
        Self {
            approver_groups: Vec::new(),
            client_admin_approves_msp_staff: false,
            lapse_after_minutes: 24 * 60,
            max_checkout_minutes: 8 * 60,
        }
    }
}

/// One approval a request needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Requirement {
    /// From a member of this user group.
    Group { id: Uuid, name: String },
    /// From an administrator of the org whose home it is (not MSP staff working in it).
    ClientAdmin,
    /// From any administrator of the org (when the policy names no group).
    Administrator,
}

impl Requirement {
    /// How a decision records the requirement it met.
    pub(crate) fn key(&self) -> String {
        match self {
            Requirement::Group { id, .. } => format!("group:{id}"),
            Requirement::ClientAdmin => "client_admin".into(),
            Requirement::Administrator => "administrator".into(),
        }
    }

    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Requirement::Group { .. } => "group",
            Requirement::ClientAdmin => "client_admin",
            Requirement::Administrator => "administrator",
        }
    }

    /// Who may give it, as the requester reads it.
    pub(crate) fn label(&self) -> String {
        match self {
            Requirement::Group { name, .. } => format!("one approval from a member of {name}"),
            Requirement::ClientAdmin => {
                "one approval from an administrator of this org's own (not MSP staff)".into()
            }
            Requirement::Administrator => "one approval from an administrator of this org".into(),
        }
    }

    fn met_by(&self, approver: &Approver) -> bool {
        match self {
            Requirement::Group { id, .. } => approver.groups.contains(id),
            Requirement::ClientAdmin => approver.administrator && !approver.msp_staff,
            Requirement::Administrator => approver.administrator,
        }
    }
}

/// The approvals a request needs, from the policy as it stood when it was made.
pub(crate) fn requirements(
    groups: &[(Uuid, String)],
    client_admin_approves_msp_staff: bool,
    requester_is_msp_staff: bool,
) -> Vec<Requirement> {
    let mut needed: Vec<Requirement> = groups
        .iter()
        .map(|(id, name)| Requirement::Group {
            id: *id,
            name: name.clone(),
        })
        .collect();
    if client_admin_approves_msp_staff && requester_is_msp_staff {
        needed.push(Requirement::ClientAdmin);
    }
    if needed.is_empty() {
        needed.push(Requirement::Administrator);
    }
    needed
}

/// Someone deciding a request: who they are, their groups, and their role in the org.
#[derive(Debug, Clone)]
pub(crate) struct Approver {
    pub(crate) user: UserId,
    pub(crate) groups: Vec<Uuid>,
    pub(crate) administrator: bool,
    /// Working in this org from the MSP's (a token exchanged into it).
    pub(crate) msp_staff: bool,
}

/// A decision already given on a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Given {
    pub(crate) approver: UserId,
    pub(crate) approved: bool,
    pub(crate) counted_for: String,
}

/// The requirements no approval has met yet.
pub(crate) fn unmet(needed: &[Requirement], given: &[Given]) -> Vec<Requirement> {
    needed
        .iter()
        .filter(|r| !given.iter().any(|g| g.approved && g.counted_for == r.key()))
        .cloned()
        .collect()
}

/// Why someone may not decide a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NotYours {
    /// The requester (under any session or key of theirs) never decides their own request.
    OwnRequest,
    /// Each person decides a request once.
    AlreadyDecided,
    /// They meet none of the approvals still needed.
    NotAnApprover,
}

/// The requirement the approver's decision would meet: the first still needed that they
/// qualify for (one person meets one requirement, so two groups mean two people).
pub(crate) fn may_decide(
    approver: &Approver,
    requester: UserId,
    needed: &[Requirement],
    given: &[Given],
) -> Result<Requirement, NotYours> {
    if approver.user == requester {
        return Err(NotYours::OwnRequest);
    }
    if given.iter().any(|g| g.approver == approver.user) {
        return Err(NotYours::AlreadyDecided);
    }
    unmet(needed, given)
        .into_iter()
        .find(|r| r.met_by(approver))
        .ok_or(NotYours::NotAnApprover)
}

/// A request's state at a time, from what is stored and the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    Pending,
    Approved,
    Rejected,
    Lapsed,
    CheckedOut,
    CheckedIn,
    /// Checked out until its window ended.
    Ended,
    /// Approved, never checked out, and its window is over.
    Expired,
}

impl Status {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Approved => "approved",
            Status::Rejected => "rejected",
            Status::Lapsed => "lapsed",
            Status::CheckedOut => "checked out",
            Status::CheckedIn => "checked in",
            Status::Ended => "ended",
            Status::Expired => "expired",
        }
    }
}

/// What a request's state follows from.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timeline {
    /// `pending`, `approved` or `rejected`, as stored.
    pub(crate) decided: Option<bool>,
    pub(crate) lapses_at: DateTime<Utc>,
    pub(crate) ends_at: DateTime<Utc>,
    pub(crate) checked_out_at: Option<DateTime<Utc>>,
    pub(crate) checked_in_at: Option<DateTime<Utc>>,
}

pub(crate) fn status(t: &Timeline, now: DateTime<Utc>) -> Status {
    match t.decided {
        None if now >= t.lapses_at => Status::Lapsed,
        None => Status::Pending,
        Some(false) => Status::Rejected,
        Some(true) => match (t.checked_out_at, t.checked_in_at) {
            (Some(_), Some(_)) => Status::CheckedIn,
            (Some(_), None) if now >= t.ends_at => Status::Ended,
            (Some(_), None) => Status::CheckedOut,
            (None, _) if now >= t.ends_at => Status::Expired,
            (None, _) => Status::Approved,
        },
    }
}

/// The window a request may ask for: from `starts_at` (now when absent or past) to
/// `ends_at`, no longer than the policy allows and starting within 30 days.
pub(crate) fn window(
    starts_at: Option<DateTime<Utc>>,
    ends_at: DateTime<Utc>,
    now: DateTime<Utc>,
    max_minutes: u32,
) -> Result<(DateTime<Utc>, DateTime<Utc>), String> {
    let start = starts_at.filter(|s| *s > now).unwrap_or(now);
    if ends_at <= start {
        return Err("ends_at must be after the window's start (and after now)".into());
    }
    if start - now > Duration::days(30) {
        return Err("a window must start within 30 days".into());
    }
    if ends_at - start > Duration::minutes(i64::from(max_minutes)) {
        return Err(format!(
            "a window may last at most {max_minutes} minutes under this policy"
        ));
    }
    Ok((start, ends_at))
}

/// When an unanswered request lapses: after the policy's wait, and at the latest when the
/// window it asks for ends.
pub(crate) fn lapses_at(
    created: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    lapse_after_minutes: u32,
) -> DateTime<Utc> {
    (created + Duration::minutes(i64::from(lapse_after_minutes))).min(ends_at)
}

/// The requirements as one sentence.
pub(crate) fn labels(needed: &[Requirement]) -> String {
    needed
        .iter()
        .map(Requirement::label)
        .collect::<Vec<_>>()
        .join(" and ")
}

/// Who may meet `requirements`, as a notice addresses them: the user groups named, and
/// whether the org's administrators.
pub(crate) fn approvers(requirements: &[Requirement]) -> serde_json::Value {
    let group_ids: Vec<Uuid> = requirements
        .iter()
        .filter_map(|r| match r {
            Requirement::Group { id, .. } => Some(*id),
            _ => None,
        })
        .collect();
    let administrators = requirements
        .iter()
        .any(|r| matches!(r, Requirement::ClientAdmin | Requirement::Administrator));
    serde_json::json!({ "group_ids": group_ids, "administrators": administrators })
}

#[cfg(test)]
mod tests;
