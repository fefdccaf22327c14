//! Sharing: who an account, resource or resource group is shared with, sharing it with a
//! user or user group at View, Modify or Full access (optionally until a time), ending a
//! share; and what is shared with the signed-in user.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::Method;
use serde::Deserialize;
use strongroom_auth::RequestContext;

use super::Chrome;
use super::group_tree::{rows, tree};
use super::paths::segment;
use crate::console::session::{Form, NoFields, Signed, Visit};
use crate::console::{Console, Outcome, PageResult};
use crate::dto::groups::GroupList;
use crate::dto::shares::{GranteeKind, Share, ShareBody, ShareLevel, ShareList};
use crate::dto::users::UserList;
use crate::dto::vault::{Account, ResourceDetail};

/// What a sharing page is about.
#[derive(Clone, Copy)]
pub enum Kind {
    Account,
    Resource,
    ResourceGroup,
}

impl Kind {
    /// Its path in the API.
    pub(super) fn path(self) -> &'static str {
        match self {
            Kind::Account => "accounts",
            Kind::Resource => "resources",
            Kind::ResourceGroup => "resource-groups",
        }
    }

    /// Its path in the console.
    pub(super) fn page(self) -> &'static str {
        match self {
            Kind::Account => "accounts",
            Kind::Resource => "resources",
            Kind::ResourceGroup => "resources/groups",
        }
    }

    pub(super) fn noun(self) -> &'static str {
        match self {
            Kind::Account => "account",
            Kind::Resource => "resource",
            Kind::ResourceGroup => "resource group",
        }
    }
}

/// Someone the target may be shared with, as the form offers them.
struct Choice {
    value: String,
    label: String,
}

#[derive(Template)]
#[template(path = "sharing.html")]
struct SharingPage {
    c: Chrome,
    noun: &'static str,
    name: String,
    /// The console page of the target itself.
    back: String,
    /// This page's path under the console's base.
    here: String,
    /// `None` when the caller may not see the shares (not the owner, no Full access).
    shares: Option<Vec<Share>>,
    refused: Option<String>,
    choices: Vec<Choice>,
    notice: Option<String>,
    error: Option<String>,
}

/// The target's name and its console page.
pub(super) async fn named(
    console: &Console,
    visit: &Visit,
    kind: Kind,
    id: &str,
) -> (String, String) {
    let back = format!("{}/{}/{}", visit.base, kind.page(), segment(id));
    let name = match kind {
        Kind::Account => console
            .api
            .get::<Account>(&visit.who, &format!("/accounts/{}", segment(id)))
            .await
            .map(|a| format!("{}/{}", a.resource_name, a.username))
            .ok(),
        Kind::Resource => console
            .api
            .get::<ResourceDetail>(&visit.who, &format!("/resources/{}", segment(id)))
            .await
            .map(|d| d.resource.name)
            .ok(),
        Kind::ResourceGroup => tree(console, visit).await.ok().and_then(|groups| {
            let mut found = Vec::new();
            rows(&groups, 0, &mut found);
            found
                .into_iter()
                .find(|r| r.node.id == id)
                .map(|r| r.node.name)
        }),
    };
    (
        name.unwrap_or_else(|| format!("this {}", kind.noun())),
        back,
    )
}

/// The users and user groups the caller may list, as the form offers them (none for a
/// caller who may not list them: they type an id instead).
async fn choices(console: &Console, visit: &Visit) -> Vec<Choice> {
    let (users, groups) = tokio::join!(
        console.api.get::<UserList>(&visit.who, "/users"),
        console.api.get::<GroupList>(&visit.who, "/groups"),
    );
    let users = users.map(|l| l.users).unwrap_or_default();
    let groups = groups.map(|l| l.groups).unwrap_or_default();
    users
        .into_iter()
        .map(|u| Choice {
            value: format!("user:{}", u.id),
            label: format!("user {}", u.username),
        })
        .chain(groups.into_iter().map(|g| Choice {
            value: format!("user_group:{}", g.id),
            label: format!("group {}", g.name),
        }))
        .collect()
}

async fn sharing_page(
    console: &Console,
    visit: &Visit,
    ctx: &RequestContext,
    kind: Kind,
    id: &str,
    outcome: Outcome,
) -> PageResult {
    let shares_path = format!("/{}/{}/shares", kind.path(), segment(id));
    let ((name, back), listed, choices) = tokio::join!(
        named(console, visit, kind, id),
        console.api.get::<ShareList>(&visit.who, &shares_path),
        choices(console, visit),
    );
    let (shares, refused) = match listed {
        Ok(list) => (Some(list.shares), None),
        Err(refusal) if refusal.status == axum::http::StatusCode::NOT_FOUND => {
            return Err(refusal.into());
        }
        Err(refusal) => (None, Some(refusal.message)),
    };
    let page = SharingPage {
        c: Chrome::signed(visit, ctx),
        noun: kind.noun(),
        name,
        back,
        here: format!("/{}/{}/sharing", kind.page(), segment(id)),
        shares,
        refused,
        choices,
        notice: outcome.notice(),
        error: outcome.error(),
    };
    Ok(outcome.respond(&page))
}

async fn show(
    console: Console,
    visit: Visit,
    ctx: RequestContext,
    kind: Kind,
    id: String,
) -> PageResult {
    sharing_page(&console, &visit, &ctx, kind, &id, Outcome::Nothing).await
}

pub async fn show_account(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path(id): Path<String>,
) -> PageResult {
    show(console, visit, ctx, Kind::Account, id).await
}

pub async fn show_resource(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path(id): Path<String>,
) -> PageResult {
    show(console, visit, ctx, Kind::Resource, id).await
}

pub async fn show_group(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path(id): Path<String>,
) -> PageResult {
    show(console, visit, ctx, Kind::ResourceGroup, id).await
}

#[derive(Deserialize)]
pub struct ShareForm {
    /// `user:<id>` or `user_group:<id>` from the list, or typed.
    #[serde(default)]
    grantee: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    expires_at: String,
    #[serde(default)]
    use_without_seeing: bool,
}

/// The share the form asks for, or what is wrong with it.
fn share_body(form: ShareForm) -> Result<ShareBody, String> {
    let (kind, id) = form
        .grantee
        .trim()
        .split_once(':')
        .ok_or("Choose a user or user group to share with.")?;
    let grantee_kind = match kind {
        "user" => GranteeKind::User,
        "user_group" => GranteeKind::UserGroup,
        _ => return Err("Choose a user or user group to share with.".into()),
    };
    let level = match form.level.as_str() {
        "view" => ShareLevel::View,
        "modify" => ShareLevel::Modify,
        "full" => ShareLevel::Full,
        _ => return Err("Choose View, Modify or Full access.".into()),
    };
    Ok(ShareBody {
        grantee_kind,
        grantee_id: id.trim().to_owned(),
        level,
        expires_at: Some(form.expires_at.trim().to_owned()).filter(|e| !e.is_empty()),
        use_without_seeing: form.use_without_seeing,
    })
}

async fn share(
    console: Console,
    visit: Visit,
    ctx: RequestContext,
    kind: Kind,
    id: String,
    form: ShareForm,
) -> PageResult {
    let outcome = match share_body(form) {
        Err(message) => Outcome::Refused(crate::console::client::Refusal {
            status: axum::http::StatusCode::BAD_REQUEST,
            message,
        }),
        Ok(body) => {
            let path = format!("/{}/{}/shares", kind.path(), segment(&id));
            match console
                .api
                .call::<_, Share>(&visit.who, Method::POST, &path, &body)
                .await
            {
                Ok(s) => Outcome::done(format!(
                    "Shared with {} at {} access.",
                    s.grantee_name,
                    level_name(&s.level)
                )),
                Err(refusal) => Outcome::Refused(refusal),
            }
        }
    };
    sharing_page(&console, &visit, &ctx, kind, &id, outcome).await
}

pub async fn share_account(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path(id): Path<String>,
    Form(form): Form<ShareForm>,
) -> PageResult {
    share(console, visit, ctx, Kind::Account, id, form).await
}

pub async fn share_resource(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path(id): Path<String>,
    Form(form): Form<ShareForm>,
) -> PageResult {
    share(console, visit, ctx, Kind::Resource, id, form).await
}

pub async fn share_group(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path(id): Path<String>,
    Form(form): Form<ShareForm>,
) -> PageResult {
    share(console, visit, ctx, Kind::ResourceGroup, id, form).await
}

async fn end(
    console: Console,
    visit: Visit,
    ctx: RequestContext,
    kind: Kind,
    id: String,
    share: String,
) -> PageResult {
    let path = format!(
        "/{}/{}/shares/{}",
        kind.path(),
        segment(&id),
        segment(&share)
    );
    let ended = console
        .api
        .ask::<Share>(&visit.who, Method::DELETE, &path)
        .await;
    let outcome = match ended {
        Ok(s) => Outcome::done(format!("The share with {} has ended.", s.grantee_name)),
        Err(refusal) => Outcome::Refused(refusal),
    };
    sharing_page(&console, &visit, &ctx, kind, &id, outcome).await
}

pub async fn end_account(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path((id, share)): Path<(String, String)>,
    Form(_): Form<NoFields>,
) -> PageResult {
    end(console, visit, ctx, Kind::Account, id, share).await
}

pub async fn end_resource(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path((id, share)): Path<(String, String)>,
    Form(_): Form<NoFields>,
) -> PageResult {
    end(console, visit, ctx, Kind::Resource, id, share).await
}

pub async fn end_group(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path((id, share)): Path<(String, String)>,
    Form(_): Form<NoFields>,
) -> PageResult {
    end(console, visit, ctx, Kind::ResourceGroup, id, share).await
}

pub fn level_name(level: &ShareLevel) -> &'static str {
    match level {
        ShareLevel::View => "View",
        ShareLevel::Modify => "Modify",
        ShareLevel::Full => "Full",
    }
}

#[derive(Template)]
#[template(path = "shared_with_me.html")]
struct SharedWithMePage {
    c: Chrome,
    shares: Vec<Share>,
}

pub async fn shared_with_me(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
) -> PageResult {
    let list: ShareList = console.api.get(&visit.who, "/shared-with-me").await?;
    let page = SharedWithMePage {
        c: Chrome::signed(&visit, &ctx),
        shares: list.shares,
    };
    Ok(Outcome::Nothing.respond(&page))
}
