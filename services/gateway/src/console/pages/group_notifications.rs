//! A resource group's password-action notifications: which actions on the passwords it
//! holds are mailed (reveals, changes, share changes), and to whom.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::Method;
use strongroom_auth::RequestContext;

use super::Chrome;
use super::paths::segment;
use crate::console::session::{Form, Signed, Visit};
use crate::console::{Console, Outcome, PageResult};
use crate::dto::group_notifications::{GroupNotifications, GroupNotificationsBody};
use crate::dto::users::UserList;

/// The actions a group's notifications may name, as the page offers them.
const ACTIONS: [(&str, &str); 5] = [
    (
        "access",
        "A password is revealed (an earlier version's too)",
    ),
    (
        "modification",
        "A password is changed, or an earlier one made current again",
    ),
    ("share_change", "A share is made, changed or ended"),
    (
        "policy_violation",
        "A password breaks a policy given to its resource",
    ),
    ("expiry", "A password is older than its policy allows"),
];

/// A user the page offers, and whether they are chosen.
struct Chosen {
    id: String,
    username: String,
    chosen: bool,
}

#[derive(Template)]
#[template(path = "group_notifications.html")]
struct NotificationsPage {
    c: Chrome,
    id: String,
    n: GroupNotifications,
    actions: Vec<(&'static str, &'static str, bool)>,
    /// `None`: the visitor may not list users, and types their ids instead.
    users: Option<Vec<Chosen>>,
    notice: Option<String>,
    error: Option<String>,
}

async fn notifications_page(
    console: &Console,
    visit: &Visit,
    ctx: &RequestContext,
    id: &str,
    outcome: Outcome,
) -> PageResult {
    let path = format!("/resource-groups/{}/notifications", segment(id));
    let (n, users) = tokio::join!(
        console.api.get::<GroupNotifications>(&visit.who, &path),
        console.api.get::<UserList>(&visit.who, "/users"),
    );
    let n = n?;
    let users = users.ok().map(|list| {
        list.users
            .into_iter()
            .map(|u| Chosen {
                chosen: n.user_ids.contains(&u.id),
                id: u.id,
                username: u.username,
            })
            .collect()
    });
    let actions = ACTIONS
        .iter()
        .map(|(value, label)| (*value, *label, n.actions.iter().any(|a| a == value)))
        .collect();
    let page = NotificationsPage {
        c: Chrome::signed(visit, ctx),
        id: id.to_owned(),
        n,
        actions,
        users,
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
    notifications_page(&console, &visit, &ctx, &id, Outcome::Nothing).await
}

/// The notifications the form asks for: `action`, `to` and `user` may each come many
/// times; `user_ids` is typed (comma-separated) where no list was offered.
fn body(fields: Vec<(String, String)>) -> GroupNotificationsBody {
    let mut body = GroupNotificationsBody::default();
    for (name, value) in fields {
        match (name.as_str(), value.trim()) {
            ("action", action) => body.actions.push(action.to_owned()),
            ("to", "owners") => body.to_owners = true,
            ("to", "sharees") => body.to_sharees = true,
            ("user", user) => body.user_ids.push(user.to_owned()),
            ("user_ids", typed) => body.user_ids.extend(
                typed
                    .split(',')
                    .map(str::trim)
                    .filter(|u| !u.is_empty())
                    .map(str::to_owned),
            ),
            _ => {}
        }
    }
    body
}

pub async fn save(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let path = format!("/resource-groups/{}/notifications", segment(&id));
    let outcome = match console
        .api
        .call::<_, GroupNotifications>(&visit.who, Method::PUT, &path, &body(fields))
        .await
    {
        Ok(_) => Outcome::done("Saved: the actions chosen are mailed from now on."),
        Err(refusal) => Outcome::Refused(refusal),
    };
    notifications_page(&console, &visit, &ctx, &id, outcome).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_names_actions_recipients_and_users() {
        let pair = |n: &str, v: &str| (n.to_owned(), v.to_owned());
        let b = body(vec![
            pair("csrf", "x"),
            pair("action", "access"),
            pair("action", "share_change"),
            pair("to", "sharees"),
            pair("user", "u1"),
            pair("user_ids", " u2, ,u3 "),
        ]);
        assert_eq!(b.actions, ["access", "share_change"]);
        assert!(b.to_sharees && !b.to_owners);
        assert_eq!(b.user_ids, ["u1", "u2", "u3"]);
    }
}
