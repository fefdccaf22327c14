//! gRPC surface of the identity service: proto in, use case, proto out.

use std::sync::Arc;

use secrecy::SecretString;
use strongroom_auth::{METADATA_IP, METADATA_USER_AGENT, Verifier, grpc_context};
use strongroom_core::{OrgId, to_status};
use strongroom_proto::identity::identity_server::Identity as IdentityRpc;
use strongroom_proto::identity::*;
use tonic::{Request, Response, Status};

use crate::app::{Identity, IssuedToken, Origin};

pub struct IdentityGrpc {
    pub app: Arc<Identity>,
    pub verifier: Arc<Verifier>,
}

fn org_id(s: &str) -> Result<OrgId, Status> {
    OrgId::parse(s).map_err(|e| Status::invalid_argument(e.to_string()))
}

fn token_response(issued: IssuedToken) -> Response<TokenResponse> {
    Response::new(TokenResponse {
        token: issued.token,
        expires_at: issued.claims.exp,
        user_id: issued.claims.sub.to_string(),
        org_id: issued.claims.org.to_string(),
        roles: issued
            .claims
            .roles
            .iter()
            .map(|r| r.as_str().to_owned())
            .collect(),
    })
}

#[tonic::async_trait]
impl IdentityRpc for IdentityGrpc {
    async fn login(
        &self,
        request: Request<LoginRequest>,
    ) -> Result<Response<TokenResponse>, Status> {
        let meta = request.metadata();
        let text = |k: &str| meta.get(k).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let origin = Origin {
            ip: text(METADATA_IP),
            user_agent: text(METADATA_USER_AGENT),
        };
        let req = request.into_inner();
        let org = org_id(&req.org_id)?;
        self.app
            .login(org, &req.username, SecretString::from(req.password), origin)
            .await
            .map(token_response)
            .map_err(|e| to_status(&e))
    }

    async fn authenticate_api_key(
        &self,
        request: Request<AuthenticateApiKeyRequest>,
    ) -> Result<Response<TokenResponse>, Status> {
        let req = request.into_inner();
        let org = org_id(&req.org_id)?;
        self.app
            .authenticate_api_key(org, &req.key)
            .await
            .map(token_response)
            .map_err(|e| to_status(&e))
    }

    async fn exchange_token(
        &self,
        request: Request<ExchangeTokenRequest>,
    ) -> Result<Response<TokenResponse>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let target = org_id(&request.get_ref().target_org_id)?;
        self.app
            .exchange_token(&ctx, target)
            .await
            .map(token_response)
            .map_err(|e| to_status(&e))
    }

    async fn create_user(
        &self,
        request: Request<CreateUserRequest>,
    ) -> Result<Response<User>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let req = request.into_inner();
        let user = self
            .app
            .create_user(
                &ctx,
                &req.username,
                &req.email,
                &req.role,
                SecretString::from(req.password),
            )
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(User {
            id: user.id.to_string(),
            username: user.username,
            email: user.email,
            role: user.role,
            status: user.status,
            created_at: user.created_at.to_rfc3339(),
        }))
    }

    async fn create_api_key(
        &self,
        request: Request<CreateApiKeyRequest>,
    ) -> Result<Response<CreateApiKeyResponse>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let name = request.into_inner().name;
        let (id, key, created_at) = self
            .app
            .create_api_key(&ctx, &name)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(CreateApiKeyResponse {
            id: id.to_string(),
            name: name.trim().to_owned(),
            key,
            created_at: created_at.to_rfc3339(),
        }))
    }
}
