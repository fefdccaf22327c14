//! Password-action notifications of a resource group.

use serde::{Deserialize, Serialize};
use strongroom_proto::vault as pb;
use utoipa::ToSchema;

/// Which actions on the passwords a group holds are mailed, and to whom.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupNotificationsBody {
    /// Of `access` (reveals, an earlier version's included), `modification` (a new
    /// password, set or made current again), `share_change` (a share made, changed or
    /// ended), `policy_violation` (a password policy given to the resource that its
    /// password breaks, naming the rule) and `expiry` (a password older than its policy's
    /// `max_age_days`, once per password); none: nothing is mailed.
    #[serde(default)]
    #[schema(example = json!(["access", "modification"]))]
    pub actions: Vec<String>,
    /// The owners of the passwords acted on.
    #[serde(default)]
    pub to_owners: bool,
    /// Those with a share reaching the password (users, and the members of user groups).
    #[serde(default)]
    pub to_sharees: bool,
    /// Chosen active users of the org (at most 20).
    #[serde(default)]
    pub user_ids: Vec<String>,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct GroupNotifications {
    pub group_id: String,
    pub actions: Vec<String>,
    pub to_owners: bool,
    pub to_sharees: bool,
    pub user_ids: Vec<String>,
    /// Who saved them last, and when (absent: never saved).
    pub updated_by: Option<String>,
    pub updated_at: Option<String>,
}

impl From<pb::GroupNotifications> for GroupNotifications {
    fn from(n: pb::GroupNotifications) -> Self {
        let filled = |v: String| Some(v).filter(|v| !v.is_empty());
        Self {
            group_id: n.group_id,
            actions: n.actions,
            to_owners: n.to_owners,
            to_sharees: n.to_sharees,
            user_ids: n.user_ids,
            updated_by: filled(n.updated_by),
            updated_at: filled(n.updated_at),
        }
    }
}
