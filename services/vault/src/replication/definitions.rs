//! MSPOrg's definitions of each replicated kind (password policies, resource types,
//! additional fields), as a template holds them, and what becomes of one in a client org.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use strongroom_tenancy::TenantTx;

use crate::store::{self, AdditionalFieldRow, ResourceTypeRow, Source};

/// What becomes of one of MSPOrg's definitions in a client org.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
    Created,
    Updated,
    Unchanged,
    /// The org's own definition of that name stays.
    Kept,
}

/// The outcome for a definition the org has as `existing` (its source, and whether it
/// equals MSPOrg's), if at all.
pub(super) fn outcome(existing: Option<(Source, bool)>) -> Outcome {
    match existing {
        None => Outcome::Created,
        Some((Source::Local, _)) => Outcome::Kept,
        Some((Source::Msp, true)) => Outcome::Unchanged,
        Some((Source::Msp, false)) => Outcome::Updated,
    }
}

pub(super) fn source(stored: &str) -> Source {
    if stored == Source::Msp.as_str() {
        Source::Msp
    } else {
        Source::Local
    }
}

/// One of MSPOrg's definitions, as a template holds it.
pub(super) trait Definition: Serialize + DeserializeOwned + PartialEq + Send + Sync {
    /// The kind of target its audit events name.
    const TARGET: &'static str;
    fn name(&self) -> String;
    /// The org's definition of the same name, and whose it is.
    fn find(
        &self,
        tx: &mut TenantTx,
    ) -> impl Future<Output = Result<Option<(Self, Source)>, sqlx::Error>> + Send;
    /// Adds it as MSPOrg's, or brings MSPOrg's up to date.
    fn save(&self, tx: &mut TenantTx) -> impl Future<Output = Result<(), sqlx::Error>> + Send;
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct PolicyDefinition {
    name: String,
    rules: Value,
}

impl From<store::PolicyRow> for PolicyDefinition {
    fn from(row: store::PolicyRow) -> Self {
        Self {
            name: row.name,
            rules: row.rules,
        }
    }
}

impl Definition for PolicyDefinition {
    const TARGET: &'static str = "password_policy";

    fn name(&self) -> String {
        self.name.clone()
    }

    async fn find(&self, tx: &mut TenantTx) -> Result<Option<(Self, Source)>, sqlx::Error> {
        Ok(store::find_policy(tx, &self.name).await?.map(|row| {
            let source = source(&row.source);
            (row.into(), source)
        }))
    }

    async fn save(&self, tx: &mut TenantTx) -> Result<(), sqlx::Error> {
        store::save_policy(tx, &self.name, &self.rules, Source::Msp).await?;
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct TypeDefinition {
    name: String,
    category: String,
    fields: Value,
}

impl From<ResourceTypeRow> for TypeDefinition {
    fn from(row: ResourceTypeRow) -> Self {
        Self {
            name: row.name,
            category: row.category,
            fields: row.fields,
        }
    }
}

impl Definition for TypeDefinition {
    const TARGET: &'static str = "resource_type";

    fn name(&self) -> String {
        self.name.clone()
    }

    async fn find(&self, tx: &mut TenantTx) -> Result<Option<(Self, Source)>, sqlx::Error> {
        Ok(store::find_resource_type(tx, &self.name).await?.map(|row| {
            let source = source(&row.source);
            (row.into(), source)
        }))
    }

    async fn save(&self, tx: &mut TenantTx) -> Result<(), sqlx::Error> {
        let row = ResourceTypeRow {
            name: self.name.clone(),
            category: self.category.clone(),
            fields: self.fields.clone(),
            source: Source::Msp.as_str().into(),
        };
        store::save_resource_type(tx, &row).await?;
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct FieldDefinition {
    pub(super) applies_to: String,
    pub(super) name: String,
    pub(super) kind: String,
    pub(super) required: bool,
}

impl From<AdditionalFieldRow> for FieldDefinition {
    fn from(row: AdditionalFieldRow) -> Self {
        Self {
            applies_to: row.applies_to,
            name: row.name,
            kind: row.kind,
            required: row.required,
        }
    }
}

impl Definition for FieldDefinition {
    const TARGET: &'static str = "additional_field";

    /// `<resource|account>/<name>`: a resource and an account field may share a name.
    fn name(&self) -> String {
        format!("{}/{}", self.applies_to, self.name)
    }

    async fn find(&self, tx: &mut TenantTx) -> Result<Option<(Self, Source)>, sqlx::Error> {
        Ok(
            store::find_additional_field(tx, &self.applies_to, &self.name)
                .await?
                .map(|row| {
                    let source = source(&row.source);
                    (row.into(), source)
                }),
        )
    }

    async fn save(&self, tx: &mut TenantTx) -> Result<(), sqlx::Error> {
        let row = AdditionalFieldRow {
            applies_to: self.applies_to.clone(),
            name: self.name.clone(),
            kind: self.kind.clone(),
            required: self.required,
            source: Source::Msp.as_str().into(),
        };
        store::save_additional_field(tx, &row).await?;
        Ok(())
    }
}
