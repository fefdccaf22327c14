//! The org's settings on one page: password rules and lockout, the login page, the mail
//! server, the proxy and, in a client org, what MSP staff may do there. Each part is
//! shown only when the API lets the visitor read it, and saved on its own.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::Method;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use strongroom_auth::RequestContext;

use super::Chrome;
use crate::console::session::{Form, Signed, Visit};
use crate::console::{Console, Outcome, PageResult};
use crate::dto::login_settings::LoginSettings;
use crate::dto::org_settings::{
    Branding, BrandingBody, CredentialsBody, LegalBannerBody, Mail, MailBody, MailCredentials,
    MspStaffRights, MspStaffRightsBody, PrivacyBannerBody, Proxy, ProxyBody,
};
use crate::dto::shares::SharingSettings;

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    c: Chrome,
    login: Option<LoginSettings>,
    branding: Option<Branding>,
    mail: Option<Mail>,
    mail_username: String,
    mail_password_set: bool,
    proxy: Option<Proxy>,
    msp_staff: Option<MspStaffRights>,
    sharing: Option<SharingSettings>,
    notice: Option<String>,
    error: Option<String>,
}

async fn settings_page(
    console: &Console,
    visit: &Visit,
    ctx: &RequestContext,
    outcome: Outcome,
) -> PageResult {
    async fn read<T: DeserializeOwned>(console: &Console, visit: &Visit, path: &str) -> Option<T> {
        console.api.get(&visit.who, path).await.ok()
    }
    let (login, branding, mail, proxy, msp_staff, sharing) = tokio::join!(
        read::<LoginSettings>(console, visit, "/settings/login"),
        read::<Branding>(console, visit, "/settings/branding"),
        read::<Mail>(console, visit, "/settings/mail"),
        read::<Proxy>(console, visit, "/settings/proxy"),
        async {
            if visit.org.is_some() {
                read::<MspStaffRights>(console, visit, "/settings/msp-staff").await
            } else {
                None
            }
        },
        read::<SharingSettings>(console, visit, "/sharing-settings"),
    );
    let (mail_username, mail_password_set) =
        match mail.as_ref().and_then(|m| m.credentials.as_ref()) {
            Some(MailCredentials::Password {
                username,
                password_set,
            }) => (username.clone(), *password_set),
            _ => (String::new(), false),
        };
    let page = SettingsPage {
        c: Chrome::signed(visit, ctx),
        login,
        branding,
        mail,
        mail_username,
        mail_password_set,
        proxy,
        msp_staff,
        sharing,
        notice: outcome.notice(),
        error: outcome.error(),
    };
    Ok(outcome.respond(&page))
}

#[derive(Deserialize, Default)]
pub struct Saved {
    #[serde(default)]
    saved: String,
}

pub async fn show(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Query(saved): Query<Saved>,
) -> PageResult {
    let notice = match saved.saved.as_str() {
        "login" => Some("The password, lockout and session rules are saved."),
        "branding" => Some("The login page is saved."),
        "mail" => Some("The mail server is saved."),
        "proxy" => Some("The proxy is saved."),
        "msp-staff" => Some("What MSP staff may do here is saved."),
        "sharing" => Some("The sharing settings are saved."),
        _ => None,
    };
    settings_page(
        &console,
        &visit,
        &ctx,
        notice.map(Outcome::done).unwrap_or_default(),
    )
    .await
}

/// Sends one part's body with PUT; back to the page, saying it is saved or why not.
async fn save<B: serde::Serialize>(
    console: &Console,
    visit: &Visit,
    ctx: &RequestContext,
    part: &str,
    body: &B,
) -> PageResult {
    match console
        .api
        .call::<_, serde_json::Value>(&visit.who, Method::PUT, &format!("/settings/{part}"), body)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("{}/settings?saved={part}", visit.base)).into_response()),
        Err(refusal) => settings_page(console, visit, ctx, Outcome::Refused(refusal)).await,
    }
}

/// The login settings as the form sends them: an unticked box is left out.
#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    min_length: u32,
    #[serde(default)]
    require_lowercase: bool,
    #[serde(default)]
    require_uppercase: bool,
    #[serde(default)]
    require_digit: bool,
    #[serde(default)]
    require_special: bool,
    #[serde(default)]
    history: u32,
    #[serde(default)]
    max_age_days: u32,
    #[serde(default)]
    lockout_threshold: u32,
    #[serde(default)]
    lockout_minutes: u32,
    #[serde(default)]
    default_role: String,
    #[serde(default)]
    session_idle_minutes: u32,
    #[serde(default)]
    session_max_hours: u32,
}

pub async fn save_login(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Form(f): Form<LoginForm>,
) -> PageResult {
    let body = LoginSettings {
        min_length: f.min_length,
        require_lowercase: f.require_lowercase,
        require_uppercase: f.require_uppercase,
        require_digit: f.require_digit,
        require_special: f.require_special,
        history: f.history,
        max_age_days: f.max_age_days,
        lockout_threshold: f.lockout_threshold,
        lockout_minutes: f.lockout_minutes,
        default_role: f.default_role,
        session_idle_minutes: f.session_idle_minutes,
        session_max_hours: f.session_max_hours,
    };
    save(&console, &visit, &ctx, "login", &body).await
}

#[derive(Deserialize)]
pub struct BrandingForm {
    #[serde(default)]
    logo: String,
    #[serde(default)]
    login_text: String,
    #[serde(default)]
    legal_enabled: bool,
    #[serde(default)]
    legal_text: String,
    #[serde(default)]
    legal_requires_acceptance: bool,
    #[serde(default)]
    privacy_enabled: bool,
    #[serde(default)]
    privacy_text: String,
    #[serde(default)]
    privacy_button: String,
}

pub async fn save_branding(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Form(form): Form<BrandingForm>,
) -> PageResult {
    let body = BrandingBody {
        logo: Some(form.logo).filter(|l| !l.trim().is_empty()),
        login_text: form.login_text,
        legal_banner: LegalBannerBody {
            enabled: form.legal_enabled,
            text: form.legal_text,
            requires_acceptance: form.legal_requires_acceptance,
        },
        privacy_banner: PrivacyBannerBody {
            enabled: form.privacy_enabled,
            text: form.privacy_text,
            button_label: form.privacy_button,
        },
    };
    save(&console, &visit, &ctx, "branding", &body).await
}

#[derive(Deserialize)]
pub struct MailForm {
    #[serde(default)]
    host: String,
    #[serde(default)]
    port: u32,
    #[serde(default)]
    sender: String,
    #[serde(default)]
    access_url: String,
    #[serde(default)]
    tls_mode: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    allow_internal_hosts: bool,
}

/// An empty password field keeps the stored password.
fn typed_password(password: String) -> Option<Option<String>> {
    Some(password).filter(|p| !p.is_empty()).map(Some)
}

pub async fn save_mail(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Form(form): Form<MailForm>,
) -> PageResult {
    let credentials = (!form.username.is_empty()).then(|| CredentialsBody {
        username: form.username,
        password: typed_password(form.password),
        account_id: String::new(),
    });
    let body = MailBody {
        host: form.host,
        port: form.port,
        sender: form.sender,
        access_url: form.access_url,
        tls_mode: form.tls_mode,
        credentials,
        allow_internal_hosts: form.allow_internal_hosts,
    };
    save(&console, &visit, &ctx, "mail", &body).await
}

#[derive(Deserialize)]
pub struct ProxyForm {
    #[serde(default)]
    enabled: bool,
    #[serde(default)]
    host: String,
    #[serde(default)]
    port: u32,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    no_proxy: String,
    #[serde(default)]
    allow_internal_hosts: bool,
}

pub async fn save_proxy(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Form(form): Form<ProxyForm>,
) -> PageResult {
    let body = ProxyBody {
        enabled: form.enabled,
        host: form.host,
        port: form.port,
        username: form.username,
        password: typed_password(form.password),
        no_proxy: form
            .no_proxy
            .split(',')
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .map(str::to_owned)
            .collect(),
        allow_internal_hosts: form.allow_internal_hosts,
    };
    save(&console, &visit, &ctx, "proxy", &body).await
}

#[derive(Deserialize)]
pub struct MspStaffForm {
    #[serde(default)]
    reset_passwords: bool,
    #[serde(default)]
    take_ownership: bool,
    #[serde(default)]
    view_audit: bool,
    #[serde(default)]
    manage_users: bool,
    #[serde(default)]
    manage_directory_and_login: bool,
}

pub async fn save_msp_staff(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Form(form): Form<MspStaffForm>,
) -> PageResult {
    let body = MspStaffRightsBody {
        reset_passwords: form.reset_passwords,
        take_ownership: form.take_ownership,
        view_audit: form.view_audit,
        manage_users: form.manage_users,
        manage_directory_and_login: form.manage_directory_and_login,
    };
    save(&console, &visit, &ctx, "msp-staff", &body).await
}

#[derive(Deserialize)]
pub struct SharingForm {
    #[serde(default)]
    shares_show_plaintext: bool,
}

pub async fn save_sharing(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Form(form): Form<SharingForm>,
) -> PageResult {
    let body = SharingSettings {
        shares_show_plaintext: form.shares_show_plaintext,
    };
    match console
        .api
        .call::<_, SharingSettings>(&visit.who, Method::PUT, "/sharing-settings", &body)
        .await
    {
        Ok(_) => {
            Ok(Redirect::to(&format!("{}/settings?saved=sharing", visit.base)).into_response())
        }
        Err(refusal) => settings_page(&console, &visit, &ctx, Outcome::Refused(refusal)).await,
    }
}
