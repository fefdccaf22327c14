//! What waits for a decision: ownership transfers and password resets of the org's users,
//! and in MSPOrg, org deletions and org access grants. Each is approved or rejected here,
//! with a note, by whoever the API lets decide it.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::Method;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use strongroom_auth::RequestContext;

use super::Chrome;
use super::paths::segment;
use crate::console::session::{Form, Signed, Visit};
use crate::console::{Console, Outcome, PageError, PageResult};
use crate::dto::org_access::{GrantList, NoteBody};
use crate::dto::orgs::OrgDeletionList;
use crate::dto::users::{PasswordResetList, TransferList};

/// One pending request, as the page lists it.
pub struct Pending {
    /// `transfers`, `resets`, `deletions` or `grants`: its part of the address.
    pub kind: &'static str,
    pub id: String,
    pub what: String,
    pub asked_by: String,
    pub asked_at: String,
}

/// The API collection each kind of request is decided in.
fn collection(kind: &str) -> Option<&'static str> {
    match kind {
        "transfers" => Some("/ownership-transfers"),
        "resets" => Some("/password-resets"),
        "deletions" => Some("/org-deletions"),
        "grants" => Some("/org-access"),
        _ => None,
    }
}

/// Everything pending that the visitor may read; parts the API refuses them are left out.
pub async fn pending(console: &Console, visit: &Visit) -> Vec<Pending> {
    let api = &console.api;
    let who = &visit.who;
    let msp = visit.org.is_none();
    let (transfers, resets, deletions, grants) = tokio::join!(
        api.get::<TransferList>(who, "/ownership-transfers"),
        api.get::<PasswordResetList>(who, "/password-resets"),
        async {
            if msp {
                api.get::<OrgDeletionList>(who, "/org-deletions").await.ok()
            } else {
                None
            }
        },
        async {
            if msp {
                api.get::<GrantList>(who, "/org-access?awaiting_me=true")
                    .await
                    .ok()
            } else {
                None
            }
        },
    );
    let mut items = Vec::new();
    for t in transfers.map(|l| l.transfers).unwrap_or_default() {
        if t.status == "pending" {
            items.push(Pending {
                kind: "transfers",
                what: format!(
                    "Move every resource of {} to {}{}",
                    t.from_username,
                    t.to_username,
                    if t.delete_user {
                        ", then delete the user"
                    } else {
                        ""
                    }
                ),
                asked_by: t.requested_by,
                asked_at: t.requested_at,
                id: t.id,
            });
        }
    }
    for r in resets.map(|l| l.resets).unwrap_or_default() {
        if r.status == "pending" {
            items.push(Pending {
                kind: "resets",
                what: format!("Reset the password of {}", r.username),
                asked_by: r.requested_by,
                asked_at: r.requested_at,
                id: r.id,
            });
        }
    }
    for d in deletions.map(|l| l.requests).unwrap_or_default() {
        if d.status == "pending" {
            items.push(Pending {
                kind: "deletions",
                what: format!(
                    "Delete the org {} ({}) and all it holds",
                    d.org_name, d.org_slug
                ),
                asked_by: d.requested_by,
                asked_at: d.requested_at,
                id: d.id,
            });
        }
    }
    for g in grants.map(|l| l.grants).unwrap_or_default() {
        if g.status == "pending" {
            items.push(Pending {
                kind: "grants",
                what: format!(
                    "Give {} {} access to {} ({})",
                    g.designee_kind, g.designee_name, g.org_name, g.org_slug
                ),
                asked_by: g.proposer_name,
                asked_at: g.proposed_at,
                id: g.id,
            });
        }
    }
    items
}

#[derive(Template)]
#[template(path = "approvals.html")]
struct ApprovalsPage {
    c: Chrome,
    items: Vec<Pending>,
    notice: Option<String>,
    error: Option<String>,
}

async fn approvals_page(
    console: &Console,
    visit: &Visit,
    ctx: &RequestContext,
    outcome: Outcome,
) -> PageResult {
    let page = ApprovalsPage {
        c: Chrome::signed(visit, ctx),
        items: pending(console, visit).await,
        notice: outcome.notice(),
        error: outcome.error(),
    };
    Ok(outcome.respond(&page))
}

#[derive(Deserialize, Default)]
pub struct Decided {
    #[serde(default)]
    decided: String,
}

pub async fn show(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Query(done): Query<Decided>,
) -> PageResult {
    let notice = match done.decided.as_str() {
        "approve" => Some("Approved.".to_owned()),
        "reject" => Some("Rejected.".to_owned()),
        _ => None,
    };
    approvals_page(
        &console,
        &visit,
        &ctx,
        notice.map(Outcome::done).unwrap_or_default(),
    )
    .await
}

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    note: String,
}

pub async fn decide(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path((kind, id)): Path<(String, String)>,
    Form(form): Form<DecisionForm>,
) -> PageResult {
    let collection = collection(&kind).ok_or(PageError::NotFound)?;
    let decision = match form.decision.as_str() {
        "approve" | "reject" => form.decision.as_str(),
        _ => return Err(PageError::bad_input("decide approve or reject")),
    };
    let path = format!("{collection}/{}/{decision}", segment(&id));
    let body = NoteBody { note: form.note };
    match console
        .api
        .act(&visit.who, Method::POST, &path, &body)
        .await
    {
        Ok(()) => Ok(
            Redirect::to(&format!("{}/approvals?decided={decision}", visit.base)).into_response(),
        ),
        Err(refusal) => approvals_page(&console, &visit, &ctx, Outcome::Refused(refusal)).await,
    }
}
