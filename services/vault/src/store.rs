//! SQL for the vault's tenant tables.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use strongroom_tenancy::{OrgsStatements, Row, TenancyError, TenantTx, ToSql};
use uuid::Uuid;

use crate::cache::OrgRead;

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

/// `Debug` shows the ciphertext's length, never its bytes.
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

impl std::fmt::Debug for CurrentSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CurrentSecret")
            .field("account_id", &self.account_id)
            .field("username", &self.username)
            .field("resource_id", &self.resource_id)
            .field("resource_name", &self.resource_name)
            .field("owner_id", &self.owner_id)
            .field("version", &self.version)
            .field("key_version", &self.key_version)
            .field(
                "ciphertext",
                &format_args!("<{} bytes sealed>", self.ciphertext.len()),
            )
            .finish()
    }
}

/// A current secret found by [`find_current_secrets`], with its org.
#[derive(Debug)]
pub struct OrgSecret {
    pub org_id: Uuid,
    pub secret: Arc<CurrentSecret>,
}

impl TryFrom<Row> for OrgSecret {
    type Error = TenancyError;
    fn try_from(row: Row) -> Result<Self, TenancyError> {
        Ok(OrgSecret {
            org_id: row.try_get("org_id")?,
            secret: Arc::new(CurrentSecret {
                account_id: row.try_get("account_id")?,
                username: row.try_get("username")?,
                resource_id: row.try_get("resource_id")?,
                resource_name: row.try_get("resource_name")?,
                owner_id: row.try_get("owner_id")?,
                version: row.try_get("version")?,
                key_version: row.try_get("key_version")?,
                ciphertext: row.try_get("ciphertext")?,
            }),
        })
    }
}

/// The current secrets of a group of orgs' reads: one prepared statement per org, all sent
/// together on one connection. A whole read returns at most one row more than its limit, so
/// the caller can tell the org is larger.
pub async fn find_current_secrets(
    group: &OrgsStatements<'_>,
    reads: &[OrgRead],
) -> Result<Vec<OrgSecret>, TenancyError> {
    let reads: Vec<(&OrgRead, i64)> = reads
        .iter()
        .filter(|r| group.orgs().contains(&r.org))
        .map(|r| (r, i64::try_from(r.limit).unwrap_or(i64::MAX - 1) + 1))
        .collect();
    let mut statements = Vec::new();
    for (read, whole_limit) in &reads {
        let filter = if read.whole {
            "LIMIT $2"
        } else {
            "WHERE a.id = ANY($2)"
        };
        let sql = format!(
            "SELECT $1::uuid AS org_id, a.id AS account_id, a.username, r.id AS resource_id,
                    r.name AS resource_name, r.owner_id, s.version, s.key_version, s.ciphertext
             FROM {} a
             JOIN {} r ON r.id = a.resource_id
             JOIN {} s ON s.account_id = a.id AND s.version = a.current_version
             {filter}",
            group.table(read.org, "accounts")?,
            group.table(read.org, "resources")?,
            group.table(read.org, "secrets")?,
        );
        let second: &(dyn ToSql + Sync) = if read.whole {
            whole_limit
        } else {
            &read.wanted
        };
        statements.push((sql, vec![&read.org.0 as &(dyn ToSql + Sync), second]));
    }
    group
        .query_each(&statements)
        .await?
        .into_iter()
        .flatten()
        .map(OrgSecret::try_from)
        .collect()
}
