//! The org's users: the list with search, adding one with a one-time password, and a
//! user's page: their details and role, a new one-time password, unlocking, ending their
//! sessions, and removing them (their resources going to another user); importing users
//! from a CSV file.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use strongroom_auth::RequestContext;

use super::Chrome;
use super::paths::segment;
use crate::console::client::Refusal;
use crate::console::session::{Form, NoFields, Signed, Visit, check_form};
use crate::console::{Console, Outcome, PageError, PageResult};
use crate::dto::users::{
    ImportReport, ImportUsersBody, NewPassword, NewUser, User, UserChanges, UserList,
};

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
    outcome: Outcome,
) -> PageResult {
    let path = format!(
        "/users?{}",
        serde_urlencoded::to_string([("q", &q)]).unwrap_or_default()
    );
    let list: UserList = console.api.get(&visit.who, &path).await?;
    let page = UsersPage {
        c: Chrome::signed(visit, ctx),
        q,
        users: list.users,
        notice: outcome.notice(),
        error: outcome.error(),
    };
    Ok(outcome.respond(&page))
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
    let outcome = notice.map(Outcome::done).unwrap_or_default();
    page(&console, &visit, &ctx, query.q, outcome).await
}

/// A password typed in a form; empty: none (it goes by mail).
fn given(password: String) -> Option<String> {
    (!password.is_empty()).then_some(password)
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
        password: given(form.password),
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
                Outcome::Refused(refusal),
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "user.html")]
struct UserPage {
    c: Chrome,
    user: User,
    /// Who could take over their resources.
    others: Vec<User>,
    notice: Option<String>,
    error: Option<String>,
}

async fn user_page(
    console: &Console,
    visit: &Visit,
    ctx: &RequestContext,
    id: &str,
    outcome: Outcome,
) -> PageResult {
    let user_path = format!("/users/{}", segment(id));
    let (user, all) = tokio::join!(
        console.api.get::<User>(&visit.who, &user_path),
        console.api.get::<UserList>(&visit.who, "/users"),
    );
    let user = user?;
    let others = all
        .map(|l| l.users)
        .unwrap_or_default()
        .into_iter()
        .filter(|u| u.id != user.id && u.status == "active")
        .collect();
    let page = UserPage {
        c: Chrome::signed(visit, ctx),
        user,
        others,
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
    user_page(&console, &visit, &ctx, &id, Outcome::Nothing).await
}

/// The user's page again, saying what was done or why the API refused it.
async fn after(
    console: &Console,
    visit: &Visit,
    ctx: &RequestContext,
    id: &str,
    done: Result<&str, Refusal>,
) -> PageResult {
    match done {
        Ok(notice) => user_page(console, visit, ctx, id, Outcome::done(notice)).await,
        Err(refusal) => user_page(console, visit, ctx, id, Outcome::Refused(refusal)).await,
    }
}

#[derive(Deserialize)]
pub struct EditForm {
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    status: String,
}

pub async fn edit(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path(id): Path<String>,
    Form(form): Form<EditForm>,
) -> PageResult {
    let changes = UserChanges {
        full_name: Some(form.full_name),
        email: Some(form.email),
        department: Some(form.department),
        location: Some(form.location),
        role: Some(form.role),
        status: Some(form.status),
    };
    let path = format!("/users/{}", segment(&id));
    let done = console
        .api
        .call::<_, User>(&visit.who, Method::PATCH, &path, &changes)
        .await
        .map(|_| "Saved.");
    after(&console, &visit, &ctx, &id, done).await
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    password: String,
}

pub async fn set_password(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path(id): Path<String>,
    Form(form): Form<PasswordForm>,
) -> PageResult {
    let path = format!("/users/{}/password", segment(&id));
    let by_mail = form.password.is_empty();
    let body = NewPassword {
        password: given(form.password),
    };
    let done = console
        .api
        .send(
            &visit.who,
            Method::PUT,
            &path,
            Some(serde_json::to_vec(&body).unwrap_or_default()),
        )
        .await
        .map(|r| {
            if r.status == StatusCode::ACCEPTED {
                "A second administrator must approve this reset: it waits in their approvals."
            } else if by_mail {
                "Their password no longer works and their sessions are ended; a one-time \
                 password goes to them by mail."
            } else {
                "The one-time password is set; their sessions are ended."
            }
        });
    after(&console, &visit, &ctx, &id, done).await
}

pub async fn unlock(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path(id): Path<String>,
    Form(_): Form<NoFields>,
) -> PageResult {
    let path = format!("/users/{}/unlock", segment(&id));
    let done = console
        .api
        .send(&visit.who, Method::POST, &path, None)
        .await
        .map(|_| "Unlocked.");
    after(&console, &visit, &ctx, &id, done).await
}

pub async fn end_sessions(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path(id): Path<String>,
    Form(_): Form<NoFields>,
) -> PageResult {
    let path = format!("/users/{}/sessions", segment(&id));
    let done = console
        .api
        .send(&visit.who, Method::DELETE, &path, None)
        .await
        .map(|_| "Every session of theirs is ended.");
    after(&console, &visit, &ctx, &id, done).await
}

#[derive(Deserialize)]
pub struct RemoveForm {
    #[serde(default)]
    transfer_to: String,
}

pub async fn remove(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path(id): Path<String>,
    Form(form): Form<RemoveForm>,
) -> PageResult {
    let query =
        serde_urlencoded::to_string([("transfer_to", &form.transfer_to)]).unwrap_or_default();
    let path = format!("/users/{}?{query}", segment(&id));
    match console
        .api
        .send(&visit.who, Method::DELETE, &path, None)
        .await
    {
        Ok(reply) if reply.status == StatusCode::ACCEPTED => {
            let done = Ok(
                "Their resources move once a second administrator approves; then they are removed.",
            );
            after(&console, &visit, &ctx, &id, done).await
        }
        Ok(_) => Ok(Redirect::to(&format!("{}/users", visit.base)).into_response()),
        Err(refusal) => after(&console, &visit, &ctx, &id, Err(refusal)).await,
    }
}

#[derive(Template)]
#[template(path = "users_import.html")]
struct ImportPage {
    c: Chrome,
    report: Option<ImportReport>,
    error: Option<String>,
}

pub async fn import_page(Signed { visit, ctx }: Signed) -> Response {
    crate::console::render(&ImportPage {
        c: Chrome::signed(&visit, &ctx),
        report: None,
        error: None,
    })
}

/// Imports the uploaded CSV file of users and shows the outcome row by row.
pub async fn import(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    headers: HeaderMap,
    form: Multipart,
) -> Result<Response, PageError> {
    let upload = super::imports::read_upload(form).await?;
    check_form(&Method::POST, &headers, &upload.csrf)?;
    let all_or_nothing = upload.field("all_or_nothing") == "true";
    let imported = match String::from_utf8(upload.file) {
        Ok(csv) if !csv.trim().is_empty() => {
            let body = ImportUsersBody {
                csv,
                all_or_nothing,
            };
            console
                .api
                .call::<_, ImportReport>(&visit.who, Method::POST, "/users/import", &body)
                .await
        }
        Ok(_) => Err(Refusal::bad_input("Choose a CSV file of users.")),
        Err(_) => Err(Refusal::bad_input("The file is not UTF-8 text.")),
    };
    let (report, error, status) = match imported {
        Ok(report) => (Some(report), None, StatusCode::OK),
        Err(refusal) => (None, Some(refusal.message), refusal.status),
    };
    let page = ImportPage {
        c: Chrome::signed(&visit, &ctx),
        report,
        error,
    };
    Ok((status, crate::console::render(&page)).into_response())
}
