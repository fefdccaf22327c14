//! Resources, their accounts, and revealed passwords.

use serde::{Deserialize, Serialize};
use strongroom_proto::vault as pb;
use utoipa::ToSchema;

/// A resource to add; the caller owns it.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewResource {
    #[schema(example = "db1")]
    pub name: String,
    /// The kind of system, e.g. `PostgreSQL`, `Linux`, `Windows`.
    #[serde(rename = "type")]
    #[schema(example = "PostgreSQL")]
    pub resource_type: String,
    #[serde(default)]
    #[schema(example = "db1.acme.test")]
    pub host: String,
}

/// A resource: a system whose privileged accounts the vault keeps.
#[derive(Debug, Serialize, ToSchema)]
pub struct Resource {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub resource_type: String,
    pub host: String,
    /// The user who owns it.
    pub owner_id: String,
    pub created_at: String,
}

impl From<pb::Resource> for Resource {
    fn from(r: pb::Resource) -> Self {
        Self {
            id: r.id,
            name: r.name,
            resource_type: r.resource_type,
            host: r.host,
            owner_id: r.owner_id,
            created_at: r.created_at,
        }
    }
}

/// An account to add to a resource, with its password (stored sealed).
#[derive(Deserialize, ToSchema)]
pub struct NewAccount {
    #[schema(example = "postgres")]
    pub username: String,
    #[schema(format = Password)]
    pub password: String,
}

/// An account of a resource; its password is only ever revealed on its own.
#[derive(Debug, Serialize, ToSchema)]
pub struct Account {
    pub id: String,
    pub resource_id: String,
    pub username: String,
    pub created_at: String,
}

impl From<pb::Account> for Account {
    fn from(a: pb::Account) -> Self {
        Self {
            id: a.id,
            resource_id: a.resource_id,
            username: a.username,
            created_at: a.created_at,
        }
    }
}

/// An account's password, revealed (and audited).
#[derive(Serialize, ToSchema)]
pub struct RevealedPassword {
    #[schema(format = Password)]
    pub password: String,
}
