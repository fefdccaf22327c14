//! The org's user groups and roles: listing, adding and removing them.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::Method;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use strongroom_auth::RequestContext;

use super::Chrome;
use super::paths::segment;
use crate::console::session::{Form, NoFields, Signed, Visit};
use crate::console::{Console, Outcome, PageError, PageResult};
use crate::dto::groups::{Group, GroupList, NewGroup};
use crate::dto::roles::{Permission, Role, RoleBody, RoleList};
use crate::dto::users::{User, UserList};

#[derive(Template)]
#[template(path = "groups.html")]
struct GroupsPage {
    c: Chrome,
    groups: Vec<Group>,
    error: Option<String>,
}

async fn groups_page(
    console: &Console,
    visit: &Visit,
    ctx: &RequestContext,
    outcome: Outcome,
) -> PageResult {
    let list: GroupList = console.api.get(&visit.who, "/groups").await?;
    let page = GroupsPage {
        c: Chrome::signed(visit, ctx),
        groups: list.groups,
        error: outcome.error(),
    };
    Ok(outcome.respond(&page))
}

pub async fn groups(State(console): State<Console>, Signed { visit, ctx }: Signed) -> PageResult {
    groups_page(&console, &visit, &ctx, Outcome::Nothing).await
}

#[derive(Deserialize)]
pub struct GroupForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
}

pub async fn add_group(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Form(form): Form<GroupForm>,
) -> PageResult {
    let body = NewGroup {
        name: form.name,
        description: form.description,
    };
    match console
        .api
        .call::<_, Group>(&visit.who, Method::POST, "/groups", &body)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("{}/groups", visit.base)).into_response()),
        Err(refusal) => groups_page(&console, &visit, &ctx, Outcome::Refused(refusal)).await,
    }
}

pub async fn remove_group(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path(id): Path<String>,
    Form(_): Form<NoFields>,
) -> PageResult {
    let path = format!("/groups/{}", segment(&id));
    match console
        .api
        .send(&visit.who, Method::DELETE, &path, None)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("{}/groups", visit.base)).into_response()),
        Err(refusal) => groups_page(&console, &visit, &ctx, Outcome::Refused(refusal)).await,
    }
}

#[derive(Template)]
#[template(path = "group.html")]
struct GroupPage {
    c: Chrome,
    group: Group,
    members: Vec<User>,
    /// Users who could join.
    others: Vec<User>,
    notice: Option<String>,
    error: Option<String>,
}

async fn group_page(
    console: &Console,
    visit: &Visit,
    ctx: &RequestContext,
    id: &str,
    outcome: Outcome,
) -> PageResult {
    let members_path = format!("/groups/{}/members", segment(id));
    let (groups, members, users) = tokio::join!(
        console.api.get::<GroupList>(&visit.who, "/groups"),
        console.api.get::<UserList>(&visit.who, &members_path),
        console.api.get::<UserList>(&visit.who, "/users"),
    );
    let group = groups?
        .groups
        .into_iter()
        .find(|g| g.id == id)
        .ok_or(PageError::NotFound)?;
    let members = members?.users;
    let others = users
        .map(|l| l.users)
        .unwrap_or_default()
        .into_iter()
        .filter(|u| !members.iter().any(|m| m.id == u.id))
        .collect();
    let page = GroupPage {
        c: Chrome::signed(visit, ctx),
        group,
        members,
        others,
        notice: outcome.notice(),
        error: outcome.error(),
    };
    Ok(outcome.respond(&page))
}

pub async fn group(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path(id): Path<String>,
) -> PageResult {
    group_page(&console, &visit, &ctx, &id, Outcome::Nothing).await
}

#[derive(Deserialize)]
pub struct MemberForm {
    #[serde(default)]
    user_id: String,
}

pub async fn add_member(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path(id): Path<String>,
    Form(form): Form<MemberForm>,
) -> PageResult {
    let path = format!(
        "/groups/{}/members/{}",
        segment(&id),
        segment(&form.user_id)
    );
    let added = console.api.send(&visit.who, Method::PUT, &path, None).await;
    group_page(&console, &visit, &ctx, &id, Outcome::of(added, "Added.")).await
}

pub async fn remove_member(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path((id, user)): Path<(String, String)>,
    Form(_): Form<NoFields>,
) -> PageResult {
    let path = format!("/groups/{}/members/{}", segment(&id), segment(&user));
    let removed = console
        .api
        .send(&visit.who, Method::DELETE, &path, None)
        .await;
    group_page(
        &console,
        &visit,
        &ctx,
        &id,
        Outcome::of(removed, "Removed."),
    )
    .await
}

#[derive(Template)]
#[template(path = "roles.html")]
struct RolesPage {
    c: Chrome,
    roles: Vec<Role>,
    permissions: Vec<Permission>,
    error: Option<String>,
}

async fn roles_page(
    console: &Console,
    visit: &Visit,
    ctx: &RequestContext,
    outcome: Outcome,
) -> PageResult {
    let list: RoleList = console.api.get(&visit.who, "/roles").await?;
    let page = RolesPage {
        c: Chrome::signed(visit, ctx),
        roles: list.roles,
        permissions: list.permissions,
        error: outcome.error(),
    };
    Ok(outcome.respond(&page))
}

pub async fn roles(State(console): State<Console>, Signed { visit, ctx }: Signed) -> PageResult {
    roles_page(&console, &visit, &ctx, Outcome::Nothing).await
}

/// The role form repeats `permissions` once per box ticked, so it is read as pairs.
fn role_body(pairs: &[(String, String)]) -> RoleBody {
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    RoleBody {
        name: field("name"),
        description: field("description"),
        permissions: pairs
            .iter()
            .filter(|(k, _)| k == "permissions")
            .map(|(_, v)| v.clone())
            .collect(),
    }
}

pub async fn add_role(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let body = role_body(&pairs);
    match console
        .api
        .call::<_, Role>(&visit.who, Method::POST, "/roles", &body)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("{}/roles", visit.base)).into_response()),
        Err(refusal) => roles_page(&console, &visit, &ctx, Outcome::Refused(refusal)).await,
    }
}

pub async fn remove_role(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path(name): Path<String>,
    Form(_): Form<NoFields>,
) -> PageResult {
    let path = format!("/roles/{}", segment(&name));
    match console
        .api
        .send(&visit.who, Method::DELETE, &path, None)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("{}/roles", visit.base)).into_response()),
        Err(refusal) => roles_page(&console, &visit, &ctx, Outcome::Refused(refusal)).await,
    }
}

#[derive(Template)]
#[template(path = "role.html")]
struct RolePage {
    c: Chrome,
    role: Role,
    permissions: Vec<Permission>,
    notice: Option<String>,
    error: Option<String>,
}

async fn role_page(
    console: &Console,
    visit: &Visit,
    ctx: &RequestContext,
    name: &str,
    outcome: Outcome,
) -> PageResult {
    let list: RoleList = console.api.get(&visit.who, "/roles").await?;
    let role = list
        .roles
        .into_iter()
        .find(|r| r.name == name && !r.built_in)
        .ok_or(PageError::NotFound)?;
    let page = RolePage {
        c: Chrome::signed(visit, ctx),
        role,
        permissions: list.permissions,
        notice: outcome.notice(),
        error: outcome.error(),
    };
    Ok(outcome.respond(&page))
}

/// A custom role's page, to change its description and what it allows.
pub async fn role(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path(name): Path<String>,
) -> PageResult {
    role_page(&console, &visit, &ctx, &name, Outcome::Nothing).await
}

pub async fn save_role(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path(name): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let mut body = role_body(&pairs);
    body.name = name.clone();
    let path = format!("/roles/{}", segment(&name));
    let saved = console
        .api
        .call::<_, Role>(&visit.who, Method::PUT, &path, &body)
        .await;
    role_page(&console, &visit, &ctx, &name, Outcome::of(saved, "Saved.")).await
}
