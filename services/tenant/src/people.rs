//! What the tenant service asks identity about MSPOrg's users and user groups. Every call
//! carries the caller's own token, so identity answers only what the caller may see.

use strongroom_auth::{RequestContext, outgoing};
use strongroom_core::Role;
use strongroom_proto::identity::{Empty, GroupRef, ListUsersRequest, User, UserRef};
use uuid::Uuid;

use crate::app::Tenant;
use crate::error::TenantError;

/// An MSPOrg user group with its members.
pub struct MspGroup {
    pub id: Uuid,
    pub name: String,
    pub members: Vec<User>,
}

pub fn is_active_admin(user: &User) -> bool {
    user.role == Role::Administrator.as_str() && user.status == "active"
}

impl Tenant {
    /// An MSPOrg user, or `None` when there is no such user.
    pub async fn msp_user(
        &self,
        ctx: &RequestContext,
        id: Uuid,
    ) -> Result<Option<User>, TenantError> {
        let request = outgoing(
            ctx,
            UserRef {
                user_id: id.to_string(),
            },
        );
        match self.identity.clone().get_user(request).await {
            Ok(user) => Ok(Some(user.into_inner())),
            Err(s) if s.code() == tonic::Code::NotFound => Ok(None),
            Err(s) => Err(TenantError::Identity(s)),
        }
    }

    /// An MSPOrg user group and its members, or `None` when there is no such group.
    pub async fn msp_group(
        &self,
        ctx: &RequestContext,
        id: Uuid,
    ) -> Result<Option<MspGroup>, TenantError> {
        let request = outgoing(
            ctx,
            GroupRef {
                group_id: id.to_string(),
            },
        );
        let members = match self.identity.clone().list_group_members(request).await {
            Ok(list) => list.into_inner().users,
            Err(s) if s.code() == tonic::Code::NotFound => return Ok(None),
            Err(s) => return Err(TenantError::Identity(s)),
        };
        let groups = self
            .identity
            .clone()
            .list_groups(outgoing(ctx, Empty {}))
            .await
            .map_err(TenantError::Identity)?
            .into_inner()
            .groups;
        Ok(groups
            .into_iter()
            .find(|g| g.id == id.to_string())
            .map(|g| MspGroup {
                id,
                name: g.name,
                members,
            }))
    }

    /// How many active administrators MSPOrg has.
    pub async fn active_msp_admins(&self, ctx: &RequestContext) -> Result<usize, TenantError> {
        let users = self
            .identity
            .clone()
            .list_users(outgoing(ctx, ListUsersRequest::default()))
            .await
            .map_err(TenantError::Identity)?
            .into_inner()
            .users;
        Ok(users.iter().filter(|u| is_active_admin(u)).count())
    }

    /// The ids of the caller's own user groups.
    pub async fn own_groups(&self, ctx: &RequestContext) -> Result<Vec<Uuid>, TenantError> {
        let request = outgoing(
            ctx,
            UserRef {
                user_id: ctx.user().to_string(),
            },
        );
        let groups = self
            .identity
            .clone()
            .list_user_groups(request)
            .await
            .map_err(TenantError::Identity)?
            .into_inner()
            .groups;
        Ok(groups
            .iter()
            .filter_map(|g| Uuid::try_parse(&g.id).ok())
            .collect())
    }
}
