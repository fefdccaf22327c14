//! Requests to delete a client org (global `org_deletion_requests`), and how each was
//! decided.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use strongroom_core::UserId;
use strongroom_tenancy::TenantTx;
use uuid::Uuid;

use super::orgs::OrgRow;
use crate::ids::DeletionId;

/// A request to delete a client org, and how it was decided.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeletionRow {
    pub id: Uuid,
    pub org_id: Uuid,
    pub org_slug: String,
    pub org_name: String,
    pub requested_by: Uuid,
    pub requested_by_name: String,
    pub requested_at: DateTime<Utc>,
    pub status: String,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub note: String,
}

const DELETION_COLUMNS: &str = "id, org_id, org_slug, org_name, requested_by, \
    requested_by_name, requested_at, status, decided_by_name, decided_at, note";

/// Records a pending deletion of `org` asked by `by`; `None` when the org already has an
/// open (pending or approved) request.
pub async fn insert_deletion_request(
    tx: &mut TenantTx,
    org: &OrgRow,
    by: (UserId, &str),
) -> Result<Option<DeletionRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO public.org_deletion_requests
             (id, org_id, org_slug, org_name, requested_by, requested_by_name)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (org_id) WHERE status IN ('pending', 'approved') DO NOTHING
         RETURNING {DELETION_COLUMNS}"
    )))
    .bind(Uuid::now_v7())
    .bind(org.id)
    .bind(&org.slug)
    .bind(&org.name)
    .bind(by.0.0)
    .bind(by.1)
    .fetch_optional(&mut **tx)
    .await
}

pub async fn find_deletion_request(
    pool: &PgPool,
    id: DeletionId,
) -> Result<Option<DeletionRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {DELETION_COLUMNS} FROM public.org_deletion_requests WHERE id = $1"
    )))
    .bind(id.0)
    .fetch_optional(pool)
    .await
}

/// Moves the request from `from` to `status`, decided by `by`; `None` when it is no longer
/// in `from` (another decision came first).
pub async fn decide_deletion_request(
    tx: &mut TenantTx,
    id: DeletionId,
    from: &str,
    status: &str,
    by: (UserId, &str),
    note: &str,
) -> Result<Option<DeletionRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE public.org_deletion_requests
         SET status = $3, decided_by = $4, decided_by_name = $5, decided_at = now(), note = $6
         WHERE id = $1 AND status = $2
         RETURNING {DELETION_COLUMNS}"
    )))
    .bind(id.0)
    .bind(from)
    .bind(status)
    .bind(by.0.0)
    .bind(by.1)
    .bind(note)
    .fetch_optional(&mut **tx)
    .await
}

/// Marks an approved request carried out, in the transaction that deletes the org's row.
pub async fn complete_deletion_request(
    tx: &mut TenantTx,
    id: DeletionId,
) -> Result<Option<DeletionRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE public.org_deletion_requests SET status = 'deleted'
         WHERE id = $1 AND status = 'approved'
         RETURNING {DELETION_COLUMNS}"
    )))
    .bind(id.0)
    .fetch_optional(&mut **tx)
    .await
}

/// Deletion requests, newest first; `status` empty: all.
pub async fn list_deletion_requests(
    pool: &PgPool,
    status: &str,
) -> Result<Vec<DeletionRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {DELETION_COLUMNS} FROM public.org_deletion_requests
         WHERE $1 = '' OR status = $1
         ORDER BY requested_at DESC, id DESC
         LIMIT 1000"
    )))
    .bind(status)
    .fetch_all(pool)
    .await
}
