//! Resource types: the built-in catalogue (`resource_types`) and the org's own.

use strongroom_auth::RequestContext;
use strongroom_core::Permission;
use strongroom_events::Target;
use strongroom_tenancy::TenantTx;

use crate::app::{Vault, event};
use crate::error::VaultError;
use crate::resource_types::{FieldSpec, ResourceType, check_type, find_built_in};
use crate::store;

/// The resource type named so: a built-in one (by name or alias) or the org's own.
pub async fn resolve_type(tx: &mut TenantTx, name: &str) -> Result<ResourceType, VaultError> {
    if let Some(t) = find_built_in(name) {
        return Ok(t);
    }
    match store::find_resource_type(tx, name).await? {
        Some(row) => type_from_row(row),
        None => Err(VaultError::InvalidInput(format!(
            "there is no resource type named {}",
            name.trim()
        ))),
    }
}

fn type_from_row(row: store::ResourceTypeRow) -> Result<ResourceType, VaultError> {
    let fields: Vec<FieldSpec> = serde_json::from_value(row.fields).map_err(|e| {
        tracing::error!(resource_type = %row.name, error = %e, "a stored resource type does not read");
        VaultError::Conflict(format!("the resource type {} cannot be read", row.name))
    })?;
    Ok(ResourceType {
        name: row.name,
        category: row.category,
        fields,
        built_in: false,
    })
}

impl Vault {
    /// The built-in resource types, then the org's own by name.
    pub async fn list_resource_types(
        &self,
        ctx: &RequestContext,
    ) -> Result<Vec<ResourceType>, VaultError> {
        let mut tx = self.db.begin(ctx.org()).await?;
        let rows = store::list_resource_types(&mut tx).await?;
        tx.commit().await?;
        let mut types = crate::resource_types::built_in();
        for row in rows {
            types.push(type_from_row(row)?);
        }
        Ok(types)
    }

    /// Adds one of the org's own resource types, or changes one; built-in types cannot
    /// change.
    pub async fn save_resource_type(
        &self,
        ctx: &RequestContext,
        mut t: ResourceType,
    ) -> Result<ResourceType, VaultError> {
        ctx.require(Permission::VaultSettingsManage)?;
        t.name = t.name.trim().to_owned();
        if find_built_in(&t.name).is_some() {
            return Err(VaultError::Conflict(format!(
                "{} is a built-in resource type and cannot change",
                t.name
            )));
        }
        check_type(&t).map_err(VaultError::InvalidInput)?;
        let fields = serde_json::to_value(&t.fields)
            .map_err(|e| VaultError::InvalidInput(format!("the fields do not encode: {e}")))?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let row = store::save_resource_type(
            &mut tx,
            &store::ResourceTypeRow {
                name: t.name.clone(),
                category: t.category.clone(),
                fields: fields.clone(),
                source: store::Source::Local.as_str().into(),
            },
        )
        .await?;
        let saved = type_from_row(row)?;
        let event = event(
            ctx,
            "resource_type.saved",
            Target::new("resource_type", &saved.name, &saved.name),
        )
        .with_details(serde_json::json!({ "category": saved.category, "fields": fields }));
        self.outbox.record(&mut tx, &event).await?;
        self.outbox.commit(tx).await?;
        Ok(saved)
    }

    /// Deletes one of the org's own resource types that no resource has.
    pub async fn delete_resource_type(
        &self,
        ctx: &RequestContext,
        name: &str,
    ) -> Result<(), VaultError> {
        ctx.require(Permission::VaultSettingsManage)?;
        if find_built_in(name).is_some() {
            return Err(VaultError::Conflict(format!(
                "{name} is a built-in resource type and cannot be deleted"
            )));
        }
        let mut tx = self.db.begin(ctx.org()).await?;
        let using = store::count_resources_of_type(&mut tx, name).await?;
        if using > 0 {
            return Err(VaultError::Conflict(format!(
                "{using} resource(s) are of type {name}: change their type first"
            )));
        }
        if !store::delete_resource_type(&mut tx, name).await? {
            return Err(VaultError::NotFound("resource type"));
        }
        let event = event(
            ctx,
            "resource_type.deleted",
            Target::new("resource_type", name, name),
        );
        self.outbox.record(&mut tx, &event).await?;
        self.outbox.commit(tx).await?;
        Ok(())
    }
}
