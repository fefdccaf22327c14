//! What the tenant service asks identity about MSPOrg's (and, for the org report, a client
//! org's) users and user groups: the `People` client the `Tenant` state holds. Every call
//! carries the caller's own token, so identity answers only what the caller may see.

use strongroom_auth::{RequestContext, outgoing};
use strongroom_core::{OrgId, Role, UserId};
use strongroom_proto::identity::identity_client::IdentityClient;
use strongroom_proto::identity::{
    Empty, ExchangeTokenRequest, Group, GroupRef, ListUsersRequest, User, UserRef,
};
use tonic::metadata::MetadataValue;
use tonic::transport::Channel;
use uuid::Uuid;

use crate::error::TenantError;
use crate::ids::GroupId;

/// An MSPOrg user group with its members.
pub struct MspGroup {
    pub id: GroupId,
    pub name: String,
    pub members: Vec<User>,
}

/// A client org's own users and user groups, as the caller acting in that org sees them.
pub struct OrgPeople {
    pub users: Vec<User>,
    pub groups: Vec<Group>,
}

pub fn is_active_admin(user: &User) -> bool {
    user.role == Role::Administrator.as_str() && user.status == "active"
}

/// The identity service, asked as the caller.
#[derive(Clone)]
pub struct People {
    identity: IdentityClient<Channel>,
}

impl People {
    pub fn new(identity: IdentityClient<Channel>) -> Self {
        Self { identity }
    }

    /// An MSPOrg user, or `None` when there is no such user.
    pub async fn user(
        &self,
        ctx: &RequestContext,
        id: UserId,
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
    pub async fn group(
        &self,
        ctx: &RequestContext,
        id: GroupId,
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
        let groups = self.groups(outgoing(ctx, Empty {})).await?;
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
    pub async fn active_admins(&self, ctx: &RequestContext) -> Result<usize, TenantError> {
        let users = self
            .users(outgoing(ctx, ListUsersRequest::default()))
            .await?;
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

    /// The client org's own users and user groups, asked of identity as the caller acting
    /// in that org (their token exchanged for it).
    pub async fn of_org(&self, ctx: &RequestContext, org: OrgId) -> Result<OrgPeople, TenantError> {
        let token = self
            .identity
            .clone()
            .exchange_token(outgoing(
                ctx,
                ExchangeTokenRequest {
                    target_org_id: org.to_string(),
                },
            ))
            .await
            .map_err(TenantError::Identity)?
            .into_inner()
            .token;
        Ok(OrgPeople {
            users: self
                .users(with_token(&token, ListUsersRequest::default()))
                .await?,
            groups: self.groups(with_token(&token, Empty {})).await?,
        })
    }

    async fn users(
        &self,
        request: tonic::Request<ListUsersRequest>,
    ) -> Result<Vec<User>, TenantError> {
        Ok(self
            .identity
            .clone()
            .list_users(request)
            .await
            .map_err(TenantError::Identity)?
            .into_inner()
            .users)
    }

    async fn groups(&self, request: tonic::Request<Empty>) -> Result<Vec<Group>, TenantError> {
        Ok(self
            .identity
            .clone()
            .list_groups(request)
            .await
            .map_err(TenantError::Identity)?
            .into_inner()
            .groups)
    }
}

/// A call carrying `token` (the caller's, exchanged for the client org).
fn with_token<T>(token: &str, message: T) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    if let Ok(v) = MetadataValue::try_from(format!("Bearer {token}")) {
        request.metadata_mut().insert("authorization", v);
    }
    request
}
