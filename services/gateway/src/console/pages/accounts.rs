//! An account: its details and password history, revealing its password with a reason
//! (audited like any reveal; the page hides it again after a while), changing the
//! password (typed or generated, with a reason) and deleting the account.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::Method;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use strongroom_auth::RequestContext;

use super::Chrome;
use super::group_tree::{TreeNode, static_groups};
use super::paths::segment;
use super::resources::{DeleteForm, detail_page};
use crate::console::client::Refusal;
use crate::console::session::{Form, NoFields, Signed, Visit};
use crate::console::{Console, Outcome, PageResult, render};
use crate::dto::vault::{
    Account, AccountMove, DeleteConfirmation, Deleted, NewPassword, PasswordHistory,
    PasswordVersion, Reason, Resource, ResourcePage, RevealedPassword,
};

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    c: Chrome,
    account: Account,
    history: Vec<PasswordVersion>,
    /// Why the history is not shown (a password under access control without a checkout).
    history_refused: Option<String>,
    /// Static groups the account may be put in or taken out of.
    groups: Vec<TreeNode>,
    notice: Option<String>,
    error: Option<String>,
}

pub async fn account_page(
    console: &Console,
    visit: &Visit,
    ctx: &RequestContext,
    id: &str,
    outcome: Outcome,
) -> PageResult {
    let account_path = format!("/accounts/{}", segment(id));
    let history_path = format!("{account_path}/password-history");
    let (account, history, groups) = tokio::join!(
        console.api.get::<Account>(&visit.who, &account_path),
        console
            .api
            .get::<PasswordHistory>(&visit.who, &history_path),
        static_groups(console, visit),
    );
    let (history, history_refused) = match history {
        Ok(h) => (h.versions, None),
        Err(refusal) if refusal.status == axum::http::StatusCode::FORBIDDEN => {
            (Vec::new(), Some(refusal.message))
        }
        Err(refusal) => return Err(refusal.into()),
    };
    let page = AccountPage {
        c: Chrome::signed(visit, ctx),
        account: account?,
        history,
        history_refused,
        groups,
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
    account_page(&console, &visit, &ctx, &id, Outcome::Nothing).await
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    generate: bool,
    #[serde(default)]
    reason: String,
}

pub async fn set_password(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path(id): Path<String>,
    Form(form): Form<PasswordForm>,
) -> PageResult {
    let body = NewPassword {
        password: form.password,
        generate: form.generate,
        reason: form.reason,
    };
    let path = format!("/accounts/{}/password", segment(&id));
    let outcome = match console
        .api
        .call::<_, PasswordVersion>(&visit.who, Method::PUT, &path, &body)
        .await
    {
        Ok(version) => Outcome::done(format!(
            "The password is changed: version {} is current.",
            version.version
        )),
        Err(refusal) => Outcome::Refused(refusal),
    };
    account_page(&console, &visit, &ctx, &id, outcome).await
}

pub async fn delete(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path(id): Path<String>,
    Form(form): Form<DeleteForm>,
) -> PageResult {
    let account: Account = console
        .api
        .get(&visit.who, &format!("/accounts/{}", segment(&id)))
        .await?;
    let body = DeleteConfirmation {
        confirm: form.confirm,
        purge: form.purge,
    };
    match console
        .api
        .call::<_, Deleted>(
            &visit.who,
            Method::DELETE,
            &format!("/accounts/{}", segment(&id)),
            &body,
        )
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!(
            "{}/resources/{}",
            visit.base,
            segment(&account.resource_id)
        ))
        .into_response()),
        Err(refusal) => account_page(&console, &visit, &ctx, &id, Outcome::Refused(refusal)).await,
    }
}

#[derive(Template)]
#[template(path = "reveal.html")]
struct RevealPage {
    c: Chrome,
    account: Account,
    /// An earlier version's number; `None` for the current password.
    version: Option<u32>,
    reason: String,
    password: String,
    hide_after: u32,
}

#[derive(Deserialize)]
pub struct RevealForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    ticket_id: String,
}

/// A reveal's query: the reason and the ticket given.
fn reveal_query(reason: &str, ticket_id: &str) -> String {
    serde_urlencoded::to_string([("reason", reason), ("ticket_id", ticket_id.trim())])
        .unwrap_or_default()
}

/// Reveals a password (a POST: never in an address, history or cache) with the reason
/// given, which the trail keeps with the reveal.
pub async fn reveal(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path(id): Path<String>,
    Form(form): Form<RevealForm>,
) -> PageResult {
    let account: Account = console
        .api
        .get(&visit.who, &format!("/accounts/{}", segment(&id)))
        .await?;
    let query = reveal_query(&form.reason, &form.ticket_id);
    let path = format!("/accounts/{}/password?{query}", segment(&id));
    match console.api.get::<RevealedPassword>(&visit.who, &path).await {
        Ok(revealed) => Ok(render(&RevealPage {
            c: Chrome::signed(&visit, &ctx),
            account,
            version: None,
            reason: form.reason,
            password: revealed.password,
            hide_after: console.reveal_seconds,
        })),
        Err(refusal) => {
            let resource = account.resource_id.clone();
            detail_page(&console, &visit, &ctx, &resource, Outcome::Refused(refusal)).await
        }
    }
}

#[derive(Deserialize)]
pub struct VersionForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    ticket_id: String,
}

/// An earlier version of the password: revealed (audited with the reason) or made current
/// again (a new version, with the reason).
pub async fn version(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path((id, version)): Path<(String, u32)>,
    Form(form): Form<VersionForm>,
) -> PageResult {
    let base = format!("/accounts/{}/password-history/{version}", segment(&id));
    if form.action == "revert" {
        let body = Reason {
            reason: form.reason,
        };
        let outcome = match console
            .api
            .call::<_, PasswordVersion>(&visit.who, Method::POST, &format!("{base}/revert"), &body)
            .await
        {
            Ok(v) => Outcome::done(format!(
                "Version {version} is current again, as version {}.",
                v.version
            )),
            Err(refusal) => Outcome::Refused(refusal),
        };
        return account_page(&console, &visit, &ctx, &id, outcome).await;
    }
    let account: Account = console
        .api
        .get(&visit.who, &format!("/accounts/{}", segment(&id)))
        .await?;
    let query = reveal_query(&form.reason, &form.ticket_id);
    match console
        .api
        .get::<RevealedPassword>(&visit.who, &format!("{base}/password?{query}"))
        .await
    {
        Ok(revealed) => Ok(render(&RevealPage {
            c: Chrome::signed(&visit, &ctx),
            account,
            version: Some(version),
            reason: form.reason,
            password: revealed.password,
            hide_after: console.reveal_seconds,
        })),
        Err(refusal) => account_page(&console, &visit, &ctx, &id, Outcome::Refused(refusal)).await,
    }
}

pub async fn restore(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path(id): Path<String>,
    Form(_): Form<NoFields>,
) -> PageResult {
    let restored = console
        .api
        .ask::<Account>(
            &visit.who,
            Method::POST,
            &format!("/accounts/{}/restore", segment(&id)),
        )
        .await;
    let outcome = Outcome::of(restored, "The account is back from the trash.");
    account_page(&console, &visit, &ctx, &id, outcome).await
}

#[derive(Deserialize)]
pub struct MoveForm {
    /// The name of the resource the account goes to.
    #[serde(default)]
    resource: String,
}

/// Moves the account, with its password history, to the resource of that name (the one
/// whose name matches exactly, among those the API finds for it).
pub async fn move_account(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path(id): Path<String>,
    Form(form): Form<MoveForm>,
) -> PageResult {
    let outcome = match resource_named(&console, &visit, form.resource.trim()).await {
        Ok(resource) => {
            let path = format!("/accounts/{}/move", segment(&id));
            let body = AccountMove {
                resource_id: resource.id,
            };
            let moved = console
                .api
                .call::<_, Account>(&visit.who, Method::POST, &path, &body)
                .await;
            Outcome::of(moved, &format!("Moved to {}.", resource.name))
        }
        Err(refusal) => Outcome::Refused(refusal),
    };
    account_page(&console, &visit, &ctx, &id, outcome).await
}

async fn resource_named(console: &Console, visit: &Visit, name: &str) -> Result<Resource, Refusal> {
    if name.is_empty() {
        return Err(Refusal::bad_input(
            "name the resource to move the account to",
        ));
    }
    let query = serde_urlencoded::to_string([("q", name), ("limit", "100")]).unwrap_or_default();
    let found: ResourcePage = console
        .api
        .get(&visit.who, &format!("/resources?{query}"))
        .await?;
    let mut named = found
        .resources
        .into_iter()
        .filter(|r| r.name.eq_ignore_ascii_case(name));
    match (named.next(), named.next()) {
        (Some(resource), None) => Ok(resource),
        (None, _) => Err(Refusal::bad_input(format!(
            "no resource you manage is named {name}"
        ))),
        (Some(_), Some(_)) => Err(Refusal::bad_input(format!(
            "several resources are named {name}; rename one first"
        ))),
    }
}
