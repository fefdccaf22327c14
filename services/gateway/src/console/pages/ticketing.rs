//! The org's ticketing system: where ticket ids are checked and before what, and a ticket
//! tried against it.

use askama::Template;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use serde::Deserialize;
use strongroom_auth::RequestContext;

use super::Chrome;
use crate::console::session::{Form, Signed, Visit};
use crate::console::{Console, Outcome, PageResult};
use crate::dto::ticketing::{TicketCheck, TicketCheckBody, Ticketing, TicketingBody};

#[derive(Template)]
#[template(path = "ticketing.html")]
struct TicketingPage {
    c: Chrome,
    t: Ticketing,
    /// The ticket tried, and what the ticketing system said.
    tried: Option<(String, TicketCheck)>,
    notice: Option<String>,
    error: Option<String>,
}

/// The form before anything is saved.
fn unset() -> Ticketing {
    Ticketing {
        enabled: false,
        url: String::new(),
        method: "GET".into(),
        body_template: String::new(),
        content_type: "application/json".into(),
        expected: String::new(),
        username: String::new(),
        password_set: false,
        check_on_request: true,
        check_on_checkout: true,
        check_on_reveal: false,
        timeout_seconds: 10,
        allow_internal_hosts: false,
        updated_at: None,
    }
}

async fn ticketing_page(
    console: &Console,
    visit: &Visit,
    ctx: &RequestContext,
    tried: Option<(String, TicketCheck)>,
    outcome: Outcome,
) -> PageResult {
    let t = match console
        .api
        .get::<Ticketing>(&visit.who, "/settings/ticketing")
        .await
    {
        Ok(t) => t,
        // None yet: an empty form. Any other refusal is the page's answer.
        Err(refusal) if refusal.status == StatusCode::NOT_FOUND => unset(),
        Err(refusal) => return Err(refusal.into()),
    };
    let page = TicketingPage {
        c: Chrome::signed(visit, ctx),
        t,
        tried,
        notice: outcome.notice(),
        error: outcome.error(),
    };
    Ok(outcome.respond(&page))
}

pub async fn show(State(console): State<Console>, Signed { visit, ctx }: Signed) -> PageResult {
    ticketing_page(&console, &visit, &ctx, None, Outcome::Nothing).await
}

/// The settings as the form sends them: an unticked box is left out.
#[derive(Deserialize)]
pub struct TicketingForm {
    #[serde(default)]
    enabled: bool,
    #[serde(default)]
    url: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    body_template: String,
    #[serde(default)]
    content_type: String,
    #[serde(default)]
    expected: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    clear_password: bool,
    #[serde(default)]
    check_on_request: bool,
    #[serde(default)]
    check_on_checkout: bool,
    #[serde(default)]
    check_on_reveal: bool,
    #[serde(default)]
    timeout_seconds: u32,
    #[serde(default)]
    allow_internal_hosts: bool,
}

pub async fn save(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Form(form): Form<TicketingForm>,
) -> PageResult {
    let password = match (form.clear_password, form.password.is_empty()) {
        (true, _) => Some(None),
        (false, true) => None,
        (false, false) => Some(Some(form.password)),
    };
    let body = TicketingBody {
        enabled: form.enabled,
        url: form.url,
        method: form.method,
        body_template: form.body_template,
        content_type: form.content_type,
        expected: form.expected,
        username: form.username,
        password,
        check_on_request: form.check_on_request,
        check_on_checkout: form.check_on_checkout,
        check_on_reveal: form.check_on_reveal,
        timeout_seconds: form.timeout_seconds,
        allow_internal_hosts: form.allow_internal_hosts,
    };
    let outcome = match console
        .api
        .call::<_, Ticketing>(&visit.who, Method::PUT, "/settings/ticketing", &body)
        .await
    {
        Ok(_) => Outcome::done("The ticketing system is saved."),
        Err(refusal) => Outcome::Refused(refusal),
    };
    ticketing_page(&console, &visit, &ctx, None, outcome).await
}

#[derive(Deserialize)]
pub struct TryForm {
    ticket_id: String,
}

pub async fn try_ticket(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Form(form): Form<TryForm>,
) -> PageResult {
    let body = TicketCheckBody {
        ticket_id: form.ticket_id.clone(),
    };
    match console
        .api
        .call::<_, TicketCheck>(&visit.who, Method::POST, "/settings/ticketing/check", &body)
        .await
    {
        Ok(check) => {
            let tried = Some((form.ticket_id, check));
            ticketing_page(&console, &visit, &ctx, tried, Outcome::Nothing).await
        }
        Err(refusal) => {
            ticketing_page(&console, &visit, &ctx, None, Outcome::Refused(refusal)).await
        }
    }
}
