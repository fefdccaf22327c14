//! What an export reads: every live resource the caller may see, each with its live
//! accounts and their current sealed passwords.

use strongroom_tenancy::TenantTx;
use uuid::Uuid;

use super::VisibleRows;

/// A resource and one of its accounts (or none). `Debug` shows the ciphertext's length only.
#[derive(sqlx::FromRow)]
pub struct ExportRow {
    pub resource_id: Uuid,
    pub resource_name: String,
    pub resource_type: String,
    pub host: String,
    pub url: String,
    pub department: String,
    pub location: String,
    pub description: String,
    pub resource_notes: String,
    pub account_id: Option<Uuid>,
    pub username: Option<String>,
    pub account_notes: Option<String>,
    pub version: Option<i32>,
    pub key_version: Option<i32>,
    pub ciphertext: Option<Vec<u8>>,
}

impl std::fmt::Debug for ExportRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExportRow")
            .field("resource_id", &self.resource_id)
            .field("resource_name", &self.resource_name)
            .field("account_id", &self.account_id)
            .field("username", &self.username)
            .field(
                "ciphertext",
                &format_args!(
                    "<{} bytes sealed>",
                    self.ciphertext.as_ref().map_or(0, Vec::len)
                ),
            )
            .finish()
    }
}

/// The live resources the viewer may see (all, or those listed), by name, each with its live
/// accounts by username; a password only where the viewer may reveal it (and it is not under
/// access control).
pub async fn export_rows(
    tx: &mut TenantTx,
    visible: &VisibleRows,
    revealable: &VisibleRows,
    only: &[Uuid],
) -> Result<Vec<ExportRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT r.id AS resource_id, r.name AS resource_name, r.resource_type, r.host, r.url,
                r.department, r.location, r.description, r.notes AS resource_notes,
                a.id AS account_id, a.username, a.notes AS account_notes, s.version,
                s.key_version, s.ciphertext
         FROM resources r
         LEFT JOIN accounts a ON a.resource_id = r.id AND a.deleted_at IS NULL
         -- A password under access control leaves only through a checkout, never here.
         LEFT JOIN secrets s ON s.account_id = a.id AND s.version = a.current_version
             AND NOT (a.access_controlled OR r.access_controlled)
             AND (r.owner_id = ANY($5) OR r.id = ANY($6) OR a.id = ANY($7))
         WHERE r.deleted_at IS NULL
           AND (r.owner_id = ANY($1) OR r.id = ANY($2) OR a.id = ANY($3))
           AND (cardinality($4::uuid[]) = 0 OR r.id = ANY($4))
         ORDER BY lower(r.name), r.id, lower(a.username), a.id",
    )
    .bind(&visible.owners)
    .bind(&visible.resources)
    .bind(&visible.accounts)
    .bind(only)
    .bind(&revealable.owners)
    .bind(&revealable.resources)
    .bind(&revealable.accounts)
    .fetch_all(&mut **tx)
    .await
}

/// A rule on who may export: for a user or a user group.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ExportRuleRow {
    /// `user` or `group`.
    pub principal_kind: String,
    pub principal_id: Uuid,
    pub allowed: bool,
    pub updated_by: Uuid,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

pub async fn list_export_rules(tx: &mut TenantTx) -> Result<Vec<ExportRuleRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT principal_kind, principal_id, allowed, updated_by, updated_at FROM export_rules
         ORDER BY principal_kind DESC, updated_at",
    )
    .fetch_all(&mut **tx)
    .await
}

/// Adds the rule, or replaces the one for the same user or group.
pub async fn save_export_rule(
    tx: &mut TenantTx,
    kind: &str,
    id: Uuid,
    allowed: bool,
    updated_by: Uuid,
) -> Result<ExportRuleRow, sqlx::Error> {
    sqlx::query_as(
        "INSERT INTO export_rules (principal_kind, principal_id, allowed, updated_by)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (principal_kind, principal_id) DO UPDATE SET allowed = EXCLUDED.allowed,
             updated_by = EXCLUDED.updated_by, updated_at = now()
         RETURNING principal_kind, principal_id, allowed, updated_by, updated_at",
    )
    .bind(kind)
    .bind(id)
    .bind(allowed)
    .bind(updated_by)
    .fetch_one(&mut **tx)
    .await
}

pub async fn delete_export_rule(
    tx: &mut TenantTx,
    kind: &str,
    id: Uuid,
) -> Result<bool, sqlx::Error> {
    let done =
        sqlx::query("DELETE FROM export_rules WHERE principal_kind = $1 AND principal_id = $2")
            .bind(kind)
            .bind(id)
            .execute(&mut **tx)
            .await?;
    Ok(done.rows_affected() == 1)
}
