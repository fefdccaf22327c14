//! The foundation slice, walked over HTTP as users and applications do.

use std::collections::HashMap;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::api::{Api, assert_error};
use crate::stack::{ADMIN_PASSWORD, Stack};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_foundation_slice_works_end_to_end_and_denies_everyone_else() {
    let stack = Stack::start(None).await.unwrap();
    walk_the_slice(&stack).await;
    stack.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_slice_works_with_org_keys_in_openbao_transit() {
    let bao = strongroom_testkit::openbao().unwrap();
    let stack = Stack::start(Some((bao.addr.clone(), bao.token.clone())))
        .await
        .unwrap();
    let acme_id = walk_the_slice(&stack).await;
    // acme's key-encryption key lives in OpenBao, under its own name.
    let key = std::process::Command::new(
        std::env::var("STRONGROOM_BAO_BIN").unwrap_or_else(|_| "bao".into()),
    )
    .args([
        "read",
        "-format=json",
        &format!("transit/keys/strongroom-org-{acme_id}"),
    ])
    .env("BAO_ADDR", &bao.addr)
    .env("BAO_TOKEN", &bao.token)
    .output()
    .unwrap();
    assert!(
        key.status.success(),
        "{}",
        String::from_utf8_lossy(&key.stderr)
    );
    stack.stop().await.unwrap();
}

/// Walks every step of the slice; returns acme's org id.
async fn walk_the_slice(stack: &Stack) -> String {
    let api = Api { stack };

    // MSP admin logs in at the MSP's URL; bad credentials all look the same.
    let admin = api.login("", "admin", ADMIN_PASSWORD).await;
    for (user, pass) in [("admin", "wrong-password"), ("nobody", ADMIN_PASSWORD)] {
        let (s, b) = api
            .post(
                "/api/v1/auth/login",
                None,
                json!({"username": user, "password": pass}),
            )
            .await;
        assert_error(s, &b, StatusCode::UNAUTHORIZED);
        assert_eq!(b["message"], "invalid username or password");
    }

    // Client orgs.
    let (s, acme) = api
        .post(
            "/api/v1/orgs",
            Some(&admin),
            json!({"slug": "acme", "name": "Acme"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{acme}");
    assert_eq!(acme["slug"], "acme");
    assert!(acme["id"].is_string());
    let (s, other) = api
        .post(
            "/api/v1/orgs",
            Some(&admin),
            json!({"slug": "globex", "name": "Globex"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{other}");
    let (s, b) = api
        .post(
            "/api/v1/orgs",
            Some(&admin),
            json!({"slug": "ACME", "name": "Again"}),
        )
        .await;
    assert_error(s, &b, StatusCode::CONFLICT);
    for slug in ["api", "two words", "", "x"] {
        let (s, b) = api
            .post(
                "/api/v1/orgs",
                Some(&admin),
                json!({"slug": slug, "name": "N"}),
            )
            .await;
        assert_error(s, &b, StatusCode::BAD_REQUEST);
    }
    let (s, b) = api
        .post("/api/v1/orgs", None, json!({"slug": "nope", "name": "N"}))
        .await;
    assert_error(s, &b, StatusCode::UNAUTHORIZED);
    let (s, b) = api
        .post(
            "/api/v1/orgs",
            Some("not-a-token"),
            json!({"slug": "nope", "name": "N"}),
        )
        .await;
    assert_error(s, &b, StatusCode::UNAUTHORIZED);

    // Users, created by the MSP admin as acme's account manager.
    let user = |name: &str, role: &str| json!({"username": name, "email": format!("{name}@example.test"), "role": role, "password": format!("{name}-password")});
    for (org, name, role) in [
        ("acme", "alice", "password_user"),
        ("acme", "bob", "password_user"),
        ("acme", "carol", "administrator"),
        ("globex", "eve", "administrator"),
    ] {
        let (s, b) = api
            .post(
                &format!("/{org}/api/v1/users"),
                Some(&admin),
                user(name, role),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        assert_eq!(b["role"], role);
    }
    // Each chooses their own password at the first login: the one the administrator set
    // opens nothing else.
    for (org, name) in [
        ("/acme", "alice"),
        ("/acme", "bob"),
        ("/acme", "carol"),
        ("/globex", "eve"),
    ] {
        let given = format!("{name}-password");
        api.first_login(org, name, &given, &format!("{name}-own-password"))
            .await;
    }
    let (s, b) = api
        .post(
            "/acme/api/v1/users",
            Some(&admin),
            user("Alice", "password_user"),
        )
        .await;
    assert_error(s, &b, StatusCode::CONFLICT);
    let (s, b) = api
        .post(
            "/acme/api/v1/users",
            Some(&admin),
            user("dave", "superuser"),
        )
        .await;
    assert_error(s, &b, StatusCode::BAD_REQUEST);
    let (s, b) = api
        .post(
            "/acme/api/v1/users",
            Some(&admin),
            json!({"username": "dave"}),
        )
        .await;
    assert_error(s, &b, StatusCode::BAD_REQUEST);

    let alice = api.login("/acme", "alice", "alice-own-password").await;
    let bob = api.login("/acme", "bob", "bob-own-password").await;
    let carol = api.login("/acme", "carol", "carol-own-password").await;
    let eve = api.login("/globex", "eve", "eve-own-password").await;
    // Alice belongs to acme only.
    let (s, b) = api
        .post(
            "/api/v1/auth/login",
            None,
            json!({"username": "alice", "password": "alice-own-password"}),
        )
        .await;
    assert_error(s, &b, StatusCode::UNAUTHORIZED);
    let (s, b) = api
        .post(
            "/nosuchorg/api/v1/auth/login",
            None,
            json!({"username": "alice", "password": "x"}),
        )
        .await;
    // As a wrong password at a real org: the login page tells no org apart.
    assert_error(s, &b, StatusCode::UNAUTHORIZED);
    // A password user cannot add users.
    let (s, b) = api
        .post(
            "/acme/api/v1/users",
            Some(&alice),
            user("mallory", "administrator"),
        )
        .await;
    assert_error(s, &b, StatusCode::FORBIDDEN);

    // Alice's resource and account.
    let (s, res) = api
        .post(
            "/acme/api/v1/resources",
            Some(&alice),
            json!({"name": "db1", "type": "PostgreSQL", "host": "db1.acme.test"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{res}");
    let res_id = res["id"].as_str().unwrap().to_owned();
    let (s, b) = api
        .post(
            "/acme/api/v1/resources",
            Some(&alice),
            json!({"name": "DB1", "type": "PostgreSQL"}),
        )
        .await;
    assert_error(s, &b, StatusCode::CONFLICT);
    let (s, b) = api
        .post(
            "/acme/api/v1/resources",
            Some(&alice),
            json!({"name": "", "type": "x"}),
        )
        .await;
    assert_error(s, &b, StatusCode::BAD_REQUEST);
    let secret = "Tr0ub4dor&3-unique-plaintext";
    let (s, acct) = api
        .post(
            &format!("/acme/api/v1/resources/{res_id}/accounts"),
            Some(&alice),
            json!({"username": "postgres", "password": secret}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{acct}");
    let acct_id = acct["id"].as_str().unwrap().to_owned();
    // Bob cannot add accounts to Alice's resource; it does not exist for him.
    let (s, b) = api
        .post(
            &format!("/acme/api/v1/resources/{res_id}/accounts"),
            Some(&bob),
            json!({"username": "x", "password": "y"}),
        )
        .await;
    assert_error(s, &b, StatusCode::NOT_FOUND);

    // The stored row holds no plaintext.
    let acme_schema = format!("org_{}", acme["id"].as_str().unwrap().replace('-', ""));
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&stack.database_url("vault"))
        .await
        .unwrap();
    let rows: Vec<(Vec<u8>,)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT ciphertext FROM {acme_schema}.secrets"
    )))
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert_eq!(rows.len(), 1);
    let stored = &rows[0].0;
    assert!(!stored.windows(secret.len()).any(|w| w == secret.as_bytes()));
    assert!(
        stored.len() >= secret.len() + 28,
        "nonce and tag are stored"
    );

    // The owner reveals it; everyone else gets 404.
    let reveal = format!("/acme/api/v1/accounts/{acct_id}/password");
    let (s, b) = api.get(&reveal, Some(&alice)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["password"], secret);
    for (who, path, token) in [
        ("bob (same org, no share)", reveal.clone(), bob.as_str()),
        (
            "carol (acme administrator, no share)",
            reveal.clone(),
            carol.as_str(),
        ),
        ("eve at acme's URL", reveal.clone(), eve.as_str()),
        (
            "eve at her own URL",
            format!("/globex/api/v1/accounts/{acct_id}/password"),
            eve.as_str(),
        ),
        (
            "the MSP admin (account manager, no share)",
            reveal.clone(),
            admin.as_str(),
        ),
        (
            "alice at the MSP URL",
            format!("/api/v1/accounts/{acct_id}/password"),
            alice.as_str(),
        ),
        (
            "alice, unknown account",
            format!("/acme/api/v1/accounts/{}/password", uuid::Uuid::new_v4()),
            alice.as_str(),
        ),
        (
            "alice, malformed id",
            "/acme/api/v1/accounts/not-an-id/password".to_owned(),
            alice.as_str(),
        ),
    ] {
        let (s, b) = api.get(&path, Some(token)).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{who}: {b}");
        assert!(b.get("password").is_none(), "{who}");
    }
    let (s, b) = api.get(&reveal, None).await;
    assert_error(s, &b, StatusCode::UNAUTHORIZED);

    // An API key alone retrieves the owner's password.
    let (s, key) = api
        .post(
            "/acme/api/v1/api-keys",
            Some(&alice),
            json!({"name": "deploy-script"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{key}");
    let key = key["key"].as_str().unwrap().to_owned();
    let (s, b) = api
        .post(
            "/acme/api/v1/api-keys",
            Some(&alice),
            json!({"name": "deploy-script"}),
        )
        .await;
    assert_error(s, &b, StatusCode::CONFLICT);
    let (s, b) = api.get(&reveal, Some(&key)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["password"], secret);
    let (s, b) = api
        .get(
            &format!("/globex/api/v1/accounts/{acct_id}/password"),
            Some(&key),
        )
        .await;
    assert_error(s, &b, StatusCode::UNAUTHORIZED);
    let forged = format!("{}x", &key[..key.len() - 1]);
    let (s, b) = api.get(&reveal, Some(&forged)).await;
    assert_error(s, &b, StatusCode::UNAUTHORIZED);
    // The key's secret is stored only as a hash.
    let mut id_conn =
        <sqlx::PgConnection as sqlx::Connection>::connect(&stack.database_url("identity"))
            .await
            .unwrap();
    let hashes: Vec<(Vec<u8>,)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT secret_hash FROM {acme_schema}.api_keys"
    )))
    .fetch_all(&mut id_conn)
    .await
    .unwrap();
    // `srk_<id>_<secret>`: the secret itself may contain '_'.
    let key_secret = key.splitn(3, '_').nth(2).unwrap();
    assert!(hashes.iter().all(|(h,)| {
        h.len() == 32
            && !h
                .windows(8)
                .any(|w| key_secret.as_bytes().windows(8).any(|k| k == w))
    }));

    // Bad input: never a 500.
    let (s, b) = api
        .post(
            "/acme/api/v1/resources",
            Some(&alice),
            json!("just a string"),
        )
        .await;
    assert_error(s, &b, StatusCode::BAD_REQUEST);
    let resp = stack
        .http
        .post(format!("{}/acme/api/v1/resources", stack.base_url))
        .bearer_auth(&alice)
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let (s, b) = api.get("/acme/api/v1/no-such-endpoint", Some(&alice)).await;
    assert_error(s, &b, StatusCode::NOT_FOUND);
    // A path that does not take the method (resources are listed and added, not replaced).
    let (s, b) = api
        .put("/acme/api/v1/resources", Some(&alice), json!({}))
        .await;
    assert_error(s, &b, StatusCode::METHOD_NOT_ALLOWED);

    // The audit trail: each step exactly once, with actor, IP and time.
    let expected: HashMap<&str, usize> = [
        ("user.created", 3),
        ("login.succeeded", 3),
        ("resource.created", 1),
        ("account.created", 1),
        ("password.revealed", 2),
        ("password.reveal_denied", 3),
        ("api_key.created", 1),
    ]
    .into();
    strongroom_testkit::wait_until(Duration::from_secs(20), || async {
        let (s, b) = api.get("/acme/api/v1/audit", Some(&carol)).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let events = b["events"].as_array().unwrap().clone();
        let mut counts: HashMap<String, usize> = HashMap::new();
        for e in &events {
            *counts
                .entry(e["operation"].as_str().unwrap().to_owned())
                .or_default() += 1;
        }
        expected
            .iter()
            .all(|(op, n)| counts.get(*op).copied().unwrap_or(0) >= *n)
            .then_some(())
    })
    .await
    .unwrap();
    // Wait a little for stragglers, then demand exact counts.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (_, b) = api.get("/acme/api/v1/audit", Some(&carol)).await;
    let events = b["events"].as_array().unwrap().clone();
    let mut counts: HashMap<String, usize> = HashMap::new();
    for e in &events {
        *counts
            .entry(e["operation"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    for (op, n) in &expected {
        assert_eq!(
            counts.get(*op).copied().unwrap_or(0),
            *n,
            "{op} in {counts:?}"
        );
    }
    let mut ids: Vec<&str> = events.iter().map(|e| e["id"].as_str().unwrap()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), events.len(), "no event is stored twice");
    for e in &events {
        assert_eq!(e["actor"]["ip"], "127.0.0.1", "{e}");
        assert!(e["time"].as_str().unwrap().starts_with("20"), "{e}");
        assert!(!e.to_string().contains(secret), "no password in the trail");
    }
    let reveal_by_key = events
        .iter()
        .find(|e| e["operation"] == "password.revealed" && e["details"]["via"] == "api_key")
        .expect("the API-key retrieval is audited");
    assert_eq!(reveal_by_key["actor"]["username"], "alice");
    assert_eq!(reveal_by_key["actor"]["user_agent"], "strongroom-e2e");

    // The MSP trail holds the org creations; acme's users cannot read it, password users
    // cannot read their own org's trail either.
    let (s, b) = api.get("/api/v1/audit", Some(&admin)).await;
    assert_eq!(s, StatusCode::OK);
    let created: Vec<&Value> = b["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["operation"] == "org.created")
        .collect();
    assert_eq!(created.len(), 2, "{b}");
    assert!(created.iter().all(|e| e["actor"]["username"] == "admin"));
    let (s, b) = api.get("/api/v1/audit", Some(&carol)).await;
    assert_error(s, &b, StatusCode::NOT_FOUND);
    let (s, b) = api.get("/acme/api/v1/audit", Some(&bob)).await;
    assert_error(s, &b, StatusCode::FORBIDDEN);
    acme["id"].as_str().unwrap().to_owned()
}
