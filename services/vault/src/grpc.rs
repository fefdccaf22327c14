use std::sync::Arc;

use secrecy::SecretString;
use strongroom_auth::{RequestContext, Verifier, grpc_context};
use strongroom_core::{AccountId, OrgId, ResourceId, UserId, to_status};
use strongroom_proto::vault::vault_server::Vault as VaultRpc;
use strongroom_proto::vault::*;
use strongroom_trust::caller_of;
use tonic::{Request, Response, Status};

use crate::app::Vault;
use crate::reveal::{Reveal, no_result};

pub struct VaultGrpc {
    pub app: Arc<Vault>,
    pub verifier: Arc<Verifier>,
}

fn org_id(id: &str) -> Result<OrgId, Status> {
    OrgId::parse(id).map_err(|_| Status::invalid_argument("org_id must be an org id"))
}

/// A malformed id is "not found" too: it names nothing the caller may see.
fn id<T>(r: Result<T, strongroom_core::InvalidId>, what: &str) -> Result<T, Status> {
    r.map_err(|_| Status::not_found(format!("{what} not found")))
}

#[tonic::async_trait]
impl VaultRpc for VaultGrpc {
    async fn create_resource(
        &self,
        request: Request<CreateResourceRequest>,
    ) -> Result<Response<Resource>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let req = request.into_inner();
        let r = self
            .app
            .create_resource(&ctx, &req.name, &req.resource_type, &req.host)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(Resource {
            id: r.id.to_string(),
            name: r.name,
            resource_type: r.resource_type,
            host: r.host,
            owner_id: r.owner_id.to_string(),
            created_at: r.created_at.to_rfc3339(),
        }))
    }

    async fn transfer_ownership(
        &self,
        request: Request<TransferOwnershipRequest>,
    ) -> Result<Response<TransferOwnershipResponse>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let req = request.into_inner();
        let from = id(UserId::parse(&req.from_user_id), "user")?;
        let to = if req.to_user_id.is_empty() {
            None
        } else {
            Some(id(UserId::parse(&req.to_user_id), "user")?)
        };
        let owned = self
            .app
            .transfer_ownership(&ctx, from, to)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(TransferOwnershipResponse { owned }))
    }

    async fn check_reveal(
        &self,
        request: Request<RevealPasswordRequest>,
    ) -> Result<Response<RevealCheck>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        // A malformed id names no account the caller may reveal.
        let Ok(account) = AccountId::parse(&request.get_ref().account_id) else {
            return Ok(Response::new(RevealCheck { allowed: false }));
        };
        let allowed = self
            .app
            .check_reveal(&ctx, account)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(RevealCheck { allowed }))
    }

    async fn seal_setting(
        &self,
        request: Request<SealSettingRequest>,
    ) -> Result<Response<SealedSetting>, Status> {
        let service = caller_of(&request)?;
        let req = request.into_inner();
        let org = org_id(&req.org_id)?;
        let sealed = self
            .app
            .seal_setting(service, org, &req.name, &req.plaintext)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(SealedSetting { sealed }))
    }

    async fn open_setting(
        &self,
        request: Request<OpenSettingRequest>,
    ) -> Result<Response<OpenedSetting>, Status> {
        let service = caller_of(&request)?;
        let req = request.into_inner();
        let org = org_id(&req.org_id)?;
        let plaintext = self
            .app
            .open_setting(service, org, &req.name, &req.sealed)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(OpenedSetting {
            plaintext: plaintext.to_vec(),
        }))
    }

    async fn create_account(
        &self,
        request: Request<CreateAccountRequest>,
    ) -> Result<Response<Account>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let req = request.into_inner();
        let resource = id(ResourceId::parse(&req.resource_id), "resource")?;
        let (account, created_at) = self
            .app
            .create_account(
                &ctx,
                resource,
                &req.username,
                SecretString::from(req.password),
            )
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(Account {
            id: account.to_string(),
            resource_id: resource.to_string(),
            username: req.username.trim().to_owned(),
            created_at: created_at.to_rfc3339(),
        }))
    }

    async fn reveal_password(
        &self,
        request: Request<RevealPasswordRequest>,
    ) -> Result<Response<RevealPasswordResponse>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let account = id(AccountId::parse(&request.get_ref().account_id), "account")?;
        let password = self
            .app
            .reveal_password(&ctx, account)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(RevealPasswordResponse {
            password: password.to_string(),
        }))
    }

    async fn reveal_passwords(
        &self,
        request: Request<RevealPasswordsRequest>,
    ) -> Result<Response<RevealPasswordsResponse>, Status> {
        // Items refused before the batch keep their status; the others wait for theirs.
        let mut refused: Vec<Option<Status>> = Vec::new();
        let mut reveals = Vec::new();
        for item in request.into_inner().items {
            let reveal = RequestContext::verify(
                &self.verifier,
                &item.token,
                Some(item.ip).filter(|v| !v.is_empty()),
                Some(item.user_agent).filter(|v| !v.is_empty()),
            )
            .map_err(|e| Status::unauthenticated(e.to_string()))
            .and_then(|ctx| {
                let account = id(AccountId::parse(&item.account_id), "account")?;
                Ok(Reveal { ctx, account })
            });
            match reveal {
                Ok(reveal) => {
                    reveals.push(reveal);
                    refused.push(None);
                }
                Err(status) => refused.push(Some(status)),
            }
        }
        let mut results = self.app.reveal_passwords(reveals).await.into_iter();
        let outcomes = refused
            .into_iter()
            .map(|refused| {
                let result = match refused {
                    Some(status) => Err(status),
                    None => results
                        .next()
                        .unwrap_or_else(no_result)
                        .map_err(|e| to_status(&e)),
                };
                match result {
                    Ok(password) => RevealOutcome {
                        password: password.to_string(),
                        code: 0,
                        message: String::new(),
                    },
                    Err(status) => RevealOutcome {
                        password: String::new(),
                        code: status.code() as i32,
                        message: status.message().to_owned(),
                    },
                }
            })
            .collect();
        Ok(Response::new(RevealPasswordsResponse { outcomes }))
    }
}
