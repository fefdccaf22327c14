//! Access: decides who may do what to which account. For now the owner alone may; shares,
//! requests and checkouts extend `decide` in later work.

pub mod callers;
mod decide;
mod grpc;

use strongroom_proto::access::access_server::AccessServer;
use strongroom_runtime::{Base, BaseConfig};
use tokio_util::sync::CancellationToken;

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
    let router = router.add_service(AccessServer::new(grpc::AccessGrpc {
        verifier: base.verifier.clone(),
    }));
    base.ready.store(true, std::sync::atomic::Ordering::SeqCst);
    strongroom_runtime::serve(&config.base, &base, router, health, shutdown).await
}
