//! `custom_roles`: roles an org builds from named permissions (the built-in ones live in
//! code). Names are unique ignoring case.

use strongroom_tenancy::TenantTx;

/// Whose role it is: the org's own, or one replication made or took over.
pub const LOCAL: &str = "local";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CustomRoleRow {
    pub name: String,
    pub description: String,
    pub permissions: Vec<String>,
    pub source: String,
}

const ROLE_COLUMNS: &str = "name, description, permissions, source";

/// The custom role named `name`, ignoring case.
pub async fn find_custom_role(
    tx: &mut TenantTx,
    name: &str,
) -> Result<Option<CustomRoleRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {ROLE_COLUMNS} FROM custom_roles WHERE lower(name) = lower($1)"
    )))
    .bind(name)
    .fetch_optional(&mut **tx)
    .await
}

/// Every custom role of the org, by name.
pub async fn list_custom_roles(tx: &mut TenantTx) -> Result<Vec<CustomRoleRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {ROLE_COLUMNS} FROM custom_roles ORDER BY lower(name)"
    )))
    .fetch_all(&mut **tx)
    .await
}

pub async fn insert_custom_role(
    tx: &mut TenantTx,
    name: &str,
    description: &str,
    permissions: &[String],
    source: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO custom_roles (name, description, permissions, source)
         VALUES ($1, $2, $3, $4)",
    )
    .bind(name)
    .bind(description)
    .bind(permissions)
    .bind(source)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Renames and changes the role named `previous` (ignoring case); its stored name before,
/// `None` when there is no such role.
pub async fn update_custom_role(
    tx: &mut TenantTx,
    previous: &str,
    name: &str,
    description: &str,
    permissions: &[String],
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE custom_roles SET name = $2, description = $3, permissions = $4
         WHERE lower(name) = lower($1)
         RETURNING (SELECT name FROM custom_roles WHERE lower(name) = lower($1))",
    )
    .bind(previous)
    .bind(name)
    .bind(description)
    .bind(permissions)
    .fetch_optional(&mut **tx)
    .await
}

/// Replaces what the role stored as `name` allows and whose it is (replication).
pub async fn replace_custom_role(
    tx: &mut TenantTx,
    name: &str,
    description: &str,
    permissions: &[String],
    source: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE custom_roles SET description = $2, permissions = $3, source = $4
         WHERE name = $1",
    )
    .bind(name)
    .bind(description)
    .bind(permissions)
    .bind(source)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn delete_custom_role(tx: &mut TenantTx, name: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM custom_roles WHERE name = $1")
        .bind(name)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
