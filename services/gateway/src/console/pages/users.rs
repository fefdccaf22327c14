//! The org's users: the list with search, and adding one with a one-time password.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::Method;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::Chrome;
use crate::console::session::{Form, Signed, Visit};
use crate::console::{Console, PageResult, render};
use crate::dto::users::{NewUser, User, UserList};
use strongroom_auth::RequestContext;

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    c: Chrome,
    q: String,
    users: Vec<User>,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct UsersQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    added: String,
}

async fn page(
    console: &Console,
    visit: &Visit,
    ctx: &RequestContext,
    q: String,
    notice: Option<String>,
    error: Option<String>,
) -> PageResult {
    let path = format!(
        "/users?{}",
        serde_urlencoded::to_string([("q", &q)]).unwrap_or_default()
    );
    let list: UserList = console.api.get(&visit.who, &path).await?;
    let status = if error.is_some() {
        axum::http::StatusCode::BAD_REQUEST
    } else {
        axum::http::StatusCode::OK
    };
    let page = UsersPage {
        c: Chrome::signed(visit, ctx),
        q,
        users: list.users,
        notice,
        error,
    };
    Ok((status, render(&page)).into_response())
}

pub async fn list(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Query(query): Query<UsersQuery>,
) -> PageResult {
    let notice = (!query.added.is_empty()).then(|| {
        format!(
            "{} is added. They choose their own password when they first sign in.",
            query.added
        )
    });
    page(&console, &visit, &ctx, query.q, notice, None).await
}

#[derive(Deserialize)]
pub struct UserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
}

pub async fn add(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Form(form): Form<UserForm>,
) -> Result<Response, crate::console::PageError> {
    let body = NewUser {
        username: form.username.clone(),
        full_name: form.full_name,
        email: form.email,
        department: String::new(),
        location: String::new(),
        role: form.role,
        password: form.password,
    };
    match console
        .api
        .call::<_, User>(&visit.who, Method::POST, "/users", &body)
        .await
    {
        Ok(user) => {
            let query =
                serde_urlencoded::to_string([("added", &user.username)]).unwrap_or_default();
            Ok(Redirect::to(&format!("{}/users?{query}", visit.base)).into_response())
        }
        Err(refusal) => {
            page(
                &console,
                &visit,
                &ctx,
                String::new(),
                None,
                Some(refusal.message),
            )
            .await
        }
    }
}
