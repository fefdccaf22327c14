//! Sessions over REST: refresh tokens that work once, logout that ends a token within a
//! second, and users and administrators ending sessions.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::api::{Api, Org, assert_error};
use crate::stack::Stack;

const WITHIN: Duration = Duration::from_secs(1);

async fn refresh(api: &Api<'_>, org: &Org, refresh_token: &Value) -> (StatusCode, Value) {
    let r = api
        .send(
            Method::POST,
            &org.url("/auth/refresh"),
            None,
            Some(json!({ "refresh_token": refresh_token })),
        )
        .await;
    if r.status == StatusCode::OK {
        assert_eq!(r.headers["cache-control"], "no-store");
    }
    (r.status, r.body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn refresh_tokens_work_once_and_logout_ends_the_session() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let org = Org::create(&api, "acme").await;
    let (alice_id, pw) = api
        .add_user(&org.prefix, &org.admin, "alice", "password_auditor")
        .await;

    // Login hands out an access token, a session and its refresh token; nothing caches it.
    let r = api.try_login(&org.prefix, "alice", &pw).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.headers["cache-control"], "no-store");
    let login = r.body;
    assert_eq!(login["token_type"], "Bearer");
    assert_eq!(login["user_id"], alice_id.as_str());
    assert_eq!(login["role"], "password_auditor");
    for field in ["token", "session_id", "refresh_token"] {
        assert!(!login[field].as_str().unwrap().is_empty(), "{field}");
    }
    let (expires, refresh_expires) = (
        login["expires_at"].as_i64().unwrap(),
        login["refresh_expires_at"].as_i64().unwrap(),
    );
    let now = chrono::Utc::now().timestamp();
    assert!(expires > now && refresh_expires >= expires, "{login}");

    // Refreshing gives a new access token and refresh token for the same session.
    let (s, renewed) = refresh(&api, &org, &login["refresh_token"]).await;
    assert_eq!(s, StatusCode::OK, "{renewed}");
    assert_eq!(renewed["session_id"], login["session_id"]);
    assert_ne!(renewed["refresh_token"], login["refresh_token"]);
    assert_eq!(renewed["permissions"], login["permissions"]);
    let token = renewed["token"].as_str().unwrap().to_owned();
    let (s, b) = api.get(&org.url("/users"), Some(&token)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = refresh(&api, &org, &json!("srr_not-a-refresh-token")).await;
    assert_error(s, &b, StatusCode::UNAUTHORIZED);
    // ... at the org it belongs to only.
    let (s, b) = api
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({ "refresh_token": renewed["refresh_token"] }),
        )
        .await;
    assert_error(s, &b, StatusCode::UNAUTHORIZED);

    // The old refresh token again: refused, and as it must have been copied, the session
    // ends (the new tokens too).
    let (s, b) = refresh(&api, &org, &login["refresh_token"]).await;
    assert_error(s, &b, StatusCode::UNAUTHORIZED);
    api.until_refused(&org.url("/users"), &token, WITHIN).await;
    let (s, b) = refresh(&api, &org, &renewed["refresh_token"]).await;
    assert_error(s, &b, StatusCode::UNAUTHORIZED);

    // Logout: the access token is refused within a second, the refresh token at once.
    let login = api.login_reply(&org.prefix, "alice", &pw).await;
    let token = login["token"].as_str().unwrap().to_owned();
    let (s, b) = api
        .post(&org.url("/auth/logout"), Some(&token), json!({}))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    api.until_refused(&org.url("/users"), &token, WITHIN).await;
    let (s, b) = refresh(&api, &org, &login["refresh_token"]).await;
    assert_error(s, &b, StatusCode::UNAUTHORIZED);
    let (s, b) = api
        .post(&org.url("/auth/logout"), Some(&token), json!({}))
        .await;
    assert_error(s, &b, StatusCode::UNAUTHORIZED);
    stack.stop().await.unwrap();
}

fn session_ids(list: &Value) -> Vec<String> {
    list["sessions"]
        .as_array()
        .unwrap_or_else(|| panic!("no sessions in {list}"))
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn users_end_their_own_sessions_and_administrators_end_all_of_them() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let org = Org::create(&api, "acme").await;
    let (alice_id, pw) = api
        .add_user(&org.prefix, &org.admin, "alice", "password_user")
        .await;
    let (_, bob_pw) = api
        .add_user(&org.prefix, &org.admin, "bob", "password_user")
        .await;
    let laptop = api.login_reply(&org.prefix, "alice", &pw).await;
    let phone = api.login_reply(&org.prefix, "alice", &pw).await;
    let (laptop_token, phone_token) = (
        laptop["token"].as_str().unwrap().to_owned(),
        phone["token"].as_str().unwrap().to_owned(),
    );

    // Alice sees both sessions, from where they were opened, the one she uses marked.
    let (s, b) = api.get(&org.url("/sessions"), Some(&laptop_token)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let mut ids = session_ids(&b);
    ids.sort();
    let mut expected = vec![
        laptop["session_id"].as_str().unwrap().to_owned(),
        phone["session_id"].as_str().unwrap().to_owned(),
    ];
    expected.sort();
    assert_eq!(ids, expected);
    for session in b["sessions"].as_array().unwrap() {
        assert_eq!(session["user_id"], alice_id.as_str());
        assert_eq!(session["ip"], "127.0.0.1");
        assert_eq!(session["user_agent"], "strongroom-e2e");
        assert_eq!(
            session["current"],
            session["id"] == laptop["session_id"],
            "{session}"
        );
    }

    // Bob cannot see or end Alice's sessions.
    let bob = api.login(&org.prefix, "bob", &bob_pw).await;
    let (s, b) = api.get(&org.url("/sessions"), Some(&bob)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(session_ids(&b).len(), 1, "{b}");
    let phone_session = org.url(&format!(
        "/sessions/{}",
        phone["session_id"].as_str().unwrap()
    ));
    let (s, b) = api.delete(&phone_session, Some(&bob)).await;
    assert_error(s, &b, StatusCode::NOT_FOUND);
    let (s, b) = api
        .get(&org.url(&format!("/users/{alice_id}/sessions")), Some(&bob))
        .await;
    assert_error(s, &b, StatusCode::FORBIDDEN);

    // Alice ends her phone's session from her laptop: only the phone is logged out.
    let (s, b) = api.delete(&phone_session, Some(&laptop_token)).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    api.until_refused(&org.url("/sessions"), &phone_token, WITHIN)
        .await;
    let (s, b) = api.get(&org.url("/sessions"), Some(&laptop_token)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(
        session_ids(&b),
        vec![laptop["session_id"].as_str().unwrap().to_owned()]
    );
    let (s, b) = api.delete(&phone_session, Some(&laptop_token)).await;
    assert_error(s, &b, StatusCode::NOT_FOUND);

    // The administrator sees her sessions and ends all of them.
    let tablet = api.login(&org.prefix, "alice", &pw).await;
    let sessions = org.url(&format!("/users/{alice_id}/sessions"));
    let (s, b) = api.get(&sessions, Some(&org.admin)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(session_ids(&b).len(), 2, "{b}");
    let (s, b) = api.delete(&sessions, Some(&org.admin)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["revoked"], 2);
    for token in [&laptop_token, &tablet] {
        api.until_refused(&org.url("/sessions"), token, WITHIN)
            .await;
    }
    let (s, b) = api.get(&sessions, Some(&org.admin)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert!(session_ids(&b).is_empty(), "{b}");
    let (s, b) = api
        .post(
            &org.url("/auth/refresh"),
            None,
            json!({ "refresh_token": laptop["refresh_token"] }),
        )
        .await;
    assert_error(s, &b, StatusCode::UNAUTHORIZED);
    // Bob was not touched, and she can log in again.
    let (s, b) = api.get(&org.url("/sessions"), Some(&bob)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    api.login(&org.prefix, "alice", &pw).await;
    stack.stop().await.unwrap();
}

/// Moves a session's last renewal `minutes` into the past, as if it had been left alone.
async fn leave_alone(stack: &Stack, org_id: &str, session: &str, minutes: i32) {
    let db = sqlx::PgPool::connect(&stack.database_url("identity"))
        .await
        .unwrap();
    let schema: String =
        sqlx::query_scalar("SELECT schema_name FROM public.tenant_schemas WHERE org_id = $1::uuid")
            .bind(org_id)
            .fetch_one(&db)
            .await
            .unwrap();
    // The schema's name comes from the registry, not from input.
    let moved = sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE \"{schema}\".sessions SET last_used_at = now() - make_interval(mins => $2)
         WHERE id = $1::uuid"
    )))
    .bind(session)
    .bind(minutes)
    .execute(&db)
    .await
    .unwrap();
    assert_eq!(moved.rows_affected(), 1);
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sessions_end_after_the_orgs_idle_and_absolute_limits() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let org = Org::create(&api, "acme").await;
    let org_id = crate::api::org_id(&api, &org).await;
    api.add_user(&org.prefix, &org.admin, "alice", "password_user")
        .await;
    let mut settings = crate::api::login_settings("password_user");
    settings["session_idle_minutes"] = json!(10);
    settings["session_max_hours"] = json!(1);
    let (s, b) = api
        .put(&org.url("/settings/login"), Some(&org.admin), settings)
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");

    // The session lasts the org's hour, and no token outlives it.
    let login = api
        .login_reply(&org.prefix, "alice", &crate::api::password_for("alice"))
        .await;
    let (_, list) = api
        .get(&org.url("/sessions"), login["token"].as_str())
        .await;
    let ends = list["sessions"][0]["expires_at"].as_str().unwrap();
    let ends = chrono::DateTime::parse_from_rfc3339(ends)
        .unwrap()
        .timestamp();
    let now = chrono::Utc::now().timestamp();
    assert!(
        (now + 3500..=now + 3610).contains(&ends),
        "ends {ends}, now {now}"
    );
    assert!(login["expires_at"].as_i64().unwrap() <= ends);

    // Renewed after nine minutes alone; not after eleven.
    let session = login["session_id"].as_str().unwrap();
    leave_alone(&stack, &org_id, session, 9).await;
    let (s, renewed) = refresh(&api, &org, &login["refresh_token"]).await;
    assert_eq!(s, StatusCode::OK, "{renewed}");
    leave_alone(&stack, &org_id, session, 11).await;
    let (s, b) = refresh(&api, &org, &renewed["refresh_token"]).await;
    assert_error(s, &b, StatusCode::UNAUTHORIZED);
    stack.stop().await.unwrap();
}
