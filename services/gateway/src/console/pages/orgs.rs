//! MSPOrg's client orgs: the list (each a link to the org's own console), adding one, and
//! an org's page: its details, who reaches it, and asking for its deletion.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::Method;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use strongroom_auth::RequestContext;

use super::Chrome;
use super::paths::segment;
use crate::console::session::{Form, Signed, Visit};
use crate::console::{Console, Outcome, PageError, PageResult, render};
use crate::dto::org_access::OrgReport;
use crate::dto::orgs::{
    DeleteOrgBody, ImportOrgsBody, NewOrg, Org, OrgChanges, OrgDeletion, OrgImportReport, OrgList,
};
use crate::dto::replication::{ReplicationChoices, ReplicationKind, ReplicationSettings};

#[derive(Template)]
#[template(path = "orgs.html")]
struct OrgsPage {
    c: Chrome,
    orgs: Vec<Org>,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct OrgsQuery {
    #[serde(default)]
    added: String,
}

async fn page(
    console: &Console,
    visit: &Visit,
    ctx: &RequestContext,
    outcome: Outcome,
) -> PageResult {
    // Client orgs are MSPOrg's to manage: at a client org's URL there is no such page.
    if visit.org.is_some() {
        return Err(PageError::NotFound);
    }
    let list: OrgList = console.api.get(&visit.who, "/orgs").await?;
    let page = OrgsPage {
        c: Chrome::signed(visit, ctx),
        orgs: list.orgs,
        notice: outcome.notice(),
        error: outcome.error(),
    };
    Ok(outcome.respond(&page))
}

pub async fn list(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Query(query): Query<OrgsQuery>,
) -> PageResult {
    let notice = (!query.added.is_empty()).then(|| {
        format!(
            "The organization is added; its console is at /{}/.",
            query.added
        )
    });
    page(
        &console,
        &visit,
        &ctx,
        notice.map(Outcome::done).unwrap_or_default(),
    )
    .await
}

#[derive(Deserialize)]
pub struct OrgForm {
    #[serde(default)]
    slug: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    contact: String,
}

pub async fn add(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Form(form): Form<OrgForm>,
) -> Result<Response, PageError> {
    if visit.org.is_some() {
        return Err(PageError::NotFound);
    }
    let body = NewOrg {
        slug: form.slug,
        name: form.name,
        description: String::new(),
        department: form.department,
        location: form.location,
        contact: form.contact,
        account_manager_id: String::new(),
    };
    match console
        .api
        .call::<_, Org>(&visit.who, Method::POST, "/orgs", &body)
        .await
    {
        Ok(org) => {
            let query = serde_urlencoded::to_string([("added", &org.slug)]).unwrap_or_default();
            Ok(Redirect::to(&format!("/orgs?{query}")).into_response())
        }
        Err(refusal) => page(&console, &visit, &ctx, Outcome::Refused(refusal)).await,
    }
}

#[derive(Template)]
#[template(path = "org.html")]
struct OrgPage {
    c: Chrome,
    org: Org,
    report: Option<OrgReport>,
    notice: Option<String>,
    error: Option<String>,
}

async fn org_page(
    console: &Console,
    visit: &Visit,
    ctx: &RequestContext,
    id: &str,
    outcome: Outcome,
) -> PageResult {
    if visit.org.is_some() {
        return Err(PageError::NotFound);
    }
    let report_path = format!("/orgs/{}/report", segment(id));
    let (list, report) = tokio::join!(
        console.api.get::<OrgList>(&visit.who, "/orgs"),
        console.api.get::<OrgReport>(&visit.who, &report_path),
    );
    let org = list?
        .orgs
        .into_iter()
        .find(|o| o.id == id)
        .ok_or(PageError::NotFound)?;
    let page = OrgPage {
        c: Chrome::signed(visit, ctx),
        org,
        report: report.ok(),
        notice: outcome.notice(),
        error: outcome.error(),
    };
    Ok(outcome.respond(&page))
}

pub async fn show(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path(id): Path<String>,
) -> PageResult {
    org_page(&console, &visit, &ctx, &id, Outcome::Nothing).await
}

#[derive(Deserialize)]
pub struct EditForm {
    #[serde(default)]
    slug: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    contact: String,
}

pub async fn edit(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path(id): Path<String>,
    Form(form): Form<EditForm>,
) -> PageResult {
    let changes = OrgChanges {
        slug: Some(form.slug),
        name: Some(form.name),
        description: Some(form.description),
        department: Some(form.department),
        location: Some(form.location),
        contact: Some(form.contact),
        account_manager_id: None,
    };
    let path = format!("/orgs/{}", segment(&id));
    match console
        .api
        .call::<_, Org>(&visit.who, Method::PATCH, &path, &changes)
        .await
    {
        Ok(_) => org_page(&console, &visit, &ctx, &id, Outcome::done("Saved.")).await,
        Err(refusal) => org_page(&console, &visit, &ctx, &id, Outcome::Refused(refusal)).await,
    }
}

#[derive(Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    confirm: String,
}

pub async fn delete(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path(id): Path<String>,
    Form(form): Form<DeleteForm>,
) -> PageResult {
    let body = DeleteOrgBody {
        confirm: form.confirm,
    };
    let path = format!("/orgs/{}", segment(&id));
    match console
        .api
        .call::<_, OrgDeletion>(&visit.who, Method::DELETE, &path, &body)
        .await
    {
        Ok(_) => {
            let notice = "The deletion waits for a second MSPOrg administrator's approval.";
            org_page(&console, &visit, &ctx, &id, Outcome::done(notice)).await
        }
        Err(refusal) => org_page(&console, &visit, &ctx, &id, Outcome::Refused(refusal)).await,
    }
}

#[derive(Template)]
#[template(path = "orgs_import.html")]
struct ImportPage {
    c: Chrome,
    report: Option<OrgImportReport>,
    error: Option<String>,
}

pub async fn import_page(Signed { visit, ctx }: Signed) -> PageResult {
    if visit.org.is_some() {
        return Err(PageError::NotFound);
    }
    Ok(render(&ImportPage {
        c: Chrome::signed(&visit, &ctx),
        report: None,
        error: None,
    }))
}

#[derive(Deserialize)]
pub struct ImportForm {
    #[serde(default)]
    text: String,
}

pub async fn import(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Form(form): Form<ImportForm>,
) -> PageResult {
    if visit.org.is_some() {
        return Err(PageError::NotFound);
    }
    let body = ImportOrgsBody { text: form.text };
    let (report, outcome) = match console
        .api
        .call::<_, OrgImportReport>(&visit.who, Method::POST, "/orgs/import", &body)
        .await
    {
        Ok(report) => (Some(report), Outcome::Nothing),
        Err(refusal) => (None, Outcome::Refused(refusal)),
    };
    let page = ImportPage {
        c: Chrome::signed(&visit, &ctx),
        report,
        error: outcome.error(),
    };
    Ok(outcome.respond(&page))
}

#[derive(Template)]
#[template(path = "replication.html")]
struct ReplicationPage {
    c: Chrome,
    kinds: Vec<ReplicationKind>,
    notice: Option<String>,
    error: Option<String>,
}

async fn replication_page(
    console: &Console,
    visit: &Visit,
    ctx: &RequestContext,
    outcome: Outcome,
) -> PageResult {
    if visit.org.is_some() {
        return Err(PageError::NotFound);
    }
    let settings: ReplicationSettings = console.api.get(&visit.who, "/orgs/replication").await?;
    let page = ReplicationPage {
        c: Chrome::signed(visit, ctx),
        kinds: settings.kinds,
        notice: outcome.notice(),
        error: outcome.error(),
    };
    Ok(outcome.respond(&page))
}

pub async fn replication(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
) -> PageResult {
    replication_page(&console, &visit, &ctx, Outcome::Nothing).await
}

/// Each available kind is on when its box is ticked and off otherwise; unavailable kinds
/// are not sent.
pub async fn save_replication(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    if visit.org.is_some() {
        return Err(PageError::NotFound);
    }
    let current: ReplicationSettings = console.api.get(&visit.who, "/orgs/replication").await?;
    let choices = ReplicationChoices(
        current
            .kinds
            .iter()
            .filter(|k| k.available)
            .map(|k| {
                let on = pairs.iter().any(|(name, _)| *name == k.kind);
                (k.kind.clone(), serde_json::Value::Bool(on))
            })
            .collect(),
    );
    match console
        .api
        .call::<_, ReplicationSettings>(&visit.who, Method::PUT, "/orgs/replication", &choices)
        .await
    {
        Ok(_) => {
            let notice = "Saved: every client org receives the settings chosen.";
            replication_page(&console, &visit, &ctx, Outcome::done(notice)).await
        }
        Err(refusal) => replication_page(&console, &visit, &ctx, Outcome::Refused(refusal)).await,
    }
}
