//! Tenant: the org registry, account managers, org access grants, and provisioning and
//! deletion of client orgs in every service.

mod app;
mod changes;
mod error;
mod grants;
mod grpc;
mod import;
mod people;
mod replication;
mod report;
mod store;

use std::sync::Arc;

use strongroom_proto::identity::identity_client::IdentityClient;
use strongroom_proto::provisioning::provisioning_client::ProvisioningClient;
use strongroom_proto::tenant::replication_server::ReplicationServer;
use strongroom_proto::tenant::tenant_server::TenantServer;
use strongroom_runtime::BaseConfig;
use tokio_util::sync::CancellationToken;

pub use error::TenantError;

static GLOBAL_MIGRATIONS: strongroom_tenancy::Migrator =
    sqlx::migrate!("../../migrations/tenant/global");
static TENANT_MIGRATIONS: strongroom_tenancy::Migrator =
    sqlx::migrate!("../../migrations/tenant/tenant");

pub const DEFAULT_PORT: u16 = 7282;

pub struct Config {
    pub base: BaseConfig,
}

impl Config {
    pub fn from_env() -> anyhow::Result<Self> {
        Ok(Self {
            base: BaseConfig::from_env("tenant", DEFAULT_PORT)?,
        })
    }
}

pub async fn run(config: Config, shutdown: CancellationToken) -> anyhow::Result<()> {
    let base = strongroom_runtime::start(
        &config.base,
        Some(&GLOBAL_MIGRATIONS),
        &TENANT_MIGRATIONS,
        &shutdown,
    )
    .await?;
    let msp_org = store::ensure_msp_org(base.db.global()).await?;
    base.db.provision(msp_org).await?;

    let b = &config.base;
    let mut provisioners = Vec::new();
    for (name, url) in [
        ("identity", &b.identity_url),
        ("vault", &b.vault_url),
        ("access", &b.access_url),
        ("rotation", &b.rotation_url),
        ("audit", &b.audit_url),
    ] {
        provisioners.push((
            name,
            ProvisioningClient::new(strongroom_runtime::channel(url)?),
        ));
    }
    let app = Arc::new(app::Tenant {
        db: base.db.clone(),
        outbox: base.outbox.clone(),
        msp_org,
        provisioners,
        identity: IdentityClient::new(strongroom_runtime::channel(&b.identity_url)?),
    });

    let (health, health_service) = tonic_health::server::health_reporter();
    let router = tonic::transport::Server::builder()
        .add_service(health_service)
        .add_service(ReplicationServer::new(replication::ReplicationGrpc {
            app: app.clone(),
            verifier: base.verifier.clone(),
        }))
        .add_service(TenantServer::new(grpc::TenantGrpc {
            app,
            verifier: base.verifier.clone(),
        }));
    base.ready.store(true, std::sync::atomic::Ordering::SeqCst);
    strongroom_runtime::serve(&config.base, &base, router, health, shutdown).await
}
