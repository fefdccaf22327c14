//! Access control of an account, resource or resource group: whether the request-release
//! workflow is on, who approves (groups AND-ed, the client org's own administrator for MSP
//! staff), how long requests wait and checkouts last; turning it on, changing, turning off.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::Method;
use axum::routing::{MethodRouter, get, post};
use strongroom_auth::RequestContext;

use super::Chrome;
use super::paths::segment;
use super::shares::{Kind, named};
use crate::console::client::Refusal;
use crate::console::session::{Form, NoFields, Signed, Visit};
use crate::console::{Console, Outcome, PageResult};
use crate::dto::access_control::{AccessControl, AccessPolicyBody};
use crate::dto::groups::GroupList;

/// A user group the form offers as approvers.
struct GroupChoice {
    id: String,
    name: String,
    chosen: bool,
}

#[derive(Template)]
#[template(path = "access_control.html")]
struct AccessControlPage {
    c: Chrome,
    noun: &'static str,
    name: String,
    back: String,
    here: String,
    /// `None` when the visitor may not manage it (not the owner, no Full access).
    control: Option<AccessControl>,
    refused: Option<String>,
    groups: Vec<GroupChoice>,
    notice: Option<String>,
    error: Option<String>,
}

async fn control_page(
    console: &Console,
    visit: &Visit,
    ctx: &RequestContext,
    kind: Kind,
    id: &str,
    outcome: Outcome,
) -> PageResult {
    let path = format!("/{}/{}/access-control", kind.path(), segment(id));
    let ((name, back), control, groups) = tokio::join!(
        named(console, visit, kind, id),
        console.api.get::<AccessControl>(&visit.who, &path),
        console.api.get::<GroupList>(&visit.who, "/groups"),
    );
    let (control, refused) = match control {
        Ok(control) => (Some(control), None),
        Err(refusal) if refusal.status == axum::http::StatusCode::NOT_FOUND => {
            return Err(refusal.into());
        }
        Err(refusal) => (None, Some(refusal.message)),
    };
    let chosen: Vec<String> = control
        .iter()
        .flat_map(|c| c.approver_groups.iter().map(|g| g.id.clone()))
        .collect();
    let page = AccessControlPage {
        c: Chrome::signed(visit, ctx),
        noun: kind.noun(),
        name,
        back,
        here: format!("/{}/{}/access-control", kind.page(), segment(id)),
        control,
        refused,
        groups: groups
            .map(|l| l.groups)
            .unwrap_or_default()
            .into_iter()
            .map(|g| GroupChoice {
                chosen: chosen.contains(&g.id),
                id: g.id,
                name: g.name,
            })
            .collect(),
        notice: outcome.notice(),
        error: outcome.error(),
    };
    Ok(outcome.respond(&page))
}

/// The policy the form asks for (checkboxes repeat `approver_group_ids`; a visitor who may
/// not list groups types their ids, separated by commas).
fn policy(fields: &[(String, String)]) -> Result<AccessPolicyBody, String> {
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
    };
    let minutes = |name: &str, what: &str| -> Result<u32, String> {
        field(name)
            .unwrap_or_default()
            .parse::<u32>()
            .map_err(|_| format!("Give {what} in minutes."))
    };
    Ok(AccessPolicyBody {
        approver_group_ids: fields
            .iter()
            .filter(|(k, _)| k == "approver_group_ids")
            .flat_map(|(_, v)| v.split(',').map(str::trim).filter(|id| !id.is_empty()))
            .map(str::to_owned)
            .collect(),
        client_admin_approves_msp_staff: field("client_admin_approves_msp_staff").is_some(),
        lapse_after_minutes: minutes("lapse_after_minutes", "how long a request may wait")?,
        max_checkout_minutes: minutes("max_checkout_minutes", "the longest checkout")?,
    })
}

/// The page of a kind of target: shown, and saved.
pub fn page(kind: Kind) -> MethodRouter<Console> {
    get(
        move |State(console): State<Console>,
              Signed { visit, ctx }: Signed,
              Path(id): Path<String>| async move {
            control_page(&console, &visit, &ctx, kind, &id, Outcome::Nothing).await
        },
    )
    .post(
        move |State(console): State<Console>,
              Signed { visit, ctx }: Signed,
              Path(id): Path<String>,
              Form(fields): Form<Vec<(String, String)>>| async move {
            save(&console, &visit, &ctx, kind, &id, &fields).await
        },
    )
}

/// Turning access control off for a kind of target.
pub fn off(kind: Kind) -> MethodRouter<Console> {
    post(
        move |State(console): State<Console>,
              Signed { visit, ctx }: Signed,
              Path(id): Path<String>,
              Form(_): Form<NoFields>| async move {
            turn_off(&console, &visit, &ctx, kind, &id).await
        },
    )
}

async fn save(
    console: &Console,
    visit: &Visit,
    ctx: &RequestContext,
    kind: Kind,
    id: &str,
    fields: &[(String, String)],
) -> PageResult {
    let outcome = match policy(fields) {
        Err(message) => Outcome::Refused(Refusal {
            status: axum::http::StatusCode::BAD_REQUEST,
            message,
        }),
        Ok(body) => {
            let path = format!("/{}/{}/access-control", kind.path(), segment(id));
            Outcome::of(
                console
                    .api
                    .call::<_, AccessControl>(&visit.who, Method::PUT, &path, &body)
                    .await,
                "Access control is on: its passwords are released only through approved requests.",
            )
        }
    };
    control_page(console, visit, ctx, kind, id, outcome).await
}

async fn turn_off(
    console: &Console,
    visit: &Visit,
    ctx: &RequestContext,
    kind: Kind,
    id: &str,
) -> PageResult {
    let path = format!("/{}/{}/access-control", kind.path(), segment(id));
    let outcome = Outcome::of(
        console
            .api
            .ask::<AccessControl>(&visit.who, Method::DELETE, &path)
            .await,
        "Access control is off.",
    );
    control_page(console, visit, ctx, kind, id, outcome).await
}
