//! `directory`: the org's one LDAP / Active Directory configuration (bind password
//! sealed), its import schedule and the last import's result.

use chrono::{DateTime, Utc};
use strongroom_directory::AttributeMap;
use strongroom_tenancy::TenantTx;

#[derive(sqlx::FromRow)]
pub struct DirectoryRow {
    pub kind: String,
    pub url: String,
    pub starttls: bool,
    pub bind_dn: String,
    pub bind_password_sealed: Option<Vec<u8>>,
    pub base_dn: String,
    pub user_filter: String,
    pub attributes: sqlx::types::Json<AttributeMap>,
    pub group_filter: String,
    pub group_name_attribute: String,
    pub group_member_attribute: String,
    pub ca_certificate_pem: Option<String>,
    pub authentication_enabled: bool,
    pub sync_interval_minutes: i32,
    pub sync_scopes: Vec<String>,
    pub last_sync_at: Option<DateTime<Utc>>,
    pub last_sync_result: String,
    pub allow_insecure: bool,
    pub allow_internal_hosts: bool,
}

const DIRECTORY_COLUMNS: &str = "kind, url, starttls, bind_dn, bind_password_sealed, base_dn, \
     user_filter, attributes, group_filter, group_name_attribute, group_member_attribute, \
     ca_certificate_pem, authentication_enabled, sync_interval_minutes, sync_scopes, \
     last_sync_at, last_sync_result, allow_insecure, allow_internal_hosts";

pub async fn load_directory(tx: &mut TenantTx) -> Result<Option<DirectoryRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {DIRECTORY_COLUMNS} FROM directory"
    )))
    .fetch_optional(&mut **tx)
    .await
}

/// The configuration as saved; `bind_password_sealed: None` keeps the stored one.
pub struct DirectoryWrite<'a> {
    pub kind: &'a str,
    pub url: &'a str,
    pub starttls: bool,
    pub bind_dn: &'a str,
    pub bind_password_sealed: Option<Vec<u8>>,
    pub base_dn: &'a str,
    pub user_filter: &'a str,
    pub attributes: &'a AttributeMap,
    pub group_filter: &'a str,
    pub group_name_attribute: &'a str,
    pub group_member_attribute: &'a str,
    pub ca_certificate_pem: Option<&'a str>,
    pub authentication_enabled: bool,
    pub sync_interval_minutes: i32,
    pub sync_scopes: &'a [String],
    pub allow_insecure: bool,
    pub allow_internal_hosts: bool,
}

/// Saves the configuration; a schedule's first import is due at once.
pub async fn save_directory(tx: &mut TenantTx, d: DirectoryWrite<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO directory (id, kind, url, starttls, bind_dn, bind_password_sealed, base_dn,
             user_filter, attributes, group_filter, group_name_attribute,
             group_member_attribute, ca_certificate_pem, authentication_enabled,
             sync_interval_minutes, sync_scopes, next_sync_at, allow_insecure,
             allow_internal_hosts)
         VALUES (true, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
             CASE WHEN $14 > 0 THEN now() END, $16, $17)
         ON CONFLICT (id) DO UPDATE SET kind = $1, url = $2, starttls = $3, bind_dn = $4,
             bind_password_sealed = coalesce($5, directory.bind_password_sealed),
             base_dn = $6, user_filter = $7, attributes = $8, group_filter = $9,
             group_name_attribute = $10, group_member_attribute = $11,
             ca_certificate_pem = $12, authentication_enabled = $13,
             sync_interval_minutes = $14, sync_scopes = $15,
             next_sync_at = CASE WHEN $14 > 0 THEN now() END, allow_insecure = $16,
             allow_internal_hosts = $17, updated_at = now()",
    )
    .bind(d.kind)
    .bind(d.url)
    .bind(d.starttls)
    .bind(d.bind_dn)
    .bind(d.bind_password_sealed)
    .bind(d.base_dn)
    .bind(d.user_filter)
    .bind(sqlx::types::Json(d.attributes))
    .bind(d.group_filter)
    .bind(d.group_name_attribute)
    .bind(d.group_member_attribute)
    .bind(d.ca_certificate_pem)
    .bind(d.authentication_enabled)
    .bind(d.sync_interval_minutes)
    .bind(d.sync_scopes)
    .bind(d.allow_insecure)
    .bind(d.allow_internal_hosts)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The sealed bind password, the row locked until the transaction ends; `None` without a
/// configuration.
pub async fn lock_bind_password(tx: &mut TenantTx) -> Result<Option<Option<Vec<u8>>>, sqlx::Error> {
    sqlx::query_scalar("SELECT bind_password_sealed FROM directory FOR UPDATE")
        .fetch_optional(&mut **tx)
        .await
}

pub async fn set_bind_password(tx: &mut TenantTx, sealed: &[u8]) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE directory SET bind_password_sealed = $1")
        .bind(sealed)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Whether internal hosts are allowed, the row locked until the transaction ends.
pub async fn lock_allow_internal_hosts(tx: &mut TenantTx) -> Result<Option<bool>, sqlx::Error> {
    sqlx::query_scalar("SELECT allow_internal_hosts FROM directory FOR UPDATE")
        .fetch_optional(&mut **tx)
        .await
}

/// The directory's kind (`ldap` or `active_directory`).
pub async fn directory_kind(tx: &mut TenantTx) -> Result<String, sqlx::Error> {
    sqlx::query_scalar("SELECT kind FROM directory")
        .fetch_one(&mut **tx)
        .await
}

/// An import ran now, with `result`.
pub async fn record_sync(tx: &mut TenantTx, result: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE directory SET last_sync_at = now(), last_sync_result = $1")
        .bind(result)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Claims a due scheduled import by moving its next run forward; its scopes, `None` when
/// none is due.
pub async fn claim_due_sync(tx: &mut TenantTx) -> Result<Option<Vec<String>>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE directory SET next_sync_at = now() + make_interval(mins => sync_interval_minutes)
         WHERE sync_interval_minutes > 0 AND next_sync_at <= now() RETURNING sync_scopes",
    )
    .fetch_optional(&mut **tx)
    .await
}
