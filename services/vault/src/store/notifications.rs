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

/// Every resource group of the org.
pub async fn all_groups(tx: &mut TenantTx) -> Result<Vec<GroupRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, name, parent_id, kind, criteria, description, owner_id, created_at,
                updated_at
         FROM resource_groups",
    )
    .fetch_all(&mut **tx)
    .await
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
