//! Tenant: the org registry, account managers, org access grants, and provisioning and
//! deletion of client orgs in every service.

mod app;
pub mod callers;
mod changes;
mod deletion;
mod error;
mod grants;
mod grpc;
mod ids;
mod import;
mod orgs;
mod people;
mod replication;
mod report;
mod settings;
mod store;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use strongroom_proto::identity::identity_client::IdentityClient;
use strongroom_proto::provisioning::provisioning_client::ProvisioningClient;
use strongroom_proto::tenant::replication_server::ReplicationServer;
use strongroom_proto::tenant::tenant_server::TenantServer;
use strongroom_proto::tenant_settings::org_settings_server::OrgSettingsServer;
use strongroom_proto::vault::vault_client::VaultClient;
use strongroom_runtime::BaseConfig;
use strongroom_trust::Service;
use tokio_util::sync::CancellationToken;

pub use error::TenantError;

static GLOBAL_MIGRATIONS: strongroom_tenancy::Migrator =
    sqlx::migrate!("../../migrations/tenant/global");
static TENANT_MIGRATIONS: strongroom_tenancy::Migrator =
    sqlx::migrate!("../../migrations/tenant/tenant");

pub const DEFAULT_PORT: u16 = 7282;

pub struct Config {
    pub base: BaseConfig,
    /// Seals the mail and proxy passwords orgs save; created 0600 on first start, and the
    /// same file for every replica.
    pub settings_key_file: PathBuf,
}

impl Config {
    pub fn from_env() -> anyhow::Result<Self> {
        Ok(Self {
            base: BaseConfig::from_env(Service::Tenant, DEFAULT_PORT)?,
            settings_key_file: std::env::var_os("STRONGROOM_SETTINGS_KEY_FILE").map_or_else(
                || "strongroom-data/tenant-settings.key".into(),
                PathBuf::from,
            ),
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
    for (service, url) in [
        (Service::Identity, &b.identity_url),
        (Service::Vault, &b.vault_url),
        (Service::Access, &b.access_url),
        (Service::Rotation, &b.rotation_url),
        (Service::Audit, &b.audit_url),
    ] {
        provisioners.push((
            service.as_str(),
            ProvisioningClient::new(base.channel(url, service)?),
        ));
    }
    let app = Arc::new(app::Tenant {
        db: base.db.clone(),
        outbox: base.outbox.clone(),
        msp_org,
        provisioners,
        people: people::People::new(IdentityClient::new(
            base.channel(&b.identity_url, Service::Identity)?,
        )),
    });

    let vault = VaultClient::new(base.channel(&config.base.vault_url, Service::Vault)?);
    let settings = Arc::new(settings::OrgSettings {
        db: base.db.clone(),
        outbox: base.outbox.clone(),
        sealer: strongroom_runtime::SettingsSealer::new(
            vault.clone(),
            strongroom_crypto::SettingsKey::load_existing(&config.settings_key_file)
                .context("loading the settings key of before")?,
        ),
        msp_org,
        vault,
        egress: strongroom_egress::Egress::new(&config.base.dns_servers)
            .context("STRONGROOM_DNS_SERVERS")?,
    });

    tokio::spawn(strongroom_runtime::reseal_every_org(
        base.db.clone(),
        "mail and proxy passwords",
        shutdown.clone(),
        {
            let settings = settings.clone();
            move |org| {
                let settings = settings.clone();
                async move { settings.reseal_passwords(org).await }
            }
        },
    ));

    let (router, health) =
        base.grpc_router(&[callers::TENANT, callers::REPLICATION, callers::SETTINGS]);
    let router = router
        .add_service(ReplicationServer::new(replication::ReplicationGrpc {
            app: app.clone(),
            verifier: base.verifier.clone(),
        }))
        .add_service(TenantServer::new(grpc::TenantGrpc {
            app,
            settings: settings.clone(),
            verifier: base.verifier.clone(),
        }))
        .add_service(OrgSettingsServer::new(settings::grpc::OrgSettingsGrpc {
            app: settings,
            verifier: base.verifier.clone(),
        }));
    base.ready.store(true, std::sync::atomic::Ordering::SeqCst);
    strongroom_runtime::serve(&config.base, &base, router, health, shutdown).await
}
