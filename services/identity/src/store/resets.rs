//! `password_resets`: administrators' resets of a user's login password that wait for a
//! second administrator.

use chrono::{DateTime, Utc};
use strongroom_tenancy::TenantTx;
use uuid::Uuid;

use super::UserRow;

/// An administrator's reset of a user's login password, waiting for (or decided by) a
/// second administrator. `Debug` never shows the hash it waits with.
#[derive(Clone, sqlx::FromRow)]
pub struct ResetRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub username: String,
    pub requested_by: Uuid,
    pub requested_by_name: String,
    pub password_hash: Option<String>,
    /// Once approved, a one-time password goes to the user by mail.
    pub by_mail: bool,
    pub status: String,
    pub requested_at: DateTime<Utc>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for ResetRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResetRow")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

const RESET_COLUMNS: &str = "id, user_id, username, requested_by, requested_by_name, \
    password_hash, by_mail, status, requested_at, decided_by, decided_at";

/// A pending reset of `user`'s password to `hash` (`None`: by mail), asked by `by`; `None`
/// when one waits.
pub async fn insert_reset(
    tx: &mut TenantTx,
    user: &UserRow,
    by: (Uuid, &str),
    hash: Option<&str>,
) -> Result<Option<ResetRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO password_resets (id, user_id, username, requested_by, requested_by_name,
             password_hash, by_mail)
         VALUES ($1, $2, $3, $4, $5, $6, $6::text IS NULL)
         ON CONFLICT (user_id) WHERE status = 'pending' DO NOTHING
         RETURNING {RESET_COLUMNS}"
    )))
    .bind(Uuid::new_v4())
    .bind(user.id)
    .bind(&user.username)
    .bind(by.0)
    .bind(by.1)
    .bind(hash)
    .fetch_optional(&mut **tx)
    .await
}

pub async fn list_resets(tx: &mut TenantTx) -> Result<Vec<ResetRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {RESET_COLUMNS} FROM password_resets
         ORDER BY status <> 'pending', requested_at DESC LIMIT 1000"
    )))
    .fetch_all(&mut **tx)
    .await
}

/// The reset, locked until the transaction ends.
pub async fn lock_reset(tx: &mut TenantTx, id: Uuid) -> Result<Option<ResetRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {RESET_COLUMNS} FROM password_resets WHERE id = $1 FOR UPDATE"
    )))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await
}

/// Decides a pending reset; the hash it waited with is dropped.
pub async fn decide_reset(
    tx: &mut TenantTx,
    id: Uuid,
    status: &str,
    decided_by: &str,
) -> Result<ResetRow, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE password_resets
         SET status = $2, decided_by = $3, decided_at = now(), password_hash = NULL
         WHERE id = $1 RETURNING {RESET_COLUMNS}"
    )))
    .bind(id)
    .bind(status)
    .bind(decided_by)
    .fetch_one(&mut **tx)
    .await
}
