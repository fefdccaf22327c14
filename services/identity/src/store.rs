//! SQL for the identity service's tenant tables.

use chrono::{DateTime, Utc};
use strongroom_tenancy::TenantTx;
use uuid::Uuid;

#[derive(Debug, sqlx::FromRow)]
pub struct UserRow {
    pub id: Uuid,
    pub username: String,
    pub email: String,
    pub role: String,
    pub status: String,
    pub password_hash: Option<String>,
    pub created_at: DateTime<Utc>,
}

pub async fn find_user_by_username(
    tx: &mut TenantTx,
    username: &str,
) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, username, email, role, status, password_hash, created_at
         FROM users WHERE lower(username) = lower($1)",
    )
    .bind(username)
    .fetch_optional(&mut **tx)
    .await
}

pub struct NewUser<'a> {
    pub id: Uuid,
    pub username: &'a str,
    pub email: &'a str,
    pub role: &'a str,
    pub password_hash: &'a str,
}

pub async fn create_user(tx: &mut TenantTx, user: &NewUser<'_>) -> Result<UserRow, sqlx::Error> {
    sqlx::query_as(
        "INSERT INTO users (id, username, email, role, password_hash) VALUES ($1, $2, $3, $4, $5)
         RETURNING id, username, email, role, status, password_hash, created_at",
    )
    .bind(user.id)
    .bind(user.username)
    .bind(user.email)
    .bind(user.role)
    .bind(user.password_hash)
    .fetch_one(&mut **tx)
    .await
}

#[derive(Debug, sqlx::FromRow)]
pub struct ApiKeyOwner {
    pub secret_hash: Vec<u8>,
    pub user_id: Uuid,
    pub username: String,
    pub role: String,
}

/// The key's owner, if the key is neither revoked nor expired and its user is active.
pub async fn find_usable_api_key(
    tx: &mut TenantTx,
    key_id: Uuid,
) -> Result<Option<ApiKeyOwner>, sqlx::Error> {
    sqlx::query_as(
        "SELECT k.secret_hash, u.id AS user_id, u.username, u.role
         FROM api_keys k JOIN users u ON u.id = k.user_id
         WHERE k.id = $1 AND k.revoked_at IS NULL
           AND (k.expires_at IS NULL OR k.expires_at > now())
           AND u.status = 'active'",
    )
    .bind(key_id)
    .fetch_optional(&mut **tx)
    .await
}

pub async fn create_api_key(
    tx: &mut TenantTx,
    id: Uuid,
    user_id: Uuid,
    name: &str,
    secret_hash: &[u8],
) -> Result<DateTime<Utc>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO api_keys (id, user_id, name, secret_hash) VALUES ($1, $2, $3, $4)
         RETURNING created_at",
    )
    .bind(id)
    .bind(user_id)
    .bind(name)
    .bind(secret_hash)
    .fetch_one(&mut **tx)
    .await
}
