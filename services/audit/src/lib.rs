//! Audit: every org's trail, fed by the event stream, and directly by the vault with the
//! records of password reveals (committed in the vault before each password left, and
//! forwarded here in the background): those of a few orgs go straight to their trails,
//! those of many through an intake (see `intake`).
//! Events are stored by id, so a redelivered or republished event is stored once. Some
//! events call for mail (`mail`): queued with them, sent by every replica's sender.

pub mod callers;
mod grpc;
mod intake;
mod mail;
mod notices;
mod record;
mod store;

use anyhow::Context;

use strongroom_core::to_status;
use strongroom_proto::audit::audit_server::AuditServer;
use strongroom_proto::identity::recipients_client::RecipientsClient;
use strongroom_proto::tenant_settings::org_settings_client::OrgSettingsClient;
use strongroom_proto::vault::vault_client::VaultClient;
use strongroom_runtime::{Base, BaseConfig};
use strongroom_tenancy::TenantDb;
use strongroom_trust::Service;
use tokio_util::sync::CancellationToken;
use tonic::Status;

pub use intake::{MoveRound, move_waiting, store_in_intake};
pub use store::{EventFilter, list_events, store_events};

pub static GLOBAL_MIGRATIONS: strongroom_tenancy::Migrator =
    sqlx::migrate!("../../migrations/audit/global");
pub static TENANT_MIGRATIONS: strongroom_tenancy::Migrator =
    sqlx::migrate!("../../migrations/audit/tenant");

pub const DEFAULT_PORT: u16 = 7286;
/// Replicas share this durable consumer, so each event is handled by one of them.
pub const CONSUMER: &str = "audit";
/// Audit consumes every event, and purges a deleted org's from the stream.
pub const NATS_USER: strongroom_events::NatsUser = strongroom_events::NatsUser {
    service: "audit",
    consumers: &[strongroom_events::NatsConsumer {
        durable: CONSUMER,
        filter: None,
    }],
    purges: true,
    listens: &[],
};

/// An org's deletion removes its events from the stream too, so nothing of it is left
/// waiting there (the trail itself goes with the org's schema).
struct PurgeEvents {
    js: strongroom_events::async_nats::jetstream::Context,
    prefix: String,
}

impl strongroom_runtime::OnProvision for PurgeEvents {
    async fn provisioned(&self, _org: strongroom_core::OrgId) -> Result<(), Status> {
        Ok(())
    }

    async fn deprovisioning(&self, org: strongroom_core::OrgId) -> Result<(), Status> {
        let purged = strongroom_events::purge_org(&self.js, &self.prefix, org)
            .await
            .map_err(|e| to_status(&e))?;
        tracing::info!(%org, purged, "removed a deleted org's events from the stream");
        Ok(())
    }
}

pub struct Config {
    pub base: BaseConfig,
}

impl Config {
    pub fn from_env() -> anyhow::Result<Self> {
        Ok(Self {
            base: BaseConfig::from_env(strongroom_trust::Service::Audit, DEFAULT_PORT)?,
        })
    }
}

pub async fn run(config: Config, shutdown: CancellationToken) -> anyhow::Result<()> {
    let (base, msp_org) = Base::start_for_orgs(
        &config.base,
        Some(&GLOBAL_MIGRATIONS),
        &TENANT_MIGRATIONS,
        &shutdown,
    )
    .await?;
    store::grant_intake_rights(&base.db)
        .await
        .context("granting the audit role its rights")?;
    store::mail::grant_mail_rights(&base.db)
        .await
        .context("granting the audit role its rights on mail")?;
    tokio::spawn(intake::run_mover(base.db.clone(), shutdown.clone()));
    let mailer = mail::send::Mailer {
        db: base.db.clone(),
        settings: OrgSettingsClient::new(base.channel(&config.base.tenant_url, Service::Tenant)?),
        recipients: RecipientsClient::new(
            base.channel(&config.base.identity_url, Service::Identity)?,
        ),
        vault: VaultClient::new(base.channel(&config.base.vault_url, Service::Vault)?),
        egress: strongroom_egress::Egress::new(&config.base.dns_servers)
            .context("setting up name resolution for mail servers")?,
    };
    tokio::spawn(mailer.run(shutdown.clone()));

    let consumer = consume_events(
        base.db.clone(),
        base.js.clone(),
        config.base.event_prefix.clone(),
        shutdown.clone(),
    );
    let (router, health) = base.grpc_server(
        msp_org,
        PurgeEvents {
            js: base.js.clone(),
            prefix: config.base.event_prefix.clone(),
        },
        &[callers::CALLERS],
        &config.base.tenant_url,
    )?;
    let router = router.add_service(AuditServer::new(grpc::AuditGrpc {
        db: base.db.clone(),
        verifier: base.verifier.clone(),
    }));
    base.ready.store(true, std::sync::atomic::Ordering::SeqCst);
    let server = strongroom_runtime::serve(&config.base, &base, router, health, shutdown.clone());
    tokio::select! {
        r = server => r,
        r = consumer => {
            shutdown.cancel();
            r
        }
    }
}

/// Stores every event of the stream in its org's trail, and queues the mail they call for,
/// until `shutdown`. An event is acknowledged once both are stored, so a failure in between
/// has it delivered again (and both are stored once by the event's id).
pub async fn consume_events(
    db: TenantDb,
    js: strongroom_events::async_nats::jetstream::Context,
    prefix: String,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    strongroom_events::consume(js, &prefix, CONSUMER, shutdown, |batch| {
        let db = db.clone();
        async move {
            for (org, events) in &batch {
                notices::follow_group_changes(&db, *org, events).await?;
            }
            let unknown = store_events(&db, &batch).await?;
            for (org, events) in batch.iter().filter(|(org, _)| !unknown.contains(org)) {
                notices::queue_notices(&db, *org, events).await?;
            }
            Ok::<_, strongroom_tenancy::TenancyError>(unknown)
        }
    })
    .await?;
    Ok(())
}
