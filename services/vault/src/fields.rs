//! Resource types and fields: the built-in and the org's own resource types, the org's
//! additional fields of resources and accounts, the values a resource or an account gives
//! them (a password-kind value sealed under the org's data key), and revealing a sealed one.

use std::collections::{BTreeMap, HashMap};

use strongroom_auth::RequestContext;
use strongroom_core::{OrgId, Permission};
use strongroom_crypto::{DataKey, FieldAad, open_field, seal_field};
use strongroom_events::Target;
use strongroom_proto::access::Operation;
use strongroom_tenancy::TenantTx;
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::app::{Row, Vault, event, optional, owner};
use crate::error::VaultError;
use crate::resource_types::{
    FieldKind, FieldSpec, ResourceType, check_field_name, check_type, find_built_in,
};
use crate::store::{self, AdditionalFieldRow, FieldOwner, FieldValueRow, StoredValue};

/// Field values a request gives, by field name; values may be secrets (wiped on drop).
pub type GivenFields = BTreeMap<String, Zeroizing<String>>;

/// An additional field every resource or every account of the org carries.
#[derive(Debug, Clone)]
pub struct AdditionalField {
    pub applies_to: FieldOwner,
    pub name: String,
    pub kind: FieldKind,
    pub required: bool,
}

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

fn additional_from_row(row: AdditionalFieldRow) -> Option<AdditionalField> {
    Some(AdditionalField {
        applies_to: FieldOwner::parse(&row.applies_to)?,
        kind: FieldKind::parse(&row.kind)?,
        name: row.name,
        required: row.required,
    })
}

/// The fields an owner carries: its type's (for a resource) and the org's additional ones.
pub async fn specs_for(
    tx: &mut TenantTx,
    owner: FieldOwner,
    resource_type: Option<&ResourceType>,
) -> Result<Vec<FieldSpec>, VaultError> {
    let mut specs = resource_type.map(|t| t.fields.clone()).unwrap_or_default();
    for field in store::list_additional_fields(tx)
        .await?
        .into_iter()
        .filter_map(additional_from_row)
        .filter(|f| f.applies_to == owner)
    {
        if !specs.iter().any(|s| s.name == field.name) {
            specs.push(FieldSpec {
                label: field.name.clone(),
                name: field.name,
                kind: field.kind,
                required: field.required,
                default: String::new(),
            });
        }
    }
    Ok(specs)
}

/// The values of these owners' fields, by owner; a sealed one shows no value.
pub async fn shown_fields(
    tx: &mut TenantTx,
    owner: FieldOwner,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<FieldValueRow>>, VaultError> {
    let mut shown: HashMap<Uuid, Vec<FieldValueRow>> = HashMap::new();
    if ids.is_empty() {
        return Ok(shown);
    }
    for row in store::list_field_values(tx, owner, ids).await? {
        shown.entry(row.owner_id).or_default().push(row);
    }
    Ok(shown)
}

/// Whether the write creates the owner (required fields and defaults apply to all) or
/// changes some of its fields (only those given; an empty value clears one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldWrite {
    Create,
    Update,
}

impl Vault {
    /// Checks `given` against `specs` and stores it: each value of its field's kind, every
    /// required field set (from its default when one exists), password-kind values sealed.
    /// Values of fields the owner no longer carries are dropped. Returns the names of the
    /// fields written, for the audit trail (never their values).
    #[allow(clippy::too_many_arguments)]
    pub async fn write_fields(
        &self,
        tx: &mut TenantTx,
        ctx: &RequestContext,
        owner: FieldOwner,
        id: Uuid,
        specs: &[FieldSpec],
        given: &GivenFields,
        write: FieldWrite,
    ) -> Result<Vec<String>, VaultError> {
        for name in given.keys() {
            if !specs.iter().any(|s| &s.name == name) {
                return Err(VaultError::InvalidInput(format!(
                    "there is no field {name} for this {}",
                    owner.as_str()
                )));
            }
        }
        let existing: Vec<String> = store::list_field_values(tx, owner, &[id])
            .await?
            .into_iter()
            .map(|v| v.name)
            .collect();
        for name in existing
            .iter()
            .filter(|n| !specs.iter().any(|s| &s.name == *n))
        {
            store::delete_field_value(tx, owner, id, name).await?;
        }
        let mut written = Vec::new();
        for spec in specs {
            let value = match given.get(&spec.name) {
                Some(value) => value.trim().to_owned(),
                None if write == FieldWrite::Create || !existing.contains(&spec.name) => {
                    spec.default.clone()
                }
                None => continue,
            };
            if value.is_empty() {
                if spec.required {
                    return Err(VaultError::InvalidInput(format!(
                        "field {} is required",
                        spec.name
                    )));
                }
                if existing.contains(&spec.name) {
                    store::delete_field_value(tx, owner, id, &spec.name).await?;
                    written.push(spec.name.clone());
                }
                continue;
            }
            spec.kind
                .check(&value)
                .map_err(|why| VaultError::InvalidInput(format!("field {} {why}", spec.name)))?;
            if spec.kind == FieldKind::Password {
                let (key_version, key) = self.keys.in_tx(tx).await?.current();
                let aad = FieldAad {
                    org: ctx.org(),
                    owner_kind: owner.as_str(),
                    owner: id,
                    key_version,
                    name: &spec.name,
                };
                let sealed = seal_field(&key, &aad, value.as_bytes())?;
                store::set_field_value(
                    tx,
                    owner,
                    id,
                    &spec.name,
                    StoredValue::Sealed {
                        key_version,
                        ciphertext: &sealed,
                    },
                )
                .await?;
            } else {
                store::set_field_value(tx, owner, id, &spec.name, StoredValue::Text(&value))
                    .await?;
            }
            written.push(spec.name.clone());
        }
        Ok(written)
    }

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

    pub async fn list_additional_fields(
        &self,
        ctx: &RequestContext,
    ) -> Result<Vec<AdditionalField>, VaultError> {
        let mut tx = self.db.begin(ctx.org()).await?;
        let rows = store::list_additional_fields(&mut tx).await?;
        tx.commit().await?;
        Ok(rows.into_iter().filter_map(additional_from_row).collect())
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
        additional_from_row(row).ok_or(VaultError::NotFound("additional field"))
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

    /// A password-kind field's value, to a caller who may reveal the resource or account;
    /// its audit event commits before the value leaves.
    pub async fn reveal_field(
        &self,
        ctx: &RequestContext,
        owner_kind: FieldOwner,
        id: Uuid,
        name: &str,
        reason: &str,
    ) -> Result<Zeroizing<String>, VaultError> {
        let reason = optional("reason", reason, 500)?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let (row, target) = match owner_kind {
            FieldOwner::Resource => {
                let r = store::find_resource(&mut tx, id, owner(ctx))
                    .await?
                    .ok_or(VaultError::NotFound("resource"))?;
                let row = Row {
                    resource: r.id,
                    account: None,
                    owner: r.owner_id,
                };
                (row, crate::app::resource_target(r.id, &r.name))
            }
            FieldOwner::Account => {
                let a = store::find_account(&mut tx, id, owner(ctx))
                    .await?
                    .ok_or(VaultError::NotFound("account"))?;
                let row = crate::accounts::account_row(&a);
                (
                    row,
                    crate::app::account_target(a.id, &a.resource_name, &a.username),
                )
            }
        };
        self.require(ctx, row, Operation::Reveal, owner_kind.as_str())
            .await?;
        let sealed = store::find_sealed_field(&mut tx, owner_kind, id, name)
            .await?
            .ok_or(VaultError::NotFound("field"))?;
        let key = self.keys.version_in_tx(&mut tx, sealed.key_version).await?;
        let value = open_value(&key, ctx.org(), owner_kind, id, name, &sealed)?;
        let event = event(ctx, "field.revealed", target)
            .with_details(serde_json::json!({ "field": name, "reason": reason }));
        self.outbox.record(&mut tx, &event).await?;
        self.outbox.commit(tx).await?;
        Ok(value)
    }
}

/// Fills in the field values of these resources.
pub async fn attach_resource_fields(
    tx: &mut TenantTx,
    rows: &mut [store::ResourceRow],
) -> Result<(), VaultError> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut shown = shown_fields(tx, FieldOwner::Resource, &ids).await?;
    for row in rows {
        row.fields = shown.remove(&row.id).unwrap_or_default();
    }
    Ok(())
}

/// Fills in the field values of these accounts.
pub async fn attach_account_fields(
    tx: &mut TenantTx,
    rows: &mut [store::AccountRow],
) -> Result<(), VaultError> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut shown = shown_fields(tx, FieldOwner::Account, &ids).await?;
    for row in rows {
        row.fields = shown.remove(&row.id).unwrap_or_default();
    }
    Ok(())
}

/// A sealed field value, opened with the data key of its version.
pub fn open_value(
    key: &DataKey,
    org: OrgId,
    owner_kind: FieldOwner,
    owner: Uuid,
    name: &str,
    sealed: &store::SealedField,
) -> Result<Zeroizing<String>, VaultError> {
    let aad = FieldAad {
        org,
        owner_kind: owner_kind.as_str(),
        owner,
        key_version: sealed.key_version,
        name,
    };
    let plain = open_field(key, &aad, &sealed.ciphertext)?;
    String::from_utf8(plain.to_vec())
        .map(Zeroizing::new)
        .map_err(|_| VaultError::InvalidInput("the stored value is not text".into()))
}
