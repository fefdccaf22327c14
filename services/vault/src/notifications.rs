//! Password-action notifications, per resource group: its owner chooses which actions on
//! the passwords the group holds are mailed (reveals, changes, share changes, a password
//! breaking a policy given to its resource), and to whom
//! (the passwords' owners, those with a share reaching them, chosen users). The audit
//! service queues the mail when the action happens and asks here, when it sends, who is
//! told now (`audience`), so a group's resources and shares count as they are then.

use std::collections::BTreeSet;

use strongroom_auth::{RequestContext, outgoing};
use strongroom_core::OrgId;
use strongroom_proto::access::ShareesRequest;
use strongroom_proto::identity::UserRef;
use uuid::Uuid;

use crate::app::{Vault, event};
use crate::error::VaultError;
use crate::groups::{GroupRef, group_target, held_now};
use crate::store::{self, GroupRow, NotificationRow};

/// The most chosen users one group's notifications name.
const MAX_CHOSEN_USERS: usize = 20;

/// An action on a password that may be mailed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Action {
    /// A reveal (the current password or an earlier version).
    Access,
    /// A new password, set or made current again.
    Modification,
    /// A share made, changed or ended.
    ShareChange,
    /// A password found to break a policy given to its resource.
    PolicyViolation,
    /// A password older than its policy allows.
    Expiry,
}

impl Action {
    pub const ALL: [Action; 5] = [
        Action::Access,
        Action::Modification,
        Action::ShareChange,
        Action::PolicyViolation,
        Action::Expiry,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Access => "access",
            Action::Modification => "modification",
            Action::ShareChange => "share_change",
            Action::PolicyViolation => "policy_violation",
            Action::Expiry => "expiry",
        }
    }

    pub fn parse(value: &str) -> Result<Self, VaultError> {
        Self::ALL
            .into_iter()
            .find(|a| a.as_str() == value)
            .ok_or_else(|| {
                VaultError::InvalidInput(format!(
                    "actions: {value:?} is none of access, modification, share_change, \
                     policy_violation, expiry"
                ))
            })
    }
}

/// A group's notifications as asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notifications {
    pub actions: BTreeSet<Action>,
    pub to_owners: bool,
    pub to_sharees: bool,
    pub user_ids: BTreeSet<Uuid>,
}

impl Notifications {
    /// Notifications that mail something name someone to mail it to.
    pub fn check(&self) -> Result<(), VaultError> {
        if self.user_ids.len() > MAX_CHOSEN_USERS {
            return Err(VaultError::InvalidInput(format!(
                "user_ids: at most {MAX_CHOSEN_USERS} users"
            )));
        }
        if !self.actions.is_empty()
            && !self.to_owners
            && !self.to_sharees
            && self.user_ids.is_empty()
        {
            return Err(VaultError::InvalidInput(
                "to_owners, to_sharees or user_ids: say who is told".into(),
            ));
        }
        Ok(())
    }
}

/// What an action was on, as its event names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActedOn {
    Account(Uuid),
    Resource(Uuid),
    Group(Uuid),
}

/// Who is told: users, and user groups (whose members identity names at send time).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Audience {
    pub user_ids: BTreeSet<Uuid>,
    pub group_ids: BTreeSet<Uuid>,
}

impl Vault {
    /// A group's notifications (`None`: never saved); only its owner reads them.
    pub async fn group_notifications(
        &self,
        ctx: &RequestContext,
        group: GroupRef,
    ) -> Result<(GroupRow, Option<NotificationRow>), VaultError> {
        let mut tx = self.db.begin(ctx.org()).await?;
        let group = self.own_stored_group(&mut tx, ctx, group).await?;
        let found = store::find_notifications(&mut tx, group.id).await?;
        tx.commit().await?;
        Ok((group, found))
    }

    /// Saves a group's notifications (its owner only); chosen users must be active users
    /// of the org.
    pub async fn set_group_notifications(
        &self,
        ctx: &RequestContext,
        group: GroupRef,
        notifications: Notifications,
    ) -> Result<NotificationRow, VaultError> {
        notifications.check()?;
        for user in &notifications.user_ids {
            let active = self
                .identity
                .clone()
                .check_active_user(outgoing(
                    ctx,
                    UserRef {
                        user_id: user.to_string(),
                    },
                ))
                .await
                .map_err(VaultError::Identity)?
                .into_inner()
                .active;
            if !active {
                return Err(VaultError::InvalidInput(format!(
                    "user_ids: {user} is no active user of this org"
                )));
            }
        }
        let mut tx = self.db.begin(ctx.org()).await?;
        let group = self.own_stored_group(&mut tx, ctx, group).await?;
        let actions: Vec<String> = notifications
            .actions
            .iter()
            .map(|a| a.as_str().to_owned())
            .collect();
        let saved = store::save_notifications(
            &mut tx,
            &NotificationRow {
                group_id: group.id,
                actions: actions.clone(),
                to_owners: notifications.to_owners,
                to_sharees: notifications.to_sharees,
                user_ids: notifications.user_ids.iter().copied().collect(),
                updated_by: ctx.username().to_owned(),
                updated_at: chrono::Utc::now(),
            },
        )
        .await?;
        let event = event(
            ctx,
            "resource_group.notifications_set",
            group_target(&group),
        )
        .with_details(serde_json::json!({
            "actions": actions,
            "to_owners": saved.to_owners,
            "to_sharees": saved.to_sharees,
            "user_ids": saved.user_ids,
        }));
        self.outbox.record(&mut tx, &event).await?;
        self.outbox.commit(tx).await?;
        Ok(saved)
    }

    /// Who is told of `action` on `acted_on` in `org`, as the groups' notifications and
    /// shares stand now: for each group naming the action that holds the resource (or is
    /// the group acted on), its chosen users, the owner, and those with a share reaching
    /// the account or resource.
    pub async fn audience(
        &self,
        org: OrgId,
        action: Action,
        acted_on: ActedOn,
    ) -> Result<Audience, VaultError> {
        let mut tx = self.db.begin(org).await?;
        let notifying = store::notifying_groups(&mut tx, action.as_str()).await?;
        let mut audience = Audience::default();
        if notifying.is_empty() {
            tx.commit().await?;
            return Ok(audience);
        }
        let (account, resource) = match acted_on {
            ActedOn::Account(account) => (
                Some(account),
                store::account_resource(&mut tx, account).await?,
            ),
            ActedOn::Resource(resource) => (None, Some(resource)),
            ActedOn::Group(_) => (None, None),
        };
        // The groups that hold the resource now (every group's, for the shares reaching it).
        let mut holding = Vec::new();
        if let Some(resource) = resource {
            for group in store::all_groups(&mut tx).await? {
                if held_now(&mut tx, &group).await?.contains(&resource) {
                    holding.push(group.id);
                }
            }
        }
        let mut owners = false;
        let mut sharees = false;
        for (group, n) in &notifying {
            let applies = match acted_on {
                ActedOn::Group(id) => group.id == id,
                _ => holding.contains(&group.id),
            };
            if !applies {
                continue;
            }
            audience.user_ids.extend(n.user_ids.iter().copied());
            owners |= n.to_owners;
            sharees |= n.to_sharees;
            if n.to_owners && matches!(acted_on, ActedOn::Group(_)) {
                audience.user_ids.insert(group.owner_id);
            }
        }
        if owners && let Some(resource) = resource {
            audience
                .user_ids
                .extend(store::resource_owner(&mut tx, resource).await?);
        }
        tx.commit().await?;
        if sharees {
            let group_ids = match acted_on {
                ActedOn::Group(id) => vec![id],
                _ => holding,
            };
            let found = self
                .access
                .clone()
                .list_sharees(ShareesRequest {
                    org_id: org.to_string(),
                    account_id: account.map(|a| a.to_string()).unwrap_or_default(),
                    resource_id: resource.map(|r| r.to_string()).unwrap_or_default(),
                    group_ids: group_ids.iter().map(ToString::to_string).collect(),
                })
                .await
                .map_err(VaultError::Access)?
                .into_inner();
            let ids = |ids: &[String]| -> Vec<Uuid> {
                ids.iter().filter_map(|i| Uuid::parse_str(i).ok()).collect()
            };
            audience.user_ids.extend(ids(&found.user_ids));
            audience.group_ids.extend(ids(&found.group_ids));
        }
        Ok(audience)
    }

    async fn own_stored_group(
        &self,
        tx: &mut strongroom_tenancy::TenantTx,
        ctx: &RequestContext,
        group: GroupRef,
    ) -> Result<GroupRow, VaultError> {
        match group {
            GroupRef::Default => Err(VaultError::InvalidInput(
                "the Default Group has no notifications: choose one of your own groups".into(),
            )),
            GroupRef::Stored(id) => self.own_group(tx, ctx, id).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notifications(actions: &[Action], owners: bool, users: usize) -> Notifications {
        Notifications {
            actions: actions.iter().copied().collect(),
            to_owners: owners,
            to_sharees: false,
            user_ids: (0..users).map(|_| Uuid::new_v4()).collect(),
        }
    }

    #[test]
    fn actions_parse_by_their_names_only() {
        for action in Action::ALL {
            assert_eq!(Action::parse(action.as_str()).unwrap(), action);
        }
        assert!(Action::parse("expired").is_err());
        assert!(Action::parse("Access").is_err());
    }

    #[test]
    fn notifications_that_mail_something_say_to_whom() {
        assert!(notifications(&[Action::Access], false, 0).check().is_err());
        assert!(notifications(&[Action::Access], true, 0).check().is_ok());
        assert!(notifications(&[Action::Access], false, 1).check().is_ok());
        assert!(
            notifications(&[], false, 0).check().is_ok(),
            "nothing mailed"
        );
        assert!(
            notifications(&[Action::Access], false, MAX_CHOSEN_USERS + 1)
                .check()
                .is_err()
        );
    }
}
