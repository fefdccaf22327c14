use strongroom_core::{OrgId, UserId};
use strongroom_events::{Actor, Target};

use super::*;

fn event(operation: &str, details: Value) -> Event {
    Event {
        id: Uuid::new_v4(),
        org_id: OrgId(Uuid::new_v4()),
        service: "access".into(),
        operation: operation.into(),
        actor: Actor {
            user_id: Some(UserId(Uuid::new_v4())),
            username: "rosa".into(),
            ip: None,
            user_agent: None,
        },
        target: Target::new("account", Uuid::new_v4(), "db7/postgres"),
        occurred_at: chrono::Utc::now(),
        details,
    }
}

#[test]
fn a_new_request_goes_to_those_who_may_approve_it() {
    let leads = Uuid::new_v4();
    let e = event(
        "request.created",
        serde_json::json!({"reason": "patching\u{7}", "ticket_id": "CHG-1",
            "starts_at": "s", "ends_at": "e",
            "approvers": {"group_ids": [leads.to_string()], "administrators": true}}),
    );
    let n = notice_for(&e).unwrap();
    assert_eq!(
        n.recipients,
        Recipients {
            user_ids: vec![],
            group_ids: vec![leads],
            administrators: true,
            password_action: None,
        }
    );
    assert_eq!(n.subject, "Access request for db7/postgres by rosa");
    assert!(n.body.contains("Reason: patching\n"), "{}", n.body);
    assert!(n.body.contains("Ticket: CHG-1"), "{}", n.body);
}

#[test]
fn a_decision_goes_to_the_requester_and_other_events_to_nobody() {
    let requester = Uuid::new_v4();
    let approved = event(
        "request.approved",
        serde_json::json!({"requester_id": requester.to_string(), "comment": ""}),
    );
    let n = notice_for(&approved).unwrap();
    assert_eq!(n.recipients.user_ids, vec![requester]);
    assert_eq!(n.notice, "request.approved");
    let rejected = event(
        "request.rejected",
        serde_json::json!({"requester_id": requester.to_string(), "comment": "not now"}),
    );
    assert!(
        notice_for(&rejected)
            .unwrap()
            .body
            .contains("Comment: not now")
    );
    let lapsed = event(
        "request.lapsed",
        serde_json::json!({"requester_id": requester.to_string()}),
    );
    let n = notice_for(&lapsed).unwrap();
    assert_eq!(
        (n.recipients.user_ids.clone(), n.subject.as_str()),
        (vec![requester], "Access request lapsed: db7/postgres")
    );
    for quiet in [
        "request.approval_given",
        "share.created",
        "password.revealed",
    ] {
        assert!(notice_for(&event(quiet, Value::Null)).is_none(), "{quiet}");
    }
}

fn about_user(operation: &str, details: Value) -> (Uuid, Event) {
    let user = Uuid::new_v4();
    let mut e = event(operation, details);
    e.target = Target::new("user", user, "nina");
    (user, e)
}

#[test]
fn new_users_are_welcomed_and_previous_owners_told_where_their_resources_went() {
    let (nina, made) = about_user("user.created", serde_json::json!({"source": "local"}));
    let n = notice_for(&made).unwrap();
    assert_eq!(
        (n.notice, n.recipients.user_ids.clone()),
        ("user.welcome", vec![nina])
    );
    assert!(n.body.contains("your username is nina"), "{}", n.body);
    let (_, imported) = about_user(
        "user.imported",
        serde_json::json!({"source": "ldap", "dn": "uid=nina,dc=acme"}),
    );
    assert!(
        notice_for(&imported)
            .unwrap()
            .body
            .contains("directory password")
    );
    // A scheduled sync imports with nobody behind it: its users are welcomed too.
    let (_, mut synced) = about_user(
        "user.imported",
        serde_json::json!({"source": "ldap", "dn": "uid=nina,dc=acme"}),
    );
    synced.actor.user_id = None;
    assert!(notice_for(&synced).is_some());
    // The first administrator of a new org is made by nobody: no mail.
    let (_, mut first) = about_user("user.created", Value::Null);
    first.actor.user_id = None;
    assert!(notice_for(&first).is_none());
    // A user made with a mailed password is told it, in the mail only.
    let (_, mailed) = about_user(
        "user.created",
        serde_json::json!({"source": "local", "mailed_password_id": Uuid::new_v4().to_string()}),
    );
    let n = notice_for(&mailed).unwrap();
    assert!(n.mailed_password.is_some());
    assert!(n.body.contains(PASSWORD_SLOT), "{}", n.body);
    let (olga, moved) = about_user(
        "user.ownership_transferred",
        serde_json::json!({"to": "dan", "requested_by": "root", "resources": 3}),
    );
    let n = notice_for(&moved).unwrap();
    assert_eq!(n.recipients.user_ids, vec![olga]);
    assert!(
        n.body
            .contains("(3) now belong to dan, at the request of root"),
        "{}",
        n.body
    );
}

#[test]
fn retries_back_off_to_an_hour() {
    assert_eq!(backoff(1).num_seconds(), 2);
    assert_eq!(backoff(2).num_seconds(), 4);
    assert_eq!(backoff(5).num_seconds(), 32);
    assert_eq!(backoff(40).num_seconds(), 3600);
}

#[test]
fn a_refused_mail_waits_for_the_mail_settings_to_be_saved_again() {
    let created = chrono::Utc::now() - chrono::TimeDelta::minutes(5);
    let at = |minutes: i64, refused: bool| Tried {
        at: created + chrono::TimeDelta::minutes(minutes),
        refused,
    };
    // Not tried yet: at once. Failed for now: a backoff after the last attempt.
    assert_eq!(next_attempt(created, &[], None), Some(created));
    assert_eq!(
        next_attempt(created, &[at(1, false), at(2, false)], None),
        Some(at(2, false).at + backoff(2))
    );
    // Refused for good: not again, unless the settings were saved after the refusal.
    let refused = [at(1, false), at(2, true)];
    assert_eq!(next_attempt(created, &refused, None), None);
    assert_eq!(next_attempt(created, &refused, Some(at(1, false).at)), None);
    let saved = at(3, false).at;
    assert_eq!(next_attempt(created, &refused, Some(saved)), Some(saved));
}
