//! Requests for accounts under access control: asking (from the account's page), the
//! requests waiting for the visitor's approval (with who else must approve), the visitor's
//! own (status, who may approve, place in the queue, check out and in), and the passwords
//! marked for reset for those who may read them.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::Method;
use chrono::Utc;
use serde::Deserialize;
use strongroom_auth::RequestContext;

use super::Chrome;
use super::paths::segment;
use crate::console::client::Refusal;
use crate::console::session::{Form, NoFields, Signed, Visit};
use crate::console::{Console, Outcome, PageResult};
use crate::dto::access_control::{
    AccessRequest, AccessRequestBody, AccessRequestList, DecisionBody, RequestStatus, ResetMarkList,
};

#[derive(Template)]
#[template(path = "requests.html")]
struct RequestsPage {
    c: Chrome,
    to_approve: Vec<AccessRequest>,
    mine: Vec<AccessRequest>,
    /// `None` for a visitor who may not read them.
    marked: Option<ResetMarkList>,
    notice: Option<String>,
    error: Option<String>,
}

/// A status as the page says it.
pub fn status_name(status: &RequestStatus) -> &'static str {
    match status {
        RequestStatus::Pending => "waiting for approval",
        RequestStatus::Approved => "approved",
        RequestStatus::Rejected => "rejected",
        RequestStatus::Lapsed => "lapsed unanswered",
        RequestStatus::CheckedOut => "checked out",
        RequestStatus::CheckedIn => "checked in",
        RequestStatus::Ended => "ended with its window",
        RequestStatus::Expired => "expired unused",
    }
}

async fn requests_page(
    console: &Console,
    visit: &Visit,
    ctx: &RequestContext,
    outcome: Outcome,
) -> PageResult {
    let (to_approve, mine, marked) = tokio::join!(
        console
            .api
            .get::<AccessRequestList>(&visit.who, "/access-requests?view=to_approve"),
        console
            .api
            .get::<AccessRequestList>(&visit.who, "/access-requests?view=mine"),
        console
            .api
            .get::<ResetMarkList>(&visit.who, "/access-control/marked-for-reset"),
    );
    let page = RequestsPage {
        c: Chrome::signed(visit, ctx),
        to_approve: to_approve?.requests,
        mine: mine?.requests,
        marked: marked.ok(),
        notice: outcome.notice(),
        error: outcome.error(),
    };
    Ok(outcome.respond(&page))
}

pub async fn show(State(console): State<Console>, Signed { visit, ctx }: Signed) -> PageResult {
    requests_page(&console, &visit, &ctx, Outcome::Nothing).await
}

#[derive(Deserialize)]
pub struct AskForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    ticket_id: String,
    #[serde(default)]
    minutes: String,
}

/// Asks for the account for the next so many minutes.
pub async fn ask(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path(id): Path<String>,
    Form(form): Form<AskForm>,
) -> PageResult {
    let outcome = match form.minutes.trim().parse::<i64>() {
        Ok(minutes) if (1..=43_200).contains(&minutes) => {
            let body = AccessRequestBody {
                account_id: id,
                reason: form.reason,
                ticket_id: Some(form.ticket_id.trim().to_owned()).filter(|t| !t.is_empty()),
                starts_at: None,
                ends_at: (Utc::now() + chrono::Duration::minutes(minutes)).to_rfc3339(),
            };
            match console
                .api
                .call::<_, AccessRequest>(&visit.who, Method::POST, "/access-requests", &body)
                .await
            {
                Ok(r) => Outcome::done(format!(
                    "Asked for {}: it needs {}.",
                    r.account_name,
                    r.needed
                        .iter()
                        .map(|n| n.label.as_str())
                        .collect::<Vec<_>>()
                        .join(" and ")
                )),
                Err(refusal) => Outcome::Refused(refusal),
            }
        }
        _ => Outcome::Refused(Refusal {
            status: axum::http::StatusCode::BAD_REQUEST,
            message: "Give the minutes you need it for (1 to 43200).".into(),
        }),
    };
    requests_page(&console, &visit, &ctx, outcome).await
}

#[derive(Deserialize)]
pub struct DecideForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    comment: String,
}

pub async fn decide(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path(id): Path<String>,
    Form(form): Form<DecideForm>,
) -> PageResult {
    let outcome = match form.decision.as_str() {
        decision @ ("approve" | "reject") => {
            let path = format!("/access-requests/{}/{decision}", segment(&id));
            let body = DecisionBody {
                comment: Some(form.comment).filter(|c| !c.trim().is_empty()),
            };
            match console
                .api
                .call::<_, AccessRequest>(&visit.who, Method::POST, &path, &body)
                .await
            {
                Ok(r) => Outcome::done(format!(
                    "{}'s request for {} is now {}.",
                    r.requester_name,
                    r.account_name,
                    status_name(&r.status)
                )),
                Err(refusal) => Outcome::Refused(refusal),
            }
        }
        _ => Outcome::Refused(Refusal {
            status: axum::http::StatusCode::BAD_REQUEST,
            message: "Approve or reject.".into(),
        }),
    };
    requests_page(&console, &visit, &ctx, outcome).await
}

async fn move_request(
    console: Console,
    visit: Visit,
    ctx: RequestContext,
    id: String,
    what: &str,
) -> PageResult {
    let path = format!("/access-requests/{}/{what}", segment(&id));
    let outcome = match console
        .api
        .ask::<AccessRequest>(&visit.who, Method::POST, &path)
        .await
    {
        Ok(r) if r.status == RequestStatus::CheckedOut => Outcome::done(format!(
            "{} is yours until {}: reveal it from its page.",
            r.account_name, r.ends_at
        )),
        Ok(r) => Outcome::done(format!(
            "{} is checked in; its password is marked for reset.",
            r.account_name
        )),
        Err(refusal) => Outcome::Refused(refusal),
    };
    requests_page(&console, &visit, &ctx, outcome).await
}

pub async fn check_out(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path(id): Path<String>,
    Form(_): Form<NoFields>,
) -> PageResult {
    move_request(console, visit, ctx, id, "check-out").await
}

pub async fn check_in(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path(id): Path<String>,
    Form(_): Form<NoFields>,
) -> PageResult {
    move_request(console, visit, ctx, id, "check-in").await
}
