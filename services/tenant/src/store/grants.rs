//! Org access grants (global `org_access_grants`) and the group members each approved
//! group grant lets in (`org_access_members`).

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use strongroom_core::{OrgId, UserId};
use strongroom_tenancy::TenantTx;
use uuid::Uuid;

use crate::ids::GrantId;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GrantRow {
    pub id: Uuid,
    pub org_id: Uuid,
    pub org_slug: String,
    pub org_name: String,
    pub designee_kind: String,
    pub designee_id: Uuid,
    pub designee_name: String,
    pub proposer_id: Uuid,
    pub proposer_name: String,
    pub approver_id: Uuid,
    pub approver_name: String,
    pub status: String,
    pub proposed_at: DateTime<Utc>,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub note: String,
    /// A group's members when the grant was proposed (`None` before they were recorded).
    pub proposed_members: Option<Vec<Uuid>>,
}

impl GrantRow {
    pub fn grant_id(&self) -> GrantId {
        GrantId(self.id)
    }
}

const GRANT_COLUMNS: &str = "g.id, g.org_id, o.slug AS org_slug, o.name AS org_name,
    g.designee_kind, g.designee_id, g.designee_name, g.proposer_id, g.proposer_name,
    g.approver_id, g.approver_name, g.status, g.proposed_at, g.decided_by_name, g.decided_at,
    g.note, g.proposed_members
    FROM public.org_access_grants g JOIN public.orgs o ON o.id = g.org_id";

/// A grant as proposed, before it has an id.
pub struct NewGrant<'a> {
    pub designee_kind: &'a str,
    pub designee_id: Uuid,
    pub designee_name: &'a str,
    pub proposer: (UserId, &'a str),
    pub approver: (UserId, &'a str),
    pub note: &'a str,
    /// A group's members when proposed; `None` for a user or account manager.
    pub members: Option<&'a [Uuid]>,
}

/// Which grants to list.
#[derive(Debug, Default)]
pub struct GrantFilter {
    pub org: Option<Uuid>,
    pub designee: Option<Uuid>,
    pub status: Option<String>,
    /// Pending requests the caller is named to decide.
    pub awaiting_me: bool,
}

/// A group member an approved group grant lets in.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MemberRow {
    pub user_id: Uuid,
    pub username: String,
    pub approved_by_name: String,
    pub approved_at: DateTime<Utc>,
}

/// Records a pending grant of `org` and returns its id; a unique violation when the
/// designee has a pending or approved grant for the org already.
pub async fn insert_grant(
    tx: &mut TenantTx,
    org: Uuid,
    grant: &NewGrant<'_>,
) -> Result<GrantId, sqlx::Error> {
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO public.org_access_grants (id, org_id, designee_kind, designee_id,
            designee_name, proposer_id, proposer_name, approver_id, approver_name, note,
            proposed_members)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(id)
    .bind(org)
    .bind(grant.designee_kind)
    .bind(grant.designee_id)
    .bind(grant.designee_name)
    .bind(grant.proposer.0.0)
    .bind(grant.proposer.1)
    .bind(grant.approver.0.0)
    .bind(grant.approver.1)
    .bind(grant.note)
    .bind(grant.members)
    .execute(&mut **tx)
    .await?;
    Ok(GrantId(id))
}

pub async fn find_grant(pool: &PgPool, id: GrantId) -> Result<Option<GrantRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {GRANT_COLUMNS} WHERE g.id = $1"
    )))
    .bind(id.0)
    .fetch_optional(pool)
    .await
}

/// The grants `ids`, by org slug.
pub async fn find_grants(pool: &PgPool, ids: &[GrantId]) -> Result<Vec<GrantRow>, sqlx::Error> {
    let ids: Vec<Uuid> = ids.iter().map(|id| id.0).collect();
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {GRANT_COLUMNS} WHERE g.id = ANY($1) ORDER BY o.slug"
    )))
    .bind(&ids)
    .fetch_all(pool)
    .await
}

/// The org's approved grants to users and groups.
pub async fn approved_grants_of(pool: &PgPool, org: OrgId) -> Result<Vec<GrantRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {GRANT_COLUMNS} WHERE g.org_id = $1 AND g.status = 'approved'
             AND g.designee_kind IN ('user', 'group')
         ORDER BY g.designee_kind, g.designee_name"
    )))
    .bind(org.0)
    .fetch_all(pool)
    .await
}

/// Grants by `filter`, newest first; `awaiting` the pending ones that user decides,
/// `visible` only those to these designees.
pub async fn list_grants(
    pool: &PgPool,
    filter: &GrantFilter,
    awaiting: Option<UserId>,
    visible: Option<&[Uuid]>,
) -> Result<Vec<GrantRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {GRANT_COLUMNS}
         WHERE ($1::uuid IS NULL OR g.org_id = $1)
           AND ($2::uuid IS NULL OR g.designee_id = $2)
           AND ($3::text IS NULL OR g.status = $3)
           AND ($4::uuid IS NULL OR (g.approver_id = $4 AND g.status = 'pending'))
           AND ($5::uuid[] IS NULL OR g.designee_id = ANY($5))
         ORDER BY g.proposed_at DESC, g.id"
    )))
    .bind(filter.org)
    .bind(filter.designee)
    .bind(filter.status.as_deref())
    .bind(awaiting.map(|u| u.0))
    .bind(visible)
    .fetch_all(pool)
    .await
}

/// Whether `user` holds an approved grant to `org` directly, and whether the org has any
/// approved group grant.
pub async fn direct_and_group_grants(
    pool: &PgPool,
    org: OrgId,
    user: UserId,
) -> Result<(bool, bool), sqlx::Error> {
    sqlx::query_as(
        "SELECT
            EXISTS (SELECT 1 FROM org_access_grants WHERE org_id = $1 AND status = 'approved'
                    AND designee_kind = 'user' AND designee_id = $2),
            EXISTS (SELECT 1 FROM org_access_grants WHERE org_id = $1 AND status = 'approved'
                    AND designee_kind = 'group')",
    )
    .bind(org.0)
    .bind(user.0)
    .fetch_one(pool)
    .await
}

/// Whether an approved grant to one of `groups` lets `user` into `org`. A member added
/// since the grant was approved waits for a third administrator.
pub async fn group_grant_lets_in(
    pool: &PgPool,
    org: OrgId,
    groups: &[Uuid],
    user: UserId,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM org_access_grants g WHERE org_id = $1
            AND status = 'approved' AND designee_kind = 'group' AND designee_id = ANY($2)
            AND (NOT members_known OR EXISTS (SELECT 1 FROM org_access_members m
                                              WHERE m.grant_id = g.id AND m.user_id = $3)))",
    )
    .bind(org.0)
    .bind(groups)
    .bind(user.0)
    .fetch_one(pool)
    .await
}

/// Whether the grant's members were recorded when it was approved.
pub async fn members_known(pool: &PgPool, grant: GrantId) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT members_known FROM public.org_access_grants WHERE id = $1")
        .bind(grant.0)
        .fetch_one(pool)
        .await
}

/// The members a group grant lets in, by username.
pub async fn approved_members(
    pool: &PgPool,
    grant: GrantId,
) -> Result<Vec<MemberRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT user_id, username, approved_by_name, approved_at
         FROM public.org_access_members WHERE grant_id = $1 ORDER BY username",
    )
    .bind(grant.0)
    .fetch_all(pool)
    .await
}

/// Moves a grant from one of `from` to `to`, decided by `by` (a note replaces the stored
/// one unless empty); false when it is no longer in `from`.
pub async fn set_grant_status(
    tx: &mut TenantTx,
    grant: GrantId,
    from: &[&str],
    to: &str,
    by: &str,
    note: &str,
) -> Result<bool, sqlx::Error> {
    let changed = sqlx::query(
        "UPDATE public.org_access_grants
         SET status = $2, decided_by_name = $3, decided_at = now(),
             note = CASE WHEN $4 = '' THEN note ELSE $4 END
         WHERE id = $1 AND status = ANY($5)",
    )
    .bind(grant.0)
    .bind(to)
    .bind(by)
    .bind(note)
    .bind(from)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(changed > 0)
}

/// From now on only the members recorded let the grant's group in.
pub async fn mark_members_known(tx: &mut TenantTx, grant: GrantId) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE public.org_access_grants SET members_known = true WHERE id = $1")
        .bind(grant.0)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Lets a group member use the grant; false when they may already.
pub async fn add_member(
    tx: &mut TenantTx,
    grant: GrantId,
    member: (UserId, &str),
    approved_by: &str,
) -> Result<bool, sqlx::Error> {
    let added = sqlx::query(
        "INSERT INTO public.org_access_members (grant_id, user_id, username, approved_by_name)
         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
    )
    .bind(grant.0)
    .bind(member.0.0)
    .bind(member.1)
    .bind(approved_by)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(added > 0)
}
