//! The org's audit trail, and its outgoing mail.

use axum::extract::State;
use axum::http::Uri;
use strongroom_auth::outgoing;
use strongroom_proto::audit as pb;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::Gateway;
use crate::caller::Caller;
use crate::dto::audit::{AuditEvents, AuditQuery, MailLog};
use crate::dto::errors::{BadRequest, Forbidden, NotFound, Unauthorized, Unavailable};
use crate::openapi::tags;
use crate::routes::reply::{ApiResult, ok};
use crate::routes::request::query;

/// Events listed at most.
const LIMIT: u32 = 500;

pub(super) fn router() -> OpenApiRouter<Gateway> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(mail_log))
}

#[utoipa::path(
    get,
    path = "/audit",
    tag = tags::AUDIT,
    summary = "The org's audit trail",
    description = "The most recent 500 events that fit the filters (each text filter keeps \
                   events containing it, ignoring case; `actor_ids` keeps what the named \
                   users did, e.g. MSP staff from `GET /msp-access`). MSP staff read it \
                   unless the org turned `view_audit` off.",
    params(AuditQuery),
    responses(
        (status = 200, description = "The events, newest first", body = AuditEvents),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn list(State(state): State<Gateway>, Caller(ctx): Caller, uri: Uri) -> ApiResult {
    let q: AuditQuery = query(&uri)?;
    let actor_ids = q
        .actor_ids
        .split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
        .collect();
    let events = state
        .audit
        .clone()
        .list_events(outgoing(
            &ctx,
            pb::ListEventsRequest {
                limit: LIMIT,
                actor_ids,
                operation: q.operation,
                user: q.user,
                target: q.target,
                since: q.since,
                until: q.until,
            },
        ))
        .await?
        .into_inner();
    ok(AuditEvents::from(events))
}

#[utoipa::path(
    get,
    path = "/mail-log",
    tag = tags::AUDIT,
    summary = "The org's outgoing mail and what became of it",
    description = "The newest 200 mails: welcomes to users added or imported, notices of \
                   access requests to those who may approve them, of decisions and lapses to \
                   requesters \
                   and of ownership transfers to the previous owner, each sent through the \
                   org's mail \
                   server to the recipients' addresses, retried with backoff (2 s doubling, \
                   at most an hour apart, for about a day) while the server is down or \
                   refuses. Every attempt is listed. Needs `orgs.manage`.",
    responses(
        (status = 200, description = "The mails, newest first", body = MailLog),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn mail_log(State(state): State<Gateway>, Caller(ctx): Caller) -> ApiResult {
    let mails = state
        .audit
        .clone()
        .list_mail(outgoing(&ctx, pb::ListMailRequest { limit: 200 }))
        .await?
        .into_inner();
    ok(MailLog::from(mails))
}
