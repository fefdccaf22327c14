//! Resource groups: the tree, adding a static or dynamic group (its criteria as up to
//! four conditions), a group's page (edit, password policy for its resources, delete with
//! its name typed again) and its report by type, and putting resources and accounts into
//! a static group or taking them out.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::Method;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use serde_json::{Value, json};
use strongroom_auth::RequestContext;

use super::Chrome;
use super::resources::{TreeNode, flatten, segment};
use crate::console::client::Refusal;
use crate::console::session::{Form, NoFields, Signed, Visit};
use crate::console::{Console, Outcome, PageError, PageResult};
use crate::dto::resource_groups::{
    DeletedGroups, GroupDeleteConfirmation, GroupPolicyBody, GroupPolicyResult, GroupReport,
    GroupReportRow, ResourceGroup, ResourceGroupBody, ResourceGroupTree,
};
use crate::dto::vault::{PasswordPolicy, PasswordPolicyList, Resource, ResourcePage};

/// What a condition may look at, as the API names it, and as the page says it.
pub const CRITERIA_FIELDS: [(&str, &str); 6] = [
    ("type", "Type"),
    ("name", "Name"),
    ("host", "Host"),
    ("department", "Department"),
    ("location", "Location"),
    ("description", "Description"),
];
pub const CRITERIA_OPERATORS: [(&str, &str); 5] = [
    ("equals", "is"),
    ("not_equals", "is not"),
    ("contains", "contains"),
    ("starts_with", "starts with"),
    ("ends_with", "ends with"),
];

/// One condition row of the form.
#[derive(Default, Clone)]
pub struct Condition {
    pub field: String,
    pub operator: String,
    pub value: String,
}

/// The add and edit forms, as the page shows and posts them.
#[derive(Deserialize, Default)]
pub struct GroupForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    parent_id: String,
    #[serde(default)]
    description: String,
    /// `static` or `dynamic`.
    #[serde(default)]
    kind: String,
    /// `all` or `any`.
    #[serde(default, rename = "match")]
    matching: String,
    #[serde(default)]
    field_1: String,
    #[serde(default)]
    operator_1: String,
    #[serde(default)]
    value_1: String,
    #[serde(default)]
    field_2: String,
    #[serde(default)]
    operator_2: String,
    #[serde(default)]
    value_2: String,
    #[serde(default)]
    field_3: String,
    #[serde(default)]
    operator_3: String,
    #[serde(default)]
    value_3: String,
    #[serde(default)]
    field_4: String,
    #[serde(default)]
    operator_4: String,
    #[serde(default)]
    value_4: String,
}

impl GroupForm {
    /// The form's four condition rows, blank ones included (the API takes any number).
    pub fn conditions(&self) -> Vec<Condition> {
        [
            (&self.field_1, &self.operator_1, &self.value_1),
            (&self.field_2, &self.operator_2, &self.value_2),
            (&self.field_3, &self.operator_3, &self.value_3),
            (&self.field_4, &self.operator_4, &self.value_4),
        ]
        .into_iter()
        .map(|(field, operator, value)| Condition {
            field: field.clone(),
            operator: operator.clone(),
            value: value.clone(),
        })
        .collect()
    }

    pub fn is_dynamic(&self) -> bool {
        self.kind == "dynamic"
    }

    /// The API's body: a dynamic group's criteria from the rows with a value (the API
    /// checks them and says what is wrong).
    fn body(&self) -> ResourceGroupBody {
        let criteria = self.is_dynamic().then(|| {
            let conditions: Vec<Value> = self
                .conditions()
                .into_iter()
                .filter(|c| !c.value.trim().is_empty())
                .map(|c| json!({"field": c.field, "operator": c.operator, "value": c.value}))
                .collect();
            let matching = if self.matching == "any" { "any" } else { "all" };
            json!({"match": matching, "conditions": conditions})
        });
        ResourceGroupBody {
            name: self.name.clone(),
            parent_id: (!self.parent_id.is_empty()).then(|| self.parent_id.clone()),
            criteria,
            description: self.description.clone(),
        }
    }

    /// The form filled with a group as it is.
    fn of(group: &ResourceGroup) -> Self {
        let mut form = Self {
            name: group.name.clone(),
            parent_id: group.parent_id.clone().unwrap_or_default(),
            description: group.description.clone(),
            kind: group.kind.clone(),
            matching: group.criteria["match"].as_str().unwrap_or("all").to_owned(),
            ..Self::default()
        };
        let text = |c: &Value, key: &str| c[key].as_str().unwrap_or_default().to_owned();
        let rows = group.criteria["conditions"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let slots = [
            (&mut form.field_1, &mut form.operator_1, &mut form.value_1),
            (&mut form.field_2, &mut form.operator_2, &mut form.value_2),
            (&mut form.field_3, &mut form.operator_3, &mut form.value_3),
            (&mut form.field_4, &mut form.operator_4, &mut form.value_4),
        ];
        for (c, (field, operator, value)) in rows.iter().zip(slots) {
            *field = text(c, "field");
            *operator = text(c, "operator");
            *value = text(c, "value");
        }
        form
    }
}

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

/// A group as the list shows it: its place in the tree and its kind.
pub struct Row {
    pub node: TreeNode,
    pub kind: String,
}

fn rows(groups: &[ResourceGroup], depth: usize, into: &mut Vec<Row>) {
    for g in groups {
        into.push(Row {
            node: TreeNode {
                depth: depth.min(5),
                id: g.id.clone(),
                name: g.name.clone(),
                resources: g.resources,
            },
            kind: g.kind.clone(),
        });
        rows(&g.children, depth + 1, into);
    }
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

async fn tree(console: &Console, visit: &Visit) -> Result<Vec<ResourceGroup>, Refusal> {
    let tree: ResourceGroupTree = console.api.get(&visit.who, "/resource-groups").await?;
    Ok(tree.groups)
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

async fn group_page(
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

/// Static groups one can put something in, for the resource's and the account's pages.
pub async fn static_groups(console: &Console, visit: &Visit) -> Vec<TreeNode> {
    let groups = tree(console, visit).await.unwrap_or_default();
    let mut rows_found = Vec::new();
    rows(&groups, 0, &mut rows_found);
    rows_found
        .into_iter()
        .filter(|r| r.kind == "static")
        .map(|r| r.node)
        .collect()
}

#[derive(Deserialize)]
pub struct MemberForm {
    #[serde(default)]
    group_id: String,
}

/// Puts a resource or an account (`what`: `resources` or `accounts`) into a static group,
/// or (`on` false) takes it out.
async fn membership(
    console: &Console,
    visit: &Visit,
    what: &str,
    id: &str,
    group_id: &str,
    on: bool,
) -> Result<(), Refusal> {
    if group_id.is_empty() {
        return Err(Refusal::bad_input("choose a group"));
    }
    let path = format!(
        "/resource-groups/{}/{what}/{}",
        segment(group_id),
        segment(id)
    );
    if on {
        console
            .api
            .act(&visit.who, Method::PUT, &path, &json!({}))
            .await
    } else {
        console
            .api
            .send(&visit.who, Method::DELETE, &path, None)
            .await
            .map(|_| ())
    }
}

pub async fn add_resource(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path(id): Path<String>,
    Form(form): Form<MemberForm>,
) -> PageResult {
    let done = membership(&console, &visit, "resources", &id, &form.group_id, true).await;
    let outcome = Outcome::of(done, "Added to the group.");
    super::resources::detail_page(&console, &visit, &ctx, &id, outcome).await
}

/// From the group's page: takes a resource out of it.
pub async fn remove_resource(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path((id, resource_id)): Path<(String, String)>,
    Form(_): Form<NoFields>,
) -> PageResult {
    let done = membership(&console, &visit, "resources", &resource_id, &id, false).await;
    let outcome = Outcome::of(done, "Taken out of the group.");
    group_page(&console, &visit, &ctx, &id, None, outcome).await
}

pub async fn add_account(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path(id): Path<String>,
    Form(form): Form<MemberForm>,
) -> PageResult {
    let done = membership(&console, &visit, "accounts", &id, &form.group_id, true).await;
    let outcome = Outcome::of(done, "Added to the group.");
    super::accounts::account_page(&console, &visit, &ctx, &id, outcome).await
}

pub async fn remove_account(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path(id): Path<String>,
    Form(form): Form<MemberForm>,
) -> PageResult {
    let done = membership(&console, &visit, "accounts", &id, &form.group_id, false).await;
    let outcome = Outcome::of(done, "Taken out of the group.");
    super::accounts::account_page(&console, &visit, &ctx, &id, outcome).await
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
