//! The one permission table: what each built-in role may do. Custom roles are named sets of
//! these permissions. Services check permissions, never role names.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Role;

/// An operation class a role may be granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Permission {
    /// See the org's users, their groups and roles.
    #[serde(rename = "users.view")]
    UsersView,
    /// Add, edit, disable, delete, import and unlock users; end their sessions.
    #[serde(rename = "users.manage")]
    UsersManage,
    /// Create, rename and delete user groups and change their members.
    #[serde(rename = "groups.manage")]
    GroupsManage,
    /// Create, change and delete custom roles.
    #[serde(rename = "roles.manage")]
    RolesManage,
    /// Configure LDAP / Active Directory, import and synchronise from it.
    #[serde(rename = "directory.manage")]
    DirectoryManage,
    /// Change the org's login settings: password policy and lockout.
    #[serde(rename = "login_settings.manage")]
    LoginSettingsManage,
    /// Add client orgs (meaningful in MSPOrg only); change the org's own mail, proxy and
    /// branding settings.
    #[serde(rename = "orgs.manage")]
    OrgsManage,
    /// Add resources and their accounts (the adder owns them).
    #[serde(rename = "resources.create")]
    ResourcesCreate,
    /// Create, change and delete the org's password policies, resource types and additional
    /// fields of resources and accounts.
    #[serde(rename = "vault_settings.manage")]
    VaultSettingsManage,
    /// Export the passwords one may see (CSV, KeePass, encrypted offline HTML).
    #[serde(rename = "passwords.export")]
    PasswordsExport,
    /// Read the org's audit trail.
    #[serde(rename = "audit.view")]
    AuditView,
    /// Create and revoke one's own API keys.
    #[serde(rename = "api_keys.own")]
    ApiKeysOwn,
}

impl Permission {
    pub const ALL: [Permission; 12] = [
        Permission::UsersView,
        Permission::UsersManage,
        Permission::GroupsManage,
        Permission::RolesManage,
        Permission::DirectoryManage,
        Permission::LoginSettingsManage,
        Permission::OrgsManage,
        Permission::ResourcesCreate,
        Permission::VaultSettingsManage,
        Permission::PasswordsExport,
        Permission::AuditView,
        Permission::ApiKeysOwn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Permission::UsersView => "users.view",
            Permission::UsersManage => "users.manage",
            Permission::GroupsManage => "groups.manage",
            Permission::RolesManage => "roles.manage",
            Permission::DirectoryManage => "directory.manage",
            Permission::LoginSettingsManage => "login_settings.manage",
            Permission::OrgsManage => "orgs.manage",
            Permission::ResourcesCreate => "resources.create",
            Permission::VaultSettingsManage => "vault_settings.manage",
            Permission::PasswordsExport => "passwords.export",
            Permission::AuditView => "audit.view",
            Permission::ApiKeysOwn => "api_keys.own",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Permission::UsersView => "see users, user groups and roles",
            Permission::UsersManage => "add, edit, disable, delete, import and unlock users",
            Permission::GroupsManage => "manage user groups and their members",
            Permission::RolesManage => "manage custom roles",
            Permission::DirectoryManage => "configure and import from LDAP / Active Directory",
            Permission::LoginSettingsManage => "change password policy and lockout settings",
            Permission::OrgsManage => {
                "add client organizations (MSPOrg); change the org's mail, proxy and branding"
            }
            Permission::ResourcesCreate => "add resources and accounts",
            Permission::VaultSettingsManage => {
                "manage password policies, resource types and additional fields"
            }
            Permission::PasswordsExport => "export the passwords one may see",
            Permission::AuditView => "read the audit trail",
            Permission::ApiKeysOwn => "create and revoke one's own API keys",
        }
    }
}

/// Whether `role` holds `permission`: the table every service checks against.
pub fn role_allows(role: Role, permission: Permission) -> bool {
    use Permission::*;
    match role {
        Role::Administrator => true,
        // Manages resources and passwords, not people or settings.
        Role::PasswordAdministrator => {
            matches!(
                permission,
                UsersView | ResourcesCreate | VaultSettingsManage | PasswordsExport | ApiKeysOwn
            )
        }
        // Reads: users and the audit trail; adds nothing.
        Role::PasswordAuditor => matches!(permission, UsersView | AuditView | ApiKeysOwn),
        // Works with their own and shared passwords.
        Role::PasswordUser => matches!(permission, ResourcesCreate | ApiKeysOwn),
    }
}

/// The first of `granted` (in table order) that `held` lacks: what giving `granted` would
/// hand out beyond its giver's own permissions.
pub fn first_not_held(held: &[Permission], granted: &[Permission]) -> Option<Permission> {
    Permission::ALL
        .into_iter()
        .find(|p| granted.contains(p) && !held.contains(p))
}

/// The permissions of a built-in role, in table order.
pub fn permissions_of(role: Role) -> Vec<Permission> {
    Permission::ALL
        .into_iter()
        .filter(|p| role_allows(role, *p))
        .collect()
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown permission {0:?}")]
pub struct UnknownPermission(pub String);

impl FromStr for Permission {
    type Err = UnknownPermission;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Permission::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| UnknownPermission(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_holder_grants_only_what_it_holds() {
        // Every built-in role giving every permission, alone and with all the others.
        for giver in Role::ALL {
            let held = permissions_of(giver);
            for p in Permission::ALL {
                let expected = (!role_allows(giver, p)).then_some(p);
                assert_eq!(first_not_held(&held, &[p]), expected, "{giver} giving {p}");
            }
            for taker in Role::ALL {
                let given = permissions_of(taker);
                let lacking = given.iter().copied().find(|p| !held.contains(p));
                assert_eq!(first_not_held(&held, &given), lacking, "{giver} → {taker}");
            }
        }
        assert_eq!(first_not_held(&[], &[]), None);
    }

    #[test]
    fn names_round_trip_and_match_serde() {
        for p in Permission::ALL {
            assert_eq!(p.as_str().parse::<Permission>(), Ok(p));
            assert_eq!(
                serde_json::to_value(p).unwrap_or_default(),
                serde_json::json!(p.as_str())
            );
        }
    }
}
