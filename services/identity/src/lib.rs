//! Identity: users, logins, access tokens and API keys of every org.

mod api_keys;
mod app;
pub mod callers;
mod directory;
mod error;
mod groups;
mod grpc;
mod guard;
mod ids;
mod import;
mod login;
mod mailed_passwords;
mod ownership;
mod people;
mod policy;
mod recipients;
mod replication;
mod resets;
mod roles;
mod sessions;
mod store;
mod users;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use secrecy::SecretString;
use serde::Deserialize;
use strongroom_auth::{PasswordHasher, Signer};
use strongroom_crypto::SettingsKey;
use strongroom_proto::identity::identity_server::IdentityServer;
use strongroom_proto::identity::recipients_server::RecipientsServer;
use strongroom_proto::tenant::tenant_client::TenantClient;
use strongroom_proto::tenant_settings::org_settings_client::OrgSettingsClient;
use strongroom_proto::vault::vault_client::VaultClient;
use strongroom_runtime::BaseConfig;
use strongroom_runtime::SettingsSealer;
use strongroom_trust::Service;
use tokio_util::sync::CancellationToken;

pub use error::IdentityError;
pub use replication::NATS_CONSUMER;

static GLOBAL_MIGRATIONS: strongroom_tenancy::Migrator =
    sqlx::migrate!("../../migrations/identity/global");
static TENANT_MIGRATIONS: strongroom_tenancy::Migrator =
    sqlx::migrate!("../../migrations/identity/tenant");

pub const DEFAULT_PORT: u16 = 7281;

pub struct Config {
    pub base: BaseConfig,
    pub jwt_private_key_file: PathBuf,
    /// The first MSPOrg administrator's password (`STRONGROOM_ADMIN_PASSWORD_FILE`, or
    /// `STRONGROOM_ADMIN_PASSWORD`); when unset one is generated and written to
    /// `initial_password_file`.
    pub admin_password: Option<SecretString>,
    /// Where a generated first password is written (0600); its path is logged.
    pub initial_password_file: PathBuf,
    /// Seals the few credentials identity keeps (directory bind passwords); created 0600.
    pub settings_key_file: PathBuf,
    pub token_ttl_secs: i64,
    /// A session (and its refresh token) lasts this long after login.
    pub session_ttl_secs: i64,
    /// Failed logins one address may make per window before it must wait.
    pub login_ip_max_failures: u32,
    pub login_ip_window_secs: u64,
    /// How often due scheduled directory imports are looked for.
    pub directory_sync_tick: std::time::Duration,
}

#[derive(Deserialize)]
struct Own {
    jwt_private_key_file: Option<PathBuf>,
    settings_key_file: Option<PathBuf>,
    admin_password: Option<SecretString>,
    admin_password_file: Option<PathBuf>,
    initial_password_file: Option<PathBuf>,
    session_ttl_secs: Option<i64>,
    login_ip_max_failures: Option<u32>,
    login_ip_window_secs: Option<u64>,
    directory_sync_tick_secs: Option<u64>,
}

impl Config {
    pub fn from_env() -> anyhow::Result<Self> {
        let own: Own = figment::Figment::new()
            .merge(figment::providers::Env::prefixed("STRONGROOM_"))
            .extract()
            .context("invalid identity configuration")?;
        Ok(Self {
            base: BaseConfig::from_env(Service::Identity, DEFAULT_PORT)?,
            jwt_private_key_file: own
                .jwt_private_key_file
                .unwrap_or_else(|| PathBuf::from("strongroom-data/jwt-private.pem")),
            settings_key_file: own
                .settings_key_file
                .unwrap_or_else(|| PathBuf::from("strongroom-data/identity-settings.key")),
            admin_password: match own.admin_password_file {
                Some(path) => Some(strongroom_runtime::read_secret(&path)?),
                None => own.admin_password,
            },
            initial_password_file: own
                .initial_password_file
                .unwrap_or_else(|| PathBuf::from("strongroom-data/initial-admin-password")),
            token_ttl_secs: 15 * 60,
            session_ttl_secs: own.session_ttl_secs.unwrap_or(12 * 3600),
            login_ip_max_failures: own.login_ip_max_failures.unwrap_or(20),
            login_ip_window_secs: own.login_ip_window_secs.unwrap_or(300),
            directory_sync_tick: std::time::Duration::from_secs(
                own.directory_sync_tick_secs.unwrap_or(30).max(1),
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
    let signer =
        Signer::from_file(&config.jwt_private_key_file).context("loading the token signing key")?;
    let tenant_channel = base.channel(&config.base.tenant_url, Service::Tenant)?;
    let mut tenant = TenantClient::new(tenant_channel.clone());
    let msp_org = strongroom_runtime::fetch_msp_org(&mut tenant, &shutdown).await?;
    base.db.provision(msp_org).await?;

    anyhow::ensure!(
        config.token_ttl_secs <= strongroom_auth::REVOCATION_HORIZON_SECS,
        "access tokens must not outlive the revocation horizon"
    );
    let vault = VaultClient::new(base.channel(&config.base.vault_url, Service::Vault)?);
    let sealer = SettingsSealer::new(
        vault.clone(),
        SettingsKey::load_existing(&config.settings_key_file)
            .context("loading the settings key of before")?,
    );
    let mut guard =
        guard::LoginGuard::new(base.revocations.connection(), &config.base.event_prefix);
    guard.ip_max_failures = config.login_ip_max_failures;
    guard.ip_window_secs = config.login_ip_window_secs;
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let identity = Arc::new(app::Identity {
        db: base.db.clone(),
        outbox: base.outbox.clone(),
        signer,
        hasher: PasswordHasher::new(threads)?,
        tenant,
        settings: OrgSettingsClient::new(tenant_channel),
        vault,
        msp_org,
        token_ttl_secs: config.token_ttl_secs,
        session_ttl_secs: config.session_ttl_secs,
        revocations: base.revocations.clone(),
        guard,
        sealer,
        egress: strongroom_egress::Egress::new(&config.base.dns_servers)
            .context("STRONGROOM_DNS_SERVERS")?,
    });
    identity
        .bootstrap_admin(
            msp_org,
            config.admin_password.clone(),
            &config.initial_password_file,
        )
        .await
        .context("creating the first administrator")?;

    tokio::spawn(
        identity
            .clone()
            .run_directory_sync(config.directory_sync_tick, shutdown.clone()),
    );

    tokio::spawn(strongroom_runtime::reseal_every_org(
        base.db.clone(),
        "directory bind passwords",
        shutdown.clone(),
        {
            let identity = identity.clone();
            move |org| {
                let identity = identity.clone();
                async move { identity.reseal_bind_password(org).await }
            }
        },
    ));

    tokio::spawn(identity.clone().run_replication(
        base.js.clone(),
        config.base.event_prefix.clone(),
        shutdown.clone(),
    ));

    let (router, health) = base.grpc_server(
        msp_org,
        replication::ReplicationHook(identity.clone()),
        &[callers::CALLERS, callers::RECIPIENTS],
        &config.base.tenant_url,
    )?;
    let router = router
        .add_service(RecipientsServer::new(grpc::recipients::RecipientsGrpc {
            app: identity.clone(),
            verifier: base.verifier.clone(),
        }))
        .add_service(IdentityServer::new(grpc::IdentityGrpc {
            app: identity,
            verifier: base.verifier.clone(),
        }));
    base.ready.store(true, std::sync::atomic::Ordering::SeqCst);
    strongroom_runtime::serve(&config.base, &base, router, health, shutdown).await
}
