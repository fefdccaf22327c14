//! Shares: an account, resource or resource group shared with a user or user group at View,
//! Modify or Full access, until revoked or until an end time.

use serde::{Deserialize, Serialize};
use strongroom_proto::access as pb;
use utoipa::ToSchema;

use super::or_null;

/// How far a share reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ShareLevel {
    /// See and reveal the password.
    View,
    /// Also change the password and the account's details (not the resource's).
    Modify,
    /// Also change the resource, delete, move, and share again.
    Full,
}

/// Who a share is to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GranteeKind {
    User,
    UserGroup,
}

/// What is shared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ShareTargetKind {
    Account,
    Resource,
    ResourceGroup,
}

/// A share to make, or a grantee's share as it becomes (sharing again with the same
/// grantee replaces the level and end time).
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShareBody {
    pub grantee_kind: GranteeKind,
    /// The user's or user group's id (of this org).
    pub grantee_id: String,
    pub level: ShareLevel,
    /// RFC 3339; the share ends then (left out: until revoked).
    #[serde(default)]
    #[schema(example = "2026-12-31T18:00:00Z")]
    pub expires_at: Option<String>,
    /// For use without seeing: an application with the grantee's API key fetches the
    /// password; no person sees it (not in the console, not over a signed-in session).
    #[serde(default)]
    pub use_without_seeing: bool,
}

/// A share as kept.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct Share {
    pub id: String,
    pub target_kind: ShareTargetKind,
    pub target_id: String,
    /// The target's name (`resource/username` for an account).
    pub target_name: String,
    pub grantee_kind: GranteeKind,
    pub grantee_id: String,
    /// The username, or the group's name.
    pub grantee_name: String,
    pub level: ShareLevel,
    /// Who shared it (last).
    pub created_by: String,
    pub created_at: String,
    /// When the share ends; `null`: until revoked.
    pub expires_at: Option<String>,
    /// For a static resource group: the resources it covers (those in the group when
    /// shared, of those the sharer could share).
    pub resources: u32,
    /// For a dynamic resource group: the share follows the group's criteria, covering the
    /// matching resources the sharer owns at the time of use.
    pub follows_criteria: bool,
    /// For use without seeing (the share's own flag; the org's sharing settings may make
    /// every share so).
    pub use_without_seeing: bool,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct ShareList {
    pub shares: Vec<Share>,
}

impl From<ShareLevel> for pb::Level {
    fn from(l: ShareLevel) -> Self {
        match l {
            ShareLevel::View => Self::View,
            ShareLevel::Modify => Self::Modify,
            ShareLevel::Full => Self::Full,
        }
    }
}

impl From<GranteeKind> for pb::GranteeKind {
    fn from(k: GranteeKind) -> Self {
        match k {
            GranteeKind::User => Self::User,
            GranteeKind::UserGroup => Self::UserGroup,
        }
    }
}

impl From<ShareTargetKind> for pb::TargetKind {
    fn from(k: ShareTargetKind) -> Self {
        match k {
            ShareTargetKind::Account => Self::Account,
            ShareTargetKind::Resource => Self::Resource,
            ShareTargetKind::ResourceGroup => Self::ResourceGroup,
        }
    }
}

impl ShareTargetKind {
    /// The target of this kind with this id, as the access service's messages name it.
    pub fn target(self, id: String) -> pb::TargetRef {
        pb::TargetRef {
            kind: pb::TargetKind::from(self) as i32,
            id,
        }
    }

    /// The kind a service's message names.
    pub fn from_message(kind: i32) -> Self {
        match pb::TargetKind::try_from(kind) {
            Ok(pb::TargetKind::Resource) => ShareTargetKind::Resource,
            Ok(pb::TargetKind::ResourceGroup) => ShareTargetKind::ResourceGroup,
            _ => ShareTargetKind::Account,
        }
    }
}

impl From<pb::Share> for Share {
    fn from(s: pb::Share) -> Self {
        Self {
            target_kind: ShareTargetKind::from_message(s.target_kind),
            grantee_kind: match pb::GranteeKind::try_from(s.grantee_kind) {
                Ok(pb::GranteeKind::UserGroup) => GranteeKind::UserGroup,
                _ => GranteeKind::User,
            },
            level: match pb::Level::try_from(s.level) {
                Ok(pb::Level::Full) => ShareLevel::Full,
                Ok(pb::Level::Modify) => ShareLevel::Modify,
                _ => ShareLevel::View,
            },
            id: s.id,
            target_id: s.target_id,
            target_name: s.target_name,
            grantee_id: s.grantee_id,
            grantee_name: s.grantee_name,
            created_by: s.created_by,
            created_at: s.created_at,
            expires_at: or_null(s.expires_at),
            resources: s.resource_count,
            follows_criteria: s.follows_criteria,
            use_without_seeing: s.use_without_seeing,
        }
    }
}

impl From<pb::ShareList> for ShareList {
    fn from(l: pb::ShareList) -> Self {
        Self {
            shares: l.shares.into_iter().map(Share::from).collect(),
        }
    }
}

/// The org's sharing settings.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SharingSettings {
    /// Off: every share of the org is for use without seeing (owners still see theirs).
    pub shares_show_plaintext: bool,
}
