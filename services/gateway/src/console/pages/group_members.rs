//! Putting resources and accounts into a static resource group or taking them out: from
//! the resource's and the account's pages, and from the group's own page.

use axum::extract::{Path, State};
use axum::http::Method;
use serde::Deserialize;
use serde_json::json;

use super::accounts::account_page;
use super::paths::segment;
use super::resource_groups::group_page;
use super::resources::detail_page;
use crate::console::client::Refusal;
use crate::console::session::{Form, NoFields, Signed, Visit};
use crate::console::{Console, Outcome, PageResult};

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
    detail_page(&console, &visit, &ctx, &id, outcome).await
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
    account_page(&console, &visit, &ctx, &id, outcome).await
}

pub async fn remove_account(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path(id): Path<String>,
    Form(form): Form<MemberForm>,
) -> PageResult {
    let done = membership(&console, &visit, "accounts", &id, &form.group_id, false).await;
    let outcome = Outcome::of(done, "Taken out of the group.");
    account_page(&console, &visit, &ctx, &id, outcome).await
}
