//! What keeps passwords from being guessed or reused, as users meet it: lockout after wrong
//! passwords, the org's password rules and history, and throttling of a noisy address.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::api::{Api, Org, assert_error};
use crate::stack::Stack;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn wrong_passwords_lock_a_user_until_an_administrator_unlocks_them() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let org = Org::create(&api, "acme").await;
    let (alice_id, pw) = api
        .add_user(&org.prefix, &org.admin, "alice", "password_user")
        .await;
    let (s, settings) = api.get(&org.url("/settings/login"), Some(&org.admin)).await;
    assert_eq!(s, StatusCode::OK, "{settings}");
    let threshold = settings["lockout_threshold"].as_u64().unwrap();
    assert_eq!(threshold, 5, "the default lockout threshold");

    let wrong = api.try_login(&org.prefix, "alice", "wrong-password").await;
    assert_error(wrong.status, &wrong.body, StatusCode::UNAUTHORIZED);
    for _ in 1..threshold {
        let r = api.try_login(&org.prefix, "ALICE", "wrong-password").await;
        assert_eq!((r.status, &r.body), (wrong.status, &wrong.body));
    }
    // Locked: the right password gets exactly the wrong-password answer.
    let r = api.try_login(&org.prefix, "alice", &pw).await;
    assert_eq!(
        (r.status, &r.body),
        (wrong.status, &wrong.body),
        "a locked user's login looks like a wrong password"
    );
    // The administrator sees until when.
    let user = org.url(&format!("/users/{alice_id}"));
    let (s, b) = api.get(&user, Some(&org.admin)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let until = b["locked_until"].as_str().unwrap_or_else(|| panic!("{b}"));
    let until = minutes_until(until);
    assert!(
        (10..=16).contains(&until),
        "locked for the default 15 minutes, not {until}: {b}"
    );
    // The user list shows it too.
    let (_, list) = api.get(&org.url("/users?q=alice"), Some(&org.admin)).await;
    assert_eq!(
        list["users"][0]["locked_until"], b["locked_until"],
        "{list}"
    );
    let (s, b) = api
        .post(
            &org.url(&format!("/users/{alice_id}/unlock")),
            Some(&org.admin),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert!(b["locked_until"].is_null(), "{b}");
    let (_, b) = api.get(&user, Some(&org.admin)).await;
    assert!(b["locked_until"].is_null(), "{b}");
    api.login(&org.prefix, "alice", &pw).await;

    // A good login forgets earlier failures.
    for _ in 1..threshold {
        api.try_login(&org.prefix, "alice", "wrong-password").await;
    }
    api.login(&org.prefix, "alice", &pw).await;
    api.try_login(&org.prefix, "alice", "wrong-password").await;
    api.login(&org.prefix, "alice", &pw).await;
    stack.stop().await.unwrap();
}

/// Minutes from now until an RFC 3339 time (rounded down), for a coarse check.
fn minutes_until(rfc3339: &str) -> i64 {
    let at =
        chrono::DateTime::parse_from_rfc3339(rfc3339).unwrap_or_else(|e| panic!("{rfc3339}: {e}"));
    (at.timestamp() - chrono::Utc::now().timestamp()) / 60
}

async fn change_password(
    api: &Api<'_>,
    org: &Org,
    current: &str,
    new: &str,
) -> (StatusCode, Value) {
    api.post(
        &org.url("/auth/change-password"),
        None,
        json!({"username": "alice", "current_password": current, "new_password": new}),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_orgs_password_rules_and_history_are_enforced() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let org = Org::create(&api, "acme").await;
    let admin = Some(org.admin.as_str());
    let settings_url = org.url("/settings/login");
    let (s, defaults) = api.get(&settings_url, admin).await;
    assert_eq!(s, StatusCode::OK, "{defaults}");
    assert_eq!(defaults["min_length"], 8);
    assert_eq!(defaults["history"], 0);
    assert_eq!(defaults["default_role"], "password_user");

    // Settings are sent whole; nonsense is refused.
    let (s, b) = api
        .put(&settings_url, admin, json!({"min_length": 12}))
        .await;
    assert_error(s, &b, StatusCode::BAD_REQUEST);
    for (field, value) in [
        ("min_length", json!(0)),
        ("lockout_minutes", json!(0)),
        ("session_idle_minutes", json!(4)),
        ("session_max_hours", json!(721)),
        ("default_role", json!("superuser")),
        ("history", json!(-1)),
    ] {
        let mut bad = defaults.clone();
        bad[field] = value;
        let (s, b) = api.put(&settings_url, admin, bad).await;
        assert_error(s, &b, StatusCode::BAD_REQUEST);
    }
    let mut strict = defaults.clone();
    strict["min_length"] = json!(12);
    strict["require_digit"] = json!(true);
    strict["history"] = json!(2);
    let (s, b) = api.put(&settings_url, admin, strict.clone()).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b, strict);
    let (_, b) = api.get(&settings_url, admin).await;
    assert_eq!(b, strict);

    // A new user's password must follow them; the refusal names the rule.
    let user = |password: &str| {
        json!({"username": "alice", "email": "alice@acme.test", "role": "password_user",
               "password": password})
    };
    for (password, rule) in [
        ("short-1", "12 characters"),
        ("long-but-no-digits", "digit"),
    ] {
        let (s, b) = api.post(&org.url("/users"), admin, user(password)).await;
        assert_error(s, &b, StatusCode::BAD_REQUEST);
        assert!(
            b["message"].as_str().unwrap().contains(rule),
            "{password}: {b}"
        );
    }
    let first = "first-password-1";
    let (s, b) = api.post(&org.url("/users"), admin, user(first)).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let alice_id = b["id"].as_str().unwrap().to_owned();
    // So must one an administrator sets.
    let (s, b) = api
        .put(
            &org.url(&format!("/users/{alice_id}/password")),
            admin,
            json!({"password": "short-2"}),
        )
        .await;
    assert_error(s, &b, StatusCode::BAD_REQUEST);

    // Changing her own: the current password is needed, the rules apply, and neither of
    // her last two passwords may come back.
    let (second, third) = ("second-password-2", "third-password-3");
    let (s, b) = change_password(&api, &org, "not-my-password", second).await;
    assert_error(s, &b, StatusCode::UNAUTHORIZED);
    let (s, b) = change_password(&api, &org, first, "no-digits-at-all").await;
    assert_error(s, &b, StatusCode::BAD_REQUEST);
    assert!(b["message"].as_str().unwrap().contains("digit"), "{b}");
    let (s, b) = change_password(&api, &org, first, second).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    let r = api.try_login(&org.prefix, "alice", first).await;
    assert_error(r.status, &r.body, StatusCode::UNAUTHORIZED);
    api.login(&org.prefix, "alice", second).await;
    for reused in [second, first] {
        let (s, b) = change_password(&api, &org, second, reused).await;
        assert_error(s, &b, StatusCode::BAD_REQUEST);
        assert!(
            b["message"].as_str().unwrap().contains("last 2"),
            "{reused}: {b}"
        );
    }
    let (s, b) = change_password(&api, &org, second, third).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    // The administrator cannot bring back a recent one either.
    let (s, b) = api
        .put(
            &org.url(&format!("/users/{alice_id}/password")),
            admin,
            json!({"password": second}),
        )
        .await;
    assert_error(s, &b, StatusCode::BAD_REQUEST);
    // Three changes back is long enough ago.
    let (s, b) = change_password(&api, &org, third, first).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    api.login(&org.prefix, "alice", first).await;
    stack.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_address_that_keeps_failing_to_log_in_is_slowed_down() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let org = Org::create(&api, "acme").await;
    let (_, pw) = api
        .add_user(&org.prefix, &org.admin, "alice", "password_user")
        .await;
    // Different unknown usernames each time, so no single user's lockout is what stops it.
    let mut throttled = None;
    for i in 0..100 {
        let r = api
            .try_login(&org.prefix, &format!("guess{i}"), "Password1!")
            .await;
        if r.status == StatusCode::TOO_MANY_REQUESTS {
            throttled = Some((i, r.body));
            break;
        }
        assert_error(r.status, &r.body, StatusCode::UNAUTHORIZED);
    }
    let (after, body) = throttled.expect("100 failed logins from one address are throttled");
    assert!(after >= 5, "not so eager that typos are punished: {after}");
    assert_eq!(body["error"], "too_many_requests", "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("try again"),
        "{body}"
    );
    // The address waits, whoever it claims to be.
    let r = api.try_login(&org.prefix, "alice", &pw).await;
    assert_error(r.status, &r.body, StatusCode::TOO_MANY_REQUESTS);
    stack.stop().await.unwrap();
}

/// No name or value may hold U+0000 (Postgres refuses it in text): a body, a path or a
/// query with one is a 400 naming where, never a 500.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_nul_character_anywhere_is_a_bad_request_naming_where() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let org = Org::create(&api, "nul").await;
    let (s, b) = api
        .post(
            &org.url("/auth/login"),
            None,
            json!({"username": "ro\u{0}ot", "password": "whatever-it-is"}),
        )
        .await;
    assert_error(s, &b, StatusCode::BAD_REQUEST);
    assert!(
        b["message"].as_str().unwrap().contains("body.username"),
        "{b}"
    );
    let (s, b) = api
        .post(
            &org.url("/resources"),
            Some(&org.admin),
            json!({"name": "db1", "type": "Linux", "fields": {"no\u{0}te": "x"}}),
        )
        .await;
    assert_error(s, &b, StatusCode::BAD_REQUEST);
    assert!(
        b["message"].as_str().unwrap().contains("body.fields"),
        "{b}"
    );
    for path in [
        org.url("/password-policies/a%00b"),
        org.url("/resources?name=a%00b"),
    ] {
        let (s, b) = api.get(&path, Some(&org.admin)).await;
        assert_error(s, &b, StatusCode::BAD_REQUEST);
        assert!(
            b["message"].as_str().unwrap().contains("NUL"),
            "{path}: {b}"
        );
    }
    // Bytes that are not UTF-8, in the address or in a body, are refused the same way.
    for path in [org.url("/users/a%FFb"), org.url("/resources?name=a%C3")] {
        let (s, b) = api.get(&path, Some(&org.admin)).await;
        assert_error(s, &b, StatusCode::BAD_REQUEST);
    }
    let raw = stack
        .http
        .post(format!("{}{}", stack.base_url, org.url("/auth/login")))
        .header("content-type", "application/json")
        .body(b"{\"username\": \"ro\xffot\", \"password\": \"whatever-it-is\"}".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), StatusCode::BAD_REQUEST);
    let b: serde_json::Value = raw.json().await.unwrap();
    assert!(b["message"].is_string(), "{b}");
    // Text that merely reads `\u0000` is text like any other.
    let (s, b) = api
        .post(
            &org.url("/resources"),
            Some(&org.admin),
            json!({"name": "db\\u0000", "type": "Linux"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    stack.stop().await.unwrap();
}
