//! Org access grants, who from the MSP reaches a client org, and the org report.

use serde::{Deserialize, Serialize};
use strongroom_proto::tenant as pb;
use utoipa::{IntoParams, ToSchema};

use super::or_null;

/// A proposal of access to client orgs, or of an org's next account manager.
#[derive(Serialize, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposeBody {
    /// `user`, `group` or `account_manager` (one org).
    #[schema(example = "user")]
    pub designee_kind: String,
    /// The MSPOrg user or user group.
    pub designee_id: String,
    pub org_ids: Vec<String>,
    /// An active MSPOrg administrator who is neither the proposer nor the designee.
    pub approver_id: String,
    #[serde(default)]
    pub note: String,
}

/// An optional note; the body may be left out.
#[derive(Serialize, Debug, Deserialize, Default, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteBody {
    #[serde(default)]
    pub note: String,
}

/// Every filter is optional.
#[derive(Debug, Deserialize, Default, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct GrantQuery {
    /// Only grants to this org.
    #[serde(default)]
    pub org_id: String,
    /// Only grants naming this user or user group.
    #[serde(default)]
    pub designee_id: String,
    /// `pending`, `approved`, `rejected` or `revoked`.
    #[serde(default)]
    pub status: String,
    /// Only those waiting for the caller's decision.
    #[serde(default)]
    pub awaiting_me: bool,
}

#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct GrantList {
    pub grants: Vec<Grant>,
}

/// A grant of access to a client org (or an account manager change), pending or decided.
#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct Grant {
    pub id: String,
    pub org_id: String,
    pub org_slug: String,
    pub org_name: String,
    /// `user`, `group` or `account_manager`.
    pub designee_kind: String,
    pub designee_id: String,
    pub designee_name: String,
    pub proposer_id: String,
    pub proposer_name: String,
    pub approver_id: String,
    pub approver_name: String,
    /// `pending`, `approved`, `rejected` or `revoked`.
    pub status: String,
    pub proposed_at: String,
    /// Who decided it (by name).
    #[schema(required = true)]
    pub decided_by: Option<String>,
    #[schema(required = true)]
    pub decided_at: Option<String>,
    pub note: String,
}

impl From<pb::OrgAccessGrant> for Grant {
    fn from(g: pb::OrgAccessGrant) -> Self {
        Self {
            id: g.id,
            org_id: g.org_id,
            org_slug: g.org_slug,
            org_name: g.org_name,
            designee_kind: g.designee_kind,
            designee_id: g.designee_id,
            designee_name: g.designee_name,
            proposer_id: g.proposer_id,
            proposer_name: g.proposer_name,
            approver_id: g.approver_id,
            approver_name: g.approver_name,
            status: g.status,
            proposed_at: g.proposed_at,
            decided_by: or_null(g.decided_by_name),
            decided_at: or_null(g.decided_at),
            note: g.note,
        }
    }
}

impl From<Vec<pb::OrgAccessGrant>> for GrantList {
    fn from(grants: Vec<pb::OrgAccessGrant>) -> Self {
        Self {
            grants: grants.into_iter().map(Grant::from).collect(),
        }
    }
}

/// Who from the MSP reaches the org, approved by whom and since when.
#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct MspAccess {
    #[schema(required = true)]
    pub account_manager: Option<MspPerson>,
    pub granted_users: Vec<MspPerson>,
    pub granted_groups: Vec<MspGroup>,
}

/// An MSPOrg user who reaches the org.
#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct MspPerson {
    pub user_id: String,
    pub username: String,
    /// `account_manager`, `granted_user` or `granted_group_member`.
    pub level: String,
    #[schema(required = true)]
    pub grant_id: Option<String>,
    #[schema(required = true)]
    pub approved_by: Option<String>,
    pub since: String,
    /// Where the person's actions in the org are: `/api/v1/audit?actor_ids=<user id>`.
    pub actions: String,
}

/// An MSPOrg user group granted access, with the members let in.
#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct MspGroup {
    pub group_id: String,
    pub name: String,
    pub grant_id: String,
    pub approved_by: String,
    pub since: String,
    /// Approved before members were recorded: every member of the group is let in.
    pub every_member: bool,
    pub members: Vec<MspPerson>,
}

impl From<pb::MspPerson> for MspPerson {
    fn from(p: pb::MspPerson) -> Self {
        Self {
            actions: format!("/api/v1/audit?actor_ids={}", p.user_id),
            user_id: p.user_id,
            username: p.username,
            level: p.level,
            grant_id: or_null(p.grant_id),
            approved_by: or_null(p.approved_by),
            since: p.approved_at,
        }
    }
}

impl From<pb::MspGroupAccess> for MspGroup {
    fn from(g: pb::MspGroupAccess) -> Self {
        Self {
            group_id: g.group_id,
            name: g.name,
            grant_id: g.grant_id,
            approved_by: g.approved_by,
            since: g.approved_at,
            every_member: g.every_member,
            members: g.members.into_iter().map(MspPerson::from).collect(),
        }
    }
}

impl From<pb::MspAccess> for MspAccess {
    fn from(a: pb::MspAccess) -> Self {
        Self {
            account_manager: a.account_manager.map(MspPerson::from),
            granted_users: a.granted_users.into_iter().map(MspPerson::from).collect(),
            granted_groups: a.granted_groups.into_iter().map(MspGroup::from).collect(),
        }
    }
}

/// Who reaches a client org and at which level.
#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct OrgReport {
    pub org_id: String,
    pub slug: String,
    pub name: String,
    #[schema(required = true)]
    pub account_manager: Option<ReportUser>,
    pub own_users: Vec<ReportUser>,
    pub own_groups: Vec<ReportGroup>,
    pub granted_users: Vec<ReportUser>,
    pub granted_groups: Vec<ReportGroup>,
}

#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct ReportUser {
    pub id: String,
    pub username: String,
    pub full_name: String,
    pub role: String,
    pub status: String,
    /// `own_user`, `account_manager`, `granted_user`, `granted_group_member`, or
    /// `pending_group_member` (added to a granted group since its approval and not yet
    /// approved itself, so not let in).
    pub level: String,
    #[schema(required = true)]
    pub grant_id: Option<String>,
}

#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct ReportGroup {
    pub id: String,
    pub name: String,
    pub member_count: u32,
    /// `own_group` or `granted_group`.
    pub level: String,
    #[schema(required = true)]
    pub grant_id: Option<String>,
    pub members: Vec<ReportUser>,
}

impl From<pb::ReportUser> for ReportUser {
    fn from(u: pb::ReportUser) -> Self {
        Self {
            id: u.id,
            username: u.username,
            full_name: u.full_name,
            role: u.role,
            status: u.status,
            level: u.level,
            grant_id: or_null(u.grant_id),
        }
    }
}

impl From<pb::ReportGroup> for ReportGroup {
    fn from(g: pb::ReportGroup) -> Self {
        Self {
            id: g.id,
            name: g.name,
            member_count: g.member_count,
            level: g.level,
            grant_id: or_null(g.grant_id),
            members: g.members.into_iter().map(ReportUser::from).collect(),
        }
    }
}

impl From<pb::OrgReport> for OrgReport {
    fn from(r: pb::OrgReport) -> Self {
        let users = |v: Vec<pb::ReportUser>| v.into_iter().map(ReportUser::from).collect();
        let groups = |v: Vec<pb::ReportGroup>| v.into_iter().map(ReportGroup::from).collect();
        Self {
            org_id: r.org_id,
            slug: r.slug,
            name: r.name,
            account_manager: r.account_manager.map(ReportUser::from),
            own_users: users(r.own_users),
            own_groups: groups(r.own_groups),
            granted_users: users(r.granted_users),
            granted_groups: groups(r.granted_groups),
        }
    }
}
