//! Rotation: password resets on target systems, on demand and on schedules. This service
//! holds each org's rotation journal; connectors and schedules build on it.

use strongroom_proto::tenant::tenant_client::TenantClient;
use strongroom_runtime::{BaseConfig, Provisioner};
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
            base: BaseConfig::from_env("rotation", DEFAULT_PORT)?,
        })
    }
}

pub async fn run(config: Config, shutdown: CancellationToken) -> anyhow::Result<()> {
    let base = strongroom_runtime::start(&config.base, None, &TENANT_MIGRATIONS, &shutdown).await?;
    let mut tenant = TenantClient::new(strongroom_runtime::channel(&config.base.tenant_url)?);
    let msp_org = strongroom_runtime::fetch_msp_org(&mut tenant, &shutdown).await?;
    base.db.provision(msp_org).await?;
    let (health, health_service) = tonic_health::server::health_reporter();
    let router = tonic::transport::Server::builder()
        .add_service(health_service)
        .add_service(
            Provisioner::new(base.db.clone(), base.verifier.clone(), msp_org, ()).into_server(),
        );
    base.ready.store(true, std::sync::atomic::Ordering::SeqCst);
    strongroom_runtime::serve(&config.base, &base, router, health, shutdown).await
}
