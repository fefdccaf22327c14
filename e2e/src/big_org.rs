//! Large orgs for the benchmarks: rows loaded straight into an org's schema as the vault
//! writes them (a load through the API would take longer than the measurement), with
//! placeholder ciphertexts, since nothing that reads them reveals.

use std::time::Duration;

use crate::stack::Stack;

/// Loads the org's rows as the vault writes them, in one statement each.
pub async fn load(
    stack: &Stack,
    org_id: &str,
    owner: &str,
    resources: usize,
    accounts: usize,
) -> anyhow::Result<()> {
    let db = sqlx::PgPool::connect(&format!(
        "{}/{}_vault",
        strongroom_testkit::pg_server_url(),
        stack.config.db_prefix
    ))
    .await?;
    let schema = format!("org_{}", org_id.replace('-', ""));
    let owner: uuid::Uuid = owner.parse()?;
    let resources = i32::try_from(resources)?;
    let accounts = i32::try_from(accounts)?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO \"{schema}\".resources
             (id, name, resource_type, host, department, location, description, owner_id)
         SELECT gen_random_uuid(), 'res-' || i,
                (ARRAY['Linux', 'Windows', 'PostgreSQL', 'Cisco IOS'])[1 + i % 4],
                'host-' || i || '.big.test',
                (ARRAY['Finance', 'IT', 'Ops', 'HR', 'Legal'])[1 + i % 5],
                (ARRAY['Paris', 'Lyon', 'Berlin'])[1 + i % 3],
                'resource number ' || i, $1
         FROM generate_series(1, $2) AS i"
    )))
    .bind(owner)
    .bind(resources)
    .execute(&db)
    .await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO \"{schema}\".accounts (id, resource_id, username, notes)
         SELECT gen_random_uuid(), r.id, 'svc-' || (row_number() OVER ()), 'account ' || g
         FROM \"{schema}\".resources r, generate_series(1, $1) AS g"
    )))
    .bind(accounts)
    .execute(&db)
    .await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO \"{schema}\".secrets (account_id, version, key_version, ciphertext, created_by)
         SELECT a.id, 1, 1, '\\x00'::bytea, $1 FROM \"{schema}\".accounts a"
    )))
    .bind(owner)
    .execute(&db)
    .await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "ANALYZE \"{schema}\".resources, \"{schema}\".accounts"
    )))
    .execute(&db)
    .await?;
    Ok(())
}

/// The `p`th percentile of `times`, in milliseconds (sorts them).
pub fn percentile_ms(times: &mut [Duration], p: usize) -> f64 {
    times.sort();
    times
        .get((times.len() * p / 100).min(times.len().saturating_sub(1)))
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}
