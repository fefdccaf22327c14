//! The home page: what I own, my favourites, what waits for me, my recent activity; and
//! for MSP staff, the org selector that opens a managed org without signing in again.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::Chrome;
use crate::console::client::OnBehalf;
use crate::console::session::Signed;
use crate::console::{Console, PageError, render};
use crate::dto::audit::{AuditEvent, AuditEvents};
use crate::dto::orgs::{Org, OrgList};
use crate::dto::vault::{Resource, ResourcePage};

/// Activity shown on the home page.
const RECENT: usize = 10;

#[derive(Template)]
#[template(path = "dashboard.html")]
struct Dashboard {
    c: Chrome,
    me_id: String,
    visible: u64,
    owned: u64,
    favourites: Vec<Resource>,
    attention: Vec<String>,
    recent: Vec<AuditEvent>,
    orgs: Vec<Org>,
}

pub async fn show(State(console): State<Console>, Signed { visit, ctx }: Signed) -> Response {
    let api = &console.api;
    let who = &visit.who;
    let me = ctx.user().to_string();
    let owned_path = format!("/resources?limit=1&owner_id={me}");
    let recent_path = format!("/audit?actor_ids={me}");
    // MSP staff pick among their orgs with MSPOrg's own session.
    let msp = OnBehalf {
        org: None,
        ..who.clone()
    };
    let (visible, owned, favourites, recent, pending, orgs) = tokio::join!(
        api.get::<ResourcePage>(who, "/resources?limit=1"),
        api.get::<ResourcePage>(who, &owned_path),
        api.get::<ResourcePage>(who, "/resources?favourites=true&limit=10"),
        api.get::<AuditEvents>(who, &recent_path),
        super::approvals::pending(&console, &visit),
        api.get::<OrgList>(&msp, "/orgs/mine"),
    );
    let attention = pending.into_iter().map(|p| p.what).collect();
    let page = Dashboard {
        c: Chrome::signed(&visit, &ctx),
        me_id: me,
        visible: visible.map(|p| p.total).unwrap_or(0),
        owned: owned.map(|p| p.total).unwrap_or(0),
        favourites: favourites.map(|p| p.resources).unwrap_or_default(),
        attention,
        recent: recent
            .map(|e| e.events.into_iter().take(RECENT).collect())
            .unwrap_or_default(),
        orgs: orgs.map(|l| l.orgs).unwrap_or_default(),
    };
    render(&page)
}

#[derive(Deserialize)]
pub struct Switch {
    #[serde(default)]
    org: String,
}

/// Opens the chosen org's console (empty: MSPOrg's).
pub async fn switch_org(Query(to): Query<Switch>) -> Response {
    if to.org.is_empty() {
        return Redirect::to("/").into_response();
    }
    if !strongroom_core::paths::is_slug_shaped(&to.org)
        || strongroom_core::paths::is_reserved(&to.org)
    {
        return PageError::NotFound.into_response();
    }
    Redirect::to(&format!("/{}/", to.org)).into_response()
}
