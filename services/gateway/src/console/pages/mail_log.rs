//! The org's outgoing mail and what became of each: the delivery log.

use askama::Template;
use axum::extract::State;

use super::Chrome;
use crate::console::session::Signed;
use crate::console::{Console, Outcome, PageResult};
use crate::dto::audit::MailLog;

#[derive(Template)]
#[template(path = "mail_log.html")]
struct MailLogPage {
    c: Chrome,
    log: MailLog,
}

pub async fn show(State(console): State<Console>, Signed { visit, ctx }: Signed) -> PageResult {
    let log: MailLog = console.api.get(&visit.who, "/mail-log").await?;
    let page = MailLogPage {
        c: Chrome::signed(&visit, &ctx),
        log,
    };
    Ok(Outcome::Nothing.respond(&page))
}
