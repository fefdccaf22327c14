//! MSPOrg's replicated settings: each kind's newest template (global), and the version each
//! org has applied.

use sqlx::PgPool;

/// The `applied_templates` table every replicating service keeps, shared.
pub use strongroom_runtime::replication::{lock_applied_version, set_applied_version};

/// Whose definition a policy, type or additional field is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The org's own (saved in it): replication never touches it.
    Local,
    /// MSPOrg's, added by replication and kept in step with MSPOrg until the org saves it.
    Msp,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Local => "local",
            Self::Msp => "msp",
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TemplateRow {
    pub kind: String,
    pub version: i64,
    pub enabled: bool,
    pub content: serde_json::Value,
    pub actor: serde_json::Value,
}

/// The version of the kind's template kept, if any.
pub async fn template_version(db: &PgPool, kind: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT version FROM replication_templates WHERE kind = $1")
        .bind(kind)
        .fetch_optional(db)
        .await
}

/// Keeps the template unless one of its version or newer is kept.
pub async fn save_template(db: &PgPool, t: &TemplateRow) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO replication_templates (kind, version, enabled, content, actor)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (kind) DO UPDATE SET version = EXCLUDED.version,
             enabled = EXCLUDED.enabled, content = EXCLUDED.content, actor = EXCLUDED.actor,
             updated_at = now()
         WHERE replication_templates.version < EXCLUDED.version",
    )
    .bind(&t.kind)
    .bind(t.version)
    .bind(t.enabled)
    .bind(&t.content)
    .bind(&t.actor)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn find_template(db: &PgPool, kind: &str) -> Result<Option<TemplateRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT kind, version, enabled, content, actor FROM replication_templates
         WHERE kind = $1",
    )
    .bind(kind)
    .fetch_optional(db)
    .await
}

pub async fn enabled_templates(db: &PgPool) -> Result<Vec<TemplateRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT kind, version, enabled, content, actor FROM replication_templates
         WHERE enabled ORDER BY kind",
    )
    .fetch_all(db)
    .await
}
