//! Resources: add, list and search, read, edit, move to the trash and back, purge, and
//! mark as a favourite.

use strongroom_auth::RequestContext;
use strongroom_core::{Permission, ResourceId};
use strongroom_proto::access::Operation;

use crate::app::{Row, Vault, event, owner, resource_target};
use crate::error::{VaultError, unique_or};
use crate::fields::{
    FieldWrite, GivenFields, attach_account_fields, attach_resource_fields, resolve_type, specs_for,
};
use crate::groups::GroupRef;
use crate::store::FieldOwner;
use crate::store::{self, AccountRow, ResourceFields, ResourceFilter, ResourceRow};

mod validation;

pub use validation::validated;
#[cfg(test)]
use validation::{is_host, is_url};

/// Most resources one page lists.
pub const MAX_PAGE: i64 = 500;
pub const DEFAULT_PAGE: i64 = 50;

/// Changes to a resource: fields left out stay as they are.
#[derive(Debug, Default)]
pub struct ResourceChanges {
    pub name: Option<String>,
    pub resource_type: Option<String>,
    pub host: Option<String>,
    pub url: Option<String>,
    pub department: Option<String>,
    pub location: Option<String>,
    pub description: Option<String>,
    pub notes: Option<String>,
    pub password_policy: Option<String>,
}

impl ResourceChanges {
    /// The fields as they become, and the names of those that change.
    fn apply(self, row: &ResourceRow) -> (ResourceFields, Vec<&'static str>) {
        let mut changed = Vec::new();
        let mut pick = |name: &'static str, new: Option<String>, old: &str| match new {
            Some(new) if new.trim() != old => {
                changed.push(name);
                new
            }
            _ => old.to_owned(),
        };
        let fields = ResourceFields {
            name: pick("name", self.name, &row.name),
            resource_type: pick("type", self.resource_type, &row.resource_type),
            host: pick("host", self.host, &row.host),
            url: pick("url", self.url, &row.url),
            department: pick("department", self.department, &row.department),
            location: pick("location", self.location, &row.location),
            description: pick("description", self.description, &row.description),
            notes: pick("notes", self.notes, &row.notes),
            password_policy: pick(
                "password_policy",
                self.password_policy,
                &row.password_policy,
            ),
        };
        (fields, changed)
    }
}

/// A resource with its accounts, live ones first, then those in the trash.
pub struct ResourceDetail {
    pub resource: ResourceRow,
    pub accounts: Vec<AccountRow>,
}

/// The policy's name as stored, or a 400 when there is no such policy.
async fn policy_name(
    tx: &mut strongroom_tenancy::TenantTx,
    name: &str,
) -> Result<String, VaultError> {
    Ok(crate::policies::resolve(tx, name)
        .await?
        .map(|p| p.name)
        .unwrap_or_default())
}

fn name_taken(name: &str) -> impl FnOnce() -> VaultError + '_ {
    move || VaultError::AlreadyExists(format!("a resource named {name} already exists"))
}

impl Vault {
    /// Adds a resource the caller owns, with its type's and the org's additional fields.
    pub async fn create_resource(
        &self,
        ctx: &RequestContext,
        fields: ResourceFields,
        given: GivenFields,
    ) -> Result<ResourceRow, VaultError> {
        ctx.require(Permission::ResourcesCreate)?;
        let mut fields = validated(fields)?;
        let mut tx = self.db.begin(ctx.org()).await?;
        fields.password_policy = policy_name(&mut tx, &fields.password_policy).await?;
        let resource_type = resolve_type(&mut tx, &fields.resource_type).await?;
        fields.resource_type = resource_type.name.clone();
        let mut resource =
            store::create_resource(&mut tx, ResourceId::new().0, &fields, owner(ctx))
                .await
                .map_err(|e| unique_or(e, name_taken(&fields.name)))?;
        let specs = specs_for(&mut tx, FieldOwner::Resource, Some(&resource_type)).await?;
        let written = self
            .write_fields(
                &mut tx,
                ctx,
                FieldOwner::Resource,
                resource.id,
                &specs,
                &given,
                FieldWrite::Create,
            )
            .await?;
        let event = event(
            ctx,
            "resource.created",
            resource_target(resource.id, &resource.name),
        )
        .with_details(serde_json::json!({
            "type": resource.resource_type,
            "host": resource.host,
            "password_policy": resource.password_policy,
            "fields": written,
        }));
        self.outbox.record(&mut tx, &event).await?;
        attach_resource_fields(&mut tx, std::slice::from_mut(&mut resource)).await?;
        self.outbox.commit(tx).await?;
        Ok(resource)
    }

    /// One page of the resources the caller may see, and how many match in all.
    pub async fn list_resources(
        &self,
        ctx: &RequestContext,
        mut filter: ResourceFilter,
        group: Option<GroupRef>,
    ) -> Result<(Vec<ResourceRow>, i64), VaultError> {
        if filter.limit == 0 {
            filter.limit = DEFAULT_PAGE;
        }
        if !(1..=MAX_PAGE).contains(&filter.limit) {
            return Err(VaultError::InvalidInput(format!(
                "limit must be 1 to {MAX_PAGE}"
            )));
        }
        if filter.words.len() > 20 || filter.words.iter().any(|w| w.chars().count() > 200) {
            return Err(VaultError::InvalidInput(
                "a search has at most 20 words of at most 200 characters".into(),
            ));
        }
        if let Some(group) = group {
            filter.in_group = Some(self.group_resource_ids(ctx, group).await?);
        }
        let visible = self.visible(ctx).await?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let (mut rows, total) =
            store::list_resources(&mut tx, owner(ctx), &visible, &filter).await?;
        attach_resource_fields(&mut tx, &mut rows).await?;
        tx.commit().await?;
        Ok((rows, total))
    }

    /// A resource the caller may see, with those of its accounts they may see: all of them
    /// for its owner and those it is shared with, only the shared ones for someone an
    /// account of it is shared with.
    pub async fn get_resource(
        &self,
        ctx: &RequestContext,
        id: ResourceId,
    ) -> Result<ResourceDetail, VaultError> {
        let visible = self.visible(ctx).await?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let mut resource = store::find_resource(&mut tx, id.0, owner(ctx))
            .await?
            .ok_or(VaultError::NotFound("resource"))?;
        let mut accounts = store::list_accounts(&mut tx, resource.id, owner(ctx)).await?;
        let whole =
            visible.owners.contains(&resource.owner_id) || visible.resources.contains(&resource.id);
        accounts.retain(|a| whole || visible.accounts.contains(&a.id));
        if accounts.is_empty() && !whole {
            return Err(VaultError::NotFound("resource"));
        }
        attach_resource_fields(&mut tx, std::slice::from_mut(&mut resource)).await?;
        attach_account_fields(&mut tx, &mut accounts).await?;
        tx.commit().await?;
        Ok(ResourceDetail { resource, accounts })
    }

    pub async fn update_resource(
        &self,
        ctx: &RequestContext,
        id: ResourceId,
        changes: ResourceChanges,
        given: GivenFields,
    ) -> Result<ResourceRow, VaultError> {
        let mut tx = self.db.begin(ctx.org()).await?;
        let mut old = store::find_resource(&mut tx, id.0, owner(ctx))
            .await?
            .ok_or(VaultError::NotFound("resource"))?;
        // Modify access changes passwords and accounts; the resource itself is Full access's.
        self.require(ctx, Row::of_resource(&old), Operation::Manage, "resource")
            .await?;
        if old.deleted_at.is_some() {
            return Err(VaultError::InvalidInput(
                "the resource is in the trash: restore it first".into(),
            ));
        }
        let (fields, mut changed) = changes.apply(&old);
        let mut fields = validated(fields)?;
        let resource_type = resolve_type(&mut tx, &fields.resource_type).await?;
        fields.resource_type = resource_type.name.clone();
        if fields.resource_type == old.resource_type {
            changed.retain(|c| *c != "type");
        }
        if changed.is_empty() && given.is_empty() {
            attach_resource_fields(&mut tx, std::slice::from_mut(&mut old)).await?;
            return Ok(old);
        }
        fields.password_policy = policy_name(&mut tx, &fields.password_policy).await?;
        let mut updated = store::update_resource(&mut tx, id.0, &fields, owner(ctx))
            .await
            .map_err(|e| unique_or(e, name_taken(&fields.name)))?
            .ok_or(VaultError::NotFound("resource"))?;
        let specs = specs_for(&mut tx, FieldOwner::Resource, Some(&resource_type)).await?;
        let written = self
            .write_fields(
                &mut tx,
                ctx,
                FieldOwner::Resource,
                updated.id,
                &specs,
                &given,
                FieldWrite::Update,
            )
            .await?;
        if changed.contains(&"password_policy") {
            self.record_policy_breaches(&mut tx, ctx, &[updated.id], &fields.password_policy)
                .await?;
        }
        let event = event(
            ctx,
            "resource.updated",
            resource_target(updated.id, &updated.name),
        )
        .with_details(serde_json::json!({
            "changed": changed,
            "fields": written,
            "previous_name": old.name,
        }));
        self.outbox.record(&mut tx, &event).await?;
        attach_resource_fields(&mut tx, std::slice::from_mut(&mut updated)).await?;
        self.outbox.commit(tx).await?;
        Ok(updated)
    }

    /// Moves a resource and its accounts to the trash (their passwords stay sealed there,
    /// unrevealable, until restored or purged), or with `purge` deletes one in the trash
    /// for good. `confirm` must repeat the resource's name. Returns the accounts it took.
    pub async fn delete_resource(
        &self,
        ctx: &RequestContext,
        id: ResourceId,
        confirm: &str,
        purge: bool,
    ) -> Result<i64, VaultError> {
        let mut tx = self.db.begin(ctx.org()).await?;
        let found = store::find_resource(&mut tx, id.0, owner(ctx))
            .await?
            .ok_or(VaultError::NotFound("resource"))?;
        self.require(ctx, Row::of_resource(&found), Operation::Manage, "resource")
            .await?;
        if confirm.trim() != found.name {
            return Err(VaultError::InvalidInput(
                "confirm must repeat the resource's name".into(),
            ));
        }
        let (operation, accounts) = if purge {
            let accounts = store::purge_resource(&mut tx, id.0).await?.ok_or_else(|| {
                VaultError::InvalidInput("only a resource in the trash can be purged".into())
            })?;
            ("resource.purged", accounts)
        } else {
            if !store::set_resource_trashed(&mut tx, id.0, Some(owner(ctx))).await? {
                return Err(VaultError::InvalidInput(
                    "the resource is in the trash already".into(),
                ));
            }
            ("resource.deleted", found.accounts)
        };
        let event = event(ctx, operation, resource_target(found.id, &found.name))
            .with_details(serde_json::json!({ "accounts": accounts }));
        self.outbox.record(&mut tx, &event).await?;
        self.outbox.commit(tx).await?;
        Ok(accounts)
    }

    pub async fn restore_resource(
        &self,
        ctx: &RequestContext,
        id: ResourceId,
    ) -> Result<ResourceRow, VaultError> {
        let mut tx = self.db.begin(ctx.org()).await?;
        let found = store::find_resource(&mut tx, id.0, owner(ctx))
            .await?
            .ok_or(VaultError::NotFound("resource"))?;
        self.require(ctx, Row::of_resource(&found), Operation::Manage, "resource")
            .await?;
        let restored = store::set_resource_trashed(&mut tx, id.0, None)
            .await
            .map_err(|e| {
                unique_or(e, || {
                    VaultError::AlreadyExists(format!(
                        "another resource is named {} now: rename it first",
                        found.name
                    ))
                })
            })?;
        if !restored {
            return Err(VaultError::InvalidInput(
                "the resource is not in the trash".into(),
            ));
        }
        let event = event(
            ctx,
            "resource.restored",
            resource_target(found.id, &found.name),
        );
        self.outbox.record(&mut tx, &event).await?;
        let mut resource = store::find_resource(&mut tx, id.0, owner(ctx))
            .await?
            .ok_or(VaultError::NotFound("resource"))?;
        attach_resource_fields(&mut tx, std::slice::from_mut(&mut resource)).await?;
        self.outbox.commit(tx).await?;
        Ok(resource)
    }

    /// Marks a resource the caller may see as one of their favourites, or not.
    pub async fn set_favourite_resource(
        &self,
        ctx: &RequestContext,
        id: ResourceId,
        favourite: bool,
    ) -> Result<(), VaultError> {
        let mut tx = self.db.begin(ctx.org()).await?;
        let found = store::find_resource(&mut tx, id.0, owner(ctx))
            .await?
            .ok_or(VaultError::NotFound("resource"))?;
        self.require(ctx, Row::of_resource(&found), Operation::View, "resource")
            .await?;
        store::set_favourite(
            &mut tx,
            store::Favourite::Resource,
            owner(ctx),
            id.0,
            favourite,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests;
