//! Password-action notices: a reveal, a password change or a share change on a password
//! that a resource group's notifications name. Whether any group of the org names the
//! action is known here (from the vault's `resource_group.notifications_set` events); who
//! is told is the vault's to say when the mail goes (`PasswordAction`).

use strongroom_events::Event;
use uuid::Uuid;

use super::{Notice, PasswordAction, Recipients, quoted, text};

/// A change to which actions a group's notifications name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum GroupChange {
    Set { group: Uuid, actions: Vec<String> },
    Removed(Uuid),
}

/// The change `event` makes to the groups' notifications, if any.
pub(crate) fn group_change(event: &Event) -> Option<GroupChange> {
    if event.service != "vault" || event.target.kind != "resource_group" {
        return None;
    }
    let group = Uuid::try_parse(event.target.id.as_deref()?).ok()?;
    match event.operation.as_str() {
        "resource_group.notifications_set" => Some(GroupChange::Set {
            group,
            actions: event
                .details
                .get("actions")
                .and_then(|a| a.as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
        }),
        "resource_group.deleted" => Some(GroupChange::Removed(group)),
        _ => None,
    }
}

/// The action `event` is, if it is one a group's notifications may name.
pub(crate) fn action_of(event: &Event) -> Option<&'static str> {
    match (event.service.as_str(), event.operation.as_str()) {
        ("vault", "password.revealed" | "password.version_revealed") => Some("access"),
        ("vault", "password.changed" | "password.reverted") => Some("modification"),
        ("access", "share.created" | "share.changed" | "share.revoked") => Some("share_change"),
        ("vault", "password.policy_violated") => Some("policy_violation"),
        ("vault", "password.expired") => Some("expiry"),
        _ => None,
    }
}

/// The notice of a password action, for the orgs whose groups name `action`.
pub(crate) fn notice(event: &Event, action: &'static str) -> Option<Notice> {
    let target_id = Uuid::try_parse(event.target.id.as_deref()?).ok()?;
    let what = event.target.name.clone().unwrap_or_default();
    let actor = &event.actor.username;
    let details = &event.details;
    let reason = match quoted(details, "reason") {
        r if r.is_empty() => String::new(),
        r => format!("Reason: {r}\n"),
    };
    let (subject, body) = match event.operation.as_str() {
        "password.revealed" => (
            format!("Password revealed: {what}"),
            format!("{actor} revealed the password of {what}.\n{reason}"),
        ),
        "password.version_revealed" => (
            format!("Earlier password revealed: {what}"),
            format!(
                "{actor} revealed version {} of the password of {what}.\n{reason}",
                details.get("version").and_then(|v| v.as_i64()).unwrap_or(0)
            ),
        ),
        "password.changed" | "password.reverted" => (
            format!("Password changed: {what}"),
            format!(
                "{actor} {} the password of {what} (now version {}).\n{reason}",
                if event.operation == "password.changed" {
                    "changed"
                } else {
                    "made an earlier password current again as"
                },
                details.get("version").and_then(|v| v.as_i64()).unwrap_or(0)
            ),
        ),
        "password.expired" => (
            format!("Password expired: {what}"),
            format!(
                "The password of {what} is older than the {} days its policy {} allows \
                 (set {}).\nChange it.\n",
                details
                    .get("max_age_days")
                    .and_then(|v| v.as_u64())
                    .unwrap_or(0),
                text(details, "policy"),
                text(details, "changed_at"),
            ),
        ),
        "password.policy_violated" => (
            format!("Password breaks its policy: {what}"),
            format!(
                "{actor} gave the resource of {what} the password policy {}: its password \
                 breaks it: {}.\nChange the password to one the policy allows.\n",
                text(details, "policy"),
                text(details, "rule"),
            ),
        ),
        "share.revoked" => (
            format!("Share ended: {what}"),
            format!(
                "{actor} ended the share of {what} with {}.\n",
                text(details, "grantee_name")
            ),
        ),
        _ => (
            format!("Share changed: {what}"),
            format!(
                "{actor} shared {what} with {} at {} access.\n",
                text(details, "grantee_name"),
                text(details, "level")
            ),
        ),
    };
    Some(Notice {
        event_id: event.id,
        notice: "password.action",
        recipients: Recipients {
            password_action: Some(PasswordAction {
                action: action.to_owned(),
                target_kind: event.target.kind.clone(),
                target_id,
            }),
            ..Recipients::default()
        },
        subject,
        body: format!("{body}\nThe notifications of a resource group holding it sent this.\n"),
        mailed_password: None,
    })
}

#[cfg(test)]
mod tests {
    use strongroom_core::OrgId;
    use strongroom_events::{Actor, Target};

    use super::*;

    fn event(service: &str, operation: &str, kind: &str, details: serde_json::Value) -> Event {
        Event::new(
            OrgId::new(),
            service,
            operation,
            Actor {
                username: "olga".into(),
                ..Actor::default()
            },
            Target::new(kind, Uuid::new_v4(), "db7/postgres"),
        )
        .with_details(details)
    }

    #[test]
    fn reveals_changes_and_share_changes_are_password_actions() {
        let none = serde_json::Value::Null;
        for (service, operation, kind, action) in [
            ("vault", "password.revealed", "account", Some("access")),
            (
                "vault",
                "password.version_revealed",
                "account",
                Some("access"),
            ),
            ("vault", "password.changed", "account", Some("modification")),
            (
                "vault",
                "password.reverted",
                "account",
                Some("modification"),
            ),
            ("access", "share.created", "resource", Some("share_change")),
            ("access", "share.revoked", "account", Some("share_change")),
            (
                "vault",
                "password.policy_violated",
                "account",
                Some("policy_violation"),
            ),
            ("vault", "password.expired", "account", Some("expiry")),
            ("vault", "password.reveal_denied", "account", None),
            ("identity", "share.created", "account", None),
        ] {
            assert_eq!(
                action_of(&event(service, operation, kind, none.clone())),
                action,
                "{service} {operation}"
            );
        }
    }

    #[test]
    fn a_notice_names_the_action_and_leaves_its_audience_to_the_vault() {
        let e = event(
            "vault",
            "password.revealed",
            "account",
            serde_json::json!({"reason": "patching\u{7}", "via": ["password"]}),
        );
        let n = notice(&e, "access").unwrap();
        assert_eq!(n.subject, "Password revealed: db7/postgres");
        assert!(
            n.body
                .starts_with("olga revealed the password of db7/postgres.\nReason: patching\n")
        );
        let asked = n.recipients.password_action.unwrap();
        assert_eq!(
            (asked.action.as_str(), asked.target_kind.as_str()),
            ("access", "account")
        );
        assert!(n.recipients.user_ids.is_empty() && n.recipients.group_ids.is_empty());
        let shared = event(
            "access",
            "share.created",
            "resource",
            serde_json::json!({"grantee_name": "rita", "level": "view"}),
        );
        assert_eq!(
            notice(&shared, "share_change").unwrap().body,
            "olga shared db7/postgres with rita at view access.\n\nThe notifications of a \
             resource group holding it sent this.\n"
        );
    }

    #[test]
    fn groups_notifications_follow_their_events() {
        let set = event(
            "vault",
            "resource_group.notifications_set",
            "resource_group",
            serde_json::json!({"actions": ["access", "share_change"]}),
        );
        let group = Uuid::parse_str(set.target.id.as_deref().unwrap()).unwrap();
        assert_eq!(
            group_change(&set),
            Some(GroupChange::Set {
                group,
                actions: vec!["access".into(), "share_change".into()]
            })
        );
        let deleted = event(
            "vault",
            "resource_group.deleted",
            "resource_group",
            serde_json::Value::Null,
        );
        assert!(matches!(
            group_change(&deleted),
            Some(GroupChange::Removed(_))
        ));
        let other = event(
            "vault",
            "resource_group.updated",
            "resource_group",
            serde_json::Value::Null,
        );
        assert_eq!(group_change(&other), None);
    }
}
