//! Import jobs and their per-row results, and the lookups an import makes by name.

use chrono::{DateTime, Utc};
use strongroom_tenancy::TenantTx;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ImportJobRow {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub format: String,
    pub status: String,
    pub total: i32,
    pub done: i32,
    pub created: i32,
    pub updated: i32,
    pub skipped: i32,
    pub rejected: i32,
    pub error: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// A running job with no rows recorded for 10 minutes was cut off (the replica running it
/// stopped): it reads as failed, saying so; the rows it recorded stay.
const JOB_COLUMNS: &str = "id, owner_id, format,
    CASE WHEN status = 'running' AND progressed_at < now() - interval '10 minutes'
         THEN 'failed' ELSE status END AS status,
    total, done, created, updated, skipped, rejected,
    CASE WHEN status = 'running' AND progressed_at < now() - interval '10 minutes'
         THEN 'interrupted: no rows recorded for 10 minutes (the vault replica running it \
               stopped); the rows recorded stay, so importing the file again updates or \
               skips them'
         ELSE error END AS error,
    started_at, finished_at";

/// One row's outcome.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct ImportResultRow {
    pub row_number: i32,
    pub outcome: String,
    pub resource_name: String,
    pub username: String,
    pub reason: String,
}

pub async fn create_import_job(
    tx: &mut TenantTx,
    id: Uuid,
    owner: Uuid,
    format: &str,
    total: i32,
) -> Result<ImportJobRow, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO import_jobs (id, owner_id, format, status, total) VALUES ($1, $2, $3, 'running', $4)
         RETURNING {JOB_COLUMNS}"
    )))
    .bind(id)
    .bind(owner)
    .bind(format)
    .bind(total)
    .fetch_one(&mut **tx)
    .await
}

/// Records rows' results and moves the job's counts on.
pub async fn record_import_results(
    tx: &mut TenantTx,
    job: Uuid,
    results: &[ImportResultRow],
) -> Result<(), sqlx::Error> {
    let count = |outcome: &str| {
        i32::try_from(results.iter().filter(|r| r.outcome == outcome).count()).unwrap_or(i32::MAX)
    };
    sqlx::query(
        "INSERT INTO import_results (job_id, row_number, outcome, resource_name, username, reason)
         SELECT $1, * FROM UNNEST($2::int[], $3::text[], $4::text[], $5::text[], $6::text[])",
    )
    .bind(job)
    .bind(results.iter().map(|r| r.row_number).collect::<Vec<_>>())
    .bind(
        results
            .iter()
            .map(|r| r.outcome.as_str())
            .collect::<Vec<_>>(),
    )
    .bind(
        results
            .iter()
            .map(|r| r.resource_name.as_str())
            .collect::<Vec<_>>(),
    )
    .bind(
        results
            .iter()
            .map(|r| r.username.as_str())
            .collect::<Vec<_>>(),
    )
    .bind(
        results
            .iter()
            .map(|r| r.reason.as_str())
            .collect::<Vec<_>>(),
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "UPDATE import_jobs SET done = done + $2, created = created + $3, updated = updated + $4,
                skipped = skipped + $5, rejected = rejected + $6, progressed_at = now()
         WHERE id = $1",
    )
    .bind(job)
    .bind(i32::try_from(results.len()).unwrap_or(i32::MAX))
    .bind(count("created"))
    .bind(count("updated"))
    .bind(count("skipped"))
    .bind(count("rejected"))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn finish_import_job(
    tx: &mut TenantTx,
    job: Uuid,
    error: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE import_jobs SET status = CASE WHEN $2::text IS NULL THEN 'completed' ELSE 'failed' END,
                error = coalesce($2, ''), finished_at = now()
         WHERE id = $1",
    )
    .bind(job)
    .bind(error)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn find_import_job(
    tx: &mut TenantTx,
    id: Uuid,
) -> Result<Option<ImportJobRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {JOB_COLUMNS} FROM import_jobs WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await
}

pub async fn list_import_jobs(
    tx: &mut TenantTx,
    owner: Uuid,
) -> Result<Vec<ImportJobRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {JOB_COLUMNS} FROM import_jobs WHERE owner_id = $1 ORDER BY started_at DESC LIMIT 100"
    )))
    .bind(owner)
    .fetch_all(&mut **tx)
    .await
}

/// A page of a job's results, by row.
pub async fn list_import_results(
    tx: &mut TenantTx,
    job: Uuid,
    offset: i64,
    limit: i64,
) -> Result<Vec<ImportResultRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT row_number, outcome, resource_name, username, reason FROM import_results
         WHERE job_id = $1 ORDER BY row_number OFFSET $2 LIMIT $3",
    )
    .bind(job)
    .bind(offset)
    .bind(limit)
    .fetch_all(&mut **tx)
    .await
}

/// The live resource of that name (ignoring case), if any.
pub async fn find_resource_id_by_name(
    tx: &mut TenantTx,
    name: &str,
) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT id FROM resources WHERE lower(name) = lower($1) AND deleted_at IS NULL",
    )
    .bind(name)
    .fetch_optional(&mut **tx)
    .await
}

/// The live account of that username (ignoring case) on the resource, if any.
pub async fn find_account_id_by_username(
    tx: &mut TenantTx,
    resource: Uuid,
    username: &str,
) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT id FROM accounts
         WHERE resource_id = $1 AND lower(username) = lower($2) AND deleted_at IS NULL",
    )
    .bind(resource)
    .bind(username)
    .fetch_optional(&mut **tx)
    .await
}

/// The caller's group of that name under `parent` (ignoring case), if any.
pub async fn find_group_by_name(
    tx: &mut TenantTx,
    owner: Uuid,
    parent: Option<Uuid>,
    name: &str,
) -> Result<Option<(Uuid, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, kind FROM resource_groups
         WHERE owner_id = $1 AND parent_id IS NOT DISTINCT FROM $2 AND lower(name) = lower($3)",
    )
    .bind(owner)
    .bind(parent)
    .bind(name)
    .fetch_optional(&mut **tx)
    .await
}
