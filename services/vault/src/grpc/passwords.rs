//! The edge of passwords: reveal (one or a batch), history, set, revert, policies, and the
//! accounts the org's services sign in with.

use secrecy::SecretString;
use strongroom_auth::RequestContext;
use strongroom_auth::grpc_context;
use strongroom_core::{AccountId, OrgId};
use strongroom_proto::vault::*;
use tonic::{Request, Response, Status};

use crate::password_policy::PasswordPolicy as Policy;
use crate::policies::NamedPolicy;
use crate::reveal::Reveal;
use crate::reveal::Showing;
use crate::reveal::no_result;

use super::edge::{OrStatus, VaultGrpc, id};
use super::messages::{policy_message, version, version_number};

pub(super) async fn choose_service_credential(
    g: &VaultGrpc,
    request: Request<ServiceCredentialChoice>,
) -> Result<Response<RevealCheck>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let choice = request.into_inner();
    let account = match choice.account_id.as_str() {
        "" => None,
        given => match AccountId::parse(given) {
            Ok(account) => Some(account),
            // A malformed id names no account the caller may reveal.
            Err(_) => return Ok(Response::new(RevealCheck { allowed: false })),
        },
    };
    let allowed = g
        .app
        .choose_service_credential(&ctx, &choice.purpose, account)
        .await
        .or_status()?;
    Ok(Response::new(RevealCheck { allowed }))
}

pub(super) async fn open_service_credential(
    g: &VaultGrpc,
    request: Request<OpenServiceCredentialRequest>,
) -> Result<Response<ServiceCredential>, Status> {
    let asked = request.into_inner();
    let org = OrgId::parse(&asked.org_id)
        .map_err(|_| Status::invalid_argument("org_id must be an org id (a UUID)"))?;
    let account = id(AccountId::parse(&asked.account_id), "account")?;
    let login = g
        .app
        .open_service_credential(org, &asked.purpose, account)
        .await
        .or_status()?;
    Ok(Response::new(ServiceCredential {
        username: login.username,
        password: login.password.to_string(),
    }))
}

pub(super) async fn reveal_password(
    g: &VaultGrpc,
    request: Request<RevealPasswordRequest>,
) -> Result<Response<RevealPasswordResponse>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let req = request.get_ref();
    let account = id(AccountId::parse(&req.account_id), "account")?;
    let showing = Showing::parse(&req.reason, &req.ticket_id).or_status()?;
    let password = g
        .app
        .reveal_password(&ctx, account, showing)
        .await
        .or_status()?;
    Ok(Response::new(RevealPasswordResponse {
        password: password.to_string(),
    }))
}

pub(super) async fn reveal_passwords(
    g: &VaultGrpc,
    request: Request<RevealPasswordsRequest>,
) -> Result<Response<RevealPasswordsResponse>, Status> {
    // Items refused before the batch keep their status; the others wait for theirs.
    let mut refused: Vec<Option<Status>> = Vec::new();
    let mut reveals = Vec::new();
    for item in request.into_inner().items {
        let reveal = RequestContext::verify(
            &g.verifier,
            &item.token,
            Some(item.ip).filter(|v| !v.is_empty()),
            Some(item.user_agent).filter(|v| !v.is_empty()),
        )
        .map_err(|e| Status::unauthenticated(e.to_string()))
        .and_then(|ctx| {
            let account = id(AccountId::parse(&item.account_id), "account")?;
            let showing = Showing::parse(&item.reason, &item.ticket_id).or_status()?;
            Ok(Reveal {
                ctx,
                account,
                showing,
            })
        });
        match reveal {
            Ok(reveal) => {
                reveals.push(reveal);
                refused.push(None);
            }
            Err(status) => refused.push(Some(status)),
        }
    }
    let mut results = g.app.reveal_passwords(reveals).await.into_iter();
    let outcomes = refused
        .into_iter()
        .map(|refused| {
            let result = match refused {
                Some(status) => Err(status),
                None => results.next().unwrap_or_else(no_result).or_status(),
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

pub(super) async fn list_password_history(
    g: &VaultGrpc,
    request: Request<AccountRef>,
) -> Result<Response<PasswordHistory>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let id = id(AccountId::parse(&request.get_ref().id), "account")?;
    let (account, versions) = g.app.list_password_history(&ctx, id).await.or_status()?;
    Ok(Response::new(PasswordHistory {
        versions: versions
            .into_iter()
            .map(|v| version(v, account.password_version))
            .collect(),
    }))
}

pub(super) async fn set_password(
    g: &VaultGrpc,
    request: Request<SetPasswordRequest>,
) -> Result<Response<PasswordVersion>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let req = request.into_inner();
    let id = id(AccountId::parse(&req.account_id), "account")?;
    let password = if req.generate {
        if !req.password.is_empty() {
            return Err(Status::invalid_argument(
                "give a password or ask for one to be generated, not both",
            ));
        }
        None
    } else {
        Some(SecretString::from(req.password))
    };
    let done = g
        .app
        .set_password(&ctx, id, password, &req.reason)
        .await
        .or_status()?;
    Ok(Response::new(version(
        done.version,
        done.account.password_version,
    )))
}

pub(super) async fn revert_password(
    g: &VaultGrpc,
    request: Request<RevertPasswordRequest>,
) -> Result<Response<PasswordVersion>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let req = request.into_inner();
    let id = id(AccountId::parse(&req.account_id), "account")?;
    let from = version_number(req.version)?;
    let done = g
        .app
        .revert_password(&ctx, id, from, &req.reason)
        .await
        .or_status()?;
    Ok(Response::new(version(
        done.version,
        done.account.password_version,
    )))
}

pub(super) async fn reveal_password_version(
    g: &VaultGrpc,
    request: Request<RevealPasswordVersionRequest>,
) -> Result<Response<RevealPasswordResponse>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let req = request.into_inner();
    let id = id(AccountId::parse(&req.account_id), "account")?;
    let number = version_number(req.version)?;
    let showing = Showing::parse(&req.reason, &req.ticket_id).or_status()?;
    let password = g
        .app
        .reveal_password_version(&ctx, id, number, &showing)
        .await
        .or_status()?;
    Ok(Response::new(RevealPasswordResponse {
        password: password.to_string(),
    }))
}

pub(super) async fn list_password_policies(
    g: &VaultGrpc,
    request: Request<ListPasswordPoliciesRequest>,
) -> Result<Response<PasswordPolicies>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let policies = g.app.list_password_policies(&ctx).await.or_status()?;
    Ok(Response::new(PasswordPolicies {
        policies: policies.into_iter().map(policy_message).collect(),
    }))
}

pub(super) async fn save_password_policy(
    g: &VaultGrpc,
    request: Request<PasswordPolicy>,
) -> Result<Response<PasswordPolicy>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let p = request.into_inner();
    let policy = Policy {
        name: p.name,
        min_length: p.min_length,
        max_length: p.max_length,
        min_lowercase: p.min_lowercase,
        min_uppercase: p.min_uppercase,
        min_digits: p.min_digits,
        min_specials: p.min_specials,
        must_start_with_letter: p.must_start_with_letter,
        forbidden_characters: p.forbidden_characters,
        reuse_forbidden: p.reuse_forbidden,
        max_age_days: (p.max_age_days > 0).then_some(p.max_age_days),
    };
    let saved = g.app.save_password_policy(&ctx, policy).await.or_status()?;
    Ok(Response::new(policy_message(NamedPolicy {
        policy: saved,
        built_in: false,
    })))
}

pub(super) async fn delete_password_policy(
    g: &VaultGrpc,
    request: Request<PasswordPolicyRef>,
) -> Result<Response<PasswordPolicyRef>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let req = request.into_inner();
    g.app
        .delete_password_policy(&ctx, &req.name)
        .await
        .or_status()?;
    Ok(Response::new(req))
}

pub(super) async fn generate_password(
    g: &VaultGrpc,
    request: Request<PasswordPolicyRef>,
) -> Result<Response<RevealPasswordResponse>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let password = g
        .app
        .generate_password(&ctx, &request.get_ref().name)
        .await
        .or_status()?;
    Ok(Response::new(RevealPasswordResponse {
        password: password.to_string(),
    }))
}
