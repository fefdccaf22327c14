//! Custom password policies, by name; their rules are the policy's JSON.

use strongroom_tenancy::TenantTx;

use super::Source;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PolicyRow {
    pub name: String,
    pub rules: serde_json::Value,
    /// `local` or `msp` (see [`Source`]).
    pub source: String,
}

pub async fn list_policies(tx: &mut TenantTx) -> Result<Vec<PolicyRow>, sqlx::Error> {
    sqlx::query_as("SELECT name, rules, source FROM password_policies ORDER BY lower(name)")
        .fetch_all(&mut **tx)
        .await
}

/// The policy named so, ignoring case.
pub async fn find_policy(tx: &mut TenantTx, name: &str) -> Result<Option<PolicyRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT name, rules, source FROM password_policies WHERE lower(name) = lower($1)",
    )
    .bind(name)
    .fetch_optional(&mut **tx)
    .await
}

/// Adds the policy, or replaces the rules (and source) of the one of that name (ignoring
/// case).
pub async fn save_policy(
    tx: &mut TenantTx,
    name: &str,
    rules: &serde_json::Value,
    source: Source,
) -> Result<PolicyRow, sqlx::Error> {
    sqlx::query_as(
        "INSERT INTO password_policies (name, rules, source) VALUES ($1, $2, $3)
         ON CONFLICT (lower(name)) DO UPDATE
             SET rules = EXCLUDED.rules, source = EXCLUDED.source, updated_at = now()
         RETURNING name, rules, source",
    )
    .bind(name)
    .bind(rules)
    .bind(source.as_str())
    .fetch_one(&mut **tx)
    .await
}

pub async fn delete_policy(tx: &mut TenantTx, name: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM password_policies WHERE lower(name) = lower($1)")
        .bind(name)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Resources (in the trash too) whose passwords must satisfy the policy.
pub async fn count_resources_with_policy(
    tx: &mut TenantTx,
    name: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM resources WHERE lower(password_policy) = lower($1)")
        .bind(name)
        .fetch_one(&mut **tx)
        .await
}
