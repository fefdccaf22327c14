//! Gateway: the public REST API. It authenticates the caller, resolves the org from the URL
//! (`/<org>/api/v1/...`, or `/api/v1/...` for MSPOrg), forwards over gRPC, and holds no rules.

mod caller;
mod client_ip;
mod console;
mod dto;
mod error;
mod key_cache;
mod key_retry;
mod openapi;
mod readiness;
mod reveals;
mod routes;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use axum::extract::Request;
use axum::serve::ListenerExt;
use serde::{Deserialize, Serialize};
use strongroom_auth::Verifier;
use strongroom_proto::access::access_client::AccessClient;
use strongroom_proto::audit::audit_client::AuditClient;
use strongroom_proto::identity::identity_client::IdentityClient;
use strongroom_proto::tenant::replication_client::ReplicationClient;
use strongroom_proto::tenant::tenant_client::TenantClient;
use strongroom_proto::tenant_settings::org_settings_client::OrgSettingsClient;
use strongroom_proto::vault::vault_client::VaultClient;
use strongroom_runtime::PreBound;
use strongroom_trust::{Service, ServiceTls, TlsFiles};
use tokio_util::sync::CancellationToken;
use tonic::transport::Channel;

pub use caller::OrgSlug;
pub use console::DEFAULT_REVEAL_SECONDS;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Config {
    pub http_addr: SocketAddr,
    /// A listener already bound for `http_addr`, taken in place of binding (tests).
    #[serde(skip)]
    pub http_listener: PreBound,
    /// Proxies (comma-separated CIDRs or addresses) whose `X-Forwarded-For` names the
    /// client; empty: the TCP peer is the client.
    pub trusted_proxies: String,
    pub jwt_public_key_file: PathBuf,
    /// The deployment CA, and the gateway's own certificate and key, for mutual TLS to
    /// the services.
    pub tls_ca_file: PathBuf,
    pub tls_cert_file: PathBuf,
    pub tls_key_file: PathBuf,
    /// Session revocations are read from here.
    pub redis_url: String,
    /// Redis ACL user and its password file.
    pub redis_user: Option<String>,
    pub redis_password_file: Option<PathBuf>,
    /// The deployment's namespace, the same `STRONGROOM_EVENT_PREFIX` the services use: it
    /// prefixes their Redis keys too.
    pub event_prefix: String,
    pub identity_url: String,
    pub tenant_url: String,
    pub vault_url: String,
    pub access_url: String,
    pub rotation_url: String,
    pub audit_url: String,
    /// Seconds a password revealed in the console stays on screen.
    pub console_reveal_seconds: u32,
}

impl Default for Config {
    fn default() -> Self {
        let tls = TlsFiles::in_dir(&PathBuf::from("strongroom-data/tls"), Service::Gateway);
        Self {
            http_addr: SocketAddr::from(([127, 0, 0, 1], 7272)),
            http_listener: PreBound::default(),
            trusted_proxies: String::new(),
            jwt_public_key_file: PathBuf::from("strongroom-data/jwt-public.pem"),
            tls_ca_file: tls.ca,
            tls_cert_file: tls.cert,
            tls_key_file: tls.key,
            redis_url: "redis://127.0.0.1:6379".into(),
            redis_user: None,
            redis_password_file: None,
            event_prefix: "sr".into(),
            identity_url: "https://127.0.0.1:7281".into(),
            tenant_url: "https://127.0.0.1:7282".into(),
            vault_url: "https://127.0.0.1:7283".into(),
            access_url: "https://127.0.0.1:7284".into(),
            rotation_url: "https://127.0.0.1:7285".into(),
            audit_url: "https://127.0.0.1:7286".into(),
            console_reveal_seconds: console::DEFAULT_REVEAL_SECONDS,
        }
    }
}

impl Config {
    pub fn from_env() -> anyhow::Result<Self> {
        use figment::providers::{Env, Serialized};
        figment::Figment::from(Serialized::defaults(Self::default()))
            .merge(Env::prefixed("STRONGROOM_"))
            .extract()
            .context("invalid gateway configuration")
    }
}

/// The gateway's state, shared by every request (cloning it costs one reference count, not
/// one per client).
#[derive(Clone)]
pub struct Gateway(Arc<Services>);

impl std::ops::Deref for Gateway {
    type Target = Services;
    fn deref(&self) -> &Services {
        &self.0
    }
}

pub struct Services {
    pub verifier: Arc<Verifier>,
    pub identity: IdentityClient<Channel>,
    pub tenant: TenantClient<Channel>,
    pub replication: ReplicationClient<Channel>,
    /// The tenant service's per-org settings.
    pub settings: OrgSettingsClient<Channel>,
    pub vault: VaultClient<Channel>,
    /// Shares (and, later, requests and checkouts).
    pub access: AccessClient<Channel>,
    pub audit: AuditClient<Channel>,
    pub orgs: caller::OrgDirectory,
    /// Tokens identity issued for API keys (kept a minute).
    pub api_key_tokens: Arc<key_cache::TokenCache>,
    /// MSP staff's tokens exchanged into client orgs (kept a second).
    pub exchanged_tokens: Arc<key_cache::TokenCache>,
    pub reveals: reveals::RevealBatcher,
    pub readiness: readiness::Readiness,
}

pub async fn run(config: Config, shutdown: CancellationToken) -> anyhow::Result<()> {
    let proxies = client_ip::TrustedProxies::parse(&config.trusted_proxies)
        .map_err(|e| anyhow::anyhow!(e))?;
    let tls = ServiceTls::load(
        Service::Gateway,
        &TlsFiles {
            ca: config.tls_ca_file.clone(),
            cert: config.tls_cert_file.clone(),
            key: config.tls_key_file.clone(),
        },
    )
    .context("loading the gateway's TLS certificate")?;
    let verifier = Arc::new(
        Verifier::from_file(&config.jwt_public_key_file).context("loading the token public key")?,
    );
    let redis_login = strongroom_runtime::redis_login(
        config.redis_user.as_deref(),
        config.redis_password_file.as_deref(),
    )?;
    strongroom_auth::RevocationStore::connect(
        &config.redis_url,
        &redis_login,
        &config.event_prefix,
    )
    .await
    .with_context(|| format!("connecting to Redis at {}", config.redis_url))?
    .watch(verifier.revocations(), shutdown.clone())
    .await
    .context("reading session revocations")?;
    let ch = |url: &str, service| tls.channel(url, service);
    let tenant = TenantClient::new(ch(&config.tenant_url, Service::Tenant)?);
    let services = vec![
        ("identity", ch(&config.identity_url, Service::Identity)?),
        ("tenant", ch(&config.tenant_url, Service::Tenant)?),
        ("vault", ch(&config.vault_url, Service::Vault)?),
        ("access", ch(&config.access_url, Service::Access)?),
        ("rotation", ch(&config.rotation_url, Service::Rotation)?),
        ("audit", ch(&config.audit_url, Service::Audit)?),
    ];
    let readiness = readiness::Readiness::watch(services, shutdown.clone());
    let state = Gateway(Arc::new(Services {
        verifier,
        identity: IdentityClient::new(ch(&config.identity_url, Service::Identity)?),
        vault: VaultClient::new(ch(&config.vault_url, Service::Vault)?),
        access: AccessClient::new(ch(&config.access_url, Service::Access)?),
        reveals: reveals::RevealBatcher::start(
            tls.direct_channel(&config.vault_url, Service::Vault)?,
            strongroom_runtime::BatchTuning::from_env()?,
        ),
        audit: AuditClient::new(ch(&config.audit_url, Service::Audit)?),
        replication: ReplicationClient::new(ch(&config.tenant_url, Service::Tenant)?),
        orgs: caller::OrgDirectory::new(tenant.clone()),
        settings: OrgSettingsClient::new(ch(&config.tenant_url, Service::Tenant)?),
        api_key_tokens: Arc::new(key_cache::TokenCache::new(key_cache::KEY_TOKEN_TTL)),
        exchanged_tokens: Arc::new(key_cache::TokenCache::new(key_cache::EXCHANGED_TOKEN_TTL)),
        tenant,
        readiness,
    }));
    let api = routes::router(state.clone());
    let site = console::router(state, api, config.console_reveal_seconds);
    let app = tower::ServiceExt::map_request(site, move |request| {
        caller::split_org_prefix(proxies.resolve(request))
    });
    let listener = config
        .http_listener
        .bind(config.http_addr)
        .await
        .context("binding HTTP")?
        // Responses leave at once rather than waiting on Nagle's algorithm.
        .tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
    tracing::info!(addr = %config.http_addr, "gateway listening");
    axum::serve(
        listener,
        axum::ServiceExt::<Request>::into_make_service_with_connect_info::<SocketAddr>(app),
    )
    .with_graceful_shutdown(shutdown.cancelled_owned())
    .await
    .context("HTTP server failed")
}
