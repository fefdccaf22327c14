//! Shares: who holds which target at which level, until when, and what a resource-group
//! share covered when it was made.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use strongroom_core::UserId;
use strongroom_tenancy::TenantTx;
use uuid::Uuid;

use crate::model::{
    Covers, Grant, Grantee, GranteeKind, Level, Share, ShareInput, TargetKind, TargetRef,
};

#[derive(sqlx::FromRow)]
struct ShareRow {
    id: Uuid,
    target_kind: String,
    target_id: Uuid,
    target_name: String,
    grantee_kind: String,
    grantee_id: Uuid,
    grantee_name: String,
    level: String,
    created_by: Uuid,
    created_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
    resource_count: i64,
    follows_criteria: bool,
    use_only: bool,
}

impl ShareRow {
    /// The share, unless a row breaks the table's own checks (then it is skipped, logged).
    fn share(self) -> Option<Share> {
        let parsed = (|| {
            Some(Share {
                id: self.id,
                target: TargetRef {
                    kind: TargetKind::parse(&self.target_kind)?,
                    id: self.target_id,
                },
                target_name: self.target_name,
                grantee: Grantee {
                    kind: GranteeKind::parse(&self.grantee_kind)?,
                    id: self.grantee_id,
                },
                grantee_name: self.grantee_name,
                level: Level::parse(&self.level)?,
                created_by: self.created_by,
                created_at: self.created_at,
                expires_at: self.expires_at,
                resource_count: u32::try_from(self.resource_count).unwrap_or(u32::MAX),
                follows_criteria: self.follows_criteria,
                use_only: self.use_only,
            })
        })();
        if parsed.is_none() {
            tracing::error!(share = %self.id, "a share row the service cannot read");
        }
        parsed
    }
}

const SHARE_SELECT: &str = "SELECT s.id, s.target_kind, s.target_id, s.target_name,
        s.grantee_kind, s.grantee_id, s.grantee_name, s.level, s.created_by, s.created_at,
        s.expires_at, s.follows_criteria, s.use_only,
        (SELECT count(*) FROM share_resources sr WHERE sr.share_id = s.id) AS resource_count
    FROM shares s";

/// Shares that have not ended.
const LIVE: &str = "(s.expires_at IS NULL OR s.expires_at > now())";

/// Saves a share, replacing the level, end and names of one the grantee already holds on
/// the target (and a static resource group's resources, `resources`; a dynamic group's
/// share `follows_criteria`); whether it replaced one.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn save_share(
    tx: &mut TenantTx,
    share: &ShareInput,
    target_name: &str,
    resource: Option<Uuid>,
    follows_criteria: bool,
    resources: &[Uuid],
    grantee_name: &str,
    by: Uuid,
) -> Result<(Share, bool), sqlx::Error> {
    let (id, replaced): (Uuid, bool) = sqlx::query_as(
        "INSERT INTO shares (id, target_kind, target_id, grantee_kind, grantee_id, level,
                             created_by, resource_id, target_name, grantee_name, expires_at,
                             follows_criteria, use_only)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
         ON CONFLICT (target_kind, target_id, grantee_kind, grantee_id) DO UPDATE
             SET level = EXCLUDED.level, created_by = EXCLUDED.created_by,
                 created_at = now(), resource_id = EXCLUDED.resource_id,
                 target_name = EXCLUDED.target_name, grantee_name = EXCLUDED.grantee_name,
                 expires_at = EXCLUDED.expires_at,
                 follows_criteria = EXCLUDED.follows_criteria, use_only = EXCLUDED.use_only
         RETURNING id, (xmax <> 0) AS replaced",
    )
    .bind(Uuid::new_v4())
    .bind(share.target.kind.as_str())
    .bind(share.target.id)
    .bind(share.grantee.kind.as_str())
    .bind(share.grantee.id)
    .bind(share.level.as_str())
    .bind(by)
    .bind(resource)
    .bind(target_name)
    .bind(grantee_name)
    .bind(share.expires_at)
    .bind(follows_criteria)
    .bind(share.use_only)
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM share_resources WHERE share_id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    if share.target.kind == TargetKind::ResourceGroup && !follows_criteria {
        sqlx::query(
            "INSERT INTO share_resources (share_id, resource_id)
             SELECT $1, r FROM unnest($2::uuid[]) AS r ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(resources)
        .execute(&mut **tx)
        .await?;
    }
    let row: ShareRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{SHARE_SELECT} WHERE s.id = $1"
    )))
    .bind(id)
    .fetch_one(&mut **tx)
    .await?;
    row.share()
        .map(|s| (s, replaced))
        .ok_or_else(|| sqlx::Error::Protocol("a share row the service cannot read".into()))
}

/// The live shares of a target, by grantee name.
pub(crate) async fn target_shares(
    tx: &mut TenantTx,
    target: TargetRef,
) -> Result<Vec<Share>, sqlx::Error> {
    let rows: Vec<ShareRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{SHARE_SELECT} WHERE s.target_kind = $1 AND s.target_id = $2 AND {LIVE}
         ORDER BY lower(s.grantee_name), s.id"
    )))
    .bind(target.kind.as_str())
    .bind(target.id)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().filter_map(ShareRow::share).collect())
}

/// Removes one share of a target; the share removed, if there was one.
pub(crate) async fn delete_share(
    tx: &mut TenantTx,
    target: TargetRef,
    id: Uuid,
) -> Result<Option<Share>, sqlx::Error> {
    let row: Option<ShareRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{SHARE_SELECT} WHERE s.id = $1 AND s.target_kind = $2 AND s.target_id = $3"
    )))
    .bind(id)
    .bind(target.kind.as_str())
    .bind(target.id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else { return Ok(None) };
    sqlx::query("DELETE FROM shares WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(row.share())
}

/// The live shares to these users or user groups, newest first.
pub(crate) async fn shares_to(
    tx: &mut TenantTx,
    users: &[Uuid],
    groups: &[Uuid],
) -> Result<Vec<Share>, sqlx::Error> {
    let rows: Vec<ShareRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{SHARE_SELECT}
         WHERE ((s.grantee_kind = 'user' AND s.grantee_id = ANY($1))
                OR (s.grantee_kind = 'user_group' AND s.grantee_id = ANY($2)))
           AND {LIVE}
         ORDER BY s.created_at DESC, s.id"
    )))
    .bind(users)
    .bind(groups)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().filter_map(ShareRow::share).collect())
}

#[derive(sqlx::FromRow)]
struct GrantRow {
    grantee_kind: String,
    grantee_id: Uuid,
    target_kind: String,
    target_id: Uuid,
    resource_id: Option<Uuid>,
    level: String,
    resources: Vec<Uuid>,
    follows_criteria: bool,
    created_by: Uuid,
    expires_at: Option<DateTime<Utc>>,
    use_only: bool,
}

/// The live shares to these users or user groups as decisions use them, each with its
/// grantee and end.
pub(crate) async fn grants_to(
    tx: &mut TenantTx,
    users: &[Uuid],
    groups: &[Uuid],
) -> Result<Vec<(Grantee, Grant, Option<DateTime<Utc>>)>, sqlx::Error> {
    let rows: Vec<GrantRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT s.grantee_kind, s.grantee_id, s.target_kind, s.target_id, s.resource_id,
                s.level, s.follows_criteria, s.created_by, s.expires_at, s.use_only,
                CASE WHEN s.target_kind = 'resource_group'
                     THEN ARRAY(SELECT sr.resource_id FROM share_resources sr
                                WHERE sr.share_id = s.id)
                     ELSE '{{}}'::uuid[] END AS resources
         FROM shares s
         WHERE ((s.grantee_kind = 'user' AND s.grantee_id = ANY($1))
                OR (s.grantee_kind = 'user_group' AND s.grantee_id = ANY($2)))
           AND {LIVE}"
    )))
    .bind(users)
    .bind(groups)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let grantee = Grantee {
                kind: GranteeKind::parse(&r.grantee_kind)?,
                id: r.grantee_id,
            };
            let covers = match TargetKind::parse(&r.target_kind)? {
                TargetKind::Account => Covers::Account {
                    account: r.target_id,
                    resource: r.resource_id?,
                },
                TargetKind::Resource => Covers::Resource(r.target_id),
                TargetKind::ResourceGroup if r.follows_criteria => Covers::DynamicGroup {
                    group: r.target_id,
                    sharer: UserId(r.created_by),
                },
                TargetKind::ResourceGroup => Covers::ResourceGroup {
                    group: r.target_id,
                    resources: r.resources.into_iter().collect::<HashSet<_>>(),
                },
            };
            let level = Level::parse(&r.level)?;
            let grant = Grant {
                level,
                covers,
                use_only: r.use_only,
            };
            Some((grantee, grant, r.expires_at))
        })
        .collect())
}

/// Who holds a live share reaching a password: on the account, on its resource, on a
/// dynamic resource group among `groups` (those holding the resource now), or on a static
/// one that covered the resource when it was made (with no resource given: any share on a
/// group among `groups`). Users and user groups, each once.
pub(crate) async fn sharees(
    tx: &mut TenantTx,
    account: Option<Uuid>,
    resource: Option<Uuid>,
    groups: &[Uuid],
) -> Result<Vec<Grantee>, sqlx::Error> {
    let rows: Vec<(String, Uuid)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT DISTINCT s.grantee_kind, s.grantee_id FROM shares s
         WHERE {LIVE} AND (
             (s.target_kind = 'account' AND s.target_id = $1)
             OR (s.target_kind = 'resource' AND s.target_id = $2)
             OR (s.target_kind = 'resource_group' AND s.target_id = ANY($3)
                 AND (s.follows_criteria OR $2::uuid IS NULL))
             OR (s.target_kind = 'resource_group' AND NOT s.follows_criteria
                 AND $2 IN (SELECT sr.resource_id FROM share_resources sr
                            WHERE sr.share_id = s.id)))"
    )))
    .bind(account)
    .bind(resource)
    .bind(groups)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(kind, id)| {
            Some(Grantee {
                kind: GranteeKind::parse(&kind)?,
                id,
            })
        })
        .collect())
}

/// Whether the org lets people see shared passwords in plain text (on unless turned off).
pub(crate) async fn shares_show_plaintext(tx: &mut TenantTx) -> Result<bool, sqlx::Error> {
    let found: Option<bool> =
        sqlx::query_scalar("SELECT shares_show_plaintext FROM sharing_settings")
            .fetch_optional(&mut **tx)
            .await?;
    Ok(found.unwrap_or(true))
}

pub(crate) async fn save_sharing_settings(
    tx: &mut TenantTx,
    shares_show_plaintext: bool,
    by: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sharing_settings (only_row, shares_show_plaintext, updated_by, updated_at)
         VALUES (true, $1, $2, now())
         ON CONFLICT (only_row) DO UPDATE
             SET shares_show_plaintext = EXCLUDED.shares_show_plaintext,
                 updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at",
    )
    .bind(shares_show_plaintext)
    .bind(by)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
