//! MSPOrg's client orgs: the list (each a link to the org's own console) and adding one.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use strongroom_auth::RequestContext;

use super::Chrome;
use crate::console::session::{Form, Signed, Visit};
use crate::console::{Console, PageError, PageResult, render};
use crate::dto::orgs::{NewOrg, Org, OrgList};

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
    notice: Option<String>,
    error: Option<(StatusCode, String)>,
) -> PageResult {
    // Client orgs are MSPOrg's to manage: at a client org's URL there is no such page.
    if visit.org.is_some() {
        return Err(PageError::NotFound);
    }
    let list: OrgList = console.api.get(&visit.who, "/orgs").await?;
    let status = error.as_ref().map_or(StatusCode::OK, |(s, _)| *s);
    let page = OrgsPage {
        c: Chrome::signed(visit, ctx),
        orgs: list.orgs,
        notice,
        error: error.map(|(_, m)| m),
    };
    Ok((status, render(&page)).into_response())
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
    page(&console, &visit, &ctx, notice, None).await
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
        Err(refusal) => {
            page(
                &console,
                &visit,
                &ctx,
                None,
                Some((refusal.status, refusal.message)),
            )
            .await
        }
    }
}
