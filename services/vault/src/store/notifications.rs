//! The password-action notifications of resource groups.

use chrono::{DateTime, Utc};
use strongroom_tenancy::TenantTx;
use uuid::Uuid;

use super::GroupRow;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NotificationRow {
    pub group_id: Uuid,
    pub actions: Vec<String>,
    pub to_owners: bool,
    pub to_sharees: bool,
    pub user_ids: Vec<Uuid>,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

const COLUMNS: &str = "group_id, actions, to_owners, to_sharees, user_ids, updated_by, updated_at";

pub async fn find_notifications(
    tx: &mut TenantTx,
    group: Uuid,
) -> Result<Option<NotificationRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM group_notifications WHERE group_id = $1"
    )))
    .bind(group)
    .fetch_optional(&mut **tx)
    .await
}

pub async fn save_notifications(
    tx: &mut TenantTx,
    row: &NotificationRow,
) -> Result<NotificationRow, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO group_notifications (group_id, actions, to_owners, to_sharees, user_ids,
             updated_by, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, now())
         ON CONFLICT (group_id) DO UPDATE SET actions = EXCLUDED.actions,
             to_owners = EXCLUDED.to_owners, to_sharees = EXCLUDED.to_sharees,
             user_ids = EXCLUDED.user_ids, updated_by = EXCLUDED.updated_by,
             updated_at = now()
         RETURNING {COLUMNS}"
    )))
    .bind(row.group_id)
    .bind(&row.actions)
    .bind(row.to_owners)
    .bind(row.to_sharees)
    .bind(&row.user_ids)
    .bind(&row.updated_by)
    .fetch_one(&mut **tx)
    .await
}

/// The groups whose notifications name `action`, with their notifications.
pub async fn notifying_groups(
    tx: &mut TenantTx,
    action: &str,
) -> Result<Vec<(GroupRow, NotificationRow)>, sqlx::Error> {
    let notifications: Vec<NotificationRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM group_notifications WHERE $1 = ANY(actions)"
    )))
    .bind(action)
    .fetch_all(&mut **tx)
    .await?;
    let mut found = Vec::with_capacity(notifications.len());
    for n in notifications {
        if let Some(group) = super::find_group(tx, n.group_id).await? {
            found.push((group, n));
        }
    }
    Ok(found)
}

/// A resource's owner, live or in the trash.
pub async fn resource_owner(
    tx: &mut TenantTx,
    resource: Uuid,
) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar("SELECT owner_id FROM resources WHERE id = $1")
        .bind(resource)
        .fetch_optional(&mut **tx)
        .await
}

/// An account's resource.
pub async fn account_resource(
    tx: &mut TenantTx,
    account: Uuid,
) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar("SELECT resource_id FROM accounts WHERE id = $1")
        .bind(account)
        .fetch_optional(&mut **tx)
        .await
}

/// A live account of a resource, named as the trail names it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NamedAccount {
    pub id: Uuid,
    pub resource_name: String,
    pub username: String,
}

/// The live accounts of these live resources.
pub async fn live_accounts_of(
    tx: &mut TenantTx,
    resources: &[Uuid],
) -> Result<Vec<NamedAccount>, sqlx::Error> {
    sqlx::query_as(
        "SELECT a.id, r.name AS resource_name, a.username FROM accounts a
         JOIN resources r ON r.id = a.resource_id
         WHERE a.resource_id = ANY($1) AND a.deleted_at IS NULL AND r.deleted_at IS NULL",
    )
    .bind(resources)
    .fetch_all(&mut **tx)
    .await
}

/// A live account's current password, not yet found expired, set before `before`, under a
/// resource naming a password policy.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AgedPassword {
    pub id: Uuid,
    pub resource_name: String,
    pub username: String,
    pub password_policy: String,
    pub version: i32,
    pub changed_at: DateTime<Utc>,
}

pub async fn aged_passwords(
    tx: &mut TenantTx,
    before: DateTime<Utc>,
) -> Result<Vec<AgedPassword>, sqlx::Error> {
    sqlx::query_as(
        "SELECT a.id, r.name AS resource_name, a.username, r.password_policy,
                s.version, s.created_at AS changed_at
         FROM accounts a
         JOIN resources r ON r.id = a.resource_id
         JOIN secrets s ON s.account_id = a.id AND s.version = a.current_version
         WHERE a.deleted_at IS NULL AND r.deleted_at IS NULL AND r.password_policy <> ''
           AND s.created_at < $1
           AND NOT EXISTS (SELECT 1 FROM password_expiries e
                           WHERE e.account_id = a.id AND e.version = s.version)",
    )
    .bind(before)
    .fetch_all(&mut **tx)
    .await
}

/// Records that the account's password `version` expired; false if it was already.
pub async fn record_expiry(
    tx: &mut TenantTx,
    account: Uuid,
    version: i32,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO password_expiries (account_id, version) VALUES ($1, $2)
         ON CONFLICT DO NOTHING",
    )
    .bind(account)
    .bind(version)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}
