//! The org's audit trail, newest first, narrowed by the API's filters: operation, user,
//! target and a time range.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::IntoResponse;
use serde::Deserialize;

use super::Chrome;
use crate::console::session::Signed;
use crate::console::{Console, PageResult, render};
use crate::dto::audit::{AuditEvent, AuditEvents, AuditQuery};

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    c: Chrome,
    filter: AuditFilter,
    events: Vec<AuditEvent>,
    error: Option<String>,
}

/// The filters the page's form sends, passed to the API as they are.
#[derive(Deserialize, Default)]
pub struct AuditFilter {
    #[serde(default)]
    operation: String,
    #[serde(default)]
    user: String,
    #[serde(default)]
    target: String,
    #[serde(default)]
    since: String,
    #[serde(default)]
    until: String,
}

pub async fn list(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Query(filter): Query<AuditFilter>,
) -> PageResult {
    let query = AuditQuery {
        operation: filter.operation.clone(),
        user: filter.user.clone(),
        target: filter.target.clone(),
        since: filter.since.clone(),
        until: filter.until.clone(),
        ..AuditQuery::default()
    };
    let path = format!(
        "/audit?{}",
        serde_urlencoded::to_string(&query).unwrap_or_default()
    );
    let (events, error) = match console.api.get::<AuditEvents>(&visit.who, &path).await {
        Ok(trail) => (trail.events, None),
        // A filter the API refuses is shown with its message, the form kept.
        Err(refusal) if refusal.status == axum::http::StatusCode::BAD_REQUEST => {
            (Vec::new(), Some(refusal.message))
        }
        Err(refusal) => return Err(refusal.into()),
    };
    let status = if error.is_some() {
        axum::http::StatusCode::BAD_REQUEST
    } else {
        axum::http::StatusCode::OK
    };
    let page = AuditPage {
        c: Chrome::signed(&visit, &ctx),
        filter,
        events,
        error,
    };
    Ok((status, render(&page)).into_response())
}
