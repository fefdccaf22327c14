//! Rotation: password resets on target systems, on demand and on schedules. This service
//! holds each org's rotation journal; connectors and schedules build on it.

use strongroom_runtime::{Base, BaseConfig};
use tokio_util::sync::CancellationToken;

static TENANT_MIGRATIONS: strongroom_tenancy::Migrator =
    sqlx::migrate!("../../migrations/rotation/tenant");

pub const DEFAULT_PORT: u16 = 7285;

pub struct Config {
    pub base: BaseConfig,
}

impl Config {
    pub fn from_env() -> anyhow::Result<Self> {
        Ok(Self {
            base: BaseConfig::from_env(strongroom_trust::Service::Rotation, DEFAULT_PORT)?,
        })
    }
}

pub async fn run(config: Config, shutdown: CancellationToken) -> anyhow::Result<()> {
    let (base, msp_org) =
        Base::start_for_orgs(&config.base, None, &TENANT_MIGRATIONS, &shutdown).await?;
    let (router, health) = base.grpc_server(msp_org, (), &[], &config.base.tenant_url)?;
    base.ready.store(true, std::sync::atomic::Ordering::SeqCst);
    strongroom_runtime::serve(&config.base, &base, router, health, shutdown).await
}
