//! `ownership_transfers`: requests to hand a user's resources to another user.

use chrono::{DateTime, Utc};
use strongroom_tenancy::TenantTx;
use uuid::Uuid;

pub const TRANSFER_COLUMNS: &str = "id, from_user_id, from_username, to_user_id, to_username, \
     requested_by_name, delete_user, status, resources, requested_at, decided_by, decided_at, \
     requested_by";

/// A request to hand a user's resources to another user.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TransferRow {
    pub id: Uuid,
    pub from_user_id: Uuid,
    pub from_username: String,
    pub to_user_id: Uuid,
    pub to_username: String,
    pub requested_by_name: String,
    pub delete_user: bool,
    pub status: String,
    pub resources: i32,
    pub requested_at: DateTime<Utc>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub requested_by: Uuid,
}

/// Records a transfer: `pending` for a second administrator, or `done` with what moved.
pub async fn insert_transfer(
    tx: &mut TenantTx,
    t: &TransferRow,
) -> Result<TransferRow, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO ownership_transfers (id, from_user_id, from_username, to_user_id,
             to_username, requested_by, requested_by_name, delete_user, status, resources,
             decided_by, decided_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         RETURNING {TRANSFER_COLUMNS}"
    )))
    .bind(t.id)
    .bind(t.from_user_id)
    .bind(&t.from_username)
    .bind(t.to_user_id)
    .bind(&t.to_username)
    .bind(t.requested_by)
    .bind(&t.requested_by_name)
    .bind(t.delete_user)
    .bind(&t.status)
    .bind(t.resources)
    .bind(&t.decided_by)
    .bind(t.decided_at)
    .fetch_one(&mut **tx)
    .await
}

pub async fn list_transfers(tx: &mut TenantTx) -> Result<Vec<TransferRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {TRANSFER_COLUMNS} FROM ownership_transfers
         ORDER BY status <> 'pending', requested_at DESC LIMIT 1000"
    )))
    .fetch_all(&mut **tx)
    .await
}

/// The transfer, locked until the transaction ends.
pub async fn lock_transfer(
    tx: &mut TenantTx,
    id: Uuid,
) -> Result<Option<TransferRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {TRANSFER_COLUMNS} FROM ownership_transfers WHERE id = $1 FOR UPDATE"
    )))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await
}

pub async fn decide_transfer(
    tx: &mut TenantTx,
    id: Uuid,
    status: &str,
    resources: i32,
    decided_by: &str,
) -> Result<TransferRow, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE ownership_transfers
         SET status = $2, resources = $3, decided_by = $4, decided_at = now()
         WHERE id = $1 RETURNING {TRANSFER_COLUMNS}"
    )))
    .bind(id)
    .bind(status)
    .bind(resources)
    .bind(decided_by)
    .fetch_one(&mut **tx)
    .await
}
