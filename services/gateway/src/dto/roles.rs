//! Roles and the permission catalogue.

use serde::{Deserialize, Serialize};
use strongroom_proto::identity as pb;
use utoipa::ToSchema;

/// A custom role: a name and a set of permissions.
#[derive(Serialize, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleBody {
    #[schema(example = "DB operators")]
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[schema(example = json!(["resources.create"]))]
    pub permissions: Vec<String>,
}

/// The org's roles and every permission a role can hold.
#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct RoleList {
    pub roles: Vec<Role>,
    pub permissions: Vec<Permission>,
}

/// A built-in or custom role.
#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct Role {
    pub name: String,
    pub description: String,
    pub built_in: bool,
    pub permissions: Vec<String>,
}

/// A permission of the catalogue.
#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct Permission {
    #[schema(example = "users.view")]
    pub name: String,
    pub description: String,
}

impl From<pb::RoleInfo> for Role {
    fn from(r: pb::RoleInfo) -> Self {
        Self {
            name: r.name,
            description: r.description,
            built_in: r.built_in,
            permissions: r.permissions,
        }
    }
}

impl From<pb::RoleList> for RoleList {
    fn from(l: pb::RoleList) -> Self {
        Self {
            roles: l.roles.into_iter().map(Role::from).collect(),
            permissions: l
                .permission_catalog
                .into_iter()
                .map(|p| Permission {
                    name: p.name,
                    description: p.description,
                })
                .collect(),
        }
    }
}
