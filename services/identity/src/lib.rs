//! Identity: users, logins, access tokens and API keys of every org.

mod app;
mod error;
mod grpc;
mod store;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use secrecy::SecretString;
use serde::Deserialize;
use strongroom_auth::{PasswordHasher, Signer};
use strongroom_proto::identity::identity_server::IdentityServer;
use strongroom_proto::tenant::tenant_client::TenantClient;
use strongroom_runtime::BaseConfig;
use tokio_util::sync::CancellationToken;

pub use error::IdentityError;

static TENANT_MIGRATIONS: strongroom_tenancy::Migrator =
    sqlx::migrate!("../../migrations/identity/tenant");

pub const DEFAULT_PORT: u16 = 7281;

pub struct Config {
    pub base: BaseConfig,
    pub jwt_private_key_file: PathBuf,
    /// The first MSPOrg administrator's password; generated and printed once when unset.
    pub admin_password: Option<SecretString>,
    pub token_ttl_secs: i64,
}

#[derive(Deserialize)]
struct Own {
    jwt_private_key_file: Option<PathBuf>,
    admin_password: Option<SecretString>,
}

impl Config {
    pub fn from_env() -> anyhow::Result<Self> {
        let own: Own = figment::Figment::new()
            .merge(figment::providers::Env::prefixed("STRONGROOM_"))
            .extract()
            .context("invalid identity configuration")?;
        Ok(Self {
            base: BaseConfig::from_env("identity", DEFAULT_PORT)?,
            jwt_private_key_file: own
                .jwt_private_key_file
                .unwrap_or_else(|| PathBuf::from("strongroom-data/jwt-private.pem")),
            admin_password: own.admin_password,
            token_ttl_secs: 15 * 60,
        })
    }
}

pub async fn run(config: Config, shutdown: CancellationToken) -> anyhow::Result<()> {
    let base = strongroom_runtime::start(&config.base, None, &TENANT_MIGRATIONS, &shutdown).await?;
    let signer =
        Signer::from_file(&config.jwt_private_key_file).context("loading the token signing key")?;
    let mut tenant = TenantClient::new(strongroom_runtime::channel(&config.base.tenant_url)?);
    let msp_org = strongroom_runtime::fetch_msp_org(&mut tenant, &shutdown).await?;
    base.db.provision(msp_org).await?;

    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let identity = Arc::new(app::Identity {
        db: base.db.clone(),
        outbox: base.outbox.clone(),
        signer,
        hasher: PasswordHasher::new(threads)?,
        tenant,
        msp_org,
        token_ttl_secs: config.token_ttl_secs,
    });
    identity
        .bootstrap_admin(msp_org, config.admin_password.clone())
        .await
        .context("creating the first administrator")?;

    let (router, health) = base.grpc_server(msp_org, ());
    let router = router.add_service(IdentityServer::new(grpc::IdentityGrpc {
        app: identity,
        verifier: base.verifier.clone(),
    }));
    base.ready.store(true, std::sync::atomic::Ordering::SeqCst);
    strongroom_runtime::serve(&config.base, &base, router, health, shutdown).await
}
