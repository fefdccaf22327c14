//! The org's ticketing system (kept by the tenant service, which also makes its calls), and
//! a ticket tried against it.

use axum::extract::State;
use bytes::Bytes;
use strongroom_auth::outgoing;
use strongroom_proto::tenant_settings::{CheckTicketRequest, GetSettingsRequest};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::Gateway;
use crate::caller::Caller;
use crate::dto::errors::{BadRequest, Forbidden, NotFound, Unauthorized, Unavailable};
use crate::dto::ticketing::{TicketCheck, TicketCheckBody, Ticketing, TicketingBody};
use crate::openapi::tags;
use crate::routes::org_settings::settings_body;
use crate::routes::reply::{ApiResult, ok};

pub(super) fn router() -> OpenApiRouter<Gateway> {
    OpenApiRouter::new()
        .routes(routes!(show_ticketing, save_ticketing))
        .routes(routes!(check_ticket))
}

#[utoipa::path(
    get,
    path = "/settings/ticketing",
    tag = tags::SETTINGS,
    summary = "The org's ticketing system",
    description = "The password is never returned, only `password_set`. Needs `orgs.manage`.",
    responses(
        (status = 200, description = "The ticketing settings", body = Ticketing),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn show_ticketing(State(state): State<Gateway>, Caller(ctx): Caller) -> ApiResult {
    let t = state
        .settings
        .clone()
        .get_ticketing(outgoing(&ctx, GetSettingsRequest {}))
        .await?
        .into_inner();
    ok(Ticketing::from(t))
}

#[utoipa::path(
    put,
    path = "/settings/ticketing",
    tag = tags::SETTINGS,
    summary = "Save the org's ticketing system",
    description = "While it is on, a ticket id is checked before an access request, its \
                   checkout or a reveal of a password under access control, as chosen: the \
                   URL (and the body, for POST) with `{ticket_id}` filled in is called \
                   through the org's proxy when that is on, and a ticket is valid when the \
                   answer is a 2xx whose body contains `expected`. The password as for mail; \
                   internal hosts as for mail. Needs `orgs.manage`; not with an API key.",
    request_body = TicketingBody,
    responses(
        (status = 200, description = "The ticketing settings", body = Ticketing),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn save_ticketing(
    State(state): State<Gateway>,
    Caller(ctx): Caller,
    bytes: Bytes,
) -> ApiResult {
    let b: TicketingBody = settings_body(&bytes)?;
    let t = state
        .settings
        .clone()
        .save_ticketing(outgoing(&ctx, b.into()))
        .await?
        .into_inner();
    ok(Ticketing::from(t))
}

#[utoipa::path(
    post,
    path = "/settings/ticketing/check",
    tag = tags::SETTINGS,
    summary = "Try a ticket id against the org's ticketing system",
    description = "Calls the ticketing system as a request would (also while ticketing is \
                   off) and says whether the ticket is valid, and why not. 503 when the \
                   ticketing system does not answer in time. Needs `orgs.manage`; not with an API \
                   key (the call uses the org's stored credentials, as a save would).",
    request_body = TicketCheckBody,
    responses(
        (status = 200, description = "What the ticketing system said", body = TicketCheck),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn check_ticket(
    State(state): State<Gateway>,
    Caller(ctx): Caller,
    bytes: Bytes,
) -> ApiResult {
    let b: TicketCheckBody = settings_body(&bytes)?;
    let c = state
        .settings
        .clone()
        .check_ticket(outgoing(
            &ctx,
            CheckTicketRequest {
                ticket_id: b.ticket_id,
                stage: "test".into(),
            },
        ))
        .await?
        .into_inner();
    ok(TicketCheck::from(c))
}
