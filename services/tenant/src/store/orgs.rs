//! The org registry (global `orgs`) and each client org's account manager
//! (`account_managers`).

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use strongroom_core::{OrgId, UserId};
use strongroom_tenancy::TenantTx;
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

/// A client org's account manager as recorded (names included, since the org's users
/// cannot read MSPOrg's).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AccountManagerRow {
    pub user_id: Uuid,
    pub username: String,
    pub assigned_at: DateTime<Utc>,
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
    created_by: UserId,
    manager: (UserId, &str),
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
    .bind(created_by.0)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO account_managers (org_id, user_id, home_org_id, username)
         VALUES ($1, $2, $3, $4)",
    )
    .bind(id.0)
    .bind(manager.0.0)
    .bind(manager_home.0)
    .bind(manager.1)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// Changes an org's details and slug.
pub async fn update_org(
    tx: &mut TenantTx,
    id: OrgId,
    details: &OrgDetails,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE public.orgs SET slug = $2, name = $3, description = $4, department = $5,
            location = $6, contact = $7
         WHERE id = $1",
    )
    .bind(id.0)
    .bind(&details.slug)
    .bind(&details.name)
    .bind(&details.description)
    .bind(&details.department)
    .bind(&details.location)
    .bind(&details.contact)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn mark_active(pool: &PgPool, id: OrgId) -> Result<(), sqlx::Error> {
    set_status(pool, id, "active").await
}

/// Marks an org as being deleted: it no longer resolves, lists or admits anyone.
pub async fn mark_deleting(pool: &PgPool, id: OrgId) -> Result<(), sqlx::Error> {
    set_status(pool, id, "deleting").await
}

async fn set_status(pool: &PgPool, id: OrgId, status: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE orgs SET status = $2 WHERE id = $1")
        .bind(id.0)
        .bind(status)
        .execute(pool)
        .await?;
    Ok(())
}

/// Removes the org's row (its schema is gone from every service by then).
pub async fn delete_org_row(tx: &mut TenantTx, id: OrgId) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM public.orgs WHERE id = $1")
        .bind(id.0)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The org's account manager, if it has one (MSPOrg has none).
pub async fn find_account_manager(
    pool: &PgPool,
    org: OrgId,
) -> Result<Option<AccountManagerRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT user_id, username, assigned_at FROM public.account_managers
             WHERE org_id = $1",
    )
    .bind(org.0)
    .fetch_optional(pool)
    .await
}

/// Makes `user` the org's account manager.
pub async fn set_account_manager(
    tx: &mut TenantTx,
    org: OrgId,
    user: UserId,
    username: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE public.account_managers SET user_id = $2, username = $3,
             assigned_at = now()
         WHERE org_id = $1",
    )
    .bind(org.0)
    .bind(user.0)
    .bind(username)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
