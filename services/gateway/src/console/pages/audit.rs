//! The org's audit trail, newest first, narrowed by operation, user and target.

use askama::Template;
use axum::extract::{Query, State};
use serde::Deserialize;

use super::Chrome;
use crate::console::session::Signed;
use crate::console::{Console, PageResult, render};
use crate::dto::audit::{AuditEvent, AuditEvents};

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    c: Chrome,
    filter: AuditFilter,
    events: Vec<AuditEvent>,
}

/// Words each shown event must contain (ignoring case): in its operation, its user's
/// name, and its target's kind or name.
#[derive(Deserialize, Default)]
pub struct AuditFilter {
    #[serde(default)]
    operation: String,
    #[serde(default)]
    user: String,
    #[serde(default)]
    target: String,
}

fn contains(text: &str, word: &str) -> bool {
    word.is_empty() || text.to_lowercase().contains(&word.to_lowercase())
}

impl AuditFilter {
    fn keeps(&self, e: &AuditEvent) -> bool {
        contains(&e.operation, &self.operation)
            && contains(&e.actor.username, &self.user)
            && (contains(&e.target.name, &self.target) || contains(&e.target.kind, &self.target))
    }
}

pub async fn list(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Query(filter): Query<AuditFilter>,
) -> PageResult {
    let trail: AuditEvents = console.api.get(&visit.who, "/audit").await?;
    let events = trail
        .events
        .into_iter()
        .filter(|e| filter.keeps(e))
        .collect();
    Ok(render(&AuditPage {
        c: Chrome::signed(&visit, &ctx),
        filter,
        events,
    }))
}
