//! Vault: resources, accounts and their encrypted passwords, and each org's data key.

mod accounts;
mod app;
mod cache;
pub mod callers;
mod error;
mod export;
mod export_rules;
mod fields;
mod group_criteria;
mod groups;
mod grpc;
mod heard;
mod import;
mod key_rotation;
mod keys;
mod notifications;
mod ownership;
mod password_generator;
mod password_policy;
mod passwords;
mod personal;
mod policies;
mod policy_breaches;
mod replication;
mod resource_types;
mod resources;
mod reveal;
mod reveal_records;
mod service_credentials;
mod settings;
mod store;
mod targets;
mod text;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use secrecy::SecretString;
use serde::Deserialize;
use strongroom_crypto::{AnyKms, LocalKms, TransitKms};
use strongroom_proto::access::access_client::AccessClient;
use strongroom_proto::audit::audit_client::AuditClient;
use strongroom_proto::identity::identity_client::IdentityClient;
use strongroom_proto::vault::vault_server::VaultServer;
use strongroom_runtime::{Base, BaseConfig};
use strongroom_trust::Service;
use tokio_util::sync::CancellationToken;

pub use error::VaultError;

static GLOBAL_MIGRATIONS: strongroom_tenancy::Migrator =
    sqlx::migrate!("../../migrations/vault/global");
static TENANT_MIGRATIONS: strongroom_tenancy::Migrator =
    sqlx::migrate!("../../migrations/vault/tenant");

pub const DEFAULT_PORT: u16 = 7283;

/// The largest message the vault takes: an import's file of at most
/// `strongroom_formats::import::MAX_FILE_BYTES` with its options.
const IMPORT_MESSAGE_BYTES: usize = strongroom_formats::import::MAX_FILE_BYTES + (1 << 20);

/// Where each org's key-encryption key lives.
#[derive(Debug, Clone)]
pub enum KmsConfig {
    /// A master key file in this directory (the one-machine default).
    Local { dir: PathBuf },
    /// OpenBao/Vault transit engine.
    Transit {
        addr: String,
        token: SecretString,
        mount: String,
    },
}

pub struct Config {
    pub base: BaseConfig,
    pub kms: KmsConfig,
    /// Accounts whose sealed current secret reveals keep in memory, over all orgs
    /// (`STRONGROOM_REVEAL_CACHE_ACCOUNTS`; 0 reads every reveal's secret from its org).
    pub reveal_cache_accounts: usize,
    /// How often the vault looks for due scheduled data-key rotations, and for passwords
    /// older than their policy allows (`STRONGROOM_KEY_ROTATION_TICK_SECS`).
    pub key_rotation_tick: std::time::Duration,
}

/// How often, by default, the vault looks for due scheduled data-key rotations.
pub const DEFAULT_KEY_ROTATION_TICK_SECS: u64 = 60;

/// About 100 MB of sealed rows at most.
pub const DEFAULT_REVEAL_CACHE_ACCOUNTS: usize = 200_000;

#[derive(Deserialize)]
struct Own {
    kms: Option<String>,
    kms_local_dir: Option<PathBuf>,
    kms_transit_addr: Option<String>,
    kms_transit_token: Option<SecretString>,
    kms_transit_token_file: Option<std::path::PathBuf>,
    kms_transit_mount: Option<String>,
    reveal_cache_accounts: Option<usize>,
    key_rotation_tick_secs: Option<u64>,
}

impl Config {
    pub fn from_env() -> anyhow::Result<Self> {
        let own: Own = figment::Figment::new()
            .merge(figment::providers::Env::prefixed("STRONGROOM_"))
            .extract()
            .context("invalid vault configuration")?;
        let kms = match own.kms.as_deref().unwrap_or("local") {
            "local" => KmsConfig::Local {
                dir: own
                    .kms_local_dir
                    .unwrap_or_else(|| PathBuf::from("strongroom-data/kms")),
            },
            "transit" => KmsConfig::Transit {
                addr: own.kms_transit_addr.context(
                    "STRONGROOM_KMS_TRANSIT_ADDR is required with STRONGROOM_KMS=transit",
                )?,
                token: match own.kms_transit_token_file {
                    Some(path) => Some(strongroom_runtime::read_secret(&path)?),
                    None => own.kms_transit_token,
                }
                .context(
                    "STRONGROOM_KMS_TRANSIT_TOKEN_FILE (or _TOKEN) is required with STRONGROOM_KMS=transit",
                )?,
                mount: own.kms_transit_mount.unwrap_or_else(|| "transit".into()),
            },
            other => anyhow::bail!("STRONGROOM_KMS must be local or transit, not {other:?}"),
        };
        Ok(Self {
            base: BaseConfig::from_env(Service::Vault, DEFAULT_PORT)?,
            kms,
            reveal_cache_accounts: own
                .reveal_cache_accounts
                .unwrap_or(DEFAULT_REVEAL_CACHE_ACCOUNTS),
            key_rotation_tick: std::time::Duration::from_secs(
                own.key_rotation_tick_secs
                    .unwrap_or(DEFAULT_KEY_ROTATION_TICK_SECS)
                    .max(1),
            ),
        })
    }
}

/// The vault's NATS user: it publishes its events, applies MSPOrg's replicated settings,
/// and hears, on every replica, that an org's key was destroyed or rotated, or its
/// ticketing settings changed (see `heard`).
pub const NATS_USER: strongroom_events::NatsUser = strongroom_events::NatsUser {
    service: "vault",
    consumers: &[replication::NATS_CONSUMER],
    purges: false,
    listens: &heard::HEARD,
};

/// Queues every reveal record the audit service refused to be forwarded again (the vault's
/// forwarder takes them within a second); how many. For the operator's
/// `strongroom reveal-records retry`, once what made audit refuse them is mended.
pub async fn retry_refused_reveal_records(database_url: &str) -> anyhow::Result<u64> {
    let db = sqlx::PgPool::connect(database_url)
        .await
        .context("connecting to the vault's database")?;
    Ok(store::requeue_refused_reveal_records(&db).await?)
}

/// How many reveal records the audit service refused are set aside.
pub async fn refused_reveal_records(database_url: &str) -> anyhow::Result<i64> {
    let db = sqlx::PgPool::connect(database_url)
        .await
        .context("connecting to the vault's database")?;
    Ok(store::count_refused_reveal_records(&db).await?)
}

/// A running vault, as seen from the process that started it (tests of several replicas).
#[derive(Clone)]
pub struct Replica {
    keys: Arc<keys::OrgKeys>,
}

impl Replica {
    /// Whether this replica holds the org's data keys unwrapped in memory.
    pub fn holds_key(&self, org: strongroom_core::OrgId) -> bool {
        self.keys.holds(org)
    }

    /// The data-key version this replica seals the org's new secrets with, if it holds the
    /// org's keys.
    pub fn sealing_version(&self, org: strongroom_core::OrgId) -> Option<i32> {
        self.keys.sealing_version(org)
    }
}

pub async fn run(config: Config, shutdown: CancellationToken) -> anyhow::Result<()> {
    run_replica(config, shutdown, None).await
}

/// As [`run`], handing `started` the replica once it serves.
pub async fn run_replica(
    config: Config,
    shutdown: CancellationToken,
    started: Option<tokio::sync::oneshot::Sender<Replica>>,
) -> anyhow::Result<()> {
    let kms = match &config.kms {
        KmsConfig::Local { dir } => AnyKms::Local(LocalKms::open(dir)?),
        KmsConfig::Transit { addr, token, mount } => {
            AnyKms::Transit(TransitKms::new(addr, token.clone(), mount)?)
        }
    };
    let (base, msp_org) = Base::start_for_orgs(
        &config.base,
        Some(&GLOBAL_MIGRATIONS),
        &TENANT_MIGRATIONS,
        &shutdown,
    )
    .await?;
    let keys = Arc::new(keys::OrgKeys::new(base.db.clone(), kms));
    keys.ensure_data_key(msp_org)
        .await
        .context("creating MSPOrg's data key")?;

    let access = AccessClient::new(base.channel(&config.base.access_url, Service::Access)?);
    let cache = Arc::new(cache::SecretCache::new(config.reveal_cache_accounts));
    let tuning = strongroom_runtime::BatchTuning::from_env()?;
    let records = Arc::new(reveal_records::RevealRecords::new(
        base.db.clone(),
        AuditClient::new(base.channel(&config.base.audit_url, Service::Audit)?),
        tuning.in_flight,
        base.gauges.register(
            "strongroom_reveal_records_refused",
            "reveal records the audit service refused, set aside until \
             `strongroom reveal-records retry` forwards them again",
            true,
        ),
    ));
    tokio::spawn({
        let (records, shutdown) = (records.clone(), shutdown.clone());
        async move { records.forward(shutdown).await }
    });
    let reveals = reveal::RevealQueue::start(
        reveal::Revealer {
            db: base.db.clone(),
            cache: cache.clone(),
            keys: keys.clone(),
            access: access.clone(),
            records,
        },
        tuning,
    );
    let app = Arc::new(app::Vault {
        db: base.db.clone(),
        msp_org,
        outbox: base.outbox.clone(),
        keys: keys.clone(),
        access,
        identity: IdentityClient::new(base.channel(&config.base.identity_url, Service::Identity)?),
        reveals,
        verifier: base.verifier.clone(),
    });
    tokio::spawn(heard::hear_org_changes(
        base.js.client(),
        config.base.event_prefix.clone(),
        keys.clone(),
        cache.clone(),
        shutdown.clone(),
    ));
    tokio::spawn(
        app.clone()
            .run_rotation_schedule(config.key_rotation_tick, shutdown.clone()),
    );
    tokio::spawn(
        app.clone()
            .run_expiry_check(config.key_rotation_tick, shutdown.clone()),
    );
    tokio::spawn(app.clone().run_replication(
        base.js.clone(),
        config.base.event_prefix.clone(),
        shutdown.clone(),
    ));
    if let Some(started) = started {
        let _ = started.send(Replica { keys: keys.clone() });
    }
    let (router, health) = base.grpc_server(
        msp_org,
        replication::Provision {
            key: keys::ProvisionKey {
                keys,
                cache,
                outbox: base.outbox.clone(),
                msp_org,
            },
            vault: app.clone(),
        },
        &[callers::CALLERS],
        &config.base.tenant_url,
    )?;
    let vault = VaultServer::new(grpc::VaultGrpc {
        app,
        verifier: base.verifier.clone(),
    })
    // An import's file (at most 20 MiB) arrives in one message.
    .max_decoding_message_size(IMPORT_MESSAGE_BYTES);
    let router = router.add_service(vault);
    base.ready.store(true, std::sync::atomic::Ordering::SeqCst);
    strongroom_runtime::serve(&config.base, &base, router, health, shutdown).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_vault_may_hear_the_key_events_it_publishes_and_ticketing_changes() {
        assert_eq!(
            super::NATS_USER.listens,
            [
                format!("*.vault.{}", super::keys::KEY_DESTROYED),
                format!("*.vault.{}", super::keys::ROTATION_STARTED),
                format!("*.tenant.{}", super::heard::TICKETING_UPDATED),
            ]
        );
    }
}
