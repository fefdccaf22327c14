//! Each org's own settings (the org's `org_settings`): one JSON row per kind (`mail`,
//! `proxy`, `branding`, `msp_staff`).

use chrono::{DateTime, Utc};
use serde_json::Value;
use strongroom_tenancy::TenantTx;

/// The kind's stored value and when it was saved; `for_update` locks the row until the
/// transaction ends.
pub async fn find_setting(
    tx: &mut TenantTx,
    kind: &str,
    for_update: bool,
) -> Result<Option<(Value, DateTime<Utc>)>, sqlx::Error> {
    let sql = if for_update {
        "SELECT value, updated_at FROM org_settings WHERE kind = $1 FOR UPDATE"
    } else {
        "SELECT value, updated_at FROM org_settings WHERE kind = $1"
    };
    sqlx::query_as(sql)
        .bind(kind)
        .fetch_optional(&mut **tx)
        .await
}

/// Stores the kind's value; returns when.
pub async fn save_setting(
    tx: &mut TenantTx,
    kind: &str,
    value: &Value,
) -> Result<DateTime<Utc>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO org_settings (kind, value) VALUES ($1, $2)
         ON CONFLICT (kind) DO UPDATE SET value = EXCLUDED.value, updated_at = now()
         RETURNING updated_at",
    )
    .bind(kind)
    .bind(value)
    .fetch_one(&mut **tx)
    .await
}

/// The mail and proxy settings (which may hold a sealed password), locked until the
/// transaction ends.
pub async fn lock_password_settings(
    tx: &mut TenantTx,
) -> Result<Vec<(String, Value)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT kind, value FROM org_settings WHERE kind IN ('mail', 'proxy') FOR UPDATE",
    )
    .fetch_all(&mut **tx)
    .await
}

/// Replaces the kind's value, keeping when it was saved.
pub async fn replace_setting(
    tx: &mut TenantTx,
    kind: &str,
    value: &Value,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE org_settings SET value = $2 WHERE kind = $1")
        .bind(kind)
        .bind(value)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
