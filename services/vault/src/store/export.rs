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
/// accounts by username.
pub async fn export_rows(
    tx: &mut TenantTx,
    visible: &VisibleRows,
    only: &[Uuid],
) -> Result<Vec<ExportRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT r.id AS resource_id, r.name AS resource_name, r.resource_type, r.host, r.url,
                r.department, r.location, r.description, r.notes AS resource_notes,
                a.id AS account_id, a.username, a.notes AS account_notes, s.version,
                s.key_version, s.ciphertext
         FROM resources r
         LEFT JOIN accounts a ON a.resource_id = r.id AND a.deleted_at IS NULL
         LEFT JOIN secrets s ON s.account_id = a.id AND s.version = a.current_version
         WHERE r.deleted_at IS NULL
           AND (r.owner_id = ANY($1) OR r.id = ANY($2) OR a.id = ANY($3))
           AND (cardinality($4::uuid[]) = 0 OR r.id = ANY($4))
         ORDER BY lower(r.name), r.id, lower(a.username), a.id",
    )
    .bind(&visible.owners)
    .bind(&visible.resources)
    .bind(&visible.accounts)
    .bind(only)
    .fetch_all(&mut **tx)
    .await
}
