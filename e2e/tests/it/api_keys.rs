//! API keys as applications use them: they expire, work only from the addresses they allow,
//! stop within a second of being revoked, never show their secret again, and can do no more
//! than their user.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::api::{Api, Org, assert_error, audit_operations};
use crate::stack::Stack;

/// Alice (a password user) with an account whose password her keys fetch.
struct Fixture {
    org: Org,
    alice: String,
    reveal: String,
}

async fn fixture(api: &Api<'_>) -> Fixture {
    let org = Org::create(api, "acme").await;
    let (_, pw) = api
        .add_user(&org.prefix, &org.admin, "alice", "password_user")
        .await;
    let alice = api.login(&org.prefix, "alice", &pw).await;
    let (s, res) = api
        .post(
            &org.url("/resources"),
            Some(&alice),
            json!({"name": "db1", "type": "PostgreSQL"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{res}");
    let (s, acct) = api
        .post(
            &org.url(&format!(
                "/resources/{}/accounts",
                res["id"].as_str().unwrap()
            )),
            Some(&alice),
            json!({"username": "postgres", "password": "app-secret"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{acct}");
    let reveal = org.url(&format!(
        "/accounts/{}/password",
        acct["id"].as_str().unwrap()
    ));
    Fixture { org, alice, reveal }
}

impl Fixture {
    /// Creates a key, checking the reply is not cached; returns the reply body.
    async fn add_key(&self, api: &Api<'_>, body: Value) -> Value {
        let r = api
            .send(
                Method::POST,
                &self.org.url("/api-keys"),
                Some(&self.alice),
                Some(body),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(r.headers["cache-control"], "no-store");
        assert!(r.body["key"].as_str().unwrap().starts_with("srk_"));
        r.body
    }

    async fn reveal_with(&self, api: &Api<'_>, key: &Value) -> (StatusCode, Value) {
        api.get(&self.reveal, Some(key.as_str().unwrap())).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn api_keys_expire_and_work_only_from_the_addresses_they_allow() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let f = fixture(&api).await;
    let keys = f.org.url("/api-keys");
    let alice = Some(f.alice.as_str());
    let at = |secs: i64| (chrono::Utc::now() + chrono::Duration::seconds(secs)).to_rfc3339();

    // Refused at creation: an expiry already past, an address list that is not one.
    for (body, mentions) in [
        (json!({"name": "old", "expires_at": at(-60)}), "expires_at"),
        (
            json!({"name": "when", "expires_at": "next tuesday"}),
            "expires_at",
        ),
        (
            json!({"name": "net", "allowed_cidrs": ["10.0.0.0/33"]}),
            "10.0.0.0/33",
        ),
        (
            json!({"name": "net", "allowed_cidrs": ["not-an-address"]}),
            "not-an-address",
        ),
    ] {
        let (s, b) = api.post(&keys, alice, body.clone()).await;
        assert_error(s, &b, StatusCode::BAD_REQUEST);
        assert!(
            b["message"].as_str().unwrap().contains(mentions),
            "{body} → {b}"
        );
    }

    // A key that expires in a few seconds works until then, and not after.
    let short = f
        .add_key(&api, json!({"name": "short", "expires_at": at(3)}))
        .await;
    assert!(short["expires_at"].is_string(), "{short}");
    let (s, b) = f.reveal_with(&api, &short["key"]).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["password"], "app-secret");
    let start = Instant::now();
    loop {
        let (s, b) = f.reveal_with(&api, &short["key"]).await;
        if s == StatusCode::UNAUTHORIZED {
            assert_error(s, &b, StatusCode::UNAUTHORIZED);
            break;
        }
        assert_eq!(s, StatusCode::OK, "{b}");
        assert!(
            start.elapsed() < Duration::from_secs(6),
            "the key still works well past its expiry"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Limited to other addresses: refused here, with the reason; limited to this one: works.
    let elsewhere = f
        .add_key(
            &api,
            json!({"name": "elsewhere", "allowed_cidrs": ["10.0.0.0/8"]}),
        )
        .await;
    assert_eq!(elsewhere["allowed_cidrs"], json!(["10.0.0.0/8"]));
    let (s, b) = f.reveal_with(&api, &elsewhere["key"]).await;
    assert!(
        s == StatusCode::FORBIDDEN || s == StatusCode::UNAUTHORIZED,
        "{s} {b}"
    );
    assert!(b["message"].as_str().unwrap().contains("address"), "{b}");
    assert!(b.get("password").is_none());
    let here = f
        .add_key(
            &api,
            json!({"name": "here", "allowed_cidrs": ["127.0.0.1/32", "10.0.0.0/8"]}),
        )
        .await;
    for _ in 0..2 {
        let (s, b) = f.reveal_with(&api, &here["key"]).await;
        assert_eq!(s, StatusCode::OK, "{b}");
    }

    // Just used from here, the same key is still refused from next door (127.0.0.2), and a
    // key for next door works there only.
    let next_door = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .build()
        .unwrap();
    let from_next_door = |key: &Value| {
        let req = next_door
            .get(format!("{}{}", stack.base_url, f.reveal))
            .bearer_auth(key.as_str().unwrap());
        async move {
            let resp = req.send().await.unwrap();
            (resp.status(), resp.json::<Value>().await.unwrap())
        }
    };
    let only_here = f
        .add_key(
            &api,
            json!({"name": "only-here", "allowed_cidrs": ["127.0.0.1"]}),
        )
        .await;
    let (s, b) = f.reveal_with(&api, &only_here["key"]).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = from_next_door(&only_here["key"]).await;
    assert_error(s, &b, StatusCode::FORBIDDEN);
    assert!(b.get("password").is_none());
    let there = f
        .add_key(
            &api,
            json!({"name": "there", "allowed_cidrs": ["127.0.0.2/32"]}),
        )
        .await;
    let (s, b) = from_next_door(&there["key"]).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["password"], "app-secret");
    let (s, b) = f.reveal_with(&api, &there["key"]).await;
    assert_error(s, &b, StatusCode::FORBIDDEN);
    // Each use from a disallowed address is in the trail, with the address. The records
    // come through the event stream, so they may arrive a relay round apart.
    let refused = strongroom_testkit::wait_until(Duration::from_secs(20), || async {
        let events = audit_operations(&api, &f.org, &["api_key.address_refused"]).await;
        let refused: Vec<Value> = events
            .into_iter()
            .filter(|e| e["operation"] == "api_key.address_refused")
            .collect();
        (refused.len() >= 3).then_some(refused)
    })
    .await
    .expect("three refused uses in the trail");
    assert!(
        refused.iter().any(|e| e["actor"]["ip"] == "127.0.0.2"),
        "{refused:?}"
    );
    stack.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn revoked_keys_stop_at_once_and_no_key_does_more_than_its_user() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let f = fixture(&api).await;
    let keys = f.org.url("/api-keys");
    let alice = Some(f.alice.as_str());

    let deploy = f.add_key(&api, json!({"name": "deploy"})).await;
    let backup = f.add_key(&api, json!({"name": "backup"})).await;
    let secret = deploy["key"].as_str().unwrap();

    // Listed by name, never with the secret.
    let (s, b) = api.get(&keys, alice).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let listed = b["keys"].as_array().unwrap();
    assert_eq!(listed.len(), 2, "{b}");
    let text = b.to_string();
    // `srk_<id>_<secret>`: the secret itself may contain '_'.
    let secret_part = secret.splitn(3, '_').nth(2).unwrap();
    assert!(secret_part.len() >= 32, "{secret}");
    assert!(!text.contains(secret_part), "{b}");
    assert!(listed.iter().all(|k| k.get("key").is_none()), "{b}");
    let listed_deploy = listed.iter().find(|k| k["name"] == "deploy").unwrap();
    assert_eq!(listed_deploy["id"], deploy["id"]);
    assert!(listed_deploy["revoked_at"].is_null());
    // Others' keys are not hers to see or revoke.
    let (s, b) = api.get(&keys, Some(&f.org.admin)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["keys"].as_array().unwrap().len(), 0, "{b}");
    let deploy_url = f
        .org
        .url(&format!("/api-keys/{}", deploy["id"].as_str().unwrap()));

    // The key can do what Alice can, and no more.
    let (s, b) = f.reveal_with(&api, &deploy["key"]).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = api
        .post(
            &f.org.url("/users"),
            Some(secret),
            json!({"username": "mallory", "email": "m@acme.test", "role": "administrator",
                   "password": "Mallory-password-1!"}),
        )
        .await;
    assert_error(s, &b, StatusCode::FORBIDDEN);
    let (s, b) = api.get(&f.org.url("/audit"), Some(secret)).await;
    assert_error(s, &b, StatusCode::FORBIDDEN);

    // Revoked: refused within a second; the other key keeps working.
    let (s, b) = api.delete(&deploy_url, alice).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    api.until_refused(&f.reveal, secret, Duration::from_secs(1))
        .await;
    let (s, b) = f.reveal_with(&api, &backup["key"]).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = api.delete(&deploy_url, alice).await;
    assert_error(s, &b, StatusCode::NOT_FOUND);
    let (s, b) = api.get(&keys, alice).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let still: Vec<&Value> = b["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["revoked_at"].is_null())
        .collect();
    assert_eq!(still.len(), 1, "{b}");
    assert_eq!(still[0]["name"], "backup");
    stack.stop().await.unwrap();
}
