//! The members of a granted user group: who an approved group grant lets in, and letting
//! in a member added since the grant was approved.

use serde_json::json;
use strongroom_auth::RequestContext;
use strongroom_core::UserId;

use crate::app::Tenant;
use crate::error::TenantError;
use crate::ids::{GrantId, GroupId};
use crate::store::{self, GrantRow, MemberRow};

impl Tenant {
    /// Lets a member added to a granted group since the grant was approved into the org:
    /// an MSPOrg administrator who is neither the member, nor in the group, nor whoever
    /// added them approves.
    pub async fn approve_group_member(
        &self,
        ctx: &RequestContext,
        id: GrantId,
        member: UserId,
    ) -> Result<GrantRow, TenantError> {
        self.require_msp_admin(ctx)?;
        let grant = self.grant(id).await?;
        if grant.designee_kind != "group" || grant.status != "approved" {
            return Err(TenantError::Conflict(
                "only an approved grant to a user group has members to approve".into(),
            ));
        }
        let me = ctx.user();
        if member == me {
            return Err(TenantError::PermissionDenied(
                "a member cannot approve their own access".into(),
            ));
        }
        let group = self
            .people
            .group(ctx, GroupId(grant.designee_id))
            .await?
            .ok_or(TenantError::Missing("user group"))?;
        if group.members.iter().any(|m| m.id == me.to_string()) {
            return Err(TenantError::PermissionDenied(format!(
                "members of {} cannot approve its members' access",
                group.name
            )));
        }
        let user = group
            .members
            .iter()
            .find(|m| m.id == member.to_string())
            .ok_or_else(|| {
                TenantError::InvalidInput(format!("that user is not a member of {}", group.name))
            })?;
        if user.added_to_group_by == me.to_string() {
            return Err(TenantError::PermissionDenied(format!(
                "you added {} to {}; another administrator must approve their access",
                user.username, group.name
            )));
        }
        let mut tx = self.db.begin(self.msp_org).await?;
        if !store::add_member(&mut tx, id, (member, &user.username), ctx.username()).await? {
            return Err(TenantError::Conflict(format!(
                "{} may use this grant already",
                user.username
            )));
        }
        let event = self
            .grant_event(
                ctx,
                "org_access.member_approved",
                id,
                &grant.org_slug,
                &grant.designee_name,
            )
            .with_details(json!({
                "org_id": grant.org_id, "org": grant.org_slug, "group": grant.designee_name,
                "member_id": member, "member": user.username,
            }));
        self.commit_events(tx, &[event]).await?;
        Ok(grant)
    }

    /// The members a group grant lets in; `None` for a grant approved before members were
    /// recorded (every member is let in).
    pub async fn approved_members(
        &self,
        grant: GrantId,
    ) -> Result<Option<Vec<MemberRow>>, TenantError> {
        let global = self.db.global();
        if !store::members_known(global, grant).await? {
            return Ok(None);
        }
        Ok(Some(store::approved_members(global, grant).await?))
    }
}
