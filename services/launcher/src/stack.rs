//! Running the stack: the keys it needs, the event stream, every service in one process,
//! and the caller tables each gRPC service enforces.

use std::path::Path;

use anyhow::Context;
use strongroom_runtime::PreBound;
use strongroom_trust::Service;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::config::StackConfig;
use crate::databases::ensure_databases;

/// Writes what is missing into `dir`: the token key pair (kept if present, so a restart
/// keeps issued tokens valid), the settings keys, and in `dir/tls` the deployment's CA and
/// one certificate per service.
pub fn keygen(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let tls = dir.join("tls");
    for path in strongroom_trust::keygen(&tls).context("making the TLS certificates")? {
        tracing::info!(path = %path.display(), "written");
    }
    // Identity's and tenant's own keys, which sealed directory bind, mail and proxy
    // passwords before the vault sealed them with each org's data key: kept so settings
    // saved then still open (and are sealed again). Every replica needs the same one.
    for key in ["identity-settings.key", "tenant-settings.key"] {
        strongroom_crypto::SettingsKey::load_or_create(&dir.join(key))?;
    }
    let private_path = dir.join("jwt-private.pem");
    if private_path.exists() {
        return Ok(());
    }
    let (private, public) = strongroom_auth::generate_keypair()?;
    strongroom_runtime::write_private_file(&private_path, private.as_bytes())?;
    std::fs::write(dir.join("jwt-public.pem"), public)?;
    Ok(())
}

/// Runs all seven services until `shutdown` or until one of them fails.
pub async fn up(config: StackConfig, shutdown: CancellationToken) -> anyhow::Result<()> {
    keygen(&config.data_dir)?;
    let mut config = config;
    config.database_passwords = ensure_databases(&config).await?;
    let provisioner_password = config
        .nats_password_dir
        .as_ref()
        .map(|dir| dir.join(format!("{}.password", strongroom_events::PROVISIONER)));
    provision_stream(&config, provisioner_password.as_deref()).await?;
    let base = |i| config.base(i);

    let mut services: JoinSet<(&'static str, anyhow::Result<()>)> = JoinSet::new();
    let s = shutdown.clone();
    let identity = config.identity_config();
    services.spawn(async move { ("identity", strongroom_identity::run(identity, s).await) });
    let tenant = strongroom_tenant::Config {
        base: base(1),
        settings_key_file: config.data_dir.join("tenant-settings.key"),
    };
    let s = shutdown.clone();
    services.spawn(async move { ("tenant", strongroom_tenant::run(tenant, s).await) });
    let vault = config.vault_config();
    let s = shutdown.clone();
    services.spawn(async move { ("vault", strongroom_vault::run(vault, s).await) });
    let access = config.access_config();
    let s = shutdown.clone();
    services.spawn(async move { ("access", strongroom_access::run(access, s).await) });
    let (b, s) = (base(4), shutdown.clone());
    services.spawn(async move {
        (
            "rotation",
            strongroom_rotation::run(strongroom_rotation::Config { base: b }, s).await,
        )
    });
    let (b, s) = (base(5), shutdown.clone());
    services.spawn(async move {
        (
            "audit",
            strongroom_audit::run(strongroom_audit::Config { base: b }, s).await,
        )
    });
    let gateway = config.gateway_config();
    let s = shutdown.clone();
    services.spawn(async move { ("gateway", strongroom_gateway::run(gateway, s).await) });

    let mut failure = None;
    while let Some(joined) = services.join_next().await {
        let (name, result) = joined.context("a service panicked")?;
        if let Err(e) = result {
            tracing::error!(service = name, error = %format!("{e:#}"), "service stopped");
            failure.get_or_insert_with(|| e.context(format!("the {name} service failed")));
        }
        // One service down means the stack is down: stop the others.
        shutdown.cancel();
    }
    failure.map_or(Ok(()), Err)
}

/// One more gateway for a running stack, serving on `listener`: what a second replica
/// behind the load balancer sees (tests of changes that must reach every replica).
pub async fn gateway_replica(
    config: &StackConfig,
    listener: std::net::TcpListener,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let mut gateway = config.gateway_config();
    gateway.http_addr = listener.local_addr()?;
    gateway.http_listener = PreBound::new(listener);
    strongroom_gateway::run(gateway, shutdown).await
}

/// Each gRPC service's caller tables (its own RPCs, health, and provisioning where it
/// serves it): what `CallerPolicy` enforces, for tests that walk every RPC.
pub fn caller_tables(service: Service) -> Vec<strongroom_trust::Callers> {
    use strongroom_runtime::{HEALTH_CALLERS, PROVISIONING_CALLERS};
    let own: Vec<strongroom_trust::Callers> = match service {
        Service::Gateway => return Vec::new(),
        Service::Identity => vec![
            strongroom_identity::callers::CALLERS,
            strongroom_identity::callers::RECIPIENTS,
        ],
        Service::Tenant => {
            use strongroom_tenant::callers::{REPLICATION, SETTINGS, TENANT};
            return vec![HEALTH_CALLERS, TENANT, REPLICATION, SETTINGS];
        }
        Service::Vault => vec![strongroom_vault::callers::CALLERS],
        Service::Access => vec![strongroom_access::callers::CALLERS],
        Service::Rotation => Vec::new(),
        Service::Audit => vec![strongroom_audit::callers::CALLERS],
    };
    [HEALTH_CALLERS, PROVISIONING_CALLERS]
        .into_iter()
        .chain(own)
        .collect()
}

/// Creates the event stream, or brings its settings to the configured limits, signed in as
/// the NATS provisioner with the password in `password_file` (anonymously without one, to a
/// server without authorization). No service may: `up` does it before it starts them, and
/// a deployment whose services run apart runs `strongroom provision-stream` as a job.
pub async fn provision_stream(
    config: &StackConfig,
    password_file: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    use strongroom_events::PROVISIONER;
    let base = config.base(0);
    let login = strongroom_events::NatsLogin {
        user: PROVISIONER.into(),
        password: password_file
            .map(strongroom_runtime::read_secret)
            .transpose()?,
    };
    let nats = strongroom_events::connect(&base.nats_url, PROVISIONER, &login).await?;
    strongroom_events::ensure_stream(
        &strongroom_events::async_nats::jetstream::new(nats),
        &base.event_prefix,
        &base.stream_limits(),
    )
    .await
    .context("creating the event stream")?;
    Ok(())
}
