//! The org's mail server, proxy and login-page branding, kept by the tenant service; and
//! the branding every login page shows, for anyone.

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};
use strongroom_auth::outgoing;
use strongroom_core::ErrorCode;
use strongroom_proto::tenant_settings::{
    self as pb, GetPublicBrandingRequest, GetSettingsRequest, mail_credentials,
};

use crate::Gateway;
use crate::caller::{Caller, TargetOrg};
use crate::error::ApiError;
use crate::routes::{ApiResult, ok};

pub(super) fn router() -> Router<Gateway> {
    Router::new()
        .route("/settings/mail", get(show_mail).put(save_mail))
        .route("/settings/proxy", get(show_proxy).put(save_proxy))
        .route(
            "/settings/msp-staff",
            get(show_msp_staff).put(save_msp_staff),
        )
        .route("/settings/branding", get(show_branding).put(save_branding))
        .route("/branding", get(public_branding))
}

/// Parses a JSON body; a body that does not fit is a 400 naming the field.
fn settings_body<T: DeserializeOwned>(bytes: &Bytes) -> Result<T, ApiError> {
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

/// Tells a field left out (`None`) from one sent as `null` (`Some(None)`).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(deserializer).map(Some)
}

/// A password as a body gives it: left out keeps the stored one, `null` removes it.
fn password_parts(password: Option<Option<String>>) -> (Option<String>, bool) {
    match password {
        None => (None, false),
        Some(None) => (None, true),
        Some(Some(p)) => (Some(p), false),
    }
}

fn mail_json(m: pb::MailSettings) -> Value {
    let credentials = match m.credentials.and_then(|c| c.kind) {
        Some(mail_credentials::Kind::Password(p)) => {
            json!({ "username": p.username, "password_set": p.password_set })
        }
        Some(mail_credentials::Kind::VaultAccount(v)) => json!({ "account_id": v.account_id }),
        None => Value::Null,
    };
    json!({
        "host": m.host, "port": m.port, "sender": m.sender, "access_url": m.access_url,
        "tls_mode": m.tls_mode, "credentials": credentials, "updated_at": m.updated_at,
        "allow_internal_hosts": m.allow_internal_hosts,
    })
}

async fn show_mail(State(state): State<Gateway>, Caller(ctx): Caller) -> ApiResult {
    let m = state
        .settings
        .clone()
        .get_mail(outgoing(&ctx, GetSettingsRequest {}))
        .await?
        .into_inner();
    ok(mail_json(m))
}

/// The whole mail settings; `credentials` left out or `null` means none.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MailBody {
    host: String,
    port: u32,
    sender: String,
    access_url: String,
    tls_mode: String,
    #[serde(default)]
    credentials: Option<CredentialsBody>,
    #[serde(default)]
    allow_internal_hosts: bool,
}

/// `{username, password}` or `{account_id}` (a vault account).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CredentialsBody {
    #[serde(default)]
    username: String,
    #[serde(default, deserialize_with = "present")]
    password: Option<Option<String>>,
    #[serde(default)]
    account_id: String,
}

async fn save_mail(State(state): State<Gateway>, Caller(ctx): Caller, bytes: Bytes) -> ApiResult {
    let b: MailBody = settings_body(&bytes)?;
    let credentials = b.credentials.map(|c| {
        let (password, clear_password) = password_parts(c.password);
        pb::CredentialsInput {
            username: c.username,
            password,
            clear_password,
            account_id: c.account_id,
        }
    });
    let m = state
        .settings
        .clone()
        .save_mail(outgoing(
            &ctx,
            pb::SaveMailRequest {
                host: b.host,
                port: b.port,
                sender: b.sender,
                access_url: b.access_url,
                tls_mode: b.tls_mode,
                credentials,
                allow_internal_hosts: b.allow_internal_hosts,
            },
        ))
        .await?
        .into_inner();
    ok(mail_json(m))
}

fn proxy_json(p: pb::ProxySettings) -> Value {
    json!({
        "enabled": p.enabled, "host": p.host, "port": p.port, "username": p.username,
        "password_set": p.password_set, "no_proxy": p.no_proxy, "updated_at": p.updated_at,
        "allow_internal_hosts": p.allow_internal_hosts,
    })
}

async fn show_proxy(State(state): State<Gateway>, Caller(ctx): Caller) -> ApiResult {
    let p = state
        .settings
        .clone()
        .get_proxy(outgoing(&ctx, GetSettingsRequest {}))
        .await?
        .into_inner();
    ok(proxy_json(p))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProxyBody {
    enabled: bool,
    #[serde(default)]
    host: String,
    #[serde(default)]
    port: u32,
    #[serde(default)]
    username: String,
    #[serde(default, deserialize_with = "present")]
    password: Option<Option<String>>,
    #[serde(default)]
    no_proxy: Vec<String>,
    #[serde(default)]
    allow_internal_hosts: bool,
}

async fn save_proxy(State(state): State<Gateway>, Caller(ctx): Caller, bytes: Bytes) -> ApiResult {
    let b: ProxyBody = settings_body(&bytes)?;
    let (password, clear_password) = password_parts(b.password);
    let p = state
        .settings
        .clone()
        .save_proxy(outgoing(
            &ctx,
            pb::SaveProxyRequest {
                enabled: b.enabled,
                host: b.host,
                port: b.port,
                username: b.username,
                password,
                clear_password,
                no_proxy: b.no_proxy,
                allow_internal_hosts: b.allow_internal_hosts,
            },
        ))
        .await?
        .into_inner();
    ok(proxy_json(p))
}

fn rights_json(r: pb::MspStaffRights) -> Value {
    json!({
        "reset_passwords": r.reset_passwords, "take_ownership": r.take_ownership,
        "view_audit": r.view_audit, "manage_users": r.manage_users,
        "updated_at": if r.updated_at.is_empty() { Value::Null } else { Value::String(r.updated_at) },
    })
}

async fn show_msp_staff(State(state): State<Gateway>, Caller(ctx): Caller) -> ApiResult {
    let r = state
        .settings
        .clone()
        .get_msp_staff_rights(outgoing(&ctx, GetSettingsRequest {}))
        .await?
        .into_inner();
    ok(rights_json(r))
}

/// Every right is given: leaving one out would flip it silently.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RightsBody {
    reset_passwords: bool,
    take_ownership: bool,
    view_audit: bool,
    manage_users: bool,
}

async fn save_msp_staff(
    State(state): State<Gateway>,
    Caller(ctx): Caller,
    bytes: Bytes,
) -> ApiResult {
    let b: RightsBody = settings_body(&bytes)?;
    let r = state
        .settings
        .clone()
        .save_msp_staff_rights(outgoing(
            &ctx,
            pb::MspStaffRights {
                reset_passwords: b.reset_passwords,
                take_ownership: b.take_ownership,
                view_audit: b.view_audit,
                manage_users: b.manage_users,
                updated_at: String::new(),
            },
        ))
        .await?
        .into_inner();
    ok(rights_json(r))
}

fn branding_json(b: pb::Branding) -> Value {
    let legal = b.legal_banner.unwrap_or_default();
    let privacy = b.privacy_banner.unwrap_or_default();
    json!({
        "logo": if b.logo.is_empty() { Value::Null } else { Value::String(b.logo) },
        "login_text": b.login_text,
        "legal_banner": {
            "enabled": legal.enabled, "text": legal.text,
            "requires_acceptance": legal.requires_acceptance,
        },
        "privacy_banner": {
            "enabled": privacy.enabled, "text": privacy.text,
            "button_label": privacy.button_label,
        },
        "updated_at": if b.updated_at.is_empty() { Value::Null } else { Value::String(b.updated_at) },
    })
}

async fn show_branding(State(state): State<Gateway>, Caller(ctx): Caller) -> ApiResult {
    let b = state
        .settings
        .clone()
        .get_branding(outgoing(&ctx, GetSettingsRequest {}))
        .await?
        .into_inner();
    ok(branding_json(b))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BrandingBody {
    /// A `data:image/...;base64,` URL or an https URL; `null` or left out for none.
    #[serde(default)]
    logo: Option<String>,
    #[serde(default)]
    login_text: String,
    #[serde(default)]
    legal_banner: LegalBannerBody,
    #[serde(default)]
    privacy_banner: PrivacyBannerBody,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct LegalBannerBody {
    #[serde(default)]
    enabled: bool,
    #[serde(default)]
    text: String,
    #[serde(default)]
    requires_acceptance: bool,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct PrivacyBannerBody {
    #[serde(default)]
    enabled: bool,
    #[serde(default)]
    text: String,
    #[serde(default)]
    button_label: String,
}

async fn save_branding(
    State(state): State<Gateway>,
    Caller(ctx): Caller,
    bytes: Bytes,
) -> ApiResult {
    let b: BrandingBody = settings_body(&bytes)?;
    let saved = state
        .settings
        .clone()
        .save_branding(outgoing(
            &ctx,
            pb::SaveBrandingRequest {
                logo: b.logo.unwrap_or_default(),
                login_text: b.login_text,
                legal_banner: Some(pb::LegalBanner {
                    enabled: b.legal_banner.enabled,
                    text: b.legal_banner.text,
                    requires_acceptance: b.legal_banner.requires_acceptance,
                }),
                privacy_banner: Some(pb::PrivacyBanner {
                    enabled: b.privacy_banner.enabled,
                    text: b.privacy_banner.text,
                    button_label: b.privacy_banner.button_label,
                }),
            },
        ))
        .await?
        .into_inner();
    ok(branding_json(saved))
}

/// No credentials: the login page at the org's URL shows it before anyone signs in.
async fn public_branding(State(state): State<Gateway>, TargetOrg(org): TargetOrg) -> ApiResult {
    let p = state
        .settings
        .clone()
        .get_public_branding(GetPublicBrandingRequest {
            org_id: org.to_string(),
        })
        .await?
        .into_inner();
    let mut body = branding_json(p.branding.unwrap_or_default());
    body["source"] = Value::String(p.source);
    ok(body)
}
