//! The signed-in user's API keys: the list, making one (its key shown once, on the page
//! that made it) and revoking one; and their sessions, each of which they may end.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::Method;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use strongroom_auth::RequestContext;

use super::Chrome;
use super::paths::segment;
use crate::console::session::{Form, NoFields, Signed, Visit};
use crate::console::{Console, Outcome, PageResult};
use crate::dto::api_keys::{ApiKey, ApiKeyList, CreatedApiKey, NewApiKey};
use crate::dto::auth::{Session, SessionList};

#[derive(Template)]
#[template(path = "keys.html")]
struct KeysPage {
    c: Chrome,
    keys: Vec<ApiKey>,
    created: Option<CreatedApiKey>,
    error: Option<String>,
}

async fn keys_page(
    console: &Console,
    visit: &Visit,
    ctx: &RequestContext,
    created: Option<CreatedApiKey>,
    outcome: Outcome,
) -> PageResult {
    let list: ApiKeyList = console.api.get(&visit.who, "/api-keys").await?;
    let page = KeysPage {
        c: Chrome::signed(visit, ctx),
        keys: list.keys,
        created,
        error: outcome.error(),
    };
    Ok(outcome.respond(&page))
}

pub async fn list(State(console): State<Console>, Signed { visit, ctx }: Signed) -> PageResult {
    keys_page(&console, &visit, &ctx, None, Outcome::Nothing).await
}

#[derive(Deserialize)]
pub struct KeyForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    expires_at: String,
    #[serde(default)]
    allowed_cidrs: String,
}

pub async fn add(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Form(form): Form<KeyForm>,
) -> PageResult {
    let body = NewApiKey {
        name: form.name,
        expires_at: Some(form.expires_at.trim().to_owned()).filter(|e| !e.is_empty()),
        allowed_cidrs: form
            .allowed_cidrs
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect(),
    };
    // The key is shown on this page only: it is in no address and never stored here.
    match console
        .api
        .call::<_, CreatedApiKey>(&visit.who, Method::POST, "/api-keys", &body)
        .await
    {
        Ok(created) => keys_page(&console, &visit, &ctx, Some(created), Outcome::Nothing).await,
        Err(refusal) => keys_page(&console, &visit, &ctx, None, Outcome::Refused(refusal)).await,
    }
}

pub async fn revoke(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path(id): Path<String>,
    Form(_): Form<NoFields>,
) -> PageResult {
    let path = format!("/api-keys/{}", segment(&id));
    match console
        .api
        .send(&visit.who, Method::DELETE, &path, None)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("{}/keys", visit.base)).into_response()),
        Err(refusal) => keys_page(&console, &visit, &ctx, None, Outcome::Refused(refusal)).await,
    }
}

#[derive(Template)]
#[template(path = "sessions.html")]
struct SessionsPage {
    c: Chrome,
    sessions: Vec<Session>,
    error: Option<String>,
}

async fn sessions_page(
    console: &Console,
    visit: &Visit,
    ctx: &RequestContext,
    outcome: Outcome,
) -> PageResult {
    let list: SessionList = console.api.get(&visit.who, "/sessions").await?;
    let page = SessionsPage {
        c: Chrome::signed(visit, ctx),
        sessions: list.sessions,
        error: outcome.error(),
    };
    Ok(outcome.respond(&page))
}

pub async fn sessions(State(console): State<Console>, Signed { visit, ctx }: Signed) -> PageResult {
    sessions_page(&console, &visit, &ctx, Outcome::Nothing).await
}

pub async fn end_session(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path(id): Path<String>,
    Form(_): Form<NoFields>,
) -> PageResult {
    let path = format!("/sessions/{}", segment(&id));
    match console
        .api
        .send(&visit.who, Method::DELETE, &path, None)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("{}/sessions", visit.base)).into_response()),
        Err(refusal) => sessions_page(&console, &visit, &ctx, Outcome::Refused(refusal)).await,
    }
}
