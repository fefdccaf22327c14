//! gRPC surface of the identity service: proto in, use case, proto out.

use std::sync::Arc;

use secrecy::SecretString;
use strongroom_auth::{RequestContext, Verifier, grpc_context};
use strongroom_proto::identity::identity_server::Identity as IdentityRpc;
use strongroom_proto::identity::*;
use tonic::{Request, Status};

mod messages;
pub mod recipients;
mod requests;

use messages::{Reply, empty, reply};
use requests::{group_id, heir_id, id, optional_user, org_id, origin, user_id};

use crate::app::Identity;
use crate::ids::{ApiKeyId, ResetId, SessionId, TransferId};

pub struct IdentityGrpc {
    pub app: Arc<Identity>,
    pub verifier: Arc<Verifier>,
}

impl IdentityGrpc {
    /// The verified caller and the message.
    fn call<T>(&self, request: Request<T>) -> Result<(RequestContext, T), Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        Ok((ctx, request.into_inner()))
    }
}

#[tonic::async_trait]
impl IdentityRpc for IdentityGrpc {
    async fn login(&self, request: Request<LoginRequest>) -> Reply<TokenResponse> {
        let (origin, req) = (origin(&request), request.into_inner());
        let (org, password) = (org_id(&req.org_id)?, SecretString::from(req.password));
        let result = self.app.login(org, &req.username, password, &origin).await;
        reply(result, messages::token)
    }

    async fn refresh(&self, request: Request<RefreshRequest>) -> Reply<TokenResponse> {
        let (origin, req) = (origin(&request), request.into_inner());
        let result = self
            .app
            .refresh(org_id(&req.org_id)?, &req.refresh_token, &origin);
        reply(result.await, messages::token)
    }

    async fn logout(&self, request: Request<Empty>) -> Reply<Empty> {
        let (ctx, _) = self.call(request)?;
        empty(self.app.logout(&ctx).await)
    }

    async fn change_password(&self, request: Request<ChangePasswordRequest>) -> Reply<Empty> {
        let (origin, req) = (origin(&request), request.into_inner());
        let org = org_id(&req.org_id)?;
        let current = SecretString::from(req.current_password);
        let new = SecretString::from(req.new_password);
        let result = self
            .app
            .change_password(org, &req.username, current, new, &origin);
        empty(result.await)
    }

    async fn authenticate_api_key(
        &self,
        request: Request<AuthenticateApiKeyRequest>,
    ) -> Reply<TokenResponse> {
        let req = request.into_inner();
        let org = org_id(&req.org_id)?;
        let result = self.app.authenticate_api_key(org, &req.key, &req.client_ip);
        reply(result.await, messages::token)
    }

    async fn exchange_token(&self, request: Request<ExchangeTokenRequest>) -> Reply<TokenResponse> {
        let (ctx, req) = self.call(request)?;
        let target = org_id(&req.target_org_id)?;
        reply(self.app.exchange_token(&ctx, target).await, messages::token)
    }

    async fn create_user(&self, request: Request<CreateUserRequest>) -> Reply<User> {
        let (ctx, req) = self.call(request)?;
        let (fields, password) = requests::new_user(req);
        let result = self.app.create_user(&ctx, &fields, password).await;
        reply(result, |u| messages::user(u, None))
    }

    async fn list_users(&self, request: Request<ListUsersRequest>) -> Reply<UserList> {
        let (ctx, req) = self.call(request)?;
        reply(self.app.list_users(&ctx, &req.query).await, messages::users)
    }

    async fn get_user(&self, request: Request<UserRef>) -> Reply<User> {
        let (ctx, req) = self.call(request)?;
        reply(
            self.app.get_user(&ctx, user_id(&req.user_id)?).await,
            messages::user_view,
        )
    }

    async fn update_user(&self, request: Request<UpdateUserRequest>) -> Reply<User> {
        let (ctx, req) = self.call(request)?;
        let id = user_id(&req.user_id)?;
        let result = self.app.update_user(&ctx, id, requests::changes(req)).await;
        reply(result, messages::user_view)
    }

    async fn delete_user(&self, request: Request<DeleteUserRequest>) -> Reply<DeleteUserResponse> {
        let (ctx, req) = self.call(request)?;
        let id = user_id(&req.user_id)?;
        let to = Some(req.transfer_to_user_id.as_str())
            .filter(|to| !to.trim().is_empty())
            .map(heir_id)
            .transpose()?;
        reply(self.app.delete_user(&ctx, id, to).await, |pending| {
            DeleteUserResponse {
                pending: pending.map(messages::transfer),
            }
        })
    }

    async fn transfer_ownership(
        &self,
        request: Request<OwnershipTransferRequest>,
    ) -> Reply<OwnershipTransfer> {
        let (ctx, req) = self.call(request)?;
        let (from, to) = (user_id(&req.from_user_id)?, heir_id(&req.to_user_id)?);
        reply(
            self.app.transfer_ownership(&ctx, from, to).await,
            messages::transfer,
        )
    }

    async fn list_ownership_transfers(
        &self,
        request: Request<Empty>,
    ) -> Reply<OwnershipTransferList> {
        let (ctx, _) = self.call(request)?;
        reply(
            self.app.list_ownership_transfers(&ctx).await,
            messages::transfers,
        )
    }

    async fn decide_ownership_transfer(
        &self,
        request: Request<OwnershipDecision>,
    ) -> Reply<OwnershipTransfer> {
        let (ctx, req) = self.call(request)?;
        let id = id(TransferId::parse(&req.transfer_id), "transfer")?;
        reply(
            self.app
                .decide_ownership_transfer(&ctx, id, req.approve)
                .await,
            messages::transfer,
        )
    }

    async fn check_active_user(&self, request: Request<UserRef>) -> Reply<ActiveUser> {
        let (ctx, req) = self.call(request)?;
        let active = self.app.check_active_user(&ctx, &req.user_id).await;
        reply(active, |active| ActiveUser { active })
    }

    async fn describe_grantee(&self, request: Request<GranteeRef>) -> Reply<Grantee> {
        let (ctx, req) = self.call(request)?;
        let found = self.app.describe_grantee(&ctx, &req.kind, &req.id).await;
        reply(found, messages::grantee)
    }

    async fn set_user_password(
        &self,
        request: Request<SetUserPasswordRequest>,
    ) -> Reply<PasswordReset> {
        let (ctx, req) = self.call(request)?;
        let id = user_id(&req.user_id)?;
        let password = requests::given_password(req.password);
        reply(
            self.app.set_user_password(&ctx, id, password).await,
            messages::reset,
        )
    }

    async fn list_password_resets(&self, request: Request<Empty>) -> Reply<PasswordResetList> {
        let (ctx, _) = self.call(request)?;
        reply(self.app.list_password_resets(&ctx).await, messages::resets)
    }

    async fn decide_password_reset(
        &self,
        request: Request<PasswordResetDecision>,
    ) -> Reply<PasswordReset> {
        let (ctx, req) = self.call(request)?;
        let id = id(ResetId::parse(&req.reset_id), "password reset")?;
        reply(
            self.app.decide_password_reset(&ctx, id, req.approve).await,
            messages::reset,
        )
    }

    async fn unlock_user(&self, request: Request<UserRef>) -> Reply<User> {
        let (ctx, req) = self.call(request)?;
        reply(
            self.app.unlock_user(&ctx, user_id(&req.user_id)?).await,
            messages::user_view,
        )
    }

    async fn import_users(
        &self,
        request: Request<ImportUsersRequest>,
    ) -> Reply<ImportUsersResponse> {
        let (ctx, req) = self.call(request)?;
        let result = self
            .app
            .import_users_csv(&ctx, &req.csv, req.all_or_nothing)
            .await;
        reply(result, messages::import_report)
    }

    async fn list_sessions(&self, request: Request<UserRef>) -> Reply<SessionList> {
        let (ctx, req) = self.call(request)?;
        let current = ctx.session();
        let user = optional_user(&req.user_id)?;
        reply(self.app.list_sessions(&ctx, user).await, |rows| {
            messages::sessions(rows, current)
        })
    }

    async fn revoke_session(&self, request: Request<SessionRef>) -> Reply<Empty> {
        let (ctx, req) = self.call(request)?;
        let id = id(SessionId::parse(&req.session_id), "session")?;
        empty(self.app.revoke_session(&ctx, id).await)
    }

    async fn revoke_user_sessions(&self, request: Request<UserRef>) -> Reply<RevokedCount> {
        let (ctx, req) = self.call(request)?;
        reply(
            self.app
                .revoke_user_sessions(&ctx, optional_user(&req.user_id)?)
                .await,
            |revoked| RevokedCount { revoked },
        )
    }

    async fn create_group(&self, request: Request<CreateGroupRequest>) -> Reply<Group> {
        let (ctx, req) = self.call(request)?;
        let result = self
            .app
            .create_group(&ctx, &req.name, &req.description)
            .await;
        reply(result, messages::group)
    }

    async fn list_groups(&self, request: Request<Empty>) -> Reply<GroupList> {
        let (ctx, _) = self.call(request)?;
        reply(self.app.list_groups(&ctx).await, messages::groups)
    }

    async fn rename_group(&self, request: Request<RenameGroupRequest>) -> Reply<Group> {
        let (ctx, req) = self.call(request)?;
        reply(
            self.app
                .rename_group(&ctx, group_id(&req.group_id)?, &req.name)
                .await,
            messages::group,
        )
    }

    async fn delete_group(&self, request: Request<GroupRef>) -> Reply<Empty> {
        let (ctx, req) = self.call(request)?;
        empty(self.app.delete_group(&ctx, group_id(&req.group_id)?).await)
    }

    async fn add_group_member(&self, request: Request<GroupMemberRequest>) -> Reply<Empty> {
        let (ctx, req) = self.call(request)?;
        let (group, user) = (group_id(&req.group_id)?, user_id(&req.user_id)?);
        empty(self.app.change_membership(&ctx, group, user, true).await)
    }

    async fn remove_group_member(&self, request: Request<GroupMemberRequest>) -> Reply<Empty> {
        let (ctx, req) = self.call(request)?;
        let (group, user) = (group_id(&req.group_id)?, user_id(&req.user_id)?);
        empty(self.app.change_membership(&ctx, group, user, false).await)
    }

    async fn list_group_members(&self, request: Request<GroupRef>) -> Reply<UserList> {
        let (ctx, req) = self.call(request)?;
        reply(
            self.app.group_members(&ctx, group_id(&req.group_id)?).await,
            messages::members,
        )
    }

    async fn list_user_groups(&self, request: Request<UserRef>) -> Reply<GroupList> {
        let (ctx, req) = self.call(request)?;
        reply(
            self.app.user_groups(&ctx, user_id(&req.user_id)?).await,
            messages::groups,
        )
    }

    async fn list_roles(&self, request: Request<Empty>) -> Reply<RoleList> {
        let (ctx, _) = self.call(request)?;
        reply(self.app.list_roles(&ctx).await, messages::roles)
    }

    async fn save_role(&self, request: Request<SaveRoleRequest>) -> Reply<RoleInfo> {
        let (ctx, req) = self.call(request)?;
        let previous = Some(req.previous_name.as_str()).filter(|p| !p.is_empty());
        let result = self
            .app
            .save_role(
                &ctx,
                previous,
                &req.name,
                &req.description,
                &req.permissions,
            )
            .await;
        reply(result, messages::role)
    }

    async fn delete_role(&self, request: Request<RoleRef>) -> Reply<Empty> {
        let (ctx, req) = self.call(request)?;
        empty(self.app.delete_role(&ctx, &req.name).await)
    }

    async fn get_login_settings(&self, request: Request<Empty>) -> Reply<LoginSettings> {
        let (ctx, _) = self.call(request)?;
        reply(
            self.app.login_settings(&ctx).await,
            messages::login_settings,
        )
    }

    async fn update_login_settings(&self, request: Request<LoginSettings>) -> Reply<LoginSettings> {
        let (ctx, req) = self.call(request)?;
        let settings = requests::login_settings_in(req);
        reply(
            self.app.update_login_settings(&ctx, settings).await,
            messages::login_settings,
        )
    }

    async fn get_directory(&self, request: Request<Empty>) -> Reply<DirectoryConfig> {
        let (ctx, _) = self.call(request)?;
        reply(self.app.get_directory(&ctx).await, messages::directory)
    }

    async fn save_directory(&self, request: Request<DirectoryConfig>) -> Reply<DirectoryConfig> {
        let (ctx, req) = self.call(request)?;
        let (settings, password) = requests::directory_in(req);
        reply(
            self.app.save_directory(&ctx, settings, password).await,
            messages::directory,
        )
    }

    async fn test_directory(&self, request: Request<Empty>) -> Reply<Empty> {
        let (ctx, _) = self.call(request)?;
        empty(self.app.test_directory(&ctx).await)
    }

    async fn import_directory(
        &self,
        request: Request<ImportDirectoryRequest>,
    ) -> Reply<ImportUsersResponse> {
        let (ctx, req) = self.call(request)?;
        reply(
            self.app.import_directory(&ctx, &req.scopes).await,
            messages::import_report,
        )
    }

    async fn create_api_key(
        &self,
        request: Request<CreateApiKeyRequest>,
    ) -> Reply<CreateApiKeyResponse> {
        let (ctx, req) = self.call(request)?;
        let result = self
            .app
            .create_api_key(&ctx, &req.name, &req.expires_at, &req.allowed_cidrs)
            .await;
        reply(result, messages::new_api_key)
    }

    async fn list_api_keys(&self, request: Request<Empty>) -> Reply<ApiKeyList> {
        let (ctx, _) = self.call(request)?;
        reply(self.app.list_api_keys(&ctx).await, messages::api_keys)
    }

    async fn revoke_api_key(&self, request: Request<ApiKeyRef>) -> Reply<Empty> {
        let (ctx, req) = self.call(request)?;
        let key = id(ApiKeyId::parse(&req.key_id), "API key")?;
        empty(self.app.revoke_api_key(&ctx, key).await)
    }
}
