//! Resources: adding, changing, listing and deleting them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use strongroom_proto::vault as pb;
use utoipa::{IntoParams, ToSchema};

use super::accounts::Account;
use super::fields::{FieldValue, field_values};
use crate::dto::or_null;

/// A resource to add; the caller owns it.
#[derive(Serialize, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewResource {
    #[schema(example = "db1")]
    pub name: String,
    /// The kind of system, e.g. `PostgreSQL`, `Linux`, `Windows`.
    #[serde(rename = "type")]
    #[schema(example = "PostgreSQL")]
    pub resource_type: String,
    /// A DNS name or an IP address.
    #[serde(default)]
    #[schema(example = "db1.acme.test")]
    pub host: String,
    /// An absolute URL (`https://...`, `ssh://...`).
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub department: String,
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub notes: String,
    /// The password policy its passwords must satisfy (`low`, `medium`, `strong` or a
    /// custom one's name); left out, none.
    #[serde(default)]
    pub password_policy: String,
    /// Values of its type's fields and the org's additional fields, by field name
    /// (`GET /resource-types`, `GET /additional-fields`); a password-kind value is sealed.
    #[serde(default)]
    #[schema(example = json!({"port": "5432", "database": "ledger"}))]
    pub fields: BTreeMap<String, String>,
}

/// Only the fields present change.
#[derive(Serialize, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceChanges {
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub resource_type: Option<String>,
    pub host: Option<String>,
    pub url: Option<String>,
    pub department: Option<String>,
    pub location: Option<String>,
    pub description: Option<String>,
    pub notes: Option<String>,
    /// A policy's name, or `""` for none.
    pub password_policy: Option<String>,
    /// Fields to set, by name; an empty value clears one.
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
}

/// A resource: a system whose privileged accounts the vault keeps.
#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct Resource {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub resource_type: String,
    pub host: String,
    pub url: String,
    pub department: String,
    pub location: String,
    pub description: String,
    pub notes: String,
    /// The policy its passwords must satisfy; `null` for none.
    pub password_policy: Option<String>,
    /// The user who owns it.
    pub owner_id: String,
    pub created_at: String,
    pub updated_at: String,
    /// Its live accounts.
    pub accounts: u32,
    /// One of the caller's favourites.
    pub favourite: bool,
    /// When it went to the trash; `null` while it is live.
    pub deleted_at: Option<String>,
    /// Its fields' values.
    pub fields: Vec<FieldValue>,
}

impl From<pb::Resource> for Resource {
    fn from(r: pb::Resource) -> Self {
        Self {
            id: r.id,
            name: r.name,
            resource_type: r.resource_type,
            host: r.host,
            url: r.url,
            department: r.department,
            location: r.location,
            description: r.description,
            notes: r.notes,
            password_policy: or_null(r.password_policy),
            owner_id: r.owner_id,
            created_at: r.created_at,
            updated_at: r.updated_at,
            accounts: r.accounts,
            favourite: r.favourite,
            deleted_at: or_null(r.deleted_at),
            fields: field_values(r.fields),
        }
    }
}

/// Which resources a listing shows, and in which order.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ResourceQuery {
    /// Words searched in names, types, hosts, URLs, descriptions, departments, locations,
    /// notes, and account usernames and notes (never passwords); each must match.
    #[serde(default)]
    pub q: String,
    /// Resources whose name contains this (ignoring case); likewise `host`, `department`
    /// and `location`.
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub host: String,
    /// Resources of this type (ignoring case).
    #[serde(default, rename = "type")]
    #[param(rename = "type")]
    pub resource_type: String,
    #[serde(default)]
    pub department: String,
    #[serde(default)]
    pub location: String,
    /// Resources this user owns.
    #[serde(default)]
    pub owner_id: String,
    /// Only the caller's favourites.
    #[serde(default)]
    pub favourites: bool,
    /// The trash instead of the live resources.
    #[serde(default)]
    pub trash: bool,
    /// Resources whose field of this name contains `field_value` (password-kind fields
    /// never match).
    #[serde(default)]
    pub field_name: String,
    #[serde(default)]
    pub field_value: String,
    /// Only the resources of this resource group (`default`: your Default Group).
    #[serde(default)]
    pub group_id: String,
    #[serde(default)]
    #[param(inline)]
    pub sort: ResourceSort,
    #[serde(default)]
    #[param(inline)]
    pub order: SortOrder,
    #[serde(default)]
    pub offset: u32,
    /// 1 to 500; 0 or left out: 50.
    #[serde(default)]
    pub limit: u32,
}

#[derive(Debug, Default, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ResourceSort {
    #[default]
    Name,
    Type,
    Host,
    Department,
    Location,
    CreatedAt,
    UpdatedAt,
}

impl From<ResourceSort> for pb::ResourceSort {
    fn from(s: ResourceSort) -> Self {
        match s {
            ResourceSort::Name => Self::Name,
            ResourceSort::Type => Self::Type,
            ResourceSort::Host => Self::Host,
            ResourceSort::Department => Self::Department,
            ResourceSort::Location => Self::Location,
            ResourceSort::CreatedAt => Self::CreatedAt,
            ResourceSort::UpdatedAt => Self::UpdatedAt,
        }
    }
}

#[derive(Debug, Default, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    #[default]
    Asc,
    Desc,
}

/// One page of a listing.
#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct ResourcePage {
    pub resources: Vec<Resource>,
    /// Resources matching in all pages.
    pub total: u64,
}

/// A resource and its accounts: the live ones by username, then those in the trash.
#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct ResourceDetail {
    pub resource: Resource,
    pub accounts: Vec<Account>,
}

impl From<pb::ResourceDetail> for ResourceDetail {
    fn from(d: pb::ResourceDetail) -> Self {
        Self {
            resource: Resource::from(d.resource.unwrap_or_default()),
            accounts: d.accounts.into_iter().map(Account::from).collect(),
        }
    }
}

/// Deleting asks for the resource's name (or the account's username) again.
#[derive(Serialize, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteConfirmation {
    #[schema(example = "db1")]
    pub confirm: String,
    /// Delete what is in the trash for good, with every version of its passwords.
    #[serde(default)]
    pub purge: bool,
}

#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct Deleted {
    /// Accounts that went with it.
    pub accounts: u32,
    /// Gone for good, not in the trash.
    pub purged: bool,
}

impl From<pb::Deleted> for Deleted {
    fn from(d: pb::Deleted) -> Self {
        Self {
            accounts: d.accounts,
            purged: d.purged,
        }
    }
}
