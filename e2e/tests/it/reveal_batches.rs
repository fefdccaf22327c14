//! Applications of several orgs fetching passwords at once: the vault serves concurrent
//! reveals together, and each caller must still get exactly its own answer, with exactly
//! one audit record per reveal or refusal, in its own org's trail.

use std::collections::HashMap;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::api::{Api, assert_error};
use crate::stack::{ADMIN_PASSWORD, Stack};

/// An org with an application user holding an API key.
struct Tenant {
    slug: &'static str,
    key: String,
    /// The application's accounts and their passwords.
    own: Vec<(String, String)>,
    /// An account of another user of the org.
    colleagues: String,
}

async fn tenant(api: &Api<'_>, admin: &str, slug: &'static str) -> Tenant {
    let (s, b) = api
        .post(
            "/api/v1/orgs",
            Some(admin),
            json!({"slug": slug, "name": slug}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let mut tokens = Vec::new();
    for name in ["app", "colleague"] {
        let password = format!("{name}-{slug}-password");
        let (s, b) = api
            .post(
                &format!("/{slug}/api/v1/users"),
                Some(admin),
                json!({"username": name, "email": format!("{name}@{slug}.test"), "role": "password_user", "password": format!("one-time-{password}")}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        api.first_login(
            &format!("/{slug}"),
            name,
            &format!("one-time-{password}"),
            &password,
        )
        .await;
        tokens.push(api.login(&format!("/{slug}"), name, &password).await);
    }
    let mut accounts = Vec::new();
    for (owner, count) in [(&tokens[0], 4), (&tokens[1], 1)] {
        let (s, resource) = api
            .post(
                &format!("/{slug}/api/v1/resources"),
                Some(owner),
                json!({"name": format!("db-{}", accounts.len()), "type": "PostgreSQL", "host": "db.test"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{resource}");
        for i in 0..count {
            let password = format!("{slug}-secret-{}-{i}", accounts.len());
            let (s, b) = api
                .post(
                    &format!(
                        "/{slug}/api/v1/resources/{}/accounts",
                        resource["id"].as_str().unwrap()
                    ),
                    Some(owner),
                    json!({"username": format!("user{i}"), "password": password}),
                )
                .await;
            assert_eq!(s, StatusCode::CREATED, "{b}");
            accounts.push((b["id"].as_str().unwrap().to_owned(), password));
        }
    }
    let (s, b) = api
        .post(
            &format!("/{slug}/api/v1/api-keys"),
            Some(&tokens[0]),
            json!({"name": "app"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let colleagues = accounts.pop().unwrap().0;
    Tenant {
        slug,
        key: b["key"].as_str().unwrap().to_owned(),
        own: accounts,
        colleagues,
    }
}

/// Operation counts in an org's trail.
async fn trail(api: &Api<'_>, admin: &str, slug: &str) -> (HashMap<String, usize>, Vec<Value>) {
    let (s, b) = api.get(&format!("/{slug}/api/v1/audit"), Some(admin)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let events = b["events"].as_array().unwrap().clone();
    let mut counts = HashMap::new();
    for e in &events {
        *counts
            .entry(e["operation"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    (counts, events)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_reveals_of_several_orgs_each_get_their_own_answer_and_audit_record() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let admin = api.login("", "admin", ADMIN_PASSWORD).await;
    let tenants = [
        tenant(&api, &admin, "north").await,
        tenant(&api, &admin, "south").await,
    ];

    // Per org: every own account three times, the colleague's account four times (refused),
    // the other org's accounts through this org's URL and unknown ids (not found).
    let mut calls: Vec<(&Tenant, String, Option<String>)> = Vec::new();
    for (t, other) in [(&tenants[0], &tenants[1]), (&tenants[1], &tenants[0])] {
        for _ in 0..3 {
            for (id, password) in &t.own {
                calls.push((t, id.clone(), Some(password.clone())));
            }
        }
        for _ in 0..4 {
            calls.push((t, t.colleagues.clone(), None));
        }
        calls.push((t, other.own[0].0.clone(), None));
        calls.push((t, other.colleagues.clone(), None));
        calls.push((t, uuid::Uuid::now_v7().to_string(), None));
    }
    let paths: Vec<String> = calls
        .iter()
        .map(|(t, id, _)| format!("/{}/api/v1/accounts/{id}/password", t.slug))
        .collect();
    let answers = futures::future::join_all(
        calls
            .iter()
            .zip(&paths)
            .map(|((t, _, _), path)| api.get(path, Some(&t.key))),
    )
    .await;
    for ((t, id, expected), (status, body)) in calls.iter().zip(&answers) {
        match expected {
            Some(password) => {
                assert_eq!(*status, StatusCode::OK, "{} {id}: {body}", t.slug);
                assert_eq!(body["password"], password.as_str());
            }
            None => assert_error(*status, body, StatusCode::NOT_FOUND),
        }
    }

    // Each org's trail, once the vault has forwarded the records (committed before the
    // answers left): 12 reveals and 4 refusals of its own accounts, nothing else of these
    // calls (ids of another org or of nothing name no account here).
    for t in &tenants {
        let (counts, events) =
            strongroom_testkit::wait_until(std::time::Duration::from_secs(10), || async {
                let (counts, events) = trail(&api, &admin, t.slug).await;
                let seen = counts.get("password.revealed").copied().unwrap_or(0)
                    + counts.get("password.reveal_denied").copied().unwrap_or(0);
                (seen >= 16).then_some((counts, events))
            })
            .await
            .unwrap();
        assert_eq!(counts.get("password.revealed"), Some(&12), "{}", t.slug);
        assert_eq!(counts.get("password.reveal_denied"), Some(&4), "{}", t.slug);
        let ours: Vec<&str> = t
            .own
            .iter()
            .map(|(id, _)| id.as_str())
            .chain([t.colleagues.as_str()])
            .collect();
        for e in events
            .iter()
            .filter(|e| e["operation"].as_str().unwrap().starts_with("password."))
        {
            let target = e["target"]["id"].as_str().unwrap();
            assert!(ours.contains(&target), "{}: {e}", t.slug);
            assert_eq!(e["actor"]["username"], "app");
        }
    }
    stack.stop().await.unwrap();
}
