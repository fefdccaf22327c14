//! Access: decides who may do what to which account, and keeps the shares and the
//! access-control workflow those decisions rest on. Use cases: `check` (decisions and
//! listing scopes, in batches), `shares`, `policies` (access control on a target) and
//! `requests` (requests and approvals), `checkouts`, `lapses` (recording requests nobody
//! answered in time), `tickets` (ticket checks, asked of the tenant service); `decide` and
//! `workflow` are their pure rules; `store` holds all of its SQL; `grpc` is the edge.

mod app;
mod approver_names;
pub mod callers;
mod check;
mod checkouts;
mod decide;
mod error;
mod grants;
mod grpc;
mod kept;
mod lapses;
mod memberships;
mod model;
mod policies;
mod requests;
mod shares;
mod store;
mod tickets;
mod workflow;

use std::sync::Arc;

use strongroom_proto::access::access_server::AccessServer;
use strongroom_proto::identity::identity_client::IdentityClient;
use strongroom_proto::identity::recipients_client::RecipientsClient;
use strongroom_proto::tenant_settings::org_settings_client::OrgSettingsClient;
use strongroom_proto::vault::vault_client::VaultClient;
use strongroom_runtime::{Base, BaseConfig};
use strongroom_trust::Service;
use tokio_util::sync::CancellationToken;

static TENANT_MIGRATIONS: strongroom_tenancy::Migrator =
    sqlx::migrate!("../../migrations/access/tenant");

pub const DEFAULT_PORT: u16 = 7284;

/// The access service's NATS user: it publishes its events and hears, on every replica,
/// identity's changes to users and groups, its own to shares and tenant's to ticketing
/// settings (so what it keeps of them is forgotten at once).
pub const NATS_USER: strongroom_events::NatsUser = strongroom_events::NatsUser {
    service: "access",
    consumers: &[],
    purges: false,
    listens: &kept::HEARD,
};

pub struct Config {
    pub base: BaseConfig,
}

impl Config {
    pub fn from_env() -> anyhow::Result<Self> {
        Ok(Self {
            base: BaseConfig::from_env(Service::Access, DEFAULT_PORT)?,
        })
    }
}

pub async fn run(config: Config, shutdown: CancellationToken) -> anyhow::Result<()> {
    let (base, msp_org) =
        Base::start_for_orgs(&config.base, None, &TENANT_MIGRATIONS, &shutdown).await?;
    let identity_channel = base.channel(&config.base.identity_url, Service::Identity)?;
    let identity = IdentityClient::new(identity_channel.clone());
    let memberships = Arc::new(memberships::Memberships::new(identity.clone()));
    let grants = Arc::new(kept::Kept::new());
    let ticketing = Arc::new(kept::Kept::new());
    tokio::spawn(kept::hear_changes(
        base.js.client(),
        config.base.event_prefix.clone(),
        vec![memberships.kept.clone(), grants.clone(), ticketing.clone()],
        shutdown.clone(),
    ));
    let app = Arc::new(app::Access {
        db: base.db.clone(),
        outbox: base.outbox.clone(),
        memberships,
        grants,
        vault: VaultClient::new(base.channel(&config.base.vault_url, Service::Vault)?),
        identity,
        recipients: RecipientsClient::new(identity_channel),
        settings: OrgSettingsClient::new(base.channel(&config.base.tenant_url, Service::Tenant)?),
        ticketing,
    });
    tokio::spawn(app.clone().sweep_lapses(shutdown.clone()));
    let (router, health) =
        base.grpc_server(msp_org, (), &[callers::CALLERS], &config.base.tenant_url)?;
    let router = router.add_service(AccessServer::new(grpc::AccessGrpc {
        app,
        verifier: base.verifier.clone(),
    }));
    base.ready.store(true, std::sync::atomic::Ordering::SeqCst);
    strongroom_runtime::serve(&config.base, &base, router, health, shutdown).await
}
