//! The org's mail server, proxy and login-page branding, kept by the tenant service; and
//! the branding every login page shows, for anyone.

use axum::extract::State;
use bytes::Bytes;
use serde::de::DeserializeOwned;
use strongroom_auth::outgoing;
use strongroom_core::ErrorCode;
use strongroom_proto::tenant_settings::{GetPublicBrandingRequest, GetSettingsRequest};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::Gateway;
use crate::caller::{Caller, TargetOrg};
use crate::dto::errors::{BadRequest, Forbidden, NotFound, Unauthorized, Unavailable};
use crate::dto::org_settings::{
    Branding, BrandingBody, Mail, MailBody, MspStaffRights, MspStaffRightsBody, Proxy, ProxyBody,
    PublicBranding,
};
use crate::error::ApiError;
use crate::openapi::tags;
use crate::routes::reply::{ApiResult, ok};

pub(super) fn router() -> OpenApiRouter<Gateway> {
    OpenApiRouter::new()
        .routes(routes!(show_mail, save_mail))
        .routes(routes!(show_proxy, save_proxy))
        .routes(routes!(show_msp_staff, save_msp_staff))
        .routes(routes!(show_branding, save_branding))
        .routes(routes!(public_branding))
}

/// Parses a JSON body; a body that does not fit is a 400 naming the field.
pub(super) fn settings_body<T: DeserializeOwned>(bytes: &Bytes) -> Result<T, ApiError> {
    crate::routes::request::refuse_bad_text(bytes)?;
    axum::Json::<T>::from_bytes(bytes)
        .map(|json| json.0)
        .map_err(|rejection| {
            let text = rejection.body_text();
            let reason = text
                .strip_prefix("Failed to deserialize the JSON body into the target type: ")
                .unwrap_or(&text);
            ApiError::new(
                ErrorCode::InvalidArgument,
                format!("invalid request body: {reason}"),
            )
        })
}

#[utoipa::path(
    get,
    path = "/settings/mail",
    tag = tags::SETTINGS,
    summary = "The org's mail server",
    description = "The password is never returned, only `password_set`. Needs `orgs.manage`.",
    responses(
        (status = 200, description = "The mail settings", body = Mail),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn show_mail(State(state): State<Gateway>, Caller(ctx): Caller) -> ApiResult {
    let m = state
        .settings
        .clone()
        .get_mail(outgoing(&ctx, GetSettingsRequest {}))
        .await?
        .into_inner();
    ok(Mail::from(m))
}

#[utoipa::path(
    put,
    path = "/settings/mail",
    tag = tags::SETTINGS,
    summary = "Save the org's mail server",
    description = "`credentials`: `{username, password}` (the password stored sealed; left \
                   out keeps it, `null` removes it), `{account_id}` of a vault account the \
                   caller may reveal (otherwise 400), or `null`. A loopback, link-local or \
                   cloud-metadata `host` is refused unless `allow_internal_hosts`, which only \
                   an MSPOrg administrator can turn on (403 otherwise). Needs `orgs.manage`; \
                   not with an API key.",
    request_body = MailBody,
    responses(
        (status = 200, description = "The mail settings", body = Mail),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn save_mail(State(state): State<Gateway>, Caller(ctx): Caller, bytes: Bytes) -> ApiResult {
    let b: MailBody = settings_body(&bytes)?;
    let m = state
        .settings
        .clone()
        .save_mail(outgoing(&ctx, b.into()))
        .await?
        .into_inner();
    ok(Mail::from(m))
}

#[utoipa::path(
    get,
    path = "/settings/proxy",
    tag = tags::SETTINGS,
    summary = "The org's outgoing proxy",
    description = "The password is never returned, only `password_set`. Needs `orgs.manage`.",
    responses(
        (status = 200, description = "The proxy settings", body = Proxy),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn show_proxy(State(state): State<Gateway>, Caller(ctx): Caller) -> ApiResult {
    let p = state
        .settings
        .clone()
        .get_proxy(outgoing(&ctx, GetSettingsRequest {}))
        .await?
        .into_inner();
    ok(Proxy::from(p))
}

#[utoipa::path(
    put,
    path = "/settings/proxy",
    tag = tags::SETTINGS,
    summary = "Save the org's outgoing proxy",
    description = "The password as for mail; `no_proxy`: hosts, `.domain`/`*.domain` and \
                   networks reached directly; internal hosts as for mail. Needs \
                   `orgs.manage`; not with an API key.",
    request_body = ProxyBody,
    responses(
        (status = 200, description = "The proxy settings", body = Proxy),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn save_proxy(State(state): State<Gateway>, Caller(ctx): Caller, bytes: Bytes) -> ApiResult {
    let b: ProxyBody = settings_body(&bytes)?;
    let p = state
        .settings
        .clone()
        .save_proxy(outgoing(&ctx, b.into()))
        .await?
        .into_inner();
    ok(Proxy::from(p))
}

#[utoipa::path(
    get,
    path = "/settings/msp-staff",
    tag = tags::SETTINGS,
    summary = "What MSP staff may do in this client org",
    description = "Each right on or off (default on, `take_ownership` off). Needs \
                   `orgs.manage`, at a client org.",
    responses(
        (status = 200, description = "The rights", body = MspStaffRights),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn show_msp_staff(State(state): State<Gateway>, Caller(ctx): Caller) -> ApiResult {
    let r = state
        .settings
        .clone()
        .get_msp_staff_rights(outgoing(&ctx, GetSettingsRequest {}))
        .await?
        .into_inner();
    ok(MspStaffRights::from(r))
}

#[utoipa::path(
    put,
    path = "/settings/msp-staff",
    tag = tags::SETTINGS,
    summary = "Set what MSP staff may do in this client org",
    description = "Only the org's own administrators change it (MSP staff get 403); audited \
                   in the org and in MSPOrg. A right that is off is refused to MSP staff with \
                   403 naming `msp_staff.<right>`, within a second.",
    request_body = MspStaffRightsBody,
    responses(
        (status = 200, description = "The rights", body = MspStaffRights),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn save_msp_staff(
    State(state): State<Gateway>,
    Caller(ctx): Caller,
    bytes: Bytes,
) -> ApiResult {
    let b: MspStaffRightsBody = settings_body(&bytes)?;
    let r = state
        .settings
        .clone()
        .save_msp_staff_rights(outgoing(&ctx, b.into()))
        .await?
        .into_inner();
    ok(MspStaffRights::from(r))
}

#[utoipa::path(
    get,
    path = "/settings/branding",
    tag = tags::SETTINGS,
    summary = "The org's login-page branding",
    description = "Needs `orgs.manage`.",
    responses(
        (status = 200, description = "The branding", body = Branding),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn show_branding(State(state): State<Gateway>, Caller(ctx): Caller) -> ApiResult {
    let b = state
        .settings
        .clone()
        .get_branding(outgoing(&ctx, GetSettingsRequest {}))
        .await?
        .into_inner();
    ok(Branding::from(b))
}

#[utoipa::path(
    put,
    path = "/settings/branding",
    tag = tags::SETTINGS,
    summary = "Save the org's login-page branding",
    description = "Logo (`data:image/{png,jpeg,gif,webp};base64,...` of at most 256 KiB, or an \
                   https URL), text, legal banner and privacy banner. Needs `orgs.manage`; not \
                   with an API key.",
    request_body = BrandingBody,
    responses(
        (status = 200, description = "The branding", body = Branding),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn save_branding(
    State(state): State<Gateway>,
    Caller(ctx): Caller,
    bytes: Bytes,
) -> ApiResult {
    let b: BrandingBody = settings_body(&bytes)?;
    let saved = state
        .settings
        .clone()
        .save_branding(outgoing(&ctx, b.into()))
        .await?
        .into_inner();
    ok(Branding::from(saved))
}

/// No credentials: the login page at the org's URL shows it before anyone signs in.
#[utoipa::path(
    get,
    path = "/branding",
    tag = tags::SETTINGS,
    summary = "What the org's login page shows, to anyone",
    description = "The org's own branding, or MSPOrg's whole when the org saved none. A URL \
                   naming no org answers as an org without branding of its own. No \
                   credentials needed.",
    responses(
        (status = 200, description = "The branding, and whose it is", body = PublicBranding),
        (status = 503, response = Unavailable),
    ),
)]
async fn public_branding(State(state): State<Gateway>, TargetOrg(org): TargetOrg) -> ApiResult {
    let p = state
        .settings
        .clone()
        .get_public_branding(GetPublicBrandingRequest {
            org_id: org.to_string(),
        })
        .await?
        .into_inner();
    ok(PublicBranding::from(p))
}
