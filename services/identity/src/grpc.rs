//! gRPC surface of the identity service: proto in, use case, proto out.

use std::sync::Arc;

use secrecy::SecretString;
use strongroom_auth::{METADATA_IP, METADATA_USER_AGENT, RequestContext, Verifier, grpc_context};
use strongroom_core::{OrgId, to_status};
use strongroom_proto::identity::identity_server::Identity as IdentityRpc;
use strongroom_proto::identity::*;
use tonic::{Request, Response, Status};

use crate::app::{Identity, Origin};
use crate::convert;
use crate::error::IdentityError;
use crate::users::{UserChanges, UserFields};

pub struct IdentityGrpc {
    pub app: Arc<Identity>,
    pub verifier: Arc<Verifier>,
}

type Reply<T> = Result<Response<T>, Status>;

fn org_id(s: &str) -> Result<OrgId, Status> {
    OrgId::parse(s).map_err(|e| Status::invalid_argument(e.to_string()))
}

fn origin<T>(request: &Request<T>) -> Origin {
    let meta = request.metadata();
    let text = |k: &str| meta.get(k).and_then(|v| v.to_str().ok()).map(str::to_owned);
    Origin {
        ip: text(METADATA_IP),
        user_agent: text(METADATA_USER_AGENT),
    }
}

fn reply<T, U>(result: Result<T, IdentityError>, f: impl FnOnce(T) -> U) -> Reply<U> {
    result
        .map(|v| Response::new(f(v)))
        .map_err(|e| to_status(&e))
}

fn empty(result: Result<(), IdentityError>) -> Reply<Empty> {
    reply(result, |()| Empty {})
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
        let origin = origin(&request);
        let req = request.into_inner();
        let org = org_id(&req.org_id)?;
        let result = self
            .app
            .login(
                org,
                &req.username,
                SecretString::from(req.password),
                &origin,
            )
            .await;
        reply(result, convert::token)
    }

    async fn refresh(&self, request: Request<RefreshRequest>) -> Reply<TokenResponse> {
        let origin = origin(&request);
        let req = request.into_inner();
        let org = org_id(&req.org_id)?;
        reply(
            self.app.refresh(org, &req.refresh_token, &origin).await,
            convert::token,
        )
    }

    async fn logout(&self, request: Request<Empty>) -> Reply<Empty> {
        let (ctx, _) = self.call(request)?;
        empty(self.app.logout(&ctx).await)
    }

    async fn change_password(&self, request: Request<ChangePasswordRequest>) -> Reply<Empty> {
        let origin = origin(&request);
        let req = request.into_inner();
        let org = org_id(&req.org_id)?;
        let result = self
            .app
            .change_password(
                org,
                &req.username,
                SecretString::from(req.current_password),
                SecretString::from(req.new_password),
                &origin,
            )
            .await;
        empty(result)
    }

    async fn authenticate_api_key(
        &self,
        request: Request<AuthenticateApiKeyRequest>,
    ) -> Reply<TokenResponse> {
        let req = request.into_inner();
        let org = org_id(&req.org_id)?;
        let result = self
            .app
            .authenticate_api_key(org, &req.key, &req.client_ip)
            .await;
        reply(result, convert::token)
    }

    async fn exchange_token(&self, request: Request<ExchangeTokenRequest>) -> Reply<TokenResponse> {
        let (ctx, req) = self.call(request)?;
        let target = org_id(&req.target_org_id)?;
        reply(self.app.exchange_token(&ctx, target).await, convert::token)
    }

    async fn create_user(&self, request: Request<CreateUserRequest>) -> Reply<User> {
        let (ctx, req) = self.call(request)?;
        let fields = UserFields {
            username: req.username,
            full_name: req.full_name,
            email: req.email,
            department: req.department,
            location: req.location,
            role: req.role,
        };
        let result = self
            .app
            .create_user(&ctx, &fields, SecretString::from(req.password))
            .await;
        reply(result, |u| convert::user(u, None))
    }

    async fn list_users(&self, request: Request<ListUsersRequest>) -> Reply<UserList> {
        let (ctx, req) = self.call(request)?;
        reply(self.app.list_users(&ctx, &req.query).await, |views| {
            UserList {
                users: views.into_iter().map(convert::user_view).collect(),
            }
        })
    }

    async fn get_user(&self, request: Request<UserRef>) -> Reply<User> {
        let (ctx, req) = self.call(request)?;
        reply(
            self.app.get_user(&ctx, &req.user_id).await,
            convert::user_view,
        )
    }

    async fn update_user(&self, request: Request<UpdateUserRequest>) -> Reply<User> {
        let (ctx, req) = self.call(request)?;
        let changes = UserChanges {
            full_name: req.full_name,
            email: req.email,
            department: req.department,
            location: req.location,
            role: req.role,
            status: req.status,
        };
        let result = self.app.update_user(&ctx, &req.user_id, changes).await;
        reply(result, convert::user_view)
    }

    async fn delete_user(&self, request: Request<DeleteUserRequest>) -> Reply<DeleteUserResponse> {
        let (ctx, req) = self.call(request)?;
        reply(
            self.app
                .delete_user(&ctx, &req.user_id, &req.transfer_to_user_id)
                .await,
            |pending| DeleteUserResponse {
                pending: pending.map(convert::transfer),
            },
        )
    }

    async fn transfer_ownership(
        &self,
        request: Request<OwnershipTransferRequest>,
    ) -> Reply<OwnershipTransfer> {
        let (ctx, req) = self.call(request)?;
        reply(
            self.app
                .transfer_ownership(&ctx, &req.from_user_id, &req.to_user_id)
                .await,
            convert::transfer,
        )
    }

    async fn list_ownership_transfers(
        &self,
        request: Request<Empty>,
    ) -> Reply<OwnershipTransferList> {
        let (ctx, _) = self.call(request)?;
        reply(self.app.list_ownership_transfers(&ctx).await, |list| {
            OwnershipTransferList {
                transfers: list.into_iter().map(convert::transfer).collect(),
            }
        })
    }

    async fn decide_ownership_transfer(
        &self,
        request: Request<OwnershipDecision>,
    ) -> Reply<OwnershipTransfer> {
        let (ctx, req) = self.call(request)?;
        reply(
            self.app
                .decide_ownership_transfer(&ctx, &req.transfer_id, req.approve)
                .await,
            convert::transfer,
        )
    }

    async fn check_active_user(&self, request: Request<UserRef>) -> Reply<ActiveUser> {
        let (ctx, req) = self.call(request)?;
        reply(
            self.app.check_active_user(&ctx, &req.user_id).await,
            |active| ActiveUser { active },
        )
    }

    async fn set_user_password(
        &self,
        request: Request<SetUserPasswordRequest>,
    ) -> Reply<PasswordReset> {
        let (ctx, req) = self.call(request)?;
        let password = SecretString::from(req.password);
        reply(
            self.app
                .set_user_password(&ctx, &req.user_id, password)
                .await,
            convert::reset,
        )
    }

    async fn list_password_resets(&self, request: Request<Empty>) -> Reply<PasswordResetList> {
        let (ctx, _) = self.call(request)?;
        reply(self.app.list_password_resets(&ctx).await, |list| {
            PasswordResetList {
                resets: list.into_iter().map(convert::reset).collect(),
            }
        })
    }

    async fn decide_password_reset(
        &self,
        request: Request<PasswordResetDecision>,
    ) -> Reply<PasswordReset> {
        let (ctx, req) = self.call(request)?;
        reply(
            self.app
                .decide_password_reset(&ctx, &req.reset_id, req.approve)
                .await,
            convert::reset,
        )
    }

    async fn unlock_user(&self, request: Request<UserRef>) -> Reply<User> {
        let (ctx, req) = self.call(request)?;
        reply(
            self.app.unlock_user(&ctx, &req.user_id).await,
            convert::user_view,
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
        reply(result, convert::import_report)
    }

    async fn list_sessions(&self, request: Request<UserRef>) -> Reply<SessionList> {
        let (ctx, req) = self.call(request)?;
        let current = ctx.session();
        reply(self.app.list_sessions(&ctx, &req.user_id).await, |rows| {
            convert::sessions(rows, current)
        })
    }

    async fn revoke_session(&self, request: Request<SessionRef>) -> Reply<Empty> {
        let (ctx, req) = self.call(request)?;
        empty(self.app.revoke_session(&ctx, &req.session_id).await)
    }

    async fn revoke_user_sessions(&self, request: Request<UserRef>) -> Reply<RevokedCount> {
        let (ctx, req) = self.call(request)?;
        reply(
            self.app.revoke_user_sessions(&ctx, &req.user_id).await,
            |revoked| RevokedCount { revoked },
        )
    }

    async fn create_group(&self, request: Request<CreateGroupRequest>) -> Reply<Group> {
        let (ctx, req) = self.call(request)?;
        let result = self
            .app
            .create_group(&ctx, &req.name, &req.description)
            .await;
        reply(result, convert::group)
    }

    async fn list_groups(&self, request: Request<Empty>) -> Reply<GroupList> {
        let (ctx, _) = self.call(request)?;
        reply(self.app.list_groups(&ctx).await, convert::groups)
    }

    async fn rename_group(&self, request: Request<RenameGroupRequest>) -> Reply<Group> {
        let (ctx, req) = self.call(request)?;
        reply(
            self.app.rename_group(&ctx, &req.group_id, &req.name).await,
            convert::group,
        )
    }

    async fn delete_group(&self, request: Request<GroupRef>) -> Reply<Empty> {
        let (ctx, req) = self.call(request)?;
        empty(self.app.delete_group(&ctx, &req.group_id).await)
    }

    async fn add_group_member(&self, request: Request<GroupMemberRequest>) -> Reply<Empty> {
        let (ctx, req) = self.call(request)?;
        empty(
            self.app
                .change_membership(&ctx, &req.group_id, &req.user_id, true)
                .await,
        )
    }

    async fn remove_group_member(&self, request: Request<GroupMemberRequest>) -> Reply<Empty> {
        let (ctx, req) = self.call(request)?;
        empty(
            self.app
                .change_membership(&ctx, &req.group_id, &req.user_id, false)
                .await,
        )
    }

    async fn list_group_members(&self, request: Request<GroupRef>) -> Reply<UserList> {
        let (ctx, req) = self.call(request)?;
        reply(
            self.app.group_members(&ctx, &req.group_id).await,
            convert::members,
        )
    }

    async fn list_user_groups(&self, request: Request<UserRef>) -> Reply<GroupList> {
        let (ctx, req) = self.call(request)?;
        reply(
            self.app.user_groups(&ctx, &req.user_id).await,
            convert::groups,
        )
    }

    async fn list_roles(&self, request: Request<Empty>) -> Reply<RoleList> {
        let (ctx, _) = self.call(request)?;
        reply(self.app.list_roles(&ctx).await, convert::roles)
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
        reply(result, convert::role)
    }

    async fn delete_role(&self, request: Request<RoleRef>) -> Reply<Empty> {
        let (ctx, req) = self.call(request)?;
        empty(self.app.delete_role(&ctx, &req.name).await)
    }

    async fn get_login_settings(&self, request: Request<Empty>) -> Reply<LoginSettings> {
        let (ctx, _) = self.call(request)?;
        reply(self.app.login_settings(&ctx).await, convert::login_settings)
    }

    async fn update_login_settings(&self, request: Request<LoginSettings>) -> Reply<LoginSettings> {
        let (ctx, req) = self.call(request)?;
        let settings = convert::login_settings_in(req);
        reply(
            self.app.update_login_settings(&ctx, settings).await,
            convert::login_settings,
        )
    }

    async fn get_directory(&self, request: Request<Empty>) -> Reply<DirectoryConfig> {
        let (ctx, _) = self.call(request)?;
        reply(self.app.get_directory(&ctx).await, convert::directory)
    }

    async fn save_directory(&self, request: Request<DirectoryConfig>) -> Reply<DirectoryConfig> {
        let (ctx, req) = self.call(request)?;
        let (settings, password) = convert::directory_in(req);
        reply(
            self.app.save_directory(&ctx, settings, password).await,
            convert::directory,
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
            convert::import_report,
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
        reply(result, convert::new_api_key)
    }

    async fn list_api_keys(&self, request: Request<Empty>) -> Reply<ApiKeyList> {
        let (ctx, _) = self.call(request)?;
        reply(self.app.list_api_keys(&ctx).await, |rows| ApiKeyList {
            keys: rows.into_iter().map(convert::api_key).collect(),
        })
    }

    async fn revoke_api_key(&self, request: Request<ApiKeyRef>) -> Reply<Empty> {
        let (ctx, req) = self.call(request)?;
        empty(self.app.revoke_api_key(&ctx, &req.key_id).await)
    }
}
