//! What every gRPC service does the same way: configuration, database and NATS start-up,
//! the outbox relay, org provisioning, the gRPC and ops listeners, graceful shutdown.

mod batch;
mod config;
pub mod ops;
mod provisioning;
pub mod replication;
mod schedule;
mod sealed;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context;
use secrecy::ExposeSecret;
use strongroom_auth::{RevocationStore, Verifier};
use strongroom_core::OrgId;
use strongroom_events::{Outbox, Relay, async_nats::jetstream};
use strongroom_proto::tenant::{GetMspOrgRequest, tenant_client::TenantClient};
use strongroom_tenancy::{Migrator, TenantDb};
use strongroom_trust::{CallerPolicy, Callers, Service, ServiceTls};
use tokio_util::sync::CancellationToken;
use tonic::transport::Channel;

pub use batch::{BatchTuning, Batches};
pub use config::{BaseConfig, PreBound, redis_login, with_password, with_user};
pub use provisioning::{OnProvision, PROVISIONING_CALLERS, Provisioner};
pub use schedule::every_org;
pub use sealed::{SealError, SettingsSealer, reseal_every_org};

/// Every service answers health checks to every other (the gateway's readiness asks them).
pub const HEALTH_CALLERS: Callers = &[
    ("/grpc.health.v1.Health/Check", &Service::ALL),
    ("/grpc.health.v1.Health/Watch", &Service::ALL),
];

/// A service's gRPC router, behind its caller policy.
pub type GrpcRouter = tonic::transport::server::Router<
    tower::layer::util::Stack<CallerPolicy, tower::layer::util::Identity>,
>;

// Every binary of a service links this crate, so this is where the allocator is chosen:
// requests allocate many small buffers (HTTP, gRPC, rows) that other threads free, which
// mimalloc serves with less locking than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Connections and shared state of one running service.
#[derive(Clone)]
pub struct Base {
    pub db: TenantDb,
    pub js: jetstream::Context,
    pub outbox: Outbox,
    pub verifier: Arc<Verifier>,
    pub revocations: RevocationStore,
    pub ready: Arc<AtomicBool>,
    /// The figures it reports on its ops listener (`/metrics`, `/readyz`).
    pub gauges: Arc<ops::OpsGauges>,
    /// This service's certificate: it serves with it and calls other services with it.
    pub tls: ServiceTls,
}

/// Connects to Postgres (migrating global tables and every known org schema), to NATS
/// (once the event stream exists), and starts the outbox relay.
pub async fn start(
    config: &BaseConfig,
    global: Option<&Migrator>,
    tenant: &'static Migrator,
    shutdown: &CancellationToken,
) -> anyhow::Result<Base> {
    let tls = ServiceTls::load(config.service, &config.tls_files())
        .context("loading the service's TLS certificate")?;
    let verifier = Arc::new(
        Verifier::from_file(&config.jwt_public_key_file).context("loading the token public key")?,
    );
    let revocations = RevocationStore::connect(
        &config.redis_url,
        &config.redis_login()?,
        &config.event_prefix,
    )
    .await
    .with_context(|| format!("connecting to Redis at {}", config.redis_url))?;
    revocations
        .clone()
        .watch(verifier.revocations(), shutdown.clone())
        .await
        .context("reading session revocations")?;
    let database_url = config.database_url()?;
    let owner_url = config.migration_database_url()?;
    let db = TenantDb::connect_as(
        database_url.expose_secret(),
        owner_url.as_ref().map(|u| u.expose_secret()),
        config.db_max_connections,
        tenant,
    )
    .await
    .context("connecting to the service database")?;
    if let Some(global) = global {
        strongroom_tenancy::migrate_global(db.owner(), global)
            .await
            .context("running global migrations")?;
    }
    let migrated = db.migrate_all().await.context("migrating org schemas")?;
    tracing::debug!(schemas = migrated, "org schemas migrated");
    let nats = strongroom_events::connect(
        &config.nats_url,
        config.service.as_str(),
        &config.nats_login()?,
    )
    .await?;
    let js = jetstream::new(nats);
    wait_for_stream(&js, &config.event_prefix, shutdown).await?;
    let outbox = Outbox::new(config.event_prefix.clone());
    tokio::spawn(Relay::new(db.clone(), js.clone(), &outbox).run(shutdown.clone()));
    Ok(Base {
        db,
        js,
        outbox,
        verifier,
        revocations,
        ready: Arc::default(),
        gauges: Arc::default(),
        tls,
    })
}

/// Waits until the event stream exists. A service may only read its settings: the
/// provisioner creates it (`strongroom up` before it starts the services, `strongroom
/// provision-stream` as a deployment's job).
async fn wait_for_stream(
    js: &jetstream::Context,
    prefix: &str,
    shutdown: &CancellationToken,
) -> anyhow::Result<()> {
    let mut logged = false;
    loop {
        match strongroom_events::existing_stream(js, prefix).await {
            Ok(_) => return Ok(()),
            Err(e) if !logged => {
                tracing::warn!(error = %e, "waiting for the event stream");
                logged = true;
            }
            Err(_) => {}
        }
        tokio::select! {
            () = shutdown.cancelled() => anyhow::bail!("shut down before the event stream existed"),
            () = tokio::time::sleep(Duration::from_millis(250)) => {}
        }
    }
}

/// Reads a secret from a file (a `STRONGROOM_*_FILE` setting, such as a mounted Kubernetes
/// Secret), without its trailing newline.
pub fn read_secret(path: &std::path::Path) -> anyhow::Result<secrecy::SecretString> {
    let text = zeroize::Zeroizing::new(
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?,
    );
    let value = text.trim_end_matches(['\n', '\r']);
    anyhow::ensure!(!value.is_empty(), "{} is empty", path.display());
    Ok(secrecy::SecretString::from(value.to_owned()))
}

/// Writes a new file only its owner may read (0600 on Unix); fails if it exists.
pub fn write_private_file(path: &std::path::Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(bytes)
        .with_context(|| format!("writing {}", path.display()))
}

/// Asks the tenant service for the MSP org, retrying until it answers or `shutdown`.
pub async fn fetch_msp_org(
    tenant: &mut TenantClient<Channel>,
    shutdown: &CancellationToken,
) -> anyhow::Result<OrgId> {
    let mut delay = Duration::from_millis(50);
    loop {
        match tenant.get_msp_org(GetMspOrgRequest {}).await {
            Ok(org) => return Ok(OrgId::parse(&org.get_ref().id)?),
            Err(status) => tracing::debug!(%status, "waiting for the tenant service"),
        }
        tokio::select! {
            () = shutdown.cancelled() => anyhow::bail!("shut down before the tenant service answered"),
            () = tokio::time::sleep(delay) => {}
        }
        delay = (delay * 2).min(Duration::from_secs(2));
    }
}

/// Serves the gRPC router (with the standard health service) and the ops endpoints until
/// `shutdown`. Readiness turns on when `base.ready` is set.
pub async fn serve(
    config: &BaseConfig,
    base: &Base,
    router: GrpcRouter,
    health: tonic_health::server::HealthReporter,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let grpc_listener = config
        .grpc_listener
        .bind(config.grpc_addr)
        .await
        .context("binding gRPC")?;
    if let Some(ops_addr) = config.ops_addr {
        let listener = tokio::net::TcpListener::bind(ops_addr)
            .await
            .with_context(|| format!("binding ops on {ops_addr}"))?;
        let app = ops::router(
            base.ready.clone(),
            base.verifier.revocations(),
            base.gauges.clone(),
        );
        let stop = shutdown.clone();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(stop.cancelled_owned())
                .await;
        });
    }
    if base.ready.load(Ordering::SeqCst) {
        health
            .set_service_status("", tonic_health::ServingStatus::Serving)
            .await;
    }
    // Mutual TLS only: a connection without a certificate from the CA never gets here.
    let incoming = base.tls.incoming(grpc_listener);
    router
        .serve_with_incoming_shutdown(incoming, shutdown.cancelled_owned())
        .await
        .context("gRPC server failed")
}

/// The audit actor of a verified request.
pub fn actor(ctx: &strongroom_auth::RequestContext) -> strongroom_events::Actor {
    strongroom_events::Actor {
        user_id: Some(ctx.user()),
        username: ctx.username().to_owned(),
        ip: ctx.ip.clone(),
        user_agent: ctx.user_agent.clone(),
    }
}

/// Cancels the token on Ctrl-C or SIGTERM.
pub fn cancel_on_signal(shutdown: CancellationToken) {
    tokio::spawn(async move {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            let mut term =
                match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                    Ok(s) => s,
                    Err(_) => {
                        let _ = ctrl_c.await;
                        shutdown.cancel();
                        return;
                    }
                };
            tokio::select! {
                _ = ctrl_c => {}
                _ = term.recv() => {}
            }
        }
        #[cfg(not(unix))]
        let _ = ctrl_c.await;
        shutdown.cancel();
    });
}

/// The entry point of every service binary: `healthcheck --url <url>` probes a readiness
/// URL (for container health checks); anything else runs the service until a signal.
pub async fn binary_main<F, Fut>(run: F) -> anyhow::Result<()>
where
    F: FnOnce(CancellationToken) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("healthcheck") {
        let url = args
            .iter()
            .position(|a| a == "--url")
            .and_then(|i| args.get(i + 1))
            .context("usage: healthcheck --url http://host:port/readyz")?;
        return healthcheck(url).await;
    }
    strongroom_telemetry::init();
    let shutdown = CancellationToken::new();
    cancel_on_signal(shutdown.clone());
    run(shutdown).await
}

/// A plain HTTP/1.0 GET: succeeds on a 200 status.
pub async fn healthcheck(url: &str) -> anyhow::Result<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url
        .strip_prefix("http://")
        .context("only http:// urls are supported")?;
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let mut stream = tokio::net::TcpStream::connect(host)
        .await
        .with_context(|| format!("connecting to {host}"))?;
    stream
        .write_all(format!("GET /{path} HTTP/1.0\r\nHost: {host}\r\n\r\n").as_bytes())
        .await?;
    let mut response = String::new();
    stream.read_to_string(&mut response).await?;
    let status = response.lines().next().unwrap_or_default();
    anyhow::ensure!(status.contains(" 200 "), "not ready: {status}");
    Ok(())
}

impl Base {
    /// Connects like [`start`], then provisions MSPOrg's schema, which every service with
    /// per-org data holds from the start. Returns MSPOrg's id.
    pub async fn start_for_orgs(
        config: &BaseConfig,
        global: Option<&Migrator>,
        tenant: &'static Migrator,
        shutdown: &CancellationToken,
    ) -> anyhow::Result<(Base, OrgId)> {
        let base = start(config, global, tenant, shutdown).await?;
        let mut tenant_client =
            TenantClient::new(base.channel(&config.tenant_url, Service::Tenant)?);
        let msp_org = fetch_msp_org(&mut tenant_client, shutdown).await?;
        base.db.provision(msp_org).await?;
        Ok((base, msp_org))
    }

    /// A lazily connected mutual-TLS channel to `target` at `url`: services may start in
    /// any order.
    pub fn channel(&self, url: &str, target: Service) -> anyhow::Result<Channel> {
        Ok(self.tls.channel(url, target)?)
    }

    /// A gRPC server behind the service's caller policy (`callers`, plus health and
    /// provisioning), with the health and provisioning services already added. `tenant`
    /// answers whether an org is being deleted before its data is dropped.
    pub fn grpc_server<H: OnProvision>(
        &self,
        msp_org: OrgId,
        on_provision: H,
        callers: &[Callers],
        tenant_url: &str,
    ) -> anyhow::Result<(GrpcRouter, tonic_health::server::HealthReporter)> {
        let tenant = TenantClient::new(self.channel(tenant_url, Service::Tenant)?);
        let (mut router, health) = self.grpc_router(callers);
        router = router.add_service(
            Provisioner::new(
                self.db.clone(),
                self.verifier.clone(),
                msp_org,
                tenant,
                on_provision,
            )
            .into_server(),
        );
        Ok((router, health))
    }

    /// A gRPC server behind the service's caller policy (`callers`, plus health), with the
    /// health service already added.
    pub fn grpc_router(
        &self,
        callers: &[Callers],
    ) -> (GrpcRouter, tonic_health::server::HealthReporter) {
        let (health, health_service) = tonic_health::server::health_reporter();
        let tables: Vec<Callers> = [HEALTH_CALLERS, PROVISIONING_CALLERS]
            .into_iter()
            .chain(callers.iter().copied())
            .collect();
        let policy = CallerPolicy::new(self.tls.service(), &tables);
        let router = tonic::transport::Server::builder()
            .layer(policy)
            .add_service(health_service);
        (router, health)
    }
}
