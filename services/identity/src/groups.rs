//! User groups: named sets of users, which later features share passwords with.

use chrono::{DateTime, Utc};
use strongroom_auth::RequestContext;
use strongroom_core::{MspStaffRight, Permission};
use strongroom_events::Target;
use strongroom_tenancy::TenantTx;
use uuid::Uuid;

use crate::app::{Identity, event, parse_id, required, text};
use crate::error::{IdentityError, exists_or};
use crate::store::{USER_COLUMNS, UserRow};
use crate::users::existing_user;

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

async fn existing_group(tx: &mut TenantTx, id: &str) -> Result<GroupRow, IdentityError> {
    let id = parse_id("group", id)?;
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {GROUP_COLUMNS} FROM user_groups g WHERE g.id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(IdentityError::NotFound("group"))
}

/// The group named `name`, created when missing (directory imports); true when created.
pub async fn ensure_group(
    tx: &mut TenantTx,
    name: &str,
    source: &str,
) -> Result<(Uuid, bool), sqlx::Error> {
    let created: Option<Uuid> = sqlx::query_scalar(
        "INSERT INTO user_groups (id, name, source) VALUES ($1, $2, $3)
         ON CONFLICT ((lower(name))) DO NOTHING RETURNING id",
    )
    .bind(Uuid::now_v7())
    .bind(name)
    .bind(source)
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(id) = created {
        return Ok((id, true));
    }
    let id = sqlx::query_scalar("SELECT id FROM user_groups WHERE lower(name) = lower($1)")
        .bind(name)
        .fetch_one(&mut **tx)
        .await?;
    Ok((id, false))
}

/// Adds `user` to `group`; `added_by` is who did, by hand (not an import or sync).
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

impl Identity {
    pub async fn create_group(
        &self,
        ctx: &RequestContext,
        name: &str,
        description: &str,
    ) -> Result<GroupRow, IdentityError> {
        ctx.require(Permission::GroupsManage)?;
        ctx.require_msp_allowed(MspStaffRight::ManageUsers)?;
        let name = required("name", name, 100)?;
        let description = text("description", description, 500)?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let group: GroupRow = sqlx::query_as(
            "INSERT INTO user_groups (id, name, description) VALUES ($1, $2, $3)
             RETURNING id, name, description, source, created_at, 0::bigint AS member_count",
        )
        .bind(Uuid::now_v7())
        .bind(&name)
        .bind(&description)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| exists_or(e, || format!("a group named {name} already exists")))?;
        let created = event(ctx, "group.created", Target::new("group", group.id, &name));
        self.commit(tx, &[created]).await?;
        Ok(group)
    }

    pub async fn list_groups(&self, ctx: &RequestContext) -> Result<Vec<GroupRow>, IdentityError> {
        ctx.require(Permission::UsersView)?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let groups = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {GROUP_COLUMNS} FROM user_groups g ORDER BY lower(g.name)"
        )))
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(groups)
    }

    pub async fn rename_group(
        &self,
        ctx: &RequestContext,
        id: &str,
        name: &str,
    ) -> Result<GroupRow, IdentityError> {
        ctx.require(Permission::GroupsManage)?;
        ctx.require_msp_allowed(MspStaffRight::ManageUsers)?;
        let name = required("name", name, 100)?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let before = existing_group(&mut tx, id).await?;
        sqlx::query("UPDATE user_groups SET name = $2 WHERE id = $1")
            .bind(before.id)
            .bind(&name)
            .execute(&mut *tx)
            .await
            .map_err(|e| exists_or(e, || format!("a group named {name} already exists")))?;
        let renamed = event(ctx, "group.renamed", Target::new("group", before.id, &name))
            .with_details(serde_json::json!({ "from": before.name, "to": name }));
        self.commit(tx, &[renamed]).await?;
        Ok(GroupRow { name, ..before })
    }

    pub async fn delete_group(&self, ctx: &RequestContext, id: &str) -> Result<(), IdentityError> {
        ctx.require(Permission::GroupsManage)?;
        ctx.require_msp_allowed(MspStaffRight::ManageUsers)?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let group = existing_group(&mut tx, id).await?;
        sqlx::query("DELETE FROM user_groups WHERE id = $1")
            .bind(group.id)
            .execute(&mut *tx)
            .await?;
        let deleted = event(
            ctx,
            "group.deleted",
            Target::new("group", group.id, &group.name),
        );
        self.commit(tx, &[deleted]).await
    }

    /// Adds (`add`) or removes a member.
    pub async fn change_membership(
        &self,
        ctx: &RequestContext,
        group: &str,
        user: &str,
        add: bool,
    ) -> Result<(), IdentityError> {
        ctx.require(Permission::GroupsManage)?;
        ctx.require_msp_allowed(MspStaffRight::ManageUsers)?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let group = existing_group(&mut tx, group).await?;
        let user = existing_user(&mut tx, user).await?;
        let changed = if add {
            add_member(&mut tx, group.id, user.id, Some(ctx.user().0)).await?
        } else {
            sqlx::query("DELETE FROM group_members WHERE group_id = $1 AND user_id = $2")
                .bind(group.id)
                .bind(user.id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                > 0
        };
        if !changed {
            tx.commit().await?;
            return if add {
                Ok(())
            } else {
                Err(IdentityError::NotFound("group member"))
            };
        }
        let operation = if add {
            "group.member_added"
        } else {
            "group.member_removed"
        };
        let changed = event(ctx, operation, Target::new("group", group.id, &group.name))
            .with_details(serde_json::json!({ "user_id": user.id, "username": user.username }));
        self.commit(tx, &[changed]).await
    }

    pub async fn group_members(
        &self,
        ctx: &RequestContext,
        group: &str,
    ) -> Result<Vec<(UserRow, Option<Uuid>)>, IdentityError> {
        ctx.require(Permission::UsersView)?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let group = existing_group(&mut tx, group).await?;
        let users: Vec<UserRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users WHERE id IN
                 (SELECT user_id FROM group_members WHERE group_id = $1)
             ORDER BY lower(username)"
        )))
        .bind(group.id)
        .fetch_all(&mut *tx)
        .await?;
        let added_by: std::collections::HashMap<Uuid, Uuid> = sqlx::query_as(
            "SELECT user_id, added_by FROM group_members
             WHERE group_id = $1 AND added_by IS NOT NULL",
        )
        .bind(group.id)
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .collect();
        tx.commit().await?;
        Ok(users
            .into_iter()
            .map(|u| {
                let by = added_by.get(&u.id).copied();
                (u, by)
            })
            .collect())
    }

    /// A user's groups: anyone may list their own; others need users.view.
    pub async fn user_groups(
        &self,
        ctx: &RequestContext,
        user: &str,
    ) -> Result<Vec<GroupRow>, IdentityError> {
        if user != ctx.user().to_string() {
            ctx.require(Permission::UsersView)?;
        }
        let mut tx = self.db.begin(ctx.org()).await?;
        let user = existing_user(&mut tx, user).await?;
        let groups = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {GROUP_COLUMNS} FROM user_groups g
             WHERE g.id IN (SELECT group_id FROM group_members WHERE user_id = $1)
             ORDER BY lower(g.name)"
        )))
        .bind(user.id)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(groups)
    }
}
