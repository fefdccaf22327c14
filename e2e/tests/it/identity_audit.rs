//! What people and administrators do to accounts lands in the org's audit trail, once each,
//! naming who did it, to whom and from where, and never a password.

use std::collections::HashMap;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::api::{Api, Org, audit_operations};
use crate::stack::Stack;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn account_changes_logins_and_sessions_land_in_the_audit_trail_once_each() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let org = Org::create(&api, "acme").await;
    let admin = Some(org.admin.as_str());

    let (bob_id, bob_pw) = api
        .add_user(&org.prefix, &org.admin, "bob", "password_user")
        .await;
    let bob_url = org.url(&format!("/users/{bob_id}"));
    for change in [
        json!({"department": "Finance"}),
        json!({"status": "disabled"}),
        json!({"status": "active"}),
        json!({"role": "password_auditor"}),
    ] {
        let (s, b) = api.patch(&bob_url, admin, change).await;
        assert_eq!(s, StatusCode::OK, "{b}");
    }
    let (s, b) = api
        .post(&org.url("/groups"), admin, json!({"name": "Finance"}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let (s, b) = api
        .post(
            &org.url("/roles"),
            admin,
            json!({"name": "viewer", "permissions": ["users.view"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");

    // Bob makes and revokes a key; five wrong passwords lock him; he is unlocked.
    let bob = api.login(&org.prefix, "bob", &bob_pw).await;
    let (s, key) = api
        .post(&org.url("/api-keys"), Some(&bob), json!({"name": "script"}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{key}");
    let (s, b) = api
        .delete(
            &org.url(&format!("/api-keys/{}", key["id"].as_str().unwrap())),
            Some(&bob),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    for _ in 0..5 {
        let r = api.try_login(&org.prefix, "bob", "wrong-password").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let (s, b) = api
        .post(&format!("{bob_url}/unlock"), admin, json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    // The administrator ends one of his sessions; he logs out of another.
    let session = api.login_reply(&org.prefix, "bob", &bob_pw).await;
    let (s, b) = api
        .delete(
            &org.url(&format!(
                "/sessions/{}",
                session["session_id"].as_str().unwrap()
            )),
            admin,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    let bob = api.login(&org.prefix, "bob", &bob_pw).await;
    let (s, b) = api
        .post(&org.url("/auth/logout"), Some(&bob), json!({}))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");

    let expected: HashMap<&str, usize> = [
        ("user.created", 2),
        ("user.updated", 4),
        ("user.disabled", 1),
        ("user.enabled", 1),
        ("user.role_changed", 1),
        ("group.created", 1),
        ("role.created", 1),
        ("api_key.created", 1),
        ("api_key.revoked", 1),
        ("login.failed", 5),
        ("user.locked", 1),
        ("user.unlocked", 1),
        ("session.revoked", 1),
        ("session.logout", 1),
    ]
    .into();
    let wanted: Vec<&str> = expected.keys().copied().collect();
    audit_operations(&api, &org, &wanted).await;
    // Late duplicates would show up now.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (s, b) = api.get(&org.url("/audit"), admin).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let events = b["events"].as_array().unwrap();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for e in events {
        *counts.entry(e["operation"].as_str().unwrap()).or_default() += 1;
    }
    for (op, n) in &expected {
        assert_eq!(
            counts.get(op).copied().unwrap_or(0),
            *n,
            "{op} in {counts:?}"
        );
    }

    let one = |op: &str| -> &Value {
        events
            .iter()
            .find(|e| e["operation"] == op)
            .unwrap_or_else(|| panic!("no {op}"))
    };
    for op in ["user.disabled", "user.role_changed", "user.unlocked"] {
        let e = one(op);
        assert_eq!(e["actor"]["username"], "root", "{e}");
        assert_eq!(e["target"]["name"], "bob", "{e}");
        assert_eq!(e["target"]["id"], bob_id.as_str(), "{e}");
        assert_eq!(e["actor"]["ip"], "127.0.0.1", "{e}");
    }
    assert_eq!(
        one("user.role_changed")["details"]["to"],
        "password_auditor"
    );
    let failed = one("login.failed");
    assert_eq!(failed["actor"]["username"], "bob", "{failed}");
    assert_eq!(failed["actor"]["ip"], "127.0.0.1", "{failed}");
    assert_eq!(one("user.locked")["target"]["name"], "bob");
    assert_eq!(one("api_key.revoked")["target"]["name"], "script");
    assert_eq!(one("api_key.revoked")["actor"]["username"], "bob");
    assert_eq!(one("group.created")["target"]["name"], "Finance");
    assert_eq!(one("role.created")["target"]["name"], "viewer");
    let trail = b.to_string();
    for secret in [
        bob_pw.as_str(),
        "wrong-password",
        key["key"].as_str().unwrap(),
    ] {
        assert!(!trail.contains(secret), "the trail holds {secret:?}");
    }
    stack.stop().await.unwrap();
}
