//! What a page answers: the page rendered, what a form's action came to ([`Outcome`]),
//! and why a page could not be shown ([`PageError`]).

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use strongroom_core::ErrorCode;

use super::client::Refusal;

/// Why a page could not be shown.
#[derive(Debug)]
pub enum PageError {
    /// The same for a missing page and for another org's: nothing tells them apart.
    NotFound,
    /// A form not posted by the console's own page (no or wrong CSRF token, another site).
    CrossSite,
    /// The API refused: its status and message.
    Refused(Refusal),
}

impl PageError {
    pub fn bad_input(message: impl Into<String>) -> Self {
        Self::Refused(Refusal::bad_input(message))
    }
}

impl From<Refusal> for PageError {
    fn from(refusal: Refusal) -> Self {
        if refusal.is(ErrorCode::NotFound) {
            Self::NotFound
        } else {
            Self::Refused(refusal)
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    title: String,
    message: String,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, title, message) = match self {
            Self::NotFound => (
                StatusCode::NOT_FOUND,
                "Not found",
                "There is no such page.".to_owned(),
            ),
            Self::CrossSite => (
                StatusCode::FORBIDDEN,
                "Refused",
                "This form did not come from this site's own page, or the page is too old: \
                 open the page again and resend it."
                    .to_owned(),
            ),
            Self::Refused(refusal) => (refusal.status, "Refused", refusal.message),
        };
        let page = ErrorPage {
            title: title.to_owned(),
            message,
        };
        (status, render(&page)).into_response()
    }
}

/// A page as HTML; a template that fails to render is a server error, never half a page.
pub fn render<T: Template>(page: &T) -> Response {
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "a console template failed to render");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the page could not be shown",
            )
                .into_response()
        }
    }
}

pub type PageResult = Result<Response, PageError>;

/// What a form's action came to, for the page shown after it: nothing, a notice, or the
/// API's refusal, whose status becomes the page's and whose message the page shows.
#[derive(Default)]
pub enum Outcome {
    #[default]
    Nothing,
    Done(String),
    Refused(Refusal),
}

impl Outcome {
    pub fn done(notice: impl Into<String>) -> Self {
        Self::Done(notice.into())
    }

    /// An API call's result: `notice` when it went through, else its refusal.
    pub fn of<T>(result: Result<T, Refusal>, notice: &str) -> Self {
        match result {
            Ok(_) => Self::done(notice),
            Err(refusal) => Self::Refused(refusal),
        }
    }

    /// `page`, sent with the outcome's status.
    pub fn respond<T: Template>(&self, page: &T) -> Response {
        (self.status(), render(page)).into_response()
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::Refused(refusal) => refusal.status,
            _ => StatusCode::OK,
        }
    }

    pub fn notice(&self) -> Option<String> {
        match self {
            Self::Done(notice) => Some(notice.clone()),
            _ => None,
        }
    }

    pub fn error(&self) -> Option<String> {
        match self {
            Self::Refused(refusal) => Some(refusal.message.clone()),
            _ => None,
        }
    }
}
