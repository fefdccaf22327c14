//! Access across orgs. In MSPOrg: the grants that let MSPOrg users and groups into client
//! orgs, proposing one (a second administrator approves it) and revoking one. In a client
//! org: who from the MSP reaches it, approved by whom and since when.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::Method;
use axum::response::{IntoResponse, Redirect};
use strongroom_auth::RequestContext;

use super::Chrome;
use super::paths::segment;
use crate::console::session::{Form, NoFields, Signed, Visit};
use crate::console::{Console, Outcome, PageError, PageResult, render};
use crate::dto::groups::{Group, GroupList};
use crate::dto::org_access::{Grant, GrantList, MspAccess, NoteBody, ProposeBody};
use crate::dto::orgs::{Org, OrgList};
use crate::dto::users::{User, UserList};

#[derive(Template)]
#[template(path = "access.html")]
struct AccessPage {
    c: Chrome,
    grants: Vec<Grant>,
    users: Vec<User>,
    groups: Vec<Group>,
    orgs: Vec<Org>,
    /// Id and name of each administrator who may approve.
    approvers: Vec<(String, String)>,
    notice: Option<String>,
    error: Option<String>,
}

async fn access_page(
    console: &Console,
    visit: &Visit,
    ctx: &RequestContext,
    outcome: Outcome,
) -> PageResult {
    if visit.org.is_some() {
        return Err(PageError::NotFound);
    }
    let api = &console.api;
    let who = &visit.who;
    let (grants, users, groups, orgs) = tokio::join!(
        api.get::<GrantList>(who, "/org-access"),
        api.get::<UserList>(who, "/users"),
        api.get::<GroupList>(who, "/groups"),
        api.get::<OrgList>(who, "/orgs"),
    );
    let users: Vec<User> = users.map(|l| l.users).unwrap_or_default();
    // A grant is approved by another active administrator of MSPOrg.
    let me = ctx.user().to_string();
    let approvers = users
        .iter()
        .filter(|u| u.role == "administrator" && u.status == "active" && u.id != me)
        .map(|u| (u.id.clone(), u.username.clone()))
        .collect();
    let page = AccessPage {
        c: Chrome::signed(visit, ctx),
        grants: grants?.grants,
        users,
        groups: groups.map(|l| l.groups).unwrap_or_default(),
        orgs: orgs.map(|l| l.orgs).unwrap_or_default(),
        approvers,
        notice: outcome.notice(),
        error: outcome.error(),
    };
    Ok(outcome.respond(&page))
}

pub async fn grants(State(console): State<Console>, Signed { visit, ctx }: Signed) -> PageResult {
    access_page(&console, &visit, &ctx, Outcome::Nothing).await
}

/// The form repeats `org_ids` once per org chosen, so it is read as pairs.
pub async fn propose(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let designee = field("designee");
    let (designee_kind, designee_id) = designee.split_once(':').unwrap_or(("", ""));
    let body = ProposeBody {
        designee_kind: designee_kind.to_owned(),
        designee_id: designee_id.to_owned(),
        org_ids: pairs
            .iter()
            .filter(|(k, _)| k == "org_ids")
            .map(|(_, v)| v.clone())
            .collect(),
        approver_id: field("approver_id"),
        note: field("note"),
    };
    match console
        .api
        .call::<_, serde_json::Value>(&visit.who, Method::POST, "/org-access", &body)
        .await
    {
        Ok(_) => {
            let notice = "Proposed: the approver finds it among their approvals.";
            access_page(&console, &visit, &ctx, Outcome::done(notice)).await
        }
        Err(refusal) => access_page(&console, &visit, &ctx, Outcome::Refused(refusal)).await,
    }
}

pub async fn revoke(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path(id): Path<String>,
    Form(_): Form<NoFields>,
) -> PageResult {
    let path = format!("/org-access/{}/revoke", segment(&id));
    match console
        .api
        .act(&visit.who, Method::POST, &path, &NoteBody::default())
        .await
    {
        Ok(()) => Ok(Redirect::to("/access").into_response()),
        Err(refusal) => access_page(&console, &visit, &ctx, Outcome::Refused(refusal)).await,
    }
}

#[derive(Template)]
#[template(path = "msp_access.html")]
struct MspAccessPage {
    c: Chrome,
    access: MspAccess,
}

pub async fn msp_access(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
) -> PageResult {
    if visit.org.is_none() {
        return Err(PageError::NotFound);
    }
    let access: MspAccess = console.api.get(&visit.who, "/msp-access").await?;
    Ok(render(&MspAccessPage {
        c: Chrome::signed(&visit, &ctx),
        access,
    }))
}
