//! Accounts of a resource.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use strongroom_proto::vault as pb;
use utoipa::ToSchema;

use super::fields::{FieldValue, field_values};
use crate::dto::or_null;

/// An account to add to a resource, with its password (stored sealed).
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccount {
    #[schema(example = "postgres")]
    pub username: String,
    #[schema(format = Password)]
    pub password: String,
    #[serde(default)]
    pub notes: String,
    /// Values of the org's additional account fields, by name.
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
}

/// Only the fields present change.
#[derive(Serialize, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountChanges {
    pub username: Option<String>,
    pub notes: Option<String>,
    /// Fields to set, by name; an empty value clears one.
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountMove {
    /// The resource the account goes to.
    pub resource_id: String,
}

/// An account of a resource; its password is only ever revealed on its own.
#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct Account {
    pub id: String,
    pub resource_id: String,
    pub resource_name: String,
    pub username: String,
    pub notes: String,
    pub created_at: String,
    pub updated_at: String,
    /// The current password's version.
    pub password_version: u32,
    pub password_changed_at: String,
    pub favourite: bool,
    /// When it (or its resource) went to the trash; `null` while it is live.
    pub deleted_at: Option<String>,
    /// Its additional fields' values.
    pub fields: Vec<FieldValue>,
    /// Under access control (its own, or its resource's): its password is revealed only
    /// through an approved request checked out (`/access-requests`).
    pub access_controlled: bool,
}

impl From<pb::Account> for Account {
    fn from(a: pb::Account) -> Self {
        Self {
            id: a.id,
            resource_id: a.resource_id,
            resource_name: a.resource_name,
            username: a.username,
            notes: a.notes,
            created_at: a.created_at,
            updated_at: a.updated_at,
            password_version: a.password_version,
            password_changed_at: a.password_changed_at,
            favourite: a.favourite,
            access_controlled: a.access_controlled,
            deleted_at: or_null(a.deleted_at),
            fields: field_values(a.fields),
        }
    }
}
