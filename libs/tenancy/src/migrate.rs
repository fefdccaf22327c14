//! Per-schema migrations: each migration commits together with its version row.

use sqlx::{AssertSqlSafe, PgPool};

use sqlx::migrate::Migrator;

use crate::TenancyError;

/// Runs a service's global migrations (tables in `public`).
pub async fn migrate_global(pool: &PgPool, migrator: &Migrator) -> Result<(), TenancyError> {
    migrator
        .run(pool)
        .await
        .map_err(|e| TenancyError::Database(sqlx::Error::Migrate(Box::new(e))))
}

// Every tenant schema carries its migration journal and the event outbox, so a change and
// its event always commit together whatever the service.
const SCHEMA_BOOTSTRAP: &str = "
CREATE TABLE IF NOT EXISTS _migrations (
    version bigint PRIMARY KEY,
    description text NOT NULL,
    checksum bytea NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS outbox (
    seq bigserial PRIMARY KEY,
    event_id uuid NOT NULL UNIQUE,
    subject text NOT NULL,
    payload jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
";

pub(crate) async fn migrate_schema(
    pool: &PgPool,
    schema: &str,
    migrator: &Migrator,
) -> Result<(), TenancyError> {
    // `schema` comes from `schema_name`, a fixed prefix and a uuid: safe to splice.
    debug_assert!(
        schema
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
    );
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
        .bind(schema)
        .execute(&mut *tx)
        .await?;
    sqlx::raw_sql(AssertSqlSafe(format!(
        "CREATE SCHEMA IF NOT EXISTS {schema}"
    )))
    .execute(&mut *tx)
    .await?;
    sqlx::query("SELECT set_config('search_path', $1, true)")
        .bind(schema)
        .execute(&mut *tx)
        .await?;
    sqlx::raw_sql(SCHEMA_BOOTSTRAP).execute(&mut *tx).await?;
    let applied: Vec<(i64,)> = sqlx::query_as("SELECT version FROM _migrations ORDER BY version")
        .fetch_all(&mut *tx)
        .await?;
    tx.commit().await?;

    for (version,) in &applied {
        if !migrator.iter().any(|m| m.version == *version) {
            return Err(TenancyError::UnknownMigration {
                schema: schema.to_owned(),
                version: *version,
            });
        }
    }
    for migration in migrator.iter() {
        if applied.iter().any(|(v,)| *v == migration.version) {
            continue;
        }
        let fail = |source| TenancyError::Migration {
            schema: schema.to_owned(),
            version: migration.version,
            source,
        };
        let mut tx = pool.begin().await.map_err(fail)?;
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
            .bind(schema)
            .execute(&mut *tx)
            .await
            .map_err(fail)?;
        sqlx::query("SELECT set_config('search_path', $1, true)")
            .bind(schema)
            .execute(&mut *tx)
            .await
            .map_err(fail)?;
        // Another replica may have applied it while we waited for the lock.
        let done: Option<(i64,)> =
            sqlx::query_as("SELECT version FROM _migrations WHERE version = $1")
                .bind(migration.version)
                .fetch_optional(&mut *tx)
                .await
                .map_err(fail)?;
        if done.is_some() {
            continue;
        }
        sqlx::raw_sql(migration.sql.clone())
            .execute(&mut *tx)
            .await
            .map_err(fail)?;
        sqlx::query("INSERT INTO _migrations (version, description, checksum) VALUES ($1, $2, $3)")
            .bind(migration.version)
            .bind(migration.description.as_ref())
            .bind(migration.checksum.as_ref())
            .execute(&mut *tx)
            .await
            .map_err(fail)?;
        tx.commit().await.map_err(fail)?;
    }
    Ok(())
}
