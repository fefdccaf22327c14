//! Listing grants, and what approved grants let an MSPOrg user reach.

use strongroom_auth::RequestContext;
use strongroom_core::{OrgId, Permission};
use uuid::Uuid;

use crate::app::Tenant;
use crate::error::TenantError;
use crate::store::{self, GrantFilter, GrantRow};

impl Tenant {
    /// Grants by org, designee or status. MSPOrg administrators see every grant; other MSPOrg
    /// users only their own and their groups'.
    pub async fn list_org_access(
        &self,
        ctx: &RequestContext,
        filter: &GrantFilter,
    ) -> Result<Vec<GrantRow>, TenantError> {
        if !self.is_msp_user(ctx) {
            return Err(TenantError::NotFound);
        }
        let visible: Option<Vec<Uuid>> = if ctx.can(Permission::OrgsManage) {
            None
        } else {
            let mut mine = self.people.own_groups(ctx).await?;
            mine.push(ctx.user().0);
            Some(mine)
        };
        if let Some(status) = &filter.status
            && !matches!(
                status.as_str(),
                "pending" | "approved" | "rejected" | "revoked"
            )
        {
            return Err(TenantError::InvalidInput(
                "status must be pending, approved, rejected or revoked".into(),
            ));
        }
        let awaiting = filter.awaiting_me.then_some(ctx.user());
        Ok(store::list_grants(self.db.global(), filter, awaiting, visible.as_deref()).await?)
    }

    /// The org's approved grants to users and groups.
    pub async fn approved_grants_of(&self, org: OrgId) -> Result<Vec<GrantRow>, TenantError> {
        Ok(store::approved_grants_of(self.db.global(), org).await?)
    }

    /// Whether an approved grant lets this MSPOrg user (directly or through one of their
    /// groups) into `target`. Groups are asked of identity only when the org has group grants.
    pub async fn has_approved_grant(
        &self,
        ctx: &RequestContext,
        target: OrgId,
    ) -> Result<bool, TenantError> {
        let global = self.db.global();
        let (direct, group_grants) =
            store::direct_and_group_grants(global, target, ctx.user()).await?;
        if direct || !group_grants {
            return Ok(direct);
        }
        let groups = self.people.own_groups(ctx).await?;
        Ok(store::group_grant_lets_in(global, target, &groups, ctx.user()).await?)
    }
}
