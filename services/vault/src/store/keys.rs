//! Data-key rotations: new data-key versions, the rotation's progress, and the secrets and
//! sealed fields still under older versions.

use chrono::{DateTime, Utc};
use strongroom_tenancy::TenantTx;
use uuid::Uuid;

use super::FieldOwner;

/// The org's data keys, wrapped, by version.
pub async fn list_data_keys(tx: &mut TenantTx) -> Result<Vec<(i32, Vec<u8>)>, sqlx::Error> {
    sqlx::query_as("SELECT version, wrapped FROM data_keys ORDER BY version")
        .fetch_all(&mut **tx)
        .await
}

/// Stores the org's first data key (a concurrent first store wins).
pub async fn create_first_data_key(tx: &mut TenantTx, wrapped: &[u8]) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO data_keys (version, wrapped) VALUES (1, $1) ON CONFLICT DO NOTHING")
        .bind(wrapped)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Stores a new data-key version (one more than the newest) and returns its number.
pub async fn create_data_key(tx: &mut TenantTx, wrapped: &[u8]) -> Result<i32, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO data_keys (version, wrapped)
         SELECT coalesce(max(version), 0) + 1, $1 FROM data_keys RETURNING version",
    )
    .bind(wrapped)
    .fetch_one(&mut **tx)
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RotationRow {
    pub id: Uuid,
    pub to_version: i32,
    pub status: String,
    pub total: i32,
    pub done: i32,
    pub error: String,
    pub started_at: DateTime<Utc>,
    pub progressed_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

const ROTATION_COLUMNS: &str =
    "id, to_version, status, total, done, error, started_at, progressed_at, finished_at";

/// Starts a rotation to `to_version`; `None` while another runs.
pub async fn create_rotation(
    tx: &mut TenantTx,
    id: Uuid,
    to_version: i32,
    started_by: Uuid,
) -> Result<Option<RotationRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO key_rotations (id, to_version, status, total, started_by)
         SELECT $1, $2, 'running',
             (SELECT count(*) FROM secrets WHERE key_version < $2)
             + (SELECT count(*) FROM resource_field_values WHERE key_version < $2)
             + (SELECT count(*) FROM account_field_values WHERE key_version < $2),
             $3
         ON CONFLICT DO NOTHING
         RETURNING {ROTATION_COLUMNS}"
    )))
    .bind(id)
    .bind(to_version)
    .bind(started_by)
    .fetch_optional(&mut **tx)
    .await
}

pub async fn latest_rotation(tx: &mut TenantTx) -> Result<Option<RotationRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {ROTATION_COLUMNS} FROM key_rotations ORDER BY started_at DESC LIMIT 1"
    )))
    .fetch_optional(&mut **tx)
    .await
}

pub async fn advance_rotation(tx: &mut TenantTx, id: Uuid, done: i32) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE key_rotations SET done = done + $2, progressed_at = now() WHERE id = $1")
        .bind(id)
        .bind(done)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn finish_rotation(
    tx: &mut TenantTx,
    id: Uuid,
    error: Option<&str>,
) -> Result<Option<RotationRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE key_rotations
         SET status = CASE WHEN $2::text IS NULL THEN 'completed' ELSE 'failed' END,
             error = coalesce($2, ''), finished_at = now()
         WHERE id = $1 RETURNING {ROTATION_COLUMNS}"
    )))
    .bind(id)
    .bind(error)
    .fetch_optional(&mut **tx)
    .await
}

/// The org's rotation schedule: days between rotations (0: by hand only) and the next one.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct ScheduleRow {
    pub every_days: i32,
    pub next_rotation_at: Option<DateTime<Utc>>,
}

pub async fn rotation_schedule(tx: &mut TenantTx) -> Result<ScheduleRow, sqlx::Error> {
    Ok(
        sqlx::query_as("SELECT every_days, next_rotation_at FROM key_rotation_schedule")
            .fetch_optional(&mut **tx)
            .await?
            .unwrap_or_default(),
    )
}

/// Saves the schedule; the next rotation is due `every_days` after the newest data key was
/// made (at once if that is past), none when `every_days` is 0.
pub async fn save_rotation_schedule(
    tx: &mut TenantTx,
    every_days: i32,
    updated_by: Uuid,
) -> Result<ScheduleRow, sqlx::Error> {
    sqlx::query_as(
        "INSERT INTO key_rotation_schedule (every_days, next_rotation_at, updated_by)
         SELECT $1, CASE WHEN $1 > 0
                    THEN greatest(max(created_at) + make_interval(days => $1), now()) END, $2
         FROM data_keys
         ON CONFLICT (only_row) DO UPDATE SET every_days = EXCLUDED.every_days,
             next_rotation_at = EXCLUDED.next_rotation_at, updated_by = EXCLUDED.updated_by,
             updated_at = now()
         RETURNING every_days, next_rotation_at",
    )
    .bind(every_days)
    .bind(updated_by)
    .fetch_one(&mut **tx)
    .await
}

/// Claims a due scheduled rotation by moving the next one a period on; whether one was
/// due.
pub async fn claim_due_rotation(tx: &mut TenantTx) -> Result<bool, sqlx::Error> {
    let claimed: Option<i32> = sqlx::query_scalar(
        "UPDATE key_rotation_schedule
         SET next_rotation_at = now() + make_interval(days => every_days)
         WHERE every_days > 0 AND next_rotation_at <= now() RETURNING every_days",
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(claimed.is_some())
}

/// A rotation started: the next scheduled one is a whole period away.
pub async fn postpone_scheduled_rotation(tx: &mut TenantTx) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE key_rotation_schedule SET next_rotation_at = now() + make_interval(days => every_days)
         WHERE every_days > 0",
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A scheduled rotation could not start: try again after `minutes`.
pub async fn retry_scheduled_rotation(tx: &mut TenantTx, minutes: i32) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE key_rotation_schedule SET next_rotation_at = now() + make_interval(mins => $1)
         WHERE every_days > 0",
    )
    .bind(minutes)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A sealed value under an older key. `Debug` shows the ciphertext's length only.
pub struct StaleSeal {
    /// The account (secrets) or the field's owner.
    pub owner: Uuid,
    /// The password version (secrets) or the field's name.
    pub version: i32,
    pub name: String,
    pub key_version: i32,
    pub ciphertext: Vec<u8>,
}

impl std::fmt::Debug for StaleSeal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaleSeal")
            .field("owner", &self.owner)
            .field("key_version", &self.key_version)
            .field(
                "ciphertext",
                &format_args!("<{} bytes>", self.ciphertext.len()),
            )
            .finish()
    }
}

/// Up to `limit` password versions sealed under a key older than `below`, locked until the
/// transaction ends.
pub async fn claim_stale_secrets(
    tx: &mut TenantTx,
    below: i32,
    limit: i64,
) -> Result<Vec<StaleSeal>, sqlx::Error> {
    let rows: Vec<(Uuid, i32, i32, Vec<u8>)> = sqlx::query_as(
        "SELECT account_id, version, key_version, ciphertext FROM secrets
         WHERE key_version < $1 LIMIT $2 FOR UPDATE SKIP LOCKED",
    )
    .bind(below)
    .bind(limit)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(owner, version, key_version, ciphertext)| StaleSeal {
            owner,
            version,
            name: String::new(),
            key_version,
            ciphertext,
        })
        .collect())
}

pub async fn reseal_secret(
    tx: &mut TenantTx,
    account: Uuid,
    version: i32,
    key_version: i32,
    ciphertext: &[u8],
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE secrets SET key_version = $3, ciphertext = $4 WHERE account_id = $1 AND version = $2",
    )
    .bind(account)
    .bind(version)
    .bind(key_version)
    .bind(ciphertext)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Up to `limit` sealed field values under a key older than `below`, locked.
pub async fn claim_stale_fields(
    tx: &mut TenantTx,
    owner: FieldOwner,
    below: i32,
    limit: i64,
) -> Result<Vec<StaleSeal>, sqlx::Error> {
    let (table, column) = owner.table();
    let rows: Vec<(Uuid, String, i32, Vec<u8>)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {column}, name, key_version, ciphertext FROM {table}
         WHERE ciphertext IS NOT NULL AND key_version < $1 LIMIT $2 FOR UPDATE SKIP LOCKED"
    )))
    .bind(below)
    .bind(limit)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(owner, name, key_version, ciphertext)| StaleSeal {
            owner,
            version: 0,
            name,
            key_version,
            ciphertext,
        })
        .collect())
}

pub async fn reseal_field(
    tx: &mut TenantTx,
    owner: FieldOwner,
    id: Uuid,
    name: &str,
    key_version: i32,
    ciphertext: &[u8],
) -> Result<(), sqlx::Error> {
    let (table, column) = owner.table();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE {table} SET key_version = $3, ciphertext = $4 WHERE {column} = $1 AND name = $2"
    )))
    .bind(id)
    .bind(name)
    .bind(key_version)
    .bind(ciphertext)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Each data-key version, when it was made, and how many sealed values it holds.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct KeyVersionRow {
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub sealed: i64,
}

pub async fn list_key_versions(tx: &mut TenantTx) -> Result<Vec<KeyVersionRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT k.version, k.created_at,
                (SELECT count(*) FROM secrets s WHERE s.key_version = k.version)
                + (SELECT count(*) FROM resource_field_values v WHERE v.key_version = k.version)
                + (SELECT count(*) FROM account_field_values v WHERE v.key_version = k.version)
                    AS sealed
         FROM data_keys k ORDER BY k.version",
    )
    .fetch_all(&mut **tx)
    .await
}
