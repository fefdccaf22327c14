//! Resource types and fields: the built-in and the org's own resource types (`types`), the
//! org's additional fields of resources and accounts (`additional`), the values a resource
//! or an account gives them (a password-kind value sealed under the org's data key), and
//! revealing a sealed one.

use std::collections::{BTreeMap, HashMap};

use strongroom_auth::RequestContext;
use strongroom_core::OrgId;
use strongroom_crypto::{DataKey, FieldAad, open_field, seal_field};
use strongroom_tenancy::TenantTx;
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::app::{Row, Vault, event, owner};
use crate::error::VaultError;
use crate::resource_types::{FieldKind, FieldSpec, ResourceType};
use crate::reveal::Showing;
use crate::store::{self, FieldOwner, FieldValueRow, StoredValue};

mod additional;
mod types;

pub use additional::AdditionalField;
pub use types::resolve_type;

/// Field values a request gives, by field name; values may be secrets (wiped on drop).
pub type GivenFields = BTreeMap<String, Zeroizing<String>>;

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
        .filter_map(additional::from_row)
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

    /// A password-kind field's value, to a caller who may reveal the resource or account;
    /// its audit event commits before the value leaves.
    pub async fn reveal_field(
        &self,
        ctx: &RequestContext,
        owner_kind: FieldOwner,
        id: Uuid,
        name: &str,
        showing: &Showing,
    ) -> Result<Zeroizing<String>, VaultError> {
        let mut tx = self.db.begin(ctx.org()).await?;
        let (row, target) = match owner_kind {
            FieldOwner::Resource => {
                let r = store::find_resource(&mut tx, id, owner(ctx))
                    .await?
                    .ok_or(VaultError::NotFound("resource"))?;
                (
                    Row::of_resource(&r),
                    crate::app::resource_target(r.id, &r.name),
                )
            }
            FieldOwner::Account => {
                let a = store::find_account(&mut tx, id, owner(ctx))
                    .await?
                    .ok_or(VaultError::NotFound("account"))?;
                (
                    Row::of_account(&a),
                    crate::app::account_target(a.id, &a.resource_name, &a.username),
                )
            }
        };
        self.require_showing(ctx, row, owner_kind.as_str(), &showing.ticket_id)
            .await?;
        let sealed = store::find_sealed_field(&mut tx, owner_kind, id, name)
            .await?
            .ok_or(VaultError::NotFound("field"))?;
        let key = self.keys.version_in_tx(&mut tx, sealed.key_version).await?;
        let value = open_value(&key, ctx.org(), owner_kind, id, name, &sealed)?;
        let event = event(ctx, "field.revealed", target).with_details(serde_json::json!({
            "field": name,
            "reason": showing.reason,
            "ticket_id": showing.ticket_id,
        }));
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
