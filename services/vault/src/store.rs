//! SQL for the vault's tenant tables.

use chrono::{DateTime, Utc};
use strongroom_core::OrgId;
use strongroom_tenancy::{OrgsStatement, TenantTx};
use uuid::Uuid;

use crate::error::VaultError;

#[derive(Debug, sqlx::FromRow)]
pub struct ResourceRow {
    pub id: Uuid,
    pub name: String,
    pub resource_type: String,
    pub host: String,
    pub owner_id: Uuid,
    pub created_at: DateTime<Utc>,
}

pub async fn create_resource(
    tx: &mut TenantTx,
    id: Uuid,
    name: &str,
    resource_type: &str,
    host: &str,
    owner: Uuid,
) -> Result<ResourceRow, sqlx::Error> {
    sqlx::query_as(
        "INSERT INTO resources (id, name, resource_type, host, owner_id) VALUES ($1, $2, $3, $4, $5)
         RETURNING id, name, resource_type, host, owner_id, created_at",
    )
    .bind(id)
    .bind(name)
    .bind(resource_type)
    .bind(host)
    .bind(owner)
    .fetch_one(&mut **tx)
    .await
}

pub async fn find_resource(
    tx: &mut TenantTx,
    id: Uuid,
) -> Result<Option<ResourceRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, name, resource_type, host, owner_id, created_at FROM resources WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await
}

pub async fn create_account(
    tx: &mut TenantTx,
    id: Uuid,
    resource: Uuid,
    username: &str,
) -> Result<DateTime<Utc>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO accounts (id, resource_id, username) VALUES ($1, $2, $3) RETURNING created_at",
    )
    .bind(id)
    .bind(resource)
    .bind(username)
    .fetch_one(&mut **tx)
    .await
}

pub async fn create_secret(
    tx: &mut TenantTx,
    account: Uuid,
    version: i32,
    key_version: i32,
    ciphertext: &[u8],
    created_by: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO secrets (account_id, version, key_version, ciphertext, created_by)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(account)
    .bind(version)
    .bind(key_version)
    .bind(ciphertext)
    .bind(created_by)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[derive(Debug, sqlx::FromRow)]
pub struct CurrentSecret {
    pub account_id: Uuid,
    pub username: String,
    pub resource_id: Uuid,
    pub resource_name: String,
    pub owner_id: Uuid,
    pub version: i32,
    pub key_version: i32,
    pub ciphertext: Vec<u8>,
}

/// A current secret found by [`find_current_secrets`], with its org.
#[derive(Debug, sqlx::FromRow)]
pub struct OrgSecret {
    pub org_id: Uuid,
    #[sqlx(flatten)]
    pub secret: CurrentSecret,
}

/// The current secrets of accounts in several orgs, in one statement.
pub async fn find_current_secrets(
    over: &OrgsStatement<'_>,
    wanted: &[(OrgId, Vec<Uuid>)],
) -> Result<Vec<OrgSecret>, VaultError> {
    let mut parts = Vec::with_capacity(wanted.len());
    for (i, (org, _)) in wanted.iter().enumerate() {
        parts.push(format!(
            "SELECT ${}::uuid AS org_id, a.id AS account_id, a.username, r.id AS resource_id,
                    r.name AS resource_name, r.owner_id, s.version, s.key_version, s.ciphertext
             FROM {} a
             JOIN {} r ON r.id = a.resource_id
             JOIN {} s ON s.account_id = a.id AND s.version = a.current_version
             WHERE a.id = ANY(${})",
            2 * i + 1,
            over.table(*org, "accounts")?,
            over.table(*org, "resources")?,
            over.table(*org, "secrets")?,
            2 * i + 2,
        ));
    }
    let sql = parts.join(" UNION ALL ");
    // One org's statement repeats and is worth preparing once; a mix of orgs rarely does.
    let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql)).persistent(over.repeats());
    for (org, ids) in wanted {
        query = query.bind(org.0).bind(ids.clone());
    }
    Ok(query.fetch_all(over.pool()).await?)
}
