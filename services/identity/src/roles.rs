//! Roles: the four built-in ones from the permission table, and custom roles an org builds
//! from named permissions. A user's `role` is a built-in key or a custom role's name.

use strongroom_auth::RequestContext;
use strongroom_core::{MspStaffRight, Permission, Role, permissions_of};
use strongroom_events::Target;
use strongroom_tenancy::TenantTx;

use crate::app::{Identity, event, required, text};
use crate::error::{IdentityError, exists_or};

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
    sqlx::query_scalar("SELECT name FROM custom_roles WHERE lower(name) = lower($1)")
        .bind(role)
        .fetch_optional(&mut **tx)
        .await?
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
    let stored: Option<Vec<String>> =
        sqlx::query_scalar("SELECT permissions FROM custom_roles WHERE lower(name) = lower($1)")
            .bind(role)
            .fetch_optional(&mut **tx)
            .await?;
    // A role that vanished grants nothing (deleting an assigned role is refused anyway).
    Ok(stored
        .unwrap_or_default()
        .iter()
        .filter_map(|p| p.parse().ok())
        .collect())
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
        let custom: Vec<(String, String, Vec<String>)> = sqlx::query_as(
            "SELECT name, description, permissions FROM custom_roles ORDER BY lower(name)",
        )
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        roles.extend(
            custom
                .into_iter()
                .map(|(name, description, perms)| RoleInfo {
                    name,
                    description,
                    built_in: false,
                    permissions: perms.iter().filter_map(|p| p.parse().ok()).collect(),
                }),
        );
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
        let names: Vec<&str> = perms.iter().map(|p| p.as_str()).collect();
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
            let old: Option<String> = sqlx::query_scalar(
                "UPDATE custom_roles SET name = $2, description = $3, permissions = $4
                 WHERE lower(name) = lower($1)
                 RETURNING (SELECT name FROM custom_roles WHERE lower(name) = lower($1))",
            )
            .bind(previous)
            .bind(&name)
            .bind(&description)
            .bind(&names)
            .fetch_optional(&mut *tx)
            .await
            .map_err(|e| exists_or(e, || format!("a role named {name} already exists")))?;
            let old = old.ok_or(IdentityError::NotFound("role"))?;
            holders = sqlx::query_as(
                "UPDATE users SET role = $2, token_version = token_version + 1, updated_at = now()
                 WHERE role = $1 RETURNING id, token_version",
            )
            .bind(&old)
            .bind(&name)
            .fetch_all(&mut *tx)
            .await?;
            "role.updated"
        } else {
            sqlx::query(
                "INSERT INTO custom_roles (name, description, permissions) VALUES ($1, $2, $3)",
            )
            .bind(&name)
            .bind(&description)
            .bind(&names)
            .execute(&mut *tx)
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
        let holders: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE role = $1")
            .bind(&stored)
            .fetch_one(&mut *tx)
            .await?;
        let is_default: bool = sqlx::query_scalar("SELECT default_role = $1 FROM login_settings")
            .bind(&stored)
            .fetch_one(&mut *tx)
            .await?;
        if holders > 0 || is_default {
            return Err(IdentityError::Conflict(if is_default {
                format!("role {stored} is the default role of imported users; change that first")
            } else {
                format!("{holders} user(s) still have role {stored}; give them another role first")
            }));
        }
        sqlx::query("DELETE FROM custom_roles WHERE name = $1")
            .bind(&stored)
            .execute(&mut *tx)
            .await?;
        let deleted = event(ctx, "role.deleted", Target::new("role", &stored, &stored));
        self.commit(tx, &[deleted]).await
    }
}
