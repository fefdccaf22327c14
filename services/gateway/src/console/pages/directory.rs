//! The org's LDAP / Active Directory connection: its settings, a test of the connection,
//! and importing its users and groups now.

use askama::Template;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use serde::Deserialize;
use strongroom_auth::RequestContext;

use super::Chrome;
use crate::console::session::{Form, NoFields, Signed, Visit};
use crate::console::{Console, Outcome, PageResult};
use crate::dto::directory::{Directory, DirectoryBody, DirectoryImportBody, ReadOnly};
use crate::dto::users::ImportReport;

#[derive(Template)]
#[template(path = "directory.html")]
struct DirectoryPage {
    c: Chrome,
    d: Directory,
    report: Option<ImportReport>,
    notice: Option<String>,
    error: Option<String>,
}

/// What the form shows for an org without a directory yet.
fn unset() -> Directory {
    Directory {
        kind: "ldap".into(),
        url: String::new(),
        starttls: false,
        bind_dn: String::new(),
        has_bind_password: false,
        base_dn: String::new(),
        user_filter: String::new(),
        attributes: Default::default(),
        group_filter: String::new(),
        group_name_attribute: String::new(),
        group_member_attribute: String::new(),
        authentication_enabled: false,
        sync_interval_minutes: 0,
        sync_scopes: Vec::new(),
        ca_certificate_pem: None,
        allow_insecure: false,
        allow_internal_hosts: false,
        last_sync_at: None,
        last_sync_result: None,
    }
}

async fn directory_page(
    console: &Console,
    visit: &Visit,
    ctx: &RequestContext,
    report: Option<ImportReport>,
    outcome: Outcome,
) -> PageResult {
    let d = match console.api.get::<Directory>(&visit.who, "/directory").await {
        Ok(d) => d,
        // None yet: an empty form. Any other refusal is the page's answer.
        Err(refusal) if refusal.status == StatusCode::NOT_FOUND => unset(),
        Err(refusal) => return Err(refusal.into()),
    };
    let page = DirectoryPage {
        c: Chrome::signed(visit, ctx),
        d,
        report,
        notice: outcome.notice(),
        error: outcome.error(),
    };
    Ok(outcome.respond(&page))
}

pub async fn show(State(console): State<Console>, Signed { visit, ctx }: Signed) -> PageResult {
    directory_page(&console, &visit, &ctx, None, Outcome::Nothing).await
}

fn list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

#[derive(Deserialize)]
pub struct DirectoryForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    starttls: bool,
    #[serde(default)]
    allow_insecure: bool,
    #[serde(default)]
    allow_internal_hosts: bool,
    #[serde(default)]
    ca_certificate_pem: String,
    #[serde(default)]
    bind_dn: String,
    #[serde(default)]
    bind_password: String,
    #[serde(default)]
    base_dn: String,
    #[serde(default)]
    user_filter: String,
    #[serde(default)]
    group_filter: String,
    #[serde(default)]
    group_name_attribute: String,
    #[serde(default)]
    group_member_attribute: String,
    #[serde(default)]
    authentication_enabled: bool,
    #[serde(default)]
    sync_interval_minutes: u32,
    #[serde(default)]
    sync_scopes: String,
}

pub async fn save(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Form(f): Form<DirectoryForm>,
) -> PageResult {
    // The form has no attribute mapping: the stored one is kept.
    let attributes = console
        .api
        .get::<Directory>(&visit.who, "/directory")
        .await
        .map(|d| d.attributes)
        .unwrap_or_default();
    let body = DirectoryBody {
        kind: f.kind,
        url: f.url,
        starttls: f.starttls,
        allow_insecure: f.allow_insecure,
        allow_internal_hosts: f.allow_internal_hosts,
        bind_dn: f.bind_dn,
        bind_password: f.bind_password,
        base_dn: f.base_dn,
        user_filter: f.user_filter,
        attributes,
        group_filter: f.group_filter,
        group_name_attribute: f.group_name_attribute,
        group_member_attribute: f.group_member_attribute,
        authentication_enabled: f.authentication_enabled,
        sync_interval_minutes: f.sync_interval_minutes,
        sync_scopes: list(&f.sync_scopes),
        ca_certificate_pem: Some(f.ca_certificate_pem).filter(|p| !p.trim().is_empty()),
        _has_bind_password: ReadOnly,
        _last_sync_at: ReadOnly,
        _last_sync_result: ReadOnly,
    };
    let saved = console
        .api
        .call::<_, Directory>(&visit.who, Method::PUT, "/directory", &body)
        .await;
    let outcome = Outcome::of(saved, "The directory is saved.");
    directory_page(&console, &visit, &ctx, None, outcome).await
}

pub async fn test(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Form(_): Form<NoFields>,
) -> PageResult {
    let tested = console
        .api
        .send(&visit.who, Method::POST, "/directory/test", None)
        .await;
    let outcome = Outcome::of(tested, "The directory answers and takes the bind.");
    directory_page(&console, &visit, &ctx, None, outcome).await
}

#[derive(Deserialize)]
pub struct ImportForm {
    #[serde(default)]
    scopes: String,
}

pub async fn import(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Form(form): Form<ImportForm>,
) -> PageResult {
    let body = DirectoryImportBody {
        scopes: list(&form.scopes),
    };
    match console
        .api
        .call::<_, ImportReport>(&visit.who, Method::POST, "/directory/import", &body)
        .await
    {
        Ok(report) => directory_page(&console, &visit, &ctx, Some(report), Outcome::Nothing).await,
        Err(refusal) => {
            directory_page(&console, &visit, &ctx, None, Outcome::Refused(refusal)).await
        }
    }
}
