//! Exporting what the visitor may see for offline use: the API's file, passed on as the
//! download it is (never cached; audited by the vault before it is written); and the
//! org's export rules, which let or stop users and groups from exporting.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{Method, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use strongroom_auth::RequestContext;

use super::Chrome;
use super::paths::segment;
use crate::console::client::Refusal;
use crate::console::session::{Form, NoFields, Signed, Visit};
use crate::console::{Console, Outcome, PageResult, render};
use crate::dto::groups::{Group, GroupList};
use crate::dto::users::{User, UserList};
use crate::dto::vault::{ExportRequest, ExportRule, ExportRuleBody, ExportRules};

#[derive(Template)]
#[template(path = "export.html")]
struct ExportPage {
    c: Chrome,
    error: Option<String>,
}

pub async fn page(Signed { visit, ctx }: Signed) -> Response {
    render(&ExportPage {
        c: Chrome::signed(&visit, &ctx),
        error: None,
    })
}

#[derive(Deserialize)]
pub struct ExportForm {
    #[serde(default)]
    format: String,
    #[serde(default)]
    passphrase: String,
    #[serde(default)]
    ticket_id: String,
}

pub async fn export(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Form(form): Form<ExportForm>,
) -> Response {
    let body = ExportRequest {
        format: form.format,
        passphrase: form.passphrase,
        resource_ids: Vec::new(),
        group_id: String::new(),
        ticket_id: form.ticket_id.trim().to_owned(),
    };
    let body = match serde_json::to_vec(&body) {
        Ok(body) => body,
        Err(e) => {
            return crate::console::PageError::bad_input(e.to_string()).into_response();
        }
    };
    match console
        .api
        .send(&visit.who, Method::POST, "/export", Some(body))
        .await
    {
        Ok(reply) => {
            let mut response = reply.body.into_response();
            for name in [header::CONTENT_TYPE, header::CONTENT_DISPOSITION] {
                if let Some(value) = reply.headers.get(&name) {
                    response.headers_mut().insert(name, value.clone());
                }
            }
            response
        }
        Err(refusal) => {
            let page = ExportPage {
                c: Chrome::signed(&visit, &ctx),
                error: Some(refusal.message),
            };
            (refusal.status, render(&page)).into_response()
        }
    }
}

/// An export rule as the page shows it: whose it is, by name.
pub struct RuleRow {
    pub kind: String,
    pub id: String,
    pub name: String,
    pub allowed: bool,
    pub updated_by: String,
    pub updated_at: String,
}

#[derive(Template)]
#[template(path = "export_rules.html")]
struct RulesPage {
    c: Chrome,
    rules: Vec<RuleRow>,
    users: Vec<User>,
    groups: Vec<Group>,
    notice: Option<String>,
    error: Option<String>,
}

async fn rules_page(
    console: &Console,
    visit: &Visit,
    ctx: &RequestContext,
    outcome: Outcome,
) -> PageResult {
    let (rules, users, groups) = tokio::join!(
        console.api.get::<ExportRules>(&visit.who, "/export-rules"),
        console.api.get::<UserList>(&visit.who, "/users"),
        console.api.get::<GroupList>(&visit.who, "/groups"),
    );
    let users = users.map(|l| l.users).unwrap_or_default();
    let groups = groups.map(|l| l.groups).unwrap_or_default();
    let name_of = |kind: &str, id: &str| {
        let found = if kind == "user" {
            users
                .iter()
                .find(|u| u.id == id)
                .map(|u| u.username.clone())
        } else {
            groups.iter().find(|g| g.id == id).map(|g| g.name.clone())
        };
        found.unwrap_or_else(|| id.to_owned())
    };
    let rules = rules?
        .rules
        .into_iter()
        .map(|r| RuleRow {
            name: name_of(&r.principal_kind, &r.principal_id),
            kind: r.principal_kind,
            id: r.principal_id,
            allowed: r.allowed,
            updated_by: r.updated_by,
            updated_at: r.updated_at,
        })
        .collect();
    let page = RulesPage {
        c: Chrome::signed(visit, ctx),
        rules,
        users,
        groups,
        notice: outcome.notice(),
        error: outcome.error(),
    };
    Ok(outcome.respond(&page))
}

pub async fn rules(State(console): State<Console>, Signed { visit, ctx }: Signed) -> PageResult {
    rules_page(&console, &visit, &ctx, Outcome::Nothing).await
}

#[derive(Deserialize)]
pub struct RuleForm {
    /// `user:<id>` or `group:<id>`.
    #[serde(default)]
    principal: String,
    #[serde(default)]
    allowed: bool,
}

pub async fn save_rule(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Form(form): Form<RuleForm>,
) -> PageResult {
    let saved = match form.principal.split_once(':') {
        Some((kind, id)) => {
            let path = format!("/export-rules/{}/{}", segment(kind), segment(id));
            let body = ExportRuleBody {
                allowed: form.allowed,
            };
            console
                .api
                .call::<_, ExportRule>(&visit.who, Method::PUT, &path, &body)
                .await
                .map(|_| ())
        }
        None => Err(Refusal::bad_input("choose a user or a group")),
    };
    rules_page(
        &console,
        &visit,
        &ctx,
        Outcome::of(saved, "The rule is saved."),
    )
    .await
}

pub async fn remove_rule(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path((kind, id)): Path<(String, String)>,
    Form(_): Form<NoFields>,
) -> PageResult {
    let path = format!("/export-rules/{}/{}", segment(&kind), segment(&id));
    let removed = console
        .api
        .send(&visit.who, Method::DELETE, &path, None)
        .await;
    rules_page(
        &console,
        &visit,
        &ctx,
        Outcome::of(removed, "The rule is removed."),
    )
    .await
}
