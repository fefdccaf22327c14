//! `api_keys`: per-user keys, kept as the SHA-256 of their secret.

use chrono::{DateTime, Utc};
use strongroom_tenancy::TenantTx;
use uuid::Uuid;

#[derive(Debug, sqlx::FromRow)]
pub struct ApiKeyRow {
    pub id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub allowed_cidrs: Vec<String>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// What authenticating with a key needs of its row.
#[derive(sqlx::FromRow)]
pub struct LiveKey {
    pub secret_hash: Vec<u8>,
    pub allowed_cidrs: Vec<String>,
    pub user_id: Uuid,
    pub expires_at: Option<DateTime<Utc>>,
}

const API_KEY_COLUMNS: &str =
    "id, name, created_at, expires_at, allowed_cidrs, last_used_at, revoked_at";

/// A key as it is created.
pub struct NewKey<'a> {
    pub id: Uuid,
    pub user: Uuid,
    pub name: &'a str,
    pub secret_hash: &'a [u8],
    pub expires_at: Option<DateTime<Utc>>,
    pub allowed_cidrs: &'a [String],
}

pub async fn insert_api_key(tx: &mut TenantTx, k: &NewKey<'_>) -> Result<ApiKeyRow, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO api_keys (id, user_id, name, secret_hash, expires_at, allowed_cidrs)
         VALUES ($1, $2, $3, $4, $5, $6)
         RETURNING {API_KEY_COLUMNS}"
    )))
    .bind(k.id)
    .bind(k.user)
    .bind(k.name)
    .bind(k.secret_hash)
    .bind(k.expires_at)
    .bind(k.allowed_cidrs)
    .fetch_one(&mut **tx)
    .await
}

/// The user's keys, oldest first.
pub async fn list_api_keys(tx: &mut TenantTx, user: Uuid) -> Result<Vec<ApiKeyRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {API_KEY_COLUMNS} FROM api_keys WHERE user_id = $1 ORDER BY created_at"
    )))
    .bind(user)
    .fetch_all(&mut **tx)
    .await
}

/// Revokes a live key (of `owner`, when given); its name, `None` when there is no such key.
pub async fn revoke_api_key(
    tx: &mut TenantTx,
    id: Uuid,
    owner: Option<Uuid>,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE api_keys SET revoked_at = now()
         WHERE id = $1 AND ($2::uuid IS NULL OR user_id = $2) AND revoked_at IS NULL
         RETURNING name",
    )
    .bind(id)
    .bind(owner)
    .fetch_optional(&mut **tx)
    .await
}

/// Revokes every live key of `user`; their ids (tokens issued for a key carry its id as
/// their session).
pub async fn revoke_user_api_keys(tx: &mut TenantTx, user: Uuid) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE api_keys SET revoked_at = now()
         WHERE user_id = $1 AND revoked_at IS NULL RETURNING id",
    )
    .bind(user)
    .fetch_all(&mut **tx)
    .await
}

/// A live, unexpired key of an active user.
pub async fn find_live_key(tx: &mut TenantTx, id: Uuid) -> Result<Option<LiveKey>, sqlx::Error> {
    sqlx::query_as(
        "SELECT k.secret_hash, k.allowed_cidrs, k.user_id, k.expires_at
         FROM api_keys k JOIN users u ON u.id = k.user_id
         WHERE k.id = $1 AND k.revoked_at IS NULL
           AND (k.expires_at IS NULL OR k.expires_at > now())
           AND u.status = 'active'",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await
}

/// The key was used now.
pub async fn record_key_use(tx: &mut TenantTx, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE api_keys SET last_used_at = now() WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
