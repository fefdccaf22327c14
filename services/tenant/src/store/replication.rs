//! MSPOrg's choice of settings replicated to every client org (global
//! `settings_replication`): one row a kind, its version raised by every save that
//! replicates it.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgPool;
use strongroom_core::UserId;
use strongroom_tenancy::TenantTx;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReplicationRow {
    pub kind: String,
    pub enabled: bool,
    pub options: Value,
    pub version: i64,
    pub updated_by: Option<Uuid>,
    pub updated_at: DateTime<Utc>,
}

const SELECT_ROWS: &str = "SELECT kind, enabled, options, version, updated_by, updated_at
     FROM public.settings_replication";

/// Every kind saved so far.
pub async fn list_replication(pool: &PgPool) -> Result<Vec<ReplicationRow>, sqlx::Error> {
    sqlx::query_as(SELECT_ROWS).fetch_all(pool).await
}

/// Takes the save lock (concurrent saves take turns, so versions rise one by one with
/// their events) and reads every kind saved so far.
pub async fn lock_replication(tx: &mut TenantTx) -> Result<Vec<ReplicationRow>, sqlx::Error> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('settings_replication'))")
        .execute(&mut **tx)
        .await?;
    sqlx::query_as(SELECT_ROWS).fetch_all(&mut **tx).await
}

/// Saves a kind's choice with a new version, which it returns.
pub async fn save_replication_choice(
    tx: &mut TenantTx,
    kind: &str,
    enabled: bool,
    options: &Value,
    by: UserId,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO public.settings_replication (kind, enabled, options, version, updated_by)
         VALUES ($1, $2, $3, 1, $4)
         ON CONFLICT (kind) DO UPDATE SET enabled = EXCLUDED.enabled,
             options = EXCLUDED.options, version = settings_replication.version + 1,
             updated_by = EXCLUDED.updated_by, updated_at = now()
         RETURNING version",
    )
    .bind(kind)
    .bind(enabled)
    .bind(options)
    .bind(by.0)
    .fetch_one(&mut **tx)
    .await
}
