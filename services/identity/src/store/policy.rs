//! `login_settings`: the org's one row of password policy, lockout rule, session limits
//! and the role imported users get.

use strongroom_tenancy::TenantTx;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct LoginSettings {
    pub min_length: i32,
    pub require_lowercase: bool,
    pub require_uppercase: bool,
    pub require_digit: bool,
    pub require_special: bool,
    pub history: i32,
    pub max_age_days: i32,
    pub lockout_threshold: i32,
    pub lockout_minutes: i32,
    pub default_role: String,
    /// A session ends after this many minutes without its token being renewed.
    pub session_idle_minutes: i32,
    /// A session ends this many hours after it began.
    pub session_max_hours: i32,
}

const SETTINGS_COLUMNS: &str = "min_length, require_lowercase, require_uppercase, \
     require_digit, require_special, history, max_age_days, lockout_threshold, \
     lockout_minutes, default_role, session_idle_minutes, session_max_hours";

pub async fn load_login_settings(tx: &mut TenantTx) -> Result<LoginSettings, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {SETTINGS_COLUMNS} FROM login_settings"
    )))
    .fetch_one(&mut **tx)
    .await
}

pub async fn save_login_settings(
    tx: &mut TenantTx,
    new: &LoginSettings,
) -> Result<LoginSettings, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE login_settings SET min_length = $1, require_lowercase = $2,
             require_uppercase = $3, require_digit = $4, require_special = $5, history = $6,
             max_age_days = $7, lockout_threshold = $8, lockout_minutes = $9,
             default_role = $10, session_idle_minutes = $11, session_max_hours = $12,
             updated_at = now()
         RETURNING {SETTINGS_COLUMNS}"
    )))
    .bind(new.min_length)
    .bind(new.require_lowercase)
    .bind(new.require_uppercase)
    .bind(new.require_digit)
    .bind(new.require_special)
    .bind(new.history)
    .bind(new.max_age_days)
    .bind(new.lockout_threshold)
    .bind(new.lockout_minutes)
    .bind(&new.default_role)
    .bind(new.session_idle_minutes)
    .bind(new.session_max_hours)
    .fetch_one(&mut **tx)
    .await
}

/// Whether `role` is the role imported users get.
pub async fn is_default_role(tx: &mut TenantTx, role: &str) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT default_role = $1 FROM login_settings")
        .bind(role)
        .fetch_one(&mut **tx)
        .await
}
