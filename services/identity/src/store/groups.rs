//! `user_groups` and `group_members`: named sets of users, and who added each member.

use chrono::{DateTime, Utc};
use strongroom_tenancy::TenantTx;
use uuid::Uuid;

use super::{USER_COLUMNS, UserRow};

#[derive(Debug, sqlx::FromRow)]
pub struct GroupRow {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub source: String,
    pub member_count: i64,
    pub created_at: DateTime<Utc>,
}

const GROUP_COLUMNS: &str = "g.id, g.name, g.description, g.source, g.created_at, \
     (SELECT count(*) FROM group_members m WHERE m.group_id = g.id) AS member_count";

pub async fn find_group(tx: &mut TenantTx, id: Uuid) -> Result<Option<GroupRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {GROUP_COLUMNS} FROM user_groups g WHERE g.id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await
}

/// Adds a group named `name` of `source` unless one of that name (ignoring case) exists;
/// its id when added.
pub async fn insert_group_if_new(
    tx: &mut TenantTx,
    name: &str,
    description: &str,
    source: &str,
) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO user_groups (id, name, description, source) VALUES ($1, $2, $3, $4)
         ON CONFLICT ((lower(name))) DO NOTHING RETURNING id",
    )
    .bind(Uuid::now_v7())
    .bind(name)
    .bind(description)
    .bind(source)
    .fetch_optional(&mut **tx)
    .await
}

/// The group named `name` (ignoring case), created when missing (directory imports); true
/// when created.
pub async fn ensure_group(
    tx: &mut TenantTx,
    name: &str,
    source: &str,
) -> Result<(Uuid, bool), sqlx::Error> {
    if let Some(id) = insert_group_if_new(tx, name, "", source).await? {
        return Ok((id, true));
    }
    let id = sqlx::query_scalar("SELECT id FROM user_groups WHERE lower(name) = lower($1)")
        .bind(name)
        .fetch_one(&mut **tx)
        .await?;
    Ok((id, false))
}

/// A new group made by hand.
pub async fn insert_group(
    tx: &mut TenantTx,
    name: &str,
    description: &str,
) -> Result<GroupRow, sqlx::Error> {
    sqlx::query_as(
        "INSERT INTO user_groups (id, name, description) VALUES ($1, $2, $3)
         RETURNING id, name, description, source, created_at, 0::bigint AS member_count",
    )
    .bind(Uuid::now_v7())
    .bind(name)
    .bind(description)
    .fetch_one(&mut **tx)
    .await
}

/// Every group of the org, by name.
pub async fn list_groups(tx: &mut TenantTx) -> Result<Vec<GroupRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {GROUP_COLUMNS} FROM user_groups g ORDER BY lower(g.name)"
    )))
    .fetch_all(&mut **tx)
    .await
}

pub async fn rename_group(tx: &mut TenantTx, id: Uuid, name: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE user_groups SET name = $2 WHERE id = $1")
        .bind(id)
        .bind(name)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn delete_group(tx: &mut TenantTx, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM user_groups WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Adds `user` to `group`; `added_by` is who did, by hand (not an import or sync). False
/// when they were a member already.
pub async fn add_member(
    tx: &mut TenantTx,
    group: Uuid,
    user: Uuid,
    added_by: Option<Uuid>,
) -> Result<bool, sqlx::Error> {
    let added = sqlx::query(
        "INSERT INTO group_members (group_id, user_id, added_by) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING",
    )
    .bind(group)
    .bind(user)
    .bind(added_by)
    .execute(&mut **tx)
    .await?;
    Ok(added.rows_affected() > 0)
}

/// Removes `user` from `group`; false when they were no member.
pub async fn remove_member(
    tx: &mut TenantTx,
    group: Uuid,
    user: Uuid,
) -> Result<bool, sqlx::Error> {
    let removed = sqlx::query("DELETE FROM group_members WHERE group_id = $1 AND user_id = $2")
        .bind(group)
        .bind(user)
        .execute(&mut **tx)
        .await?;
    Ok(removed.rows_affected() > 0)
}

/// The group's members, by username.
pub async fn group_members(tx: &mut TenantTx, group: Uuid) -> Result<Vec<UserRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM users WHERE id IN
             (SELECT user_id FROM group_members WHERE group_id = $1)
         ORDER BY lower(username)"
    )))
    .bind(group)
    .fetch_all(&mut **tx)
    .await
}

/// Who added each of the group's members by hand.
pub async fn members_added_by(
    tx: &mut TenantTx,
    group: Uuid,
) -> Result<std::collections::HashMap<Uuid, Uuid>, sqlx::Error> {
    let rows: Vec<(Uuid, Uuid)> = sqlx::query_as(
        "SELECT user_id, added_by FROM group_members
         WHERE group_id = $1 AND added_by IS NOT NULL",
    )
    .bind(group)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().collect())
}

/// The groups `user` belongs to, by name.
pub async fn user_groups(tx: &mut TenantTx, user: Uuid) -> Result<Vec<GroupRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {GROUP_COLUMNS} FROM user_groups g
         WHERE g.id IN (SELECT group_id FROM group_members WHERE user_id = $1)
         ORDER BY lower(g.name)"
    )))
    .bind(user)
    .fetch_all(&mut **tx)
    .await
}
