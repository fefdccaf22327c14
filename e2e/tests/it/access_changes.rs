//! What changes about a user reaches everything they hold at once: a new role or a disabled
//! account applies to their API keys within a second, and an org never loses its last
//! administrator.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;

use crate::api::{Api, Org, assert_error};
use crate::stack::{ADMIN_PASSWORD, Stack};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_new_role_or_a_disabled_account_reaches_the_users_api_keys_within_a_second() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let org = Org::create(&api, "umbrella").await;
    let (alice, password) = api
        .add_user(&org.prefix, &org.admin, "alice", "password_auditor")
        .await;
    let token = api.login(&org.prefix, "alice", &password).await;
    let (s, key) = api
        .post(
            &org.url("/api-keys"),
            Some(&token),
            json!({"name": "reports"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{key}");
    let key = key["key"].as_str().unwrap().to_owned();
    let audit = org.url("/audit");
    let (s, b) = api.get(&audit, Some(&key)).await;
    assert_eq!(s, StatusCode::OK, "an auditor's key reads the trail: {b}");

    // Demoted to password user: the key loses audit.view within a second.
    let user = org.url(&format!("/users/{alice}"));
    let (s, b) = api
        .patch(&user, Some(&org.admin), json!({"role": "password_user"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let start = Instant::now();
    loop {
        let (s, b) = api.get(&audit, Some(&key)).await;
        if s == StatusCode::FORBIDDEN {
            break;
        }
        assert_eq!(s, StatusCode::OK, "{b}");
        assert!(
            start.elapsed() < Duration::from_secs(1),
            "the key kept its old role"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Her session's token too, within the same second (each service reads revocations
    // on its own, so the gateway may see the change a poll after the service that refused
    // the key); a refresh gives her the new role's permissions.
    api.until_refused(&org.url("/users"), &token, Duration::from_secs(1))
        .await;

    // Disabled: the key stops working within a second.
    let (s, b) = api
        .patch(&user, Some(&org.admin), json!({"status": "disabled"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    api.until_refused(&org.url("/api-keys"), &key, Duration::from_secs(1))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_org_keeps_at_least_one_active_administrator() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let org = Org::create(&api, "cyberdyne").await;
    // The account manager acts in the org from MSPOrg: root is the org's only administrator.
    let msp = api.login("", "admin", ADMIN_PASSWORD).await;
    let (_, users) = api.get(&org.url("/users?q=root"), Some(&msp)).await;
    let root = users["users"][0]["id"].as_str().unwrap().to_owned();
    let user = org.url(&format!("/users/{root}"));
    for change in [
        json!({"role": "password_user"}),
        json!({"status": "disabled"}),
    ] {
        let (s, b) = api.patch(&user, Some(&msp), change).await;
        assert_error(s, &b, StatusCode::CONFLICT);
        assert!(
            b["message"]
                .as_str()
                .unwrap()
                .contains("last active administrator"),
            "{b}"
        );
    }
    let (s, b) = api.delete(&user, Some(&msp)).await;
    assert_error(s, &b, StatusCode::CONFLICT);

    // With a second administrator, the first may go.
    api.add_user(&org.prefix, &org.admin, "deputy", "administrator")
        .await;
    let (s, b) = api
        .patch(&user, Some(&msp), json!({"role": "password_user"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");

    // Two administrators demoted at the same moment: one change waits for the other and
    // then finds itself the last, so the org always keeps one. (Root's token ended with its
    // demotion: the account manager adds the twin.)
    let (twin, _) = api
        .add_user(&org.prefix, &msp, "twin", "administrator")
        .await;
    let (_, users) = api.get(&org.url("/users?q=deputy"), Some(&msp)).await;
    let deputy = users["users"][0]["id"].as_str().unwrap().to_owned();
    let (deputy, twin) = (
        org.url(&format!("/users/{deputy}")),
        org.url(&format!("/users/{twin}")),
    );
    for round in 0..5 {
        let demote = |path: String| {
            let (api, msp) = (&api, msp.clone());
            async move {
                api.patch(&path, Some(&msp), json!({"role": "password_user"}))
                    .await
                    .0
            }
        };
        let (a, b) = tokio::join!(demote(deputy.clone()), demote(twin.clone()));
        let statuses = [a, b];
        assert_eq!(
            statuses.iter().filter(|s| **s == StatusCode::OK).count(),
            1,
            "round {round}: {statuses:?}"
        );
        assert!(statuses.contains(&StatusCode::CONFLICT), "{statuses:?}");
        let (_, b) = api.get(&org.url("/users"), Some(&msp)).await;
        let admins = b["users"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|u| u["role"] == "administrator" && u["status"] == "active")
            .count();
        assert_eq!(admins, 1, "round {round}");
        // Both administrators again for the next round.
        for path in [&deputy, &twin] {
            let (s, b) = api
                .patch(path, Some(&msp), json!({"role": "administrator"}))
                .await;
            assert_eq!(s, StatusCode::OK, "{b}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_account_manager_logging_out_from_a_client_org_ends_their_own_session() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let org = Org::create(&api, "tyrell").await;
    let msp = api.login("", "admin", ADMIN_PASSWORD).await;
    let (s, b) = api.get(&org.url("/users"), Some(&msp)).await;
    assert_eq!(
        s,
        StatusCode::OK,
        "the account manager works in the client org: {b}"
    );
    let (s, b) = api.get(&org.url("/sessions"), Some(&msp)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    // Their own MSPOrg sessions (creating the org logged in too), this one marked current.
    let sessions = b["sessions"].as_array().unwrap();
    let current: Vec<_> = sessions.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1, "{b}");
    assert!(
        sessions
            .iter()
            .all(|s| s["user_id"] == current[0]["user_id"]),
        "{b}"
    );

    let (s, b) = api
        .post(&org.url("/auth/logout"), Some(&msp), json!({}))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    api.until_refused("/api/v1/sessions", &msp, Duration::from_secs(1))
        .await;
    let (s, _) = api.get(&org.url("/users"), Some(&msp)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}
