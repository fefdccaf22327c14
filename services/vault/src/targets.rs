//! Targets as the access service decides on them: an account, resource or resource group of
//! the caller's org with its owner, its resource and, for a group, the resources it holds
//! now. The vault answers facts only; whether the caller may share or request is the access
//! service's decision.

use strongroom_auth::RequestContext;
use uuid::Uuid;

use crate::app::{Vault, owner};
use crate::error::VaultError;
use crate::groups::held_now;
use crate::store;

/// A target the access service names.
#[derive(Debug, Clone, Copy)]
pub enum TargetRef {
    Account(Uuid),
    Resource(Uuid),
    ResourceGroup(Uuid),
}

/// A target as found (`None` from [`Vault::describe_targets`] when there is none).
#[derive(Debug, Clone, Default)]
pub struct TargetFacts {
    pub owner: Uuid,
    /// The account's resource, or the resource itself; `None` for a resource group.
    pub resource: Option<Uuid>,
    pub name: String,
    /// A resource group's live resources now, each with its owner.
    pub resources: Vec<(Uuid, Uuid)>,
    pub trashed: bool,
    /// A resource group whose resources follow its criteria.
    pub dynamic: bool,
    /// An account under access control (its own, or its resource's).
    pub access_controlled: bool,
}

/// Most targets one call may describe.
pub const MAX_TARGETS: usize = 1000;

impl Vault {
    /// The facts of each target, in order (`None`: no such target in the org).
    pub async fn describe_targets(
        &self,
        ctx: &RequestContext,
        targets: &[TargetRef],
    ) -> Result<Vec<Option<TargetFacts>>, VaultError> {
        if targets.len() > MAX_TARGETS {
            return Err(VaultError::InvalidInput(format!(
                "at most {MAX_TARGETS} targets may be described at once"
            )));
        }
        let mut tx = self.db.begin(ctx.org()).await?;
        let mut described = Vec::with_capacity(targets.len());
        for target in targets {
            described.push(match *target {
                TargetRef::Account(id) => {
                    store::find_account(&mut tx, id, owner(ctx))
                        .await?
                        .map(|a| TargetFacts {
                            owner: a.owner_id,
                            resource: Some(a.resource_id),
                            name: format!("{}/{}", a.resource_name, a.username),
                            resources: Vec::new(),
                            trashed: a.deleted_at.is_some() || a.resource_deleted_at.is_some(),
                            dynamic: false,
                            access_controlled: a.access_controlled,
                        })
                }
                TargetRef::Resource(id) => store::find_resource(&mut tx, id, owner(ctx))
                    .await?
                    .map(|r| TargetFacts {
                        owner: r.owner_id,
                        resource: Some(r.id),
                        name: r.name,
                        resources: Vec::new(),
                        trashed: r.deleted_at.is_some(),
                        dynamic: false,
                        access_controlled: false,
                    }),
                TargetRef::ResourceGroup(id) => match store::find_group(&mut tx, id).await? {
                    None => None,
                    Some(group) => {
                        let held = held_now(&mut tx, &group).await?;
                        let resources = store::resource_owners(&mut tx, &held).await?;
                        Some(TargetFacts {
                            owner: group.owner_id,
                            resource: None,
                            dynamic: group.kind == "dynamic",
                            name: group.name,
                            resources,
                            trashed: false,
                            access_controlled: false,
                        })
                    }
                },
            });
        }
        tx.commit().await?;
        Ok(described)
    }
}

impl Vault {
    /// Marks (or unmarks) these accounts and resources of the caller's org as under access
    /// control; returns how many rows changed. The access service, the only caller, has
    /// decided the caller may: it keeps the policy.
    pub async fn set_access_controlled(
        &self,
        ctx: &RequestContext,
        resources: &[Uuid],
        accounts: &[Uuid],
        on: bool,
    ) -> Result<u64, VaultError> {
        if resources.len() + accounts.len() > MAX_TARGETS {
            return Err(VaultError::InvalidInput(format!(
                "at most {MAX_TARGETS} rows may be marked at once"
            )));
        }
        let mut tx = self.db.begin(ctx.org()).await?;
        let changed = store::set_access_controlled(&mut tx, resources, accounts, on).await?;
        tx.commit().await?;
        Ok(changed)
    }
}
