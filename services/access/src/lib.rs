//! Access: decides who may do what to which account. For now the owner alone may; shares,
//! requests and checkouts extend `decide` in later work.

pub mod callers;

use std::sync::Arc;

use strongroom_auth::{RequestContext, Verifier, grpc_context};
use strongroom_core::UserId;
use strongroom_proto::access::access_server::{Access, AccessServer};
use strongroom_proto::access::{
    CheckBatchRequest, CheckBatchResponse, CheckRequest, CheckResponse, Operation, ScopeRequest,
    ScopeResponse,
};
use strongroom_runtime::{Base, BaseConfig};
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

static TENANT_MIGRATIONS: strongroom_tenancy::Migrator =
    sqlx::migrate!("../../migrations/access/tenant");

pub const DEFAULT_PORT: u16 = 7284;

pub struct Config {
    pub base: BaseConfig,
}

impl Config {
    pub fn from_env() -> anyhow::Result<Self> {
        Ok(Self {
            base: BaseConfig::from_env(strongroom_trust::Service::Access, DEFAULT_PORT)?,
        })
    }
}

pub async fn run(config: Config, shutdown: CancellationToken) -> anyhow::Result<()> {
    let (base, msp_org) =
        Base::start_for_orgs(&config.base, None, &TENANT_MIGRATIONS, &shutdown).await?;
    let (router, health) =
        base.grpc_server(msp_org, (), &[callers::CALLERS], &config.base.tenant_url)?;
    let router = router.add_service(AccessServer::new(AccessGrpc {
        verifier: base.verifier.clone(),
    }));
    base.ready.store(true, std::sync::atomic::Ordering::SeqCst);
    strongroom_runtime::serve(&config.base, &base, router, health, shutdown).await
}

struct AccessGrpc {
    verifier: Arc<Verifier>,
}

/// PMP's entitlement model: a password is reachable by its owner or through a share.
/// Being an administrator (of the org or of the MSP) grants nothing by itself.
fn decide(ctx: &RequestContext, owner: UserId, operation: Operation) -> Decision {
    match operation {
        Operation::View | Operation::Reveal | Operation::Modify | Operation::Manage => {
            if owner == ctx.user() {
                Decision::OWNER
            } else {
                Decision::REFUSED
            }
        }
        Operation::Unspecified => Decision::REFUSED,
    }
}

/// The rows `decide` allows the caller `operation` on, as a filter a listing applies: today
/// the rows they own; shares add the resources and accounts shared with them.
fn scope(ctx: &RequestContext, operation: Operation) -> ScopeResponse {
    match operation {
        Operation::View | Operation::Reveal | Operation::Modify | Operation::Manage => {
            ScopeResponse {
                owner_ids: vec![ctx.user().to_string()],
                resource_ids: Vec::new(),
                account_ids: Vec::new(),
            }
        }
        Operation::Unspecified => ScopeResponse::default(),
    }
}

/// An answer, and whether it rests on ownership alone (the vault's row): an owner's rights
/// hold for every row they own, while a refusal may turn into a share's grant here at any
/// time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Decision {
    allowed: bool,
    as_owner: bool,
}

impl Decision {
    const OWNER: Self = Self {
        allowed: true,
        as_owner: true,
    };
    const REFUSED: Self = Self {
        allowed: false,
        as_owner: false,
    };
}

fn operation(check: &CheckRequest) -> Operation {
    Operation::try_from(check.operation).unwrap_or(Operation::Unspecified)
}

#[tonic::async_trait]
impl Access for AccessGrpc {
    async fn check(
        &self,
        request: Request<CheckRequest>,
    ) -> Result<Response<CheckResponse>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let req = request.get_ref();
        let owner =
            UserId::parse(&req.owner_id).map_err(|e| Status::invalid_argument(e.to_string()))?;
        Ok(Response::new(CheckResponse {
            allowed: decide(&ctx, owner, operation(req)).allowed,
        }))
    }

    async fn check_batch(
        &self,
        request: Request<CheckBatchRequest>,
    ) -> Result<Response<CheckBatchResponse>, Status> {
        let (allowed, as_owner) = request
            .get_ref()
            .items
            .iter()
            .map(|item| {
                let Some(check) = &item.check else {
                    return Decision::REFUSED;
                };
                let Ok(ctx) = RequestContext::verify(&self.verifier, &item.token, None, None)
                else {
                    return Decision::REFUSED;
                };
                UserId::parse(&check.owner_id).map_or(Decision::REFUSED, |owner| {
                    decide(&ctx, owner, operation(check))
                })
            })
            .map(|d| (d.allowed, d.as_owner))
            .unzip();
        Ok(Response::new(CheckBatchResponse { allowed, as_owner }))
    }

    async fn scope(
        &self,
        request: Request<ScopeRequest>,
    ) -> Result<Response<ScopeResponse>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let operation =
            Operation::try_from(request.get_ref().operation).unwrap_or(Operation::Unspecified);
        Ok(Response::new(scope(&ctx, operation)))
    }
}

#[cfg(test)]
mod tests {
    use strongroom_auth::Claims;
    use strongroom_core::{OrgId, Role};

    use super::*;

    fn ctx(user: UserId, role: Role) -> RequestContext {
        let (private, public) = strongroom_auth::generate_keypair().unwrap();
        let signer = strongroom_auth::Signer::from_pem(private.as_bytes()).unwrap();
        let verifier = Verifier::from_pem(public.as_bytes()).unwrap();
        verifier
            .revocations()
            .mark_read(chrono::Utc::now().timestamp());
        let claims = Claims::for_role(user, OrgId::new(), "u", role, 60, "password");
        RequestContext::verify(&verifier, &signer.sign(&claims).unwrap(), None, None).unwrap()
    }

    #[test]
    fn only_the_owner_may_reveal_whatever_the_role() {
        let owner = UserId::new();
        assert_eq!(
            decide(&ctx(owner, Role::PasswordUser), owner, Operation::Reveal),
            Decision::OWNER
        );
        for role in Role::ALL {
            assert!(!decide(&ctx(UserId::new(), role), owner, Operation::Reveal).allowed);
        }
        assert!(
            !decide(
                &ctx(owner, Role::PasswordUser),
                owner,
                Operation::Unspecified
            )
            .allowed
        );
    }

    #[test]
    fn only_an_owners_answer_is_given_as_owner() {
        let owner = UserId::new();
        assert!(decide(&ctx(owner, Role::PasswordUser), owner, Operation::Reveal).as_owner);
        // A refusal may become a share's grant: the vault must ask again.
        let other = decide(
            &ctx(UserId::new(), Role::Administrator),
            owner,
            Operation::Reveal,
        );
        assert!(!other.allowed && !other.as_owner);
    }

    #[test]
    fn a_listing_shows_exactly_the_rows_a_check_allows() {
        let me = UserId::new();
        for role in Role::ALL {
            let ctx = ctx(me, role);
            for operation in [
                Operation::View,
                Operation::Reveal,
                Operation::Modify,
                Operation::Manage,
                Operation::Unspecified,
            ] {
                let scope = scope(&ctx, operation);
                for owner in [me, UserId::new()] {
                    let listed = scope.owner_ids.contains(&owner.to_string());
                    assert_eq!(listed, decide(&ctx, owner, operation).allowed);
                }
            }
        }
    }
}
