//! Audit: every org's trail, fed by the event stream, and directly by the vault with the
//! records of password reveals (committed in the vault before each password left, and
//! forwarded here in the background): those of a few orgs go straight to their trails,
//! those of many through an intake (see `intake`).
//! Events are stored by id, so a redelivered or republished event is stored once.

pub mod callers;
mod intake;
mod record;
mod store;

use std::sync::Arc;

use anyhow::Context;

use strongroom_auth::{Verifier, grpc_context};
use strongroom_core::{Permission, to_status};
use strongroom_proto::audit::audit_server::{Audit, AuditServer};
use strongroom_proto::audit::{
    ListEventsRequest, ListEventsResponse, RecordRequest, RecordResponse,
};
use strongroom_runtime::{Base, BaseConfig};
use strongroom_tenancy::TenantDb;
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

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
    tokio::spawn(intake::run_mover(base.db.clone(), shutdown.clone()));

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
    let router = router.add_service(AuditServer::new(AuditGrpc {
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

/// Stores every event of the stream in its org's trail until `shutdown`.
pub async fn consume_events(
    db: TenantDb,
    js: strongroom_events::async_nats::jetstream::Context,
    prefix: String,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    strongroom_events::consume(js, &prefix, CONSUMER, shutdown, |batch| {
        let db = db.clone();
        async move { store_events(&db, &batch).await }
    })
    .await?;
    Ok(())
}

struct AuditGrpc {
    db: TenantDb,
    verifier: Arc<Verifier>,
}

/// Longest text a filter may hold.
const MAX_FILTER_CHARS: usize = 200;

/// The request's filter, checked: a malformed one is refused here with what is wrong.
fn event_filter(request: &ListEventsRequest) -> Result<store::EventFilter, Status> {
    let limit = match request.limit {
        0 => 100,
        n => n.min(1000),
    };
    let actors = request
        .actor_ids
        .iter()
        .map(|id| uuid::Uuid::try_parse(id.trim()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| Status::invalid_argument("actor_ids must be user ids"))?;
    let text = |name: &str, value: &str| {
        let value = value.trim();
        if value.chars().count() > MAX_FILTER_CHARS {
            return Err(Status::invalid_argument(format!(
                "{name} is longer than {MAX_FILTER_CHARS} characters"
            )));
        }
        Ok((!value.is_empty()).then(|| value.to_owned()))
    };
    let time = |name: &str, value: &str| {
        let value = value.trim();
        if value.is_empty() {
            return Ok(None);
        }
        parse_time(value).map(Some).ok_or_else(|| {
            Status::invalid_argument(format!(
                "{name} must be a time (RFC 3339) or a day (YYYY-MM-DD)"
            ))
        })
    };
    Ok(store::EventFilter {
        limit: i64::from(limit),
        actors: (!actors.is_empty()).then_some(actors),
        operation: text("operation", &request.operation)?,
        user: text("user", &request.user)?,
        target: text("target", &request.target)?,
        since: time("since", &request.since)?,
        until: time("until", &request.until)?,
    })
}

/// An RFC 3339 time, or a day's start (UTC).
fn parse_time(value: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    if let Ok(at) = chrono::DateTime::parse_from_rfc3339(value) {
        return Some(at.with_timezone(&chrono::Utc));
    }
    chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .ok()
        .and_then(|day| day.and_hms_opt(0, 0, 0))
        .map(|at| at.and_utc())
}

#[tonic::async_trait]
impl Audit for AuditGrpc {
    async fn list_events(
        &self,
        request: Request<ListEventsRequest>,
    ) -> Result<Response<ListEventsResponse>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        ctx.require(Permission::AuditView)
            .and_then(|()| ctx.require_msp_allowed(strongroom_core::MspStaffRight::ViewAudit))
            .map_err(|e| to_status(&e))?;
        let filter = event_filter(request.get_ref())?;
        let events = store::list_events(&self.db, ctx.org(), filter)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(ListEventsResponse { events }))
    }

    async fn record(
        &self,
        request: Request<RecordRequest>,
    ) -> Result<Response<RecordResponse>, Status> {
        let caller = strongroom_trust::caller_of(&request)?;
        let stored = record::store(&self.db, caller, request.into_inner().records)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(RecordResponse { stored }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filter_is_checked_at_the_edge() {
        let filter = event_filter(&ListEventsRequest {
            operation: " password. ".into(),
            since: "2026-12-01".into(),
            until: "2026-12-06T10:00:00+01:00".into(),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(filter.operation.as_deref(), Some("password."));
        assert_eq!(filter.user, None);
        assert_eq!(filter.limit, 100);
        assert_eq!(
            filter.since.unwrap().to_rfc3339(),
            "2026-12-01T00:00:00+00:00"
        );
        assert_eq!(
            filter.until.unwrap().to_rfc3339(),
            "2026-12-06T09:00:00+00:00"
        );
        for bad in [
            ListEventsRequest {
                since: "yesterday".into(),
                ..Default::default()
            },
            ListEventsRequest {
                target: "x".repeat(201),
                ..Default::default()
            },
            ListEventsRequest {
                actor_ids: vec!["bob".into()],
                ..Default::default()
            },
        ] {
            let status = event_filter(&bad).unwrap_err();
            assert_eq!(status.code(), tonic::Code::InvalidArgument, "{status:?}");
        }
    }
}
