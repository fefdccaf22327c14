//! Resource groups: the tree, adding a static or dynamic group (its criteria as up to
//! four conditions), a group's page (edit, password policy for its resources, delete with
//! its name typed again) and its report by type, and putting resources and accounts into
//! a static group or taking them out.

mod form;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::Method;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use strongroom_auth::RequestContext;

use super::Chrome;
use super::group_tree::{Row, TreeNode, flatten, rows, tree};
use super::paths::segment;
use crate::console::session::{Form, Signed, Visit};
use crate::console::{Console, Outcome, PageError, PageResult};
use crate::dto::resource_groups::{
    DeletedGroups, GroupDeleteConfirmation, GroupPolicyBody, GroupPolicyResult, GroupReport,
    GroupReportRow, ResourceGroup,
};
use crate::dto::vault::{PasswordPolicy, PasswordPolicyList, Resource, ResourcePage};
use form::{CRITERIA_FIELDS, CRITERIA_OPERATORS, GroupForm};

/// The group with `id`, wherever it is in the tree (without its children).
fn find(groups: &[ResourceGroup], id: &str) -> Option<ResourceGroup> {
    groups.iter().find_map(|g| {
        if g.id == id {
            Some(ResourceGroup {
                children: Vec::new(),
                ..g.clone()
            })
        } else {
            find(&g.children, id)
        }
    })
}

#[derive(Template)]
#[template(path = "resource_groups.html")]
struct GroupsPage {
    c: Chrome,
    groups: Vec<Row>,
    /// Groups a new one may be nested in.
    parents: Vec<TreeNode>,
    form: GroupForm,
    fields: [(&'static str, &'static str); 6],
    operators: [(&'static str, &'static str); 5],
    action: String,
    submit: &'static str,
    error: Option<String>,
}

/// Groups one may nest another in: not the Default Group, not `except` or its subtree.
fn parents(groups: &[ResourceGroup], except: Option<&str>) -> Vec<TreeNode> {
    let mut nodes = Vec::new();
    let kept: Vec<ResourceGroup> = groups
        .iter()
        .filter(|g| g.kind != "default")
        .map(|g| prune(g, except))
        .filter(|g| Some(g.id.as_str()) != except)
        .collect();
    flatten(kept, 0, &mut nodes);
    nodes
}

fn prune(g: &ResourceGroup, except: Option<&str>) -> ResourceGroup {
    ResourceGroup {
        children: g
            .children
            .iter()
            .filter(|c| Some(c.id.as_str()) != except)
            .map(|c| prune(c, except))
            .collect(),
        ..g.clone()
    }
}

async fn groups_page(
    console: &Console,
    visit: &Visit,
    ctx: &RequestContext,
    form: GroupForm,
    outcome: Outcome,
) -> PageResult {
    let groups = tree(console, visit).await?;
    let mut list = Vec::new();
    rows(&groups, 0, &mut list);
    let page = GroupsPage {
        c: Chrome::signed(visit, ctx),
        groups: list,
        parents: parents(&groups, None),
        form,
        fields: CRITERIA_FIELDS,
        operators: CRITERIA_OPERATORS,
        action: format!("{}/resources/groups", visit.base),
        submit: "Add group",
        error: outcome.error(),
    };
    Ok(outcome.respond(&page))
}

pub async fn list(State(console): State<Console>, Signed { visit, ctx }: Signed) -> PageResult {
    let form = GroupForm {
        kind: "static".into(),
        ..GroupForm::default()
    };
    groups_page(&console, &visit, &ctx, form, Outcome::Nothing).await
}

pub async fn add(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Form(form): Form<GroupForm>,
) -> PageResult {
    let added = console
        .api
        .call::<_, ResourceGroup>(&visit.who, Method::POST, "/resource-groups", &form.body())
        .await;
    match added {
        Ok(g) => Ok(Redirect::to(&group_url(&visit, &g.id)).into_response()),
        Err(refusal) => groups_page(&console, &visit, &ctx, form, Outcome::Refused(refusal)).await,
    }
}

fn group_url(visit: &Visit, id: &str) -> String {
    format!("{}/resources/groups/{}", visit.base, segment(id))
}

#[derive(Template)]
#[template(path = "resource_group.html")]
struct GroupPage {
    c: Chrome,
    group: ResourceGroup,
    form: GroupForm,
    parents: Vec<TreeNode>,
    fields: [(&'static str, &'static str); 6],
    operators: [(&'static str, &'static str); 5],
    action: String,
    submit: &'static str,
    /// A static group's resources (the first page).
    members: Vec<Resource>,
    total: u64,
    policies: Vec<PasswordPolicy>,
    notice: Option<String>,
    error: Option<String>,
}

pub(super) async fn group_page(
    console: &Console,
    visit: &Visit,
    ctx: &RequestContext,
    id: &str,
    form: Option<GroupForm>,
    outcome: Outcome,
) -> PageResult {
    // A static group's first page of resources, to take them out; a dynamic group's
    // resources are whatever meets its criteria (the tree counts them).
    let members_path = format!("/resources?group_id={}", segment(id));
    let (groups, policies) = tokio::join!(
        tree(console, visit),
        console
            .api
            .get::<PasswordPolicyList>(&visit.who, "/password-policies"),
    );
    let groups = groups?;
    let group = find(&groups, id).ok_or(PageError::NotFound)?;
    let (total, members) = if group.kind == "static" {
        let page: ResourcePage = console.api.get(&visit.who, &members_path).await?;
        (page.total, page.resources)
    } else {
        (u64::from(group.resources), Vec::new())
    };
    let page = GroupPage {
        c: Chrome::signed(visit, ctx),
        form: form.unwrap_or_else(|| GroupForm::of(&group)),
        parents: parents(&groups, Some(id)),
        action: group_url(visit, id),
        submit: "Save",
        group,
        fields: CRITERIA_FIELDS,
        operators: CRITERIA_OPERATORS,
        total,
        members,
        policies: policies.map(|p| p.policies).unwrap_or_default(),
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
    group_page(&console, &visit, &ctx, &id, None, Outcome::Nothing).await
}

pub async fn save(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path(id): Path<String>,
    Form(form): Form<GroupForm>,
) -> PageResult {
    let path = format!("/resource-groups/{}", segment(&id));
    let saved = console
        .api
        .call::<_, ResourceGroup>(&visit.who, Method::PUT, &path, &form.body())
        .await;
    match saved {
        Ok(_) => group_page(&console, &visit, &ctx, &id, None, Outcome::done("Saved.")).await,
        Err(refusal) => {
            let outcome = Outcome::Refused(refusal);
            group_page(&console, &visit, &ctx, &id, Some(form), outcome).await
        }
    }
}

#[derive(Deserialize)]
pub struct PolicyForm {
    #[serde(default)]
    password_policy: String,
}

pub async fn set_policy(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path(id): Path<String>,
    Form(form): Form<PolicyForm>,
) -> PageResult {
    let path = format!("/resource-groups/{}/password-policy", segment(&id));
    let body = GroupPolicyBody {
        password_policy: form.password_policy,
    };
    let outcome = match console
        .api
        .call::<_, GroupPolicyResult>(&visit.who, Method::PUT, &path, &body)
        .await
    {
        Ok(r) => Outcome::done(format!(
            "The policy now applies to {} resource{}.",
            r.resources,
            if r.resources == 1 { "" } else { "s" }
        )),
        Err(refusal) => Outcome::Refused(refusal),
    };
    group_page(&console, &visit, &ctx, &id, None, outcome).await
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
    let path = format!("/resource-groups/{}", segment(&id));
    let body = GroupDeleteConfirmation {
        confirm: form.confirm,
    };
    match console
        .api
        .call::<_, DeletedGroups>(&visit.who, Method::DELETE, &path, &body)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("{}/resources/groups", visit.base)).into_response()),
        Err(refusal) => {
            let outcome = Outcome::Refused(refusal);
            group_page(&console, &visit, &ctx, &id, None, outcome).await
        }
    }
}

#[derive(Template)]
#[template(path = "resource_group_report.html")]
struct ReportPage {
    c: Chrome,
    id: String,
    days: u32,
    rows: Vec<GroupReportRow>,
}

#[derive(Deserialize)]
pub struct ReportForm {
    #[serde(default = "ninety")]
    days: u32,
}

fn ninety() -> u32 {
    90
}

/// The group's resources and accounts by type, with the passwords older than `days`.
pub async fn report(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path(id): Path<String>,
    axum::extract::Query(form): axum::extract::Query<ReportForm>,
) -> PageResult {
    let path = format!(
        "/resource-groups/{}/report?days={}",
        segment(&id),
        form.days
    );
    let report: GroupReport = console.api.get(&visit.who, &path).await?;
    Ok(crate::console::render(&ReportPage {
        c: Chrome::signed(&visit, &ctx),
        id,
        days: form.days,
        rows: report.rows,
    })
    .into_response())
}
