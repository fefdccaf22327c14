//! Resource groups: static (hand-picked resources and accounts) or dynamic (criteria over
//! the resources' fields, evaluated at every read, so a resource joins or leaves as soon as
//! it starts or stops matching), nested in a tree, and each user's "Default Group" of what
//! they own. A group is its creator's; what it shows is only what its reader may see.
//! Group-level operations: change the password policy of its resources, export it, report
//! on it.

use strongroom_auth::RequestContext;
use strongroom_core::{AccountId, ResourceId};
use strongroom_events::Target;
use strongroom_proto::access::Operation;
use strongroom_tenancy::TenantTx;
use uuid::Uuid;

use crate::app::{Row, Vault, event, optional, owner, required};
use crate::error::{VaultError, unique_or};
use crate::group_criteria::Criteria;
use crate::store::{self, GroupFields, GroupRow, TypeCount, VisibleRows};

/// The id the API gives each user's Default Group.
pub const DEFAULT_GROUP: &str = "default";

/// A group named in a request: the caller's Default Group or a stored one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupRef {
    Default,
    Stored(Uuid),
}

impl GroupRef {
    /// A malformed id names no group: "not found".
    pub fn parse(id: &str) -> Result<Self, VaultError> {
        if id == DEFAULT_GROUP {
            return Ok(Self::Default);
        }
        Uuid::parse_str(id)
            .map(Self::Stored)
            .map_err(|_| VaultError::NotFound("resource group"))
    }
}

/// A new group, or a group's fields as they become.
#[derive(Debug, Clone)]
pub struct GroupInput {
    pub name: String,
    pub parent: Option<Uuid>,
    /// Dynamic when set.
    pub criteria: Option<Criteria>,
    pub description: String,
}

/// A group with how many resources it holds now.
pub struct GroupView {
    pub group: GroupRow,
    pub resources: usize,
}

impl Vault {
    /// The caller's groups, each with how many of its resources they may see.
    pub async fn list_groups(&self, ctx: &RequestContext) -> Result<Vec<GroupView>, VaultError> {
        let visible = self.visible(ctx).await?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let groups = store::list_groups(&mut tx, &visible.owners).await?;
        let mut views = Vec::with_capacity(groups.len());
        for group in groups {
            let resources = group_resources(&mut tx, &visible, &group).await?.len();
            views.push(GroupView { group, resources });
        }
        tx.commit().await?;
        Ok(views)
    }

    pub async fn create_group(
        &self,
        ctx: &RequestContext,
        input: GroupInput,
    ) -> Result<GroupRow, VaultError> {
        let (name, description, criteria) = checked(&input)?;
        let mut tx = self.db.begin(ctx.org()).await?;
        if let Some(parent) = input.parent {
            self.own_group(&mut tx, ctx, parent).await?;
        }
        let fields = GroupFields {
            name: &name,
            parent_id: input.parent,
            kind: if criteria.is_some() {
                "dynamic"
            } else {
                "static"
            },
            criteria: criteria.as_ref(),
            description: &description,
        };
        let group = store::create_group(&mut tx, Uuid::now_v7(), &fields, owner(ctx))
            .await
            .map_err(|e| unique_or(e, || name_taken(&name)))?;
        let event = event(ctx, "resource_group.created", group_target(&group))
            .with_details(serde_json::json!({ "kind": group.kind, "criteria": group.criteria }));
        self.outbox.record(&mut tx, &event).await?;
        self.outbox.commit(tx).await?;
        Ok(group)
    }

    /// Renames, moves, re-describes a group, or changes a dynamic group's criteria (a
    /// static group stays static and a dynamic one dynamic).
    pub async fn update_group(
        &self,
        ctx: &RequestContext,
        id: Uuid,
        input: GroupInput,
    ) -> Result<GroupRow, VaultError> {
        let (name, description, criteria) = checked(&input)?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let old = self.own_group(&mut tx, ctx, id).await?;
        if (old.kind == "dynamic") != criteria.is_some() {
            return Err(VaultError::InvalidInput(format!(
                "the group is {}: {}",
                old.kind,
                if old.kind == "dynamic" {
                    "give its criteria"
                } else {
                    "a static group has no criteria"
                }
            )));
        }
        if let Some(parent) = input.parent {
            self.own_group(&mut tx, ctx, parent).await?;
            if store::is_within(&mut tx, id, parent).await? {
                return Err(VaultError::InvalidInput(
                    "a group cannot be nested in itself or in a group nested in it".into(),
                ));
            }
        }
        let fields = GroupFields {
            name: &name,
            parent_id: input.parent,
            kind: &old.kind,
            criteria: criteria.as_ref(),
            description: &description,
        };
        let group = store::update_group(&mut tx, id, &fields)
            .await
            .map_err(|e| unique_or(e, || name_taken(&name)))?;
        let event = event(ctx, "resource_group.updated", group_target(&group)).with_details(
            serde_json::json!({ "previous_name": old.name, "criteria": group.criteria }),
        );
        self.outbox.record(&mut tx, &event).await?;
        self.outbox.commit(tx).await?;
        Ok(group)
    }

    /// Deletes a group and the groups nested in it, never their resources; `confirm`
    /// repeats its name. Returns how many groups went.
    pub async fn delete_group(
        &self,
        ctx: &RequestContext,
        id: Uuid,
        confirm: &str,
    ) -> Result<i64, VaultError> {
        let mut tx = self.db.begin(ctx.org()).await?;
        let group = self.own_group(&mut tx, ctx, id).await?;
        if confirm.trim() != group.name {
            return Err(VaultError::InvalidInput(
                "confirm must repeat the group's name".into(),
            ));
        }
        let deleted = store::delete_group(&mut tx, id).await?;
        let event = event(ctx, "resource_group.deleted", group_target(&group))
            .with_details(serde_json::json!({ "groups": deleted }));
        self.outbox.record(&mut tx, &event).await?;
        self.outbox.commit(tx).await?;
        Ok(deleted)
    }

    /// Puts a resource the caller may see into a static group, or takes it out.
    pub async fn set_group_resource(
        &self,
        ctx: &RequestContext,
        id: Uuid,
        resource: ResourceId,
        member: bool,
    ) -> Result<(), VaultError> {
        let mut tx = self.db.begin(ctx.org()).await?;
        let group = self.own_static_group(&mut tx, ctx, id).await?;
        let found = store::find_resource(&mut tx, resource.0, owner(ctx))
            .await?
            .ok_or(VaultError::NotFound("resource"))?;
        self.require(ctx, Row::of_resource(&found), Operation::View, "resource")
            .await?;
        if store::set_group_resource(&mut tx, id, found.id, member).await? {
            let operation = if member {
                "resource_group.resource_added"
            } else {
                "resource_group.resource_removed"
            };
            let event = event(ctx, operation, group_target(&group)).with_details(
                serde_json::json!({ "resource": { "id": found.id, "name": found.name } }),
            );
            self.outbox.record(&mut tx, &event).await?;
        }
        self.outbox.commit(tx).await?;
        Ok(())
    }

    /// Puts an account the caller may see into a static group, or takes it out.
    pub async fn set_group_account(
        &self,
        ctx: &RequestContext,
        id: Uuid,
        account: AccountId,
        member: bool,
    ) -> Result<(), VaultError> {
        let mut tx = self.db.begin(ctx.org()).await?;
        let group = self.own_static_group(&mut tx, ctx, id).await?;
        let found = self
            .find_visible_account(ctx, &mut tx, account, Operation::View)
            .await?;
        if store::set_group_account(&mut tx, id, found.id, member).await? {
            let operation = if member {
                "resource_group.account_added"
            } else {
                "resource_group.account_removed"
            };
            let event = event(ctx, operation, group_target(&group)).with_details(serde_json::json!({
                "account": { "id": found.id, "name": format!("{}/{}", found.resource_name, found.username) }
            }));
            self.outbox.record(&mut tx, &event).await?;
        }
        self.outbox.commit(tx).await?;
        Ok(())
    }

    /// The resources a group holds now that the caller may see: its Default Group's are
    /// what they own.
    pub async fn group_resource_ids(
        &self,
        ctx: &RequestContext,
        group: GroupRef,
    ) -> Result<Vec<Uuid>, VaultError> {
        let mut tx = self.db.begin(ctx.org()).await?;
        let ids = match group {
            GroupRef::Default => store::owned_resources(&mut tx, owner(ctx)).await?,
            GroupRef::Stored(id) => {
                let group = self.own_group(&mut tx, ctx, id).await?;
                let visible = self.visible(ctx).await?;
                group_resources(&mut tx, &visible, &group).await?
            }
        };
        tx.commit().await?;
        Ok(ids)
    }

    /// Gives every resource of the group the caller may modify the password policy (a
    /// name, or empty for none); returns how many changed.
    pub async fn set_group_policy(
        &self,
        ctx: &RequestContext,
        group: GroupRef,
        policy: &str,
    ) -> Result<u64, VaultError> {
        let ids = self.group_resource_ids(ctx, group).await?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let policy = crate::policies::resolve(&mut tx, policy)
            .await?
            .map(|p| p.name)
            .unwrap_or_default();
        // One decision for all of them: what the access service lets the caller modify.
        let modifiable = self.scope(ctx, Operation::Modify).await?;
        let changed = store::set_resources_policy(&mut tx, &ids, &modifiable, &policy).await?;
        self.record_policy_breaches(&mut tx, ctx, &changed, &policy)
            .await?;
        let changed = changed.len() as u64;
        let target = match group {
            GroupRef::Default => Target::new("resource_group", DEFAULT_GROUP, "Default Group"),
            GroupRef::Stored(id) => {
                let g = self.own_group(&mut tx, ctx, id).await?;
                group_target(&g)
            }
        };
        let event = event(ctx, "resource_group.policy_changed", target)
            .with_details(serde_json::json!({ "password_policy": policy, "resources": changed }));
        self.outbox.record(&mut tx, &event).await?;
        self.outbox.commit(tx).await?;
        Ok(changed)
    }

    /// The group's resources by type, their accounts, and those whose password is older
    /// than `days`.
    pub async fn group_report(
        &self,
        ctx: &RequestContext,
        group: GroupRef,
        days: i32,
    ) -> Result<Vec<TypeCount>, VaultError> {
        if !(1..=3650).contains(&days) {
            return Err(VaultError::InvalidInput("days must be 1 to 3650".into()));
        }
        let ids = self.group_resource_ids(ctx, group).await?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let report = store::report(&mut tx, &ids, days).await?;
        tx.commit().await?;
        Ok(report)
    }

    /// A group of the caller's; anyone else's is "not found".
    pub(crate) async fn own_group(
        &self,
        tx: &mut TenantTx,
        ctx: &RequestContext,
        id: Uuid,
    ) -> Result<GroupRow, VaultError> {
        store::find_group(tx, id)
            .await?
            .filter(|g| g.owner_id == owner(ctx))
            .ok_or(VaultError::NotFound("resource group"))
    }

    async fn own_static_group(
        &self,
        tx: &mut TenantTx,
        ctx: &RequestContext,
        id: Uuid,
    ) -> Result<GroupRow, VaultError> {
        let group = self.own_group(tx, ctx, id).await?;
        if group.kind != "static" {
            return Err(VaultError::InvalidInput(
                "a dynamic group's resources follow its criteria: change those instead".into(),
            ));
        }
        Ok(group)
    }
}

/// What the group holds now, of what the caller may see.
async fn group_resources(
    tx: &mut TenantTx,
    visible: &VisibleRows,
    group: &GroupRow,
) -> Result<Vec<Uuid>, VaultError> {
    let ids = held_now(tx, group).await?;
    Ok(store::visible_among(tx, &ids, visible).await?)
}

/// The live resources the group holds now: a static group's members, a dynamic group's
/// matches.
pub(crate) async fn held_now(tx: &mut TenantTx, group: &GroupRow) -> Result<Vec<Uuid>, VaultError> {
    Ok(match &group.criteria {
        Some(criteria) if group.kind == "dynamic" => {
            let criteria: Criteria = serde_json::from_value(criteria.clone()).map_err(|_| {
                VaultError::Conflict(format!("the criteria of {} cannot be read", group.name))
            })?;
            store::matching_resources(tx, &criteria).await?
        }
        _ => store::static_group_resources(tx, group.id).await?,
    })
}

fn checked(input: &GroupInput) -> Result<(String, String, Option<serde_json::Value>), VaultError> {
    let name = required("name", &input.name, 100)?;
    if name.eq_ignore_ascii_case("Default Group") {
        return Err(VaultError::AlreadyExists(
            "Default Group is every user's own: choose another name".into(),
        ));
    }
    let description = optional("description", &input.description, 1000)?;
    let criteria = match &input.criteria {
        Some(c) => {
            c.check().map_err(VaultError::InvalidInput)?;
            Some(serde_json::to_value(c).map_err(|e| {
                VaultError::InvalidInput(format!("the criteria do not encode: {e}"))
            })?)
        }
        None => None,
    };
    Ok((name, description, criteria))
}

fn name_taken(name: &str) -> VaultError {
    VaultError::AlreadyExists(format!("you have a group named {name} there already"))
}

pub(crate) fn group_target(group: &GroupRow) -> Target {
    Target::new("resource_group", group.id, &group.name)
}
