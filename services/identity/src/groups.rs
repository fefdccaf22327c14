//! User groups: named sets of users, which later features share passwords with.

use strongroom_auth::RequestContext;
use strongroom_core::{MspStaffRight, Permission, UserId};
use strongroom_events::Target;
use strongroom_tenancy::TenantTx;
use uuid::Uuid;

use crate::app::{Identity, event, required, text};
use crate::error::{IdentityError, exists_or};
use crate::ids::GroupId;
use crate::people::existing_user;
pub use crate::store::GroupRow;
use crate::store::{self, UserRow};

async fn existing_group(tx: &mut TenantTx, id: GroupId) -> Result<GroupRow, IdentityError> {
    store::find_group(tx, id.0)
        .await?
        .ok_or(IdentityError::NotFound("group"))
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
        let group = store::insert_group(&mut tx, &name, &description)
            .await
            .map_err(|e| exists_or(e, || format!("a group named {name} already exists")))?;
        let created = event(ctx, "group.created", Target::new("group", group.id, &name));
        self.commit(tx, &[created]).await?;
        Ok(group)
    }

    pub async fn list_groups(&self, ctx: &RequestContext) -> Result<Vec<GroupRow>, IdentityError> {
        ctx.require(Permission::UsersView)?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let groups = store::list_groups(&mut tx).await?;
        tx.commit().await?;
        Ok(groups)
    }

    pub async fn rename_group(
        &self,
        ctx: &RequestContext,
        id: GroupId,
        name: &str,
    ) -> Result<GroupRow, IdentityError> {
        ctx.require(Permission::GroupsManage)?;
        ctx.require_msp_allowed(MspStaffRight::ManageUsers)?;
        let name = required("name", name, 100)?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let before = existing_group(&mut tx, id).await?;
        store::rename_group(&mut tx, before.id, &name)
            .await
            .map_err(|e| exists_or(e, || format!("a group named {name} already exists")))?;
        let renamed = event(ctx, "group.renamed", Target::new("group", before.id, &name))
            .with_details(serde_json::json!({ "from": before.name, "to": name }));
        self.commit(tx, &[renamed]).await?;
        Ok(GroupRow { name, ..before })
    }

    pub async fn delete_group(
        &self,
        ctx: &RequestContext,
        id: GroupId,
    ) -> Result<(), IdentityError> {
        ctx.require(Permission::GroupsManage)?;
        ctx.require_msp_allowed(MspStaffRight::ManageUsers)?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let group = existing_group(&mut tx, id).await?;
        store::delete_group(&mut tx, group.id).await?;
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
        group: GroupId,
        user: UserId,
        add: bool,
    ) -> Result<(), IdentityError> {
        ctx.require(Permission::GroupsManage)?;
        ctx.require_msp_allowed(MspStaffRight::ManageUsers)?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let group = existing_group(&mut tx, group).await?;
        let user = existing_user(&mut tx, user).await?;
        let changed = if add {
            store::add_member(&mut tx, group.id, user.id, Some(ctx.user().0)).await?
        } else {
            store::remove_member(&mut tx, group.id, user.id).await?
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
        group: GroupId,
    ) -> Result<Vec<(UserRow, Option<Uuid>)>, IdentityError> {
        ctx.require(Permission::UsersView)?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let group = existing_group(&mut tx, group).await?;
        let users = store::group_members(&mut tx, group.id).await?;
        let added_by = store::members_added_by(&mut tx, group.id).await?;
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
        user: UserId,
    ) -> Result<Vec<GroupRow>, IdentityError> {
        if user != ctx.user() {
            ctx.require(Permission::UsersView)?;
        }
        let mut tx = self.db.begin(ctx.org()).await?;
        let user = existing_user(&mut tx, user).await?;
        let groups = store::user_groups(&mut tx, user.id).await?;
        tx.commit().await?;
        Ok(groups)
    }
}
