//! Roles: the four built-in ones from the permission table, and custom roles an org builds
//! from named permissions. A user's `role` is a built-in key or a custom role's name.

use strongroom_auth::RequestContext;
use strongroom_core::{MspStaffRight, Permission, Role, permissions_of};
use strongroom_events::Target;
use strongroom_tenancy::TenantTx;

use crate::app::{Identity, event, required, text};
use crate::error::{IdentityError, exists_or};
use crate::store;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleInfo {
    pub name: String,
    pub description: String,
    pub built_in: bool,
    pub permissions: Vec<Permission>,
}

fn built_in_description(role: Role) -> &'static str {
    match role {
        Role::Administrator => "everything in the org: users, settings, resources, audit",
        Role::PasswordAdministrator => "manages resources and passwords, not users or settings",
        Role::PasswordAuditor => "reads users and the audit trail; adds nothing",
        Role::PasswordUser => "works with their own and shared passwords",
    }
}

/// The stored name of `role` (built-in key or custom role as created); unknown → 400.
pub async fn canonical(tx: &mut TenantTx, role: &str) -> Result<String, IdentityError> {
    let role = role.trim();
    if let Ok(built_in) = role.parse::<Role>() {
        return Ok(built_in.as_str().to_owned());
    }
    store::find_custom_role(tx, role)
        .await?
        .map(|r| r.name)
        .ok_or_else(|| {
            IdentityError::InvalidInput(format!(
                "unknown role {role:?}: use a built-in role (administrator, \
                 password_administrator, password_auditor, password_user) or a custom role"
            ))
        })
}

/// What a stored role allows, looked up when a token is issued.
pub async fn permissions(tx: &mut TenantTx, role: &str) -> Result<Vec<Permission>, IdentityError> {
    if let Ok(built_in) = role.parse::<Role>() {
        return Ok(permissions_of(built_in));
    }
    let stored = store::find_custom_role(tx, role).await?;
    // A role that vanished grants nothing (deleting an assigned role is refused anyway).
    Ok(stored.map_or_else(Vec::new, |r| parsed(&r.permissions)))
}

/// Refuses giving `role` to anyone unless the caller holds everything it allows.
pub async fn require_grantable(
    ctx: &RequestContext,
    tx: &mut TenantTx,
    role: &str,
) -> Result<(), IdentityError> {
    let perms = permissions(tx, role).await?;
    Ok(ctx.require_grantable(&perms)?)
}

/// The stored permission names a build knows; others grant nothing.
fn parsed(names: &[String]) -> Vec<Permission> {
    names.iter().filter_map(|p| p.parse().ok()).collect()
}

fn parse_permissions(names: &[String]) -> Result<Vec<Permission>, IdentityError> {
    let mut perms = names
        .iter()
        .map(|n| {
            n.trim().parse::<Permission>().map_err(|e| {
                IdentityError::InvalidInput(format!("{e}; see GET /api/v1/roles for the list"))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    perms.sort();
    perms.dedup();
    if perms.is_empty() {
        return Err(IdentityError::InvalidInput(
            "a role needs at least one permission".into(),
        ));
    }
    Ok(perms)
}

impl Identity {
    pub async fn list_roles(&self, ctx: &RequestContext) -> Result<Vec<RoleInfo>, IdentityError> {
        ctx.require(Permission::UsersView)?;
        let mut roles: Vec<RoleInfo> = Role::ALL
            .into_iter()
            .map(|r| RoleInfo {
                name: r.as_str().into(),
                description: built_in_description(r).into(),
                built_in: true,
                permissions: permissions_of(r),
            })
            .collect();
        let mut tx = self.db.begin(ctx.org()).await?;
        let custom = store::list_custom_roles(&mut tx).await?;
        tx.commit().await?;
        roles.extend(custom.into_iter().map(|r| RoleInfo {
            permissions: parsed(&r.permissions),
            name: r.name,
            description: r.description,
            built_in: false,
        }));
        Ok(roles)
    }

    /// Creates a custom role, or changes one when `previous` names it (users keep it).
    pub async fn save_role(
        &self,
        ctx: &RequestContext,
        previous: Option<&str>,
        name: &str,
        description: &str,
        permission_names: &[String],
    ) -> Result<RoleInfo, IdentityError> {
        ctx.require(Permission::RolesManage)?;
        ctx.require_msp_allowed(MspStaffRight::ManageUsers)?;
        let name = required("name", name, 64)?;
        if name.parse::<Role>().is_ok() || previous.is_some_and(|p| p.parse::<Role>().is_ok()) {
            return Err(IdentityError::InvalidInput(
                "built-in roles cannot be created or changed".into(),
            ));
        }
        let description = text("description", description, 500)?;
        let perms = parse_permissions(permission_names)?;
        let names: Vec<String> = perms.iter().map(|p| p.as_str().to_owned()).collect();
        let mut tx = self.db.begin(ctx.org()).await?;
        // What the role gains is given to everyone who holds it: the caller must hold it.
        let before = match previous {
            Some(previous) => permissions(&mut tx, previous).await?,
            None => Vec::new(),
        };
        let gained: Vec<Permission> = perms
            .iter()
            .copied()
            .filter(|p| !before.contains(p))
            .collect();
        ctx.require_grantable(&gained)?;
        let mut holders: Vec<(uuid::Uuid, i64)> = Vec::new();
        let operation = if let Some(previous) = previous {
            let old = store::update_custom_role(&mut tx, previous, &name, &description, &names)
                .await
                .map_err(|e| exists_or(e, || format!("a role named {name} already exists")))?
                .ok_or(IdentityError::NotFound("role"))?;
            holders = store::move_role_holders(&mut tx, &old, &name).await?;
            "role.updated"
        } else {
            store::insert_custom_role(&mut tx, &name, &description, &names, store::LOCAL)
                .await
                .map_err(|e| exists_or(e, || format!("a role named {name} already exists")))?;
            "role.created"
        };
        let changed = event(ctx, operation, Target::new("role", &name, &name))
            .with_details(serde_json::json!({ "permissions": names }));
        self.commit(tx, &[changed]).await?;
        // Tokens carry permissions: make holders fetch fresh ones (a refresh suffices).
        for (user, version) in holders {
            self.revocations.require_version(user, version).await?;
        }
        Ok(RoleInfo {
            name,
            description,
            built_in: false,
            permissions: perms,
        })
    }

    pub async fn delete_role(&self, ctx: &RequestContext, name: &str) -> Result<(), IdentityError> {
        ctx.require(Permission::RolesManage)?;
        ctx.require_msp_allowed(MspStaffRight::ManageUsers)?;
        if name.parse::<Role>().is_ok() {
            return Err(IdentityError::InvalidInput(
                "built-in roles cannot be deleted".into(),
            ));
        }
        let mut tx = self.db.begin(ctx.org()).await?;
        let stored = canonical(&mut tx, name)
            .await
            .map_err(|_| IdentityError::NotFound("role"))?;
        let holders = store::count_role_holders(&mut tx, &stored).await?;
        let is_default = store::is_default_role(&mut tx, &stored).await?;
        if holders > 0 || is_default {
            return Err(IdentityError::Conflict(if is_default {
                format!("role {stored} is the default role of imported users; change that first")
            } else {
                format!("{holders} user(s) still have role {stored}; give them another role first")
            }));
        }
        store::delete_custom_role(&mut tx, &stored).await?;
        let deleted = event(ctx, "role.deleted", Target::new("role", &stored, &stored));
        self.commit(tx, &[deleted]).await
    }
}
