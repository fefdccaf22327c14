//! Resource types, additional fields and their values.

use serde::{Deserialize, Serialize};
use strongroom_proto::vault as pb;
use utoipa::ToSchema;

/// A field's value; a password-kind field shows `null` (reveal it on its own).
#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct FieldValue {
    pub name: String,
    pub value: Option<String>,
    /// A password-kind field: sealed, revealed only on its own and audited.
    pub secret: bool,
}

pub(super) fn field_values(values: Vec<pb::FieldValue>) -> Vec<FieldValue> {
    values
        .into_iter()
        .map(|v| FieldValue {
            name: v.name,
            value: (!v.secret).then_some(v.value),
            secret: v.secret,
        })
        .collect()
}

/// A field a resource type gives its resources.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    /// Lowercase letters, digits and `_`, beginning with a letter.
    #[schema(example = "port")]
    pub name: String,
    #[serde(default)]
    #[schema(example = "Port")]
    pub label: String,
    /// `text`, `number`, `date` (YYYY-MM-DD), `multiline` or `password` (sealed, revealed
    /// on its own and audited).
    #[schema(example = "number")]
    pub kind: String,
    #[serde(default)]
    pub required: bool,
    /// The value a new resource gets when it gives none.
    #[serde(default)]
    pub default: String,
}

/// A resource type: built in (with the fields a password reset needs) or the org's own.
#[derive(Debug, Serialize, ToSchema, Deserialize)]
pub struct ResourceType {
    pub name: String,
    /// `operating_system`, `database`, `network_device`, `directory`, `application`,
    /// `cloud` or `other`.
    pub category: String,
    pub fields: Vec<FieldSpec>,
    pub built_in: bool,
}

impl From<pb::ResourceType> for ResourceType {
    fn from(t: pb::ResourceType) -> Self {
        Self {
            name: t.name,
            category: t.category,
            fields: t
                .fields
                .into_iter()
                .map(|f| FieldSpec {
                    name: f.name,
                    label: f.label,
                    kind: f.kind,
                    required: f.required,
                    default: f.default,
                })
                .collect(),
            built_in: t.built_in,
        }
    }
}

#[derive(Debug, Serialize, ToSchema, Deserialize)]
pub struct ResourceTypeList {
    pub types: Vec<ResourceType>,
}

/// One of the org's own resource types.
#[derive(Debug, Deserialize, ToSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceTypeBody {
    #[schema(example = "other")]
    pub category: String,
    #[serde(default)]
    pub fields: Vec<FieldSpec>,
}

/// A field every resource, or every account, of the org carries.
#[derive(Debug, Serialize, ToSchema, Deserialize)]
pub struct AdditionalField {
    /// `resource` or `account`.
    pub applies_to: String,
    pub name: String,
    /// `text`, `number`, `date`, `multiline` or `password`.
    pub kind: String,
    pub required: bool,
}

impl From<pb::AdditionalField> for AdditionalField {
    fn from(f: pb::AdditionalField) -> Self {
        Self {
            applies_to: f.applies_to,
            name: f.name,
            kind: f.kind,
            required: f.required,
        }
    }
}

#[derive(Debug, Serialize, ToSchema, Deserialize)]
pub struct AdditionalFieldList {
    pub fields: Vec<AdditionalField>,
}

#[derive(Debug, Deserialize, ToSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AdditionalFieldBody {
    /// `text`, `number`, `date`, `multiline` or `password`.
    #[schema(example = "text")]
    pub kind: String,
    #[serde(default)]
    pub required: bool,
}

/// A password-kind field's value, revealed (and audited).
#[derive(Serialize, ToSchema)]
pub struct RevealedField {
    #[schema(format = Password)]
    pub value: String,
}
