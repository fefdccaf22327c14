//! The org's additional fields: fields every resource or every account of the org carries,
//! beside its type's.

use strongroom_auth::RequestContext;
use strongroom_core::Permission;
use strongroom_events::Target;

use crate::app::{Vault, event};
use crate::error::VaultError;
use crate::resource_types::{FieldKind, check_field_name};
use crate::store::{self, AdditionalFieldRow, FieldOwner};

/// An additional field every resource or every account of the org carries.
#[derive(Debug, Clone)]
pub struct AdditionalField {
    pub applies_to: FieldOwner,
    pub name: String,
    pub kind: FieldKind,
    pub required: bool,
}

pub(super) fn from_row(row: AdditionalFieldRow) -> Option<AdditionalField> {
    Some(AdditionalField {
        applies_to: FieldOwner::parse(&row.applies_to)?,
        kind: FieldKind::parse(&row.kind)?,
        name: row.name,
        required: row.required,
    })
}

impl Vault {
    pub async fn list_additional_fields(
        &self,
        ctx: &RequestContext,
    ) -> Result<Vec<AdditionalField>, VaultError> {
        let mut tx = self.db.begin(ctx.org()).await?;
        let rows = store::list_additional_fields(&mut tx).await?;
        tx.commit().await?;
        Ok(rows.into_iter().filter_map(from_row).collect())
    }

    /// Adds an additional field to every resource or every account, or changes one's kind
    /// or whether it is required (existing values are not re-checked).
    pub async fn save_additional_field(
        &self,
        ctx: &RequestContext,
        field: AdditionalField,
    ) -> Result<AdditionalField, VaultError> {
        ctx.require(Permission::VaultSettingsManage)?;
        check_field_name(&field.name).map_err(VaultError::InvalidInput)?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let row = store::save_additional_field(
            &mut tx,
            &AdditionalFieldRow {
                applies_to: field.applies_to.as_str().into(),
                name: field.name.clone(),
                kind: field.kind.as_str().into(),
                required: field.required,
                source: store::Source::Local.as_str().into(),
            },
        )
        .await?;
        let event = event(
            ctx,
            "additional_field.saved",
            Target::new("additional_field", &row.name, &row.name),
        )
        .with_details(serde_json::json!({
            "applies_to": row.applies_to, "kind": row.kind, "required": row.required,
        }));
        self.outbox.record(&mut tx, &event).await?;
        self.outbox.commit(tx).await?;
        from_row(row).ok_or(VaultError::NotFound("additional field"))
    }

    /// Deletes an additional field and every value of it.
    pub async fn delete_additional_field(
        &self,
        ctx: &RequestContext,
        applies_to: FieldOwner,
        name: &str,
    ) -> Result<(), VaultError> {
        ctx.require(Permission::VaultSettingsManage)?;
        let mut tx = self.db.begin(ctx.org()).await?;
        if !store::delete_additional_field(&mut tx, applies_to, name).await? {
            return Err(VaultError::NotFound("additional field"));
        }
        let event = event(
            ctx,
            "additional_field.deleted",
            Target::new("additional_field", name, name),
        )
        .with_details(serde_json::json!({ "applies_to": applies_to.as_str() }));
        self.outbox.record(&mut tx, &event).await?;
        self.outbox.commit(tx).await?;
        Ok(())
    }
}
