//! MSPOrg's replicated groups and roles: each kind's newest template (global), and the
//! version each org has applied.

use serde_json::Value;
use sqlx::PgPool;

/// The `applied_templates` table every replicating service keeps, shared.
pub use strongroom_runtime::replication::{lock_applied_version, set_applied_version};

#[derive(sqlx::FromRow)]
pub struct TemplateRow {
    pub kind: String,
    pub version: i64,
    pub enabled: bool,
    pub options: Value,
    pub content: Value,
    pub actor: Value,
}

const TEMPLATE_COLUMNS: &str = "kind, version, enabled, options, content, actor";

/// The version of the kind's template kept, if any.
pub async fn template_version(db: &PgPool, kind: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT version FROM replication_templates WHERE kind = $1")
        .bind(kind)
        .fetch_optional(db)
        .await
}

/// Keeps `t` as its kind's template unless a template of that version or a newer one is
/// kept.
pub async fn store_template(db: &PgPool, t: &TemplateRow) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO replication_templates (kind, version, enabled, options, content, actor)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (kind) DO UPDATE SET version = EXCLUDED.version,
             enabled = EXCLUDED.enabled, options = EXCLUDED.options,
             content = EXCLUDED.content, actor = EXCLUDED.actor, updated_at = now()
         WHERE replication_templates.version < EXCLUDED.version",
    )
    .bind(&t.kind)
    .bind(t.version)
    .bind(t.enabled)
    .bind(&t.options)
    .bind(&t.content)
    .bind(&t.actor)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn template(db: &PgPool, kind: &str) -> Result<Option<TemplateRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {TEMPLATE_COLUMNS} FROM replication_templates WHERE kind = $1"
    )))
    .bind(kind)
    .fetch_optional(db)
    .await
}

/// Every enabled template, by kind.
pub async fn enabled_templates(db: &PgPool) -> Result<Vec<TemplateRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {TEMPLATE_COLUMNS} FROM replication_templates WHERE enabled ORDER BY kind"
    )))
    .fetch_all(db)
    .await
}
