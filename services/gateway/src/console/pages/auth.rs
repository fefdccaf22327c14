//! Signing in (the org's branding, its legal and privacy banners), choosing a new
//! password when an administrator set it or it expired, and signing out.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::Chrome;
use crate::console::session::{Form, NoFields, Signed, Visit};
use crate::console::{Console, PageResult, render};
use crate::dto::auth::{ChangePasswordBody, LoginBody, Token};
use crate::dto::org_settings::{Branding, PublicBranding};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    c: Chrome,
    branding: Branding,
    username: String,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct LoginNotice {
    #[serde(default)]
    changed: bool,
    #[serde(default)]
    ended: bool,
}

async fn login_form(
    console: &Console,
    visit: &Visit,
    username: String,
    notice: Option<String>,
    error: Option<String>,
) -> Response {
    // The login page of an org that does not exist looks like any other (default
    // branding): the API answers its branding as it would for a real org.
    let branding = console
        .api
        .get::<PublicBranding>(&visit.who, "/branding")
        .await
        .map(|b| b.branding)
        .unwrap_or_else(|_| Branding::default());
    let status = if error.is_some() {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    };
    let page = LoginPage {
        c: Chrome::anonymous(visit),
        branding,
        username,
        notice,
        error,
    };
    (status, render(&page)).into_response()
}

pub async fn login_page(
    State(console): State<Console>,
    visit: Visit,
    Query(notice): Query<LoginNotice>,
) -> Response {
    let notice = if notice.changed {
        Some("Your password is changed: sign in with it.".to_owned())
    } else if notice.ended {
        Some("You are signed out.".to_owned())
    } else {
        None
    };
    login_form(&console, &visit, String::new(), notice, None).await
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    accept_legal: Option<String>,
}

pub async fn login(
    State(console): State<Console>,
    visit: Visit,
    Form(form): Form<LoginForm>,
) -> PageResult {
    let branding = console
        .api
        .get::<PublicBranding>(&visit.who, "/branding")
        .await
        .map(|b| b.branding)
        .ok();
    let must_accept = branding
        .as_ref()
        .is_some_and(|b| b.legal_banner.enabled && b.legal_banner.requires_acceptance);
    if must_accept && form.accept_legal.as_deref() != Some("yes") {
        let error = Some("Accept the legal notice to sign in.".to_owned());
        return Ok(login_form(&console, &visit, form.username, None, error).await);
    }
    let body = LoginBody {
        username: form.username.clone(),
        password: form.password,
    };
    match console
        .api
        .call::<_, Token>(&visit.who, Method::POST, "/auth/login", &body)
        .await
    {
        Ok(token) => {
            visit.sign_in(&token);
            Ok(Redirect::to(&format!("{}/", visit.base)).into_response())
        }
        // An administrator set the password, or it expired: the API says so, and the
        // next step is choosing a new one.
        Err(refusal)
            if refusal.message.contains("change-password")
                || refusal.message.contains("expired") =>
        {
            Ok(password_form(
                &visit,
                form.username,
                None,
                Some(refusal.message),
            ))
        }
        Err(refusal) => {
            Ok(login_form(&console, &visit, form.username, None, Some(refusal.message)).await)
        }
    }
}

pub async fn logout(
    State(console): State<Console>,
    signed: Signed,
    Form(_): Form<NoFields>,
) -> Response {
    // Ends the session for good (its refresh token too), then forgets the cookies.
    let _ = console
        .api
        .send(&signed.visit.who, Method::POST, "/auth/logout", None)
        .await;
    signed.visit.sign_out();
    Redirect::to(&format!("{}/login?ended=true", signed.visit.base)).into_response()
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    c: Chrome,
    username: String,
    notice: Option<String>,
    error: Option<String>,
}

fn password_form(
    visit: &Visit,
    username: String,
    error: Option<String>,
    notice: Option<String>,
) -> Response {
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let page = PasswordPage {
        c: Chrome::anonymous(visit),
        username,
        notice,
        error,
    };
    (status, render(&page)).into_response()
}

pub async fn password_page(visit: Visit) -> Response {
    password_form(&visit, String::new(), None, None)
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

pub async fn change_password(
    State(console): State<Console>,
    visit: Visit,
    Form(form): Form<PasswordForm>,
) -> PageResult {
    if form.new_password != form.confirm_password {
        let error = Some("The two new passwords differ.".to_owned());
        return Ok(password_form(&visit, form.username, error, None));
    }
    let body = ChangePasswordBody {
        username: form.username.clone(),
        current_password: form.current_password,
        new_password: form.new_password,
    };
    match console
        .api
        .act(&visit.who, Method::POST, "/auth/change-password", &body)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("{}/login?changed=true", visit.base)).into_response()),
        Err(refusal) => Ok(password_form(
            &visit,
            form.username,
            Some(refusal.message),
            None,
        )),
    }
}
