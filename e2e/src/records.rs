//! Where a reveal's audit record is: committed in the vault's database before the password
//! leaves, then forwarded to the audit service's intake, then moved into the org's trail.

use std::collections::HashMap;

use anyhow::Context;
use uuid::Uuid;

/// A reveal record, wherever it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevealRecord {
    pub operation: String,
    pub account_id: String,
}

/// Every reveal record of `org`, by id: those still in the vault, then those in the audit
/// service (intake and trail, in one snapshot). The vault is read first: a record forwarded
/// after that read is in the audit service before the vault deletes it, so none is missed.
pub async fn reveal_records(
    vault_db: &str,
    audit_db: &str,
    org: Uuid,
) -> anyhow::Result<HashMap<Uuid, RevealRecord>> {
    let connect = |url: &str| {
        sqlx::postgres::PgPoolOptions::new()
            .max_connections(1)
            .connect_lazy(url)
    };
    let (vault, audit) = (
        connect(vault_db).context("the vault database")?,
        connect(audit_db).context("the audit database")?,
    );
    let mut records: Vec<(Uuid, String, String)> = sqlx::query_as(
        "SELECT id, operation, account_id::text FROM public.reveal_records WHERE org_id = $1",
    )
    .bind(org)
    .fetch_all(&vault)
    .await
    .context("reading the vault's reveal records")?;
    let in_audit: Vec<(Uuid, String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT id, operation, target_id FROM org_{}.audit_events
         WHERE operation LIKE 'password.reveal%'
         UNION
         SELECT id, operation, target_id FROM public.audit_intake
         WHERE org_id = $1 AND operation LIKE 'password.reveal%'",
        org.simple()
    )))
    .bind(org)
    .fetch_all(&audit)
    .await
    .context("reading the audit trail")?;
    vault.close().await;
    audit.close().await;
    records.extend(in_audit);
    Ok(records
        .into_iter()
        .map(|(id, operation, account_id)| {
            (
                id,
                RevealRecord {
                    operation,
                    account_id,
                },
            )
        })
        .collect())
}
