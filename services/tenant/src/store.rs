//! SQL for the org registry (global tables).

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use strongroom_core::OrgId;
use uuid::Uuid;

pub const MSP_SLUG: &str = "msporg";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OrgRow {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub is_msp: bool,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub account_manager_id: Option<Uuid>,
    pub description: String,
    pub department: String,
    pub location: String,
    pub contact: String,
}

const ORG_COLUMNS: &str = "o.id, o.slug, o.name, o.is_msp, o.status, o.created_at,      m.user_id AS account_manager_id, o.description, o.department, o.location, o.contact
     FROM orgs o LEFT JOIN account_managers m ON m.org_id = o.id";

/// What an MSP administrator types for a client org.
#[derive(Debug, Clone, Default)]
pub struct OrgDetails {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub department: String,
    pub location: String,
    pub contact: String,
}

/// Who is asking for the orgs they manage: an MSPOrg user and their user groups.
pub struct Manager {
    pub user: Uuid,
    pub groups: Vec<Uuid>,
}

/// Active client orgs, by name; when `manager` is given, only those they are account
/// manager of or reach through an approved grant (to them or one of their groups).
pub async fn list_client_orgs(
    pool: &PgPool,
    manager: Option<&Manager>,
) -> Result<Vec<OrgRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {ORG_COLUMNS}
         WHERE NOT o.is_msp AND o.status = 'active'
           AND ($1::uuid IS NULL OR m.user_id = $1 OR EXISTS (
               SELECT 1 FROM org_access_grants g
               WHERE g.org_id = o.id AND g.status = 'approved'
                 AND ((g.designee_kind = 'user' AND g.designee_id = $1)
                   OR (g.designee_kind = 'group' AND g.designee_id = ANY($2)))))
         ORDER BY lower(o.name), lower(o.slug)"
    )))
    .bind(manager.map(|m| m.user))
    .bind(manager.map(|m| m.groups.clone()).unwrap_or_default())
    .fetch_all(pool)
    .await
}

/// Creates MSPOrg on first start; returns its id.
pub async fn ensure_msp_org(pool: &PgPool) -> Result<OrgId, sqlx::Error> {
    sqlx::query(
        "INSERT INTO orgs (id, slug, name, is_msp, status) VALUES ($1, $2, 'MSPOrg', true, 'active')
         ON CONFLICT DO NOTHING",
    )
    .bind(OrgId::new().0)
    .bind(MSP_SLUG)
    .execute(pool)
    .await?;
    let id: Uuid = sqlx::query_scalar("SELECT id FROM orgs WHERE is_msp")
        .fetch_one(pool)
        .await?;
    Ok(OrgId(id))
}

pub async fn find_org_by_slug(pool: &PgPool, slug: &str) -> Result<Option<OrgRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {ORG_COLUMNS} WHERE lower(o.slug) = lower($1)"
    )))
    .bind(slug)
    .fetch_optional(pool)
    .await
}

pub async fn find_org(pool: &PgPool, id: OrgId) -> Result<Option<OrgRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {ORG_COLUMNS} WHERE o.id = $1"
    )))
    .bind(id.0)
    .fetch_optional(pool)
    .await
}

/// Registers a client org (still provisioning) with its account manager, atomically.
pub async fn create_org(
    pool: &PgPool,
    id: OrgId,
    org: &OrgDetails,
    created_by: Uuid,
    manager: (Uuid, &str),
    manager_home: OrgId,
) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO orgs (id, slug, name, description, department, location, contact, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id.0)
    .bind(&org.slug)
    .bind(&org.name)
    .bind(&org.description)
    .bind(&org.department)
    .bind(&org.location)
    .bind(&org.contact)
    .bind(created_by)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO account_managers (org_id, user_id, home_org_id, username)
         VALUES ($1, $2, $3, $4)",
    )
    .bind(id.0)
    .bind(manager.0)
    .bind(manager_home.0)
    .bind(manager.1)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

pub async fn mark_active(pool: &PgPool, id: OrgId) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE orgs SET status = 'active' WHERE id = $1")
        .bind(id.0)
        .execute(pool)
        .await?;
    Ok(())
}

/// Marks an org as being deleted: it no longer resolves, lists or admits anyone.
pub async fn mark_deleting(pool: &PgPool, id: OrgId) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE orgs SET status = 'deleting' WHERE id = $1")
        .bind(id.0)
        .execute(pool)
        .await?;
    Ok(())
}

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
    conn: &mut sqlx::PgConnection,
    org: &OrgRow,
    by: Uuid,
    by_name: &str,
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
    .bind(by)
    .bind(by_name)
    .fetch_optional(conn)
    .await
}

pub async fn find_deletion_request(
    pool: &PgPool,
    id: Uuid,
) -> Result<Option<DeletionRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {DELETION_COLUMNS} FROM public.org_deletion_requests WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(pool)
    .await
}

/// Moves the request from `from` to `status`, decided by `by`; `None` when it is no longer
/// in `from` (another decision came first).
pub async fn decide_deletion_request(
    conn: &mut sqlx::PgConnection,
    id: Uuid,
    from: &str,
    status: &str,
    by: (Uuid, &str),
    note: &str,
) -> Result<Option<DeletionRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE public.org_deletion_requests
         SET status = $3, decided_by = $4, decided_by_name = $5, decided_at = now(), note = $6
         WHERE id = $1 AND status = $2
         RETURNING {DELETION_COLUMNS}"
    )))
    .bind(id)
    .bind(from)
    .bind(status)
    .bind(by.0)
    .bind(by.1)
    .bind(note)
    .fetch_optional(conn)
    .await
}

/// Marks an approved request carried out, in the transaction that deletes the org's row.
pub async fn complete_deletion_request(
    conn: &mut sqlx::PgConnection,
    id: Uuid,
) -> Result<Option<DeletionRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE public.org_deletion_requests SET status = 'deleted'
         WHERE id = $1 AND status = 'approved'
         RETURNING {DELETION_COLUMNS}"
    )))
    .bind(id)
    .fetch_optional(conn)
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

/// Removes the org's row (its schema is gone from every service by then).
pub async fn delete_org_row(conn: &mut sqlx::PgConnection, id: OrgId) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM public.orgs WHERE id = $1")
        .bind(id.0)
        .execute(conn)
        .await?;
    Ok(())
}
