//! The edge: requests parsed into the store's filter and the records' checks, answers
//! and errors turned into messages.

use std::sync::Arc;

use strongroom_auth::{Verifier, grpc_context};
use strongroom_core::{Permission, to_status};
use strongroom_events::Event;
use strongroom_proto::audit::audit_server::Audit;
use strongroom_proto::audit::{
    AuditEvent, ListEventsRequest, ListEventsResponse, ListMailRequest, MailList, RecordRequest,
    RecordResponse,
};
use strongroom_tenancy::TenantDb;
use tonic::{Request, Response, Status};

use crate::{record, store};

pub(crate) struct AuditGrpc {
    pub(crate) db: TenantDb,
    pub(crate) verifier: Arc<Verifier>,
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
        Ok(Response::new(ListEventsResponse {
            events: events.into_iter().map(message).collect(),
        }))
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

    async fn list_mail(
        &self,
        request: Request<ListMailRequest>,
    ) -> Result<Response<MailList>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        ctx.require(Permission::OrgsManage)
            .map_err(|e| to_status(&e))?;
        let limit = match request.get_ref().limit {
            0 => 100,
            n => n.min(500),
        };
        let mails = crate::mail::log(&self.db, ctx.org(), i64::from(limit))
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(MailList { mails }))
    }
}

/// An event as the API shows it: text a column leaves empty is empty.
fn message(e: Event) -> AuditEvent {
    AuditEvent {
        id: e.id.to_string(),
        org_id: e.org_id.to_string(),
        actor_user_id: e.actor.user_id.map(|u| u.to_string()).unwrap_or_default(),
        actor_username: e.actor.username,
        ip: e.actor.ip.unwrap_or_default(),
        user_agent: e.actor.user_agent.unwrap_or_default(),
        operation: e.operation,
        target_kind: e.target.kind,
        target_id: e.target.id.unwrap_or_default(),
        target_name: e.target.name.unwrap_or_default(),
        occurred_at: e.occurred_at.to_rfc3339(),
        details_json: e.details.to_string(),
        service: e.service,
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
