//! The access service's words: what is shared (target), with whom (grantee), how far
//! (level), and what a share covers once granted.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use strongroom_core::UserId;
use strongroom_proto::access::Operation;
use uuid::Uuid;

/// How far a share reaches, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Level {
    /// See and reveal the password.
    View,
    /// Also change the password and the account's details.
    Modify,
    /// Also change the resource, delete, move and share again.
    Full,
}

impl Level {
    pub(crate) fn allows(self, operation: Operation) -> bool {
        match operation {
            Operation::View | Operation::Reveal => true,
            Operation::Modify => self >= Level::Modify,
            Operation::Manage => self == Level::Full,
            Operation::Unspecified => false,
        }
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Level::View => "view",
            Level::Modify => "modify",
            Level::Full => "full",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        match s {
            "view" => Some(Level::View),
            "modify" => Some(Level::Modify),
            "full" => Some(Level::Full),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum TargetKind {
    Account,
    Resource,
    ResourceGroup,
}

impl TargetKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            TargetKind::Account => "account",
            TargetKind::Resource => "resource",
            TargetKind::ResourceGroup => "resource_group",
        }
    }

    /// The target as an error names it.
    pub(crate) fn noun(self) -> &'static str {
        match self {
            TargetKind::Account => "account",
            TargetKind::Resource => "resource",
            TargetKind::ResourceGroup => "resource group",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        match s {
            "account" => Some(TargetKind::Account),
            "resource" => Some(TargetKind::Resource),
            "resource_group" => Some(TargetKind::ResourceGroup),
            _ => None,
        }
    }
}

/// A target by kind and id, as a caller names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct TargetRef {
    pub(crate) kind: TargetKind,
    pub(crate) id: Uuid,
}

/// A target as the vault, which owns it, describes it.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub(crate) at: TargetRef,
    pub(crate) owner: UserId,
    /// The account's resource, or the resource itself; `None` for a resource group.
    pub(crate) resource: Option<Uuid>,
    pub(crate) name: String,
    /// A resource group's resources now, each with its owner.
    pub(crate) resources: Vec<(Uuid, UserId)>,
    pub(crate) trashed: bool,
    /// A resource group whose resources follow its criteria.
    pub(crate) dynamic: bool,
    /// An account under access control (its own, or its resource's).
    pub(crate) access_controlled: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum GranteeKind {
    User,
    UserGroup,
}

impl GranteeKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            GranteeKind::User => "user",
            GranteeKind::UserGroup => "user_group",
        }
    }

    /// The grantee as an error names it.
    pub(crate) fn noun(self) -> &'static str {
        match self {
            GranteeKind::User => "user",
            GranteeKind::UserGroup => "user group",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        match s {
            "user" => Some(GranteeKind::User),
            "user_group" => Some(GranteeKind::UserGroup),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Grantee {
    pub(crate) kind: GranteeKind,
    pub(crate) id: Uuid,
}

/// A share as asked for.
#[derive(Debug, Clone)]
pub(crate) struct ShareInput {
    pub(crate) target: TargetRef,
    pub(crate) grantee: Grantee,
    pub(crate) level: Level,
    pub(crate) expires_at: Option<DateTime<Utc>>,
    /// For use without seeing: applications (API keys) fetch the password, no person
    /// sees it.
    pub(crate) use_only: bool,
}

/// A share as kept.
#[derive(Debug, Clone)]
pub(crate) struct Share {
    pub(crate) id: Uuid,
    pub(crate) target: TargetRef,
    pub(crate) target_name: String,
    pub(crate) grantee: Grantee,
    pub(crate) grantee_name: String,
    pub(crate) level: Level,
    pub(crate) created_by: Uuid,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) expires_at: Option<DateTime<Utc>>,
    pub(crate) resource_count: u32,
    /// A dynamic group's share: it covers what matches at the time of use.
    pub(crate) follows_criteria: bool,
    /// For use without seeing (set on the share; the org's setting may make every share so).
    pub(crate) use_only: bool,
}

/// What one share reaching a user covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Covers {
    /// One account, of this resource.
    Account { account: Uuid, resource: Uuid },
    /// A resource and all its accounts.
    Resource(Uuid),
    /// A resource group's resources at the time of sharing.
    ResourceGroup {
        group: Uuid,
        resources: HashSet<Uuid>,
    },
    /// A dynamic resource group's resources that match its criteria at the time of use and
    /// that the sharer owns; `check` turns it into `ResourceGroup` before deciding.
    DynamicGroup { group: Uuid, sharer: UserId },
}

/// A share that reaches a user (theirs, or one of their groups'), as decisions use it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Grant {
    pub(crate) level: Level,
    pub(crate) covers: Covers,
    /// Reveals only to an application (an API key), never to a person: the share's flag,
    /// or the org's setting.
    pub(crate) use_only: bool,
}

/// A row the vault asks about: its resource, its account (if it is one) and its owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Row {
    pub(crate) resource: Uuid,
    pub(crate) account: Option<Uuid>,
    pub(crate) owner: UserId,
}

/// An access-control policy as kept on a target.
#[derive(Debug, Clone)]
pub(crate) struct PolicyOn {
    pub(crate) target: TargetRef,
    pub(crate) target_name: String,
    /// The resources it covers (a resource group's when it was set; an account's resource).
    pub(crate) resources: Vec<Uuid>,
    pub(crate) policy: crate::workflow::Policy,
    pub(crate) updated_by: Uuid,
    pub(crate) updated_at: DateTime<Utc>,
}

/// A request for an account under access control, with the decisions given on it.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub(crate) id: Uuid,
    pub(crate) account: Uuid,
    pub(crate) resource: Uuid,
    pub(crate) account_name: String,
    pub(crate) requester: UserId,
    pub(crate) requester_name: String,
    pub(crate) msp_staff: bool,
    pub(crate) reason: String,
    pub(crate) ticket_id: String,
    pub(crate) starts_at: DateTime<Utc>,
    pub(crate) created_at: DateTime<Utc>,
    /// Who must approve, as the policy said when the request was made.
    pub(crate) approver_groups: Vec<(Uuid, String)>,
    pub(crate) client_admin_required: bool,
    pub(crate) timeline: crate::workflow::Timeline,
    pub(crate) decisions: Vec<RequestDecision>,
}

impl Request {
    /// The approvals it needs in all.
    pub(crate) fn requirements(&self) -> Vec<crate::workflow::Requirement> {
        crate::workflow::requirements(
            &self.approver_groups,
            self.client_admin_required,
            self.msp_staff,
        )
    }

    pub(crate) fn given(&self) -> Vec<crate::workflow::Given> {
        self.decisions
            .iter()
            .map(|d| crate::workflow::Given {
                approver: d.approver,
                approved: d.approved,
                counted_for: d.counted_for.clone(),
            })
            .collect()
    }
}

/// One approver's decision on a request.
#[derive(Debug, Clone)]
pub(crate) struct RequestDecision {
    pub(crate) approver: UserId,
    pub(crate) approver_name: String,
    pub(crate) approved: bool,
    pub(crate) counted_for: String,
    pub(crate) comment: String,
    pub(crate) at: DateTime<Utc>,
}

/// A checkout in force: whose, and until when.
#[derive(Debug, Clone)]
pub(crate) struct Checkout {
    pub(crate) account: Uuid,
    pub(crate) holder: UserId,
    pub(crate) holder_name: String,
    pub(crate) ends_at: DateTime<Utc>,
    /// The ticket its request gave (empty: none).
    pub(crate) ticket_id: String,
}

/// Passwords marked for reset once a checkout or a time-limited share ended: an account's,
/// or those of a resource or resource group a share covered.
#[derive(Debug, Clone)]
pub(crate) struct ResetMark {
    pub(crate) target: TargetRef,
    pub(crate) target_name: String,
    pub(crate) reason: String,
    pub(crate) due_at: DateTime<Utc>,
    pub(crate) request: Option<Uuid>,
}
