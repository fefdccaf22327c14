//! The vault in full through the REST API: resources and accounts listed, searched, edited,
//! moved, deleted to the trash, restored and purged; favourites; password history.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::api::{Api, Org, assert_error, audit_operations, org_id};
use crate::stack::Stack;

async fn add_resource(api: &Api<'_>, org: &Org, token: &str, body: Value) -> Value {
    let (s, r) = api.post(&org.url("/resources"), Some(token), body).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    r
}

async fn add_account(
    api: &Api<'_>,
    org: &Org,
    token: &str,
    resource: &Value,
    body: Value,
) -> Value {
    let id = resource["id"].as_str().unwrap();
    let (s, a) = api
        .post(
            &org.url(&format!("/resources/{id}/accounts")),
            Some(token),
            body,
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    a
}

fn names(page: &Value) -> Vec<&str> {
    page["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn resources_and_accounts_are_listed_edited_moved_trashed_and_restored() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let org = Org::create(&api, "vaultco").await;
    let (_, alice_pw) = api
        .add_user(&org.prefix, &org.admin, "alice", "password_user")
        .await;
    let alice = api.login(&org.prefix, "alice", &alice_pw).await;
    let (_, bob_pw) = api
        .add_user(&org.prefix, &org.admin, "bob", "password_user")
        .await;
    let bob = api.login(&org.prefix, "bob", &bob_pw).await;

    // A resource with every field, and a bad host, URL and unknown field refused.
    let db1 = add_resource(
        &api,
        &org,
        &alice,
        json!({"name": "db1", "type": "PostgreSQL", "host": "db1.vaultco.test",
               "url": "https://db1.vaultco.test:5432", "department": "Finance",
               "location": "Paris", "description": "ledger database", "notes": "primary"}),
    )
    .await;
    assert_eq!(db1["department"], "Finance");
    assert_eq!(db1["url"], "https://db1.vaultco.test:5432");
    assert_eq!(db1["accounts"], 0);
    for (bad, word) in [
        (
            json!({"name": "x", "type": "Linux", "host": "not a host"}),
            "host",
        ),
        (
            json!({"name": "x", "type": "Linux", "url": "javascript alert"}),
            "url",
        ),
        (json!({"name": "", "type": "Linux"}), "name"),
        (
            json!({"name": "x", "type": "Linux", "colour": "red"}),
            "colour",
        ),
    ] {
        let (s, b) = api.post(&org.url("/resources"), Some(&alice), bad).await;
        assert_error(s, &b, StatusCode::BAD_REQUEST);
        assert!(b["message"].as_str().unwrap().contains(word), "{b}");
    }
    let web = add_resource(
        &api,
        &org,
        &alice,
        json!({"name": "intranet", "type": "Web Site", "host": "intra.vaultco.test",
               "department": "IT", "location": "Lyon"}),
    )
    .await;
    let switch = add_resource(
        &api,
        &org,
        &alice,
        json!({"name": "core-switch", "type": "Cisco IOS", "host": "10.1.0.1",
               "department": "IT", "location": "Paris"}),
    )
    .await;
    let root = add_account(
        &api,
        &org,
        &alice,
        &db1,
        json!({"username": "postgres", "password": "pg-pass-1", "notes": "superuser"}),
    )
    .await;
    assert_eq!(root["notes"], "superuser");
    assert_eq!(root["password_version"], 1);
    add_account(
        &api,
        &org,
        &alice,
        &web,
        json!({"username": "webadmin", "password": "web-pass-1", "notes": "rotated monthly"}),
    )
    .await;
    // Bob's own resource: alice never sees it, he never sees hers.
    add_resource(
        &api,
        &org,
        &bob,
        json!({"name": "bob-box", "type": "Linux"}),
    )
    .await;

    // Listing: only what the caller owns, sorted, paged, filtered, searched.
    let (s, page) = api.get(&org.url("/resources"), Some(&alice)).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert_eq!(names(&page), ["core-switch", "db1", "intranet"]);
    assert_eq!(page["total"], 3);
    let (_, page) = api.get(&org.url("/resources"), Some(&bob)).await;
    assert_eq!(names(&page), ["bob-box"]);
    let (_, page) = api.get(&org.url("/resources"), Some(&org.admin)).await;
    assert_eq!(
        page["total"], 0,
        "an administrator sees only what they own: {page}"
    );
    let (_, page) = api
        .get(
            &org.url("/resources?sort=name&order=desc&limit=2"),
            Some(&alice),
        )
        .await;
    assert_eq!(names(&page), ["intranet", "db1"]);
    assert_eq!(page["total"], 3);
    let (_, page) = api
        .get(
            &org.url("/resources?sort=name&order=desc&limit=2&offset=2"),
            Some(&alice),
        )
        .await;
    assert_eq!(names(&page), ["core-switch"]);
    for (query, expected) in [
        ("department=it", vec!["core-switch", "intranet"]),
        ("location=paris&department=IT", vec!["core-switch"]),
        ("type=postgresql", vec!["db1"]),
        ("host=10.1", vec!["core-switch"]),
        ("name=INTRA", vec!["intranet"]),
        ("q=ledger", vec!["db1"]),
        // Usernames and account notes are searched, passwords never.
        ("q=webadmin", vec!["intranet"]),
        ("q=monthly", vec!["intranet"]),
        ("q=superuser%20paris", vec!["db1"]),
        ("q=pg-pass-1", vec![]),
        ("q=100%25", vec![]),
    ] {
        let (s, page) = api
            .get(&org.url(&format!("/resources?{query}")), Some(&alice))
            .await;
        assert_eq!(s, StatusCode::OK, "{query}: {page}");
        assert_eq!(names(&page), expected, "{query}");
    }
    for bad in [
        "limit=501",
        "sort=password",
        "order=up",
        "owner_id=nobody",
        "colour=red",
    ] {
        let (s, b) = api
            .get(&org.url(&format!("/resources?{bad}")), Some(&alice))
            .await;
        assert_error(s, &b, StatusCode::BAD_REQUEST);
    }

    // One resource with its accounts; to anyone else it does not exist.
    let db1_id = db1["id"].as_str().unwrap();
    let (s, detail) = api
        .get(&org.url(&format!("/resources/{db1_id}")), Some(&alice))
        .await;
    assert_eq!(s, StatusCode::OK, "{detail}");
    assert_eq!(detail["resource"]["accounts"], 1);
    assert_eq!(detail["accounts"][0]["username"], "postgres");
    assert!(detail["accounts"][0].get("password").is_none());
    for token in [&bob, &org.admin] {
        let (s, b) = api
            .get(&org.url(&format!("/resources/{db1_id}")), Some(token))
            .await;
        assert_error(s, &b, StatusCode::NOT_FOUND);
        let (s, b) = api
            .patch(
                &org.url(&format!("/resources/{db1_id}")),
                Some(token),
                json!({"notes": "mine now"}),
            )
            .await;
        assert_error(s, &b, StatusCode::NOT_FOUND);
    }
    let (s, b) = api
        .get(&org.url("/resources/not-an-id"), Some(&alice))
        .await;
    assert_error(s, &b, StatusCode::NOT_FOUND);

    // Edit: fields left out stay; a taken name is a conflict.
    let (s, edited) = api
        .patch(
            &org.url(&format!("/resources/{db1_id}")),
            Some(&alice),
            json!({"location": "Berlin", "notes": "primary, moved"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{edited}");
    assert_eq!(edited["location"], "Berlin");
    assert_eq!(edited["department"], "Finance");
    let (s, b) = api
        .patch(
            &org.url(&format!("/resources/{db1_id}")),
            Some(&alice),
            json!({"name": "Intranet"}),
        )
        .await;
    assert_error(s, &b, StatusCode::CONFLICT);

    // Accounts: edit, move to another resource, favourites.
    let root_id = root["id"].as_str().unwrap();
    let (s, a) = api
        .patch(
            &org.url(&format!("/accounts/{root_id}")),
            Some(&alice),
            json!({"notes": "superuser of db1"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{a}");
    assert_eq!(a["notes"], "superuser of db1");
    let switch_id = switch["id"].as_str().unwrap();
    let (s, moved) = api
        .post(
            &org.url(&format!("/accounts/{root_id}/move")),
            Some(&alice),
            json!({"resource_id": switch_id}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{moved}");
    assert_eq!(moved["resource_id"], switch_id);
    // Its password went with it, and still reveals.
    let (s, b) = api
        .get(
            &org.url(&format!("/accounts/{root_id}/password")),
            Some(&alice),
        )
        .await;
    assert_eq!(
        (s, b["password"].as_str()),
        (StatusCode::OK, Some("pg-pass-1"))
    );
    // Bob cannot move alice's account into his resource, nor his into hers.
    let (s, b) = api
        .post(
            &org.url(&format!("/accounts/{root_id}/move")),
            Some(&bob),
            json!({"resource_id": db1_id}),
        )
        .await;
    assert_error(s, &b, StatusCode::NOT_FOUND);
    let (s, _) = api
        .call(
            Method::PUT,
            &org.url(&format!("/resources/{switch_id}/favourite")),
            Some(&alice),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, page) = api
        .get(&org.url("/resources?favourites=true"), Some(&alice))
        .await;
    assert_eq!(names(&page), ["core-switch"]);
    assert_eq!(page["resources"][0]["favourite"], true);
    let (s, _) = api
        .call(
            Method::DELETE,
            &org.url(&format!("/resources/{switch_id}/favourite")),
            Some(&alice),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, page) = api
        .get(&org.url("/resources?favourites=true"), Some(&alice))
        .await;
    assert_eq!(page["total"], 0);

    // Delete needs the name repeated; the trash keeps the resource and its passwords,
    // which reveal nothing until restored.
    let path = org.url(&format!("/resources/{switch_id}"));
    let (s, b) = api
        .call(
            Method::DELETE,
            &path,
            Some(&alice),
            Some(json!({"confirm": "db1"})),
        )
        .await;
    assert_error(s, &b, StatusCode::BAD_REQUEST);
    let (s, b) = api
        .call(
            Method::DELETE,
            &path,
            Some(&bob),
            Some(json!({"confirm": "core-switch"})),
        )
        .await;
    assert_error(s, &b, StatusCode::NOT_FOUND);
    let (s, b) = api
        .call(
            Method::DELETE,
            &path,
            Some(&alice),
            Some(json!({"confirm": "core-switch"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(
        (b["accounts"].as_u64(), b["purged"].as_bool()),
        (Some(1), Some(false))
    );
    let (s, b) = api
        .get(
            &org.url(&format!("/accounts/{root_id}/password")),
            Some(&alice),
        )
        .await;
    assert_error(s, &b, StatusCode::NOT_FOUND);
    let (_, page) = api.get(&org.url("/resources"), Some(&alice)).await;
    assert_eq!(names(&page), ["db1", "intranet"]);
    let (_, trash) = api
        .get(&org.url("/resources?trash=true"), Some(&alice))
        .await;
    assert_eq!(names(&trash), ["core-switch"]);
    assert!(trash["resources"][0]["deleted_at"].is_string(), "{trash}");
    // A new resource may take the name meanwhile; restoring then asks for a rename.
    let again = add_resource(
        &api,
        &org,
        &alice,
        json!({"name": "core-switch", "type": "Juniper"}),
    )
    .await;
    let (s, b) = api
        .post(
            &org.url(&format!("/resources/{switch_id}/restore")),
            Some(&alice),
            json!({}),
        )
        .await;
    assert_error(s, &b, StatusCode::CONFLICT);
    let again_id = again["id"].as_str().unwrap();
    let (s, b) = api
        .call(
            Method::DELETE,
            &org.url(&format!("/resources/{again_id}")),
            Some(&alice),
            Some(json!({"confirm": "core-switch"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = api
        .post(
            &org.url(&format!("/resources/{switch_id}/restore")),
            Some(&alice),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["deleted_at"], Value::Null);
    let (s, b) = api
        .get(
            &org.url(&format!("/accounts/{root_id}/password")),
            Some(&alice),
        )
        .await;
    assert_eq!(
        (s, b["password"].as_str()),
        (StatusCode::OK, Some("pg-pass-1"))
    );

    // An account alone: to the trash, back, then purged for good.
    let path = org.url(&format!("/accounts/{root_id}"));
    let (s, b) = api
        .call(
            Method::DELETE,
            &path,
            Some(&alice),
            Some(json!({"confirm": "postgres", "purge": true})),
        )
        .await;
    assert_error(s, &b, StatusCode::BAD_REQUEST);
    let (s, b) = api
        .call(
            Method::DELETE,
            &path,
            Some(&alice),
            Some(json!({"confirm": "postgres"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = api.get(&path, Some(&alice)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert!(b["deleted_at"].is_string(), "{b}");
    let (s, b) = api
        .post(
            &org.url(&format!("/accounts/{root_id}/restore")),
            Some(&alice),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, _) = api
        .call(
            Method::DELETE,
            &path,
            Some(&alice),
            Some(json!({"confirm": "postgres"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, b) = api
        .call(
            Method::DELETE,
            &path,
            Some(&alice),
            Some(json!({"confirm": "postgres", "purge": true})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["purged"], true);
    let (s, b) = api.get(&path, Some(&alice)).await;
    assert_error(s, &b, StatusCode::NOT_FOUND);

    // Every change is in the org's audit trail, and none of it names a password.
    let events = audit_operations(
        &api,
        &org,
        &[
            "resource.created",
            "resource.updated",
            "account.updated",
            "account.moved",
            "resource.deleted",
            "resource.restored",
            "account.deleted",
            "account.restored",
            "account.purged",
        ],
    )
    .await;
    let trail = serde_json::to_string(&events).unwrap();
    assert!(!trail.contains("pg-pass-1") && !trail.contains("web-pass-1"));
    let moved = events
        .iter()
        .find(|e| e["operation"] == "account.moved")
        .unwrap();
    assert_eq!(moved["details"]["from_resource"]["name"], "db1");
    assert_eq!(moved["actor"]["username"], "alice");
    stack.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_password_version_is_kept_with_who_when_and_why() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let org = Org::create(&api, "history").await;
    let (_, alice_pw) = api
        .add_user(&org.prefix, &org.admin, "alice", "password_user")
        .await;
    let alice = api.login(&org.prefix, "alice", &alice_pw).await;
    let account = api
        .store_password(&org.prefix, &alice, "db1", "postgres", "first-pass")
        .await;
    let password = org.url(&format!("/accounts/{account}/password"));

    // A new password needs a reason; each becomes a version.
    let (s, b) = api
        .put(&password, Some(&alice), json!({"password": "second-pass"}))
        .await;
    assert_error(s, &b, StatusCode::BAD_REQUEST);
    assert!(b["message"].as_str().unwrap().contains("reason"), "{b}");
    let (s, v) = api
        .put(
            &password,
            Some(&alice),
            json!({"password": "second-pass", "reason": "quarterly change"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        (v["version"].as_u64(), v["current"].as_bool()),
        (Some(2), Some(true))
    );
    assert_eq!(v["kind"], "changed");
    let (s, b) = api.get(&password, Some(&alice)).await;
    assert_eq!(
        (s, b["password"].as_str()),
        (StatusCode::OK, Some("second-pass"))
    );

    // The history names who, when and why, never the password.
    let history = org.url(&format!("/accounts/{account}/password-history"));
    let (s, h) = api.get(&history, Some(&alice)).await;
    assert_eq!(s, StatusCode::OK, "{h}");
    let versions = h["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0]["reason"], "quarterly change");
    assert_eq!(versions[1]["kind"], "created");
    assert!(versions[0]["created_by"].is_string() && versions[0]["created_at"].is_string());
    assert!(!h.to_string().contains("first-pass"));

    // An earlier version reveals to the owner alone; reverting makes it a new version.
    let (s, b) = api
        .get(&format!("{history}/1/password?reason=audit"), Some(&alice))
        .await;
    assert_eq!(
        (s, b["password"].as_str()),
        (StatusCode::OK, Some("first-pass"))
    );
    let (_, bob_pw) = api
        .add_user(&org.prefix, &org.admin, "bob", "password_user")
        .await;
    let bob = api.login(&org.prefix, "bob", &bob_pw).await;
    for token in [&bob, &org.admin] {
        let (s, b) = api.get(&format!("{history}/1/password"), Some(token)).await;
        assert_error(s, &b, StatusCode::NOT_FOUND);
        let (s, b) = api.get(&history, Some(token)).await;
        assert_error(s, &b, StatusCode::NOT_FOUND);
        let (s, b) = api
            .put(
                &password,
                Some(token),
                json!({"password": "taken", "reason": "mine"}),
            )
            .await;
        assert_error(s, &b, StatusCode::NOT_FOUND);
    }
    let (s, b) = api
        .get(&format!("{history}/9/password"), Some(&alice))
        .await;
    assert_error(s, &b, StatusCode::NOT_FOUND);
    let (s, v) = api
        .post(
            &format!("{history}/1/revert"),
            Some(&alice),
            json!({"reason": "rollback"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        (v["version"].as_u64(), v["kind"].as_str()),
        (Some(3), Some("reverted"))
    );
    let (s, b) = api.get(&password, Some(&alice)).await;
    assert_eq!(
        (s, b["password"].as_str()),
        (StatusCode::OK, Some("first-pass"))
    );
    let (s, b) = api
        .post(
            &format!("{history}/3/revert"),
            Some(&alice),
            json!({"reason": "again"}),
        )
        .await;
    assert_error(s, &b, StatusCode::BAD_REQUEST);

    let events = audit_operations(
        &api,
        &org,
        &[
            "password.changed",
            "password.version_revealed",
            "password.reverted",
        ],
    )
    .await;
    let reverted = events
        .iter()
        .find(|e| e["operation"] == "password.reverted")
        .unwrap();
    assert_eq!(reverted["details"]["from_version"], 1);
    assert_eq!(reverted["details"]["reason"], "rollback");
    let trail = serde_json::to_string(&events).unwrap();
    assert!(!trail.contains("first-pass") && !trail.contains("second-pass"));
    stack.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_resources_password_policy_holds_for_every_password_set_or_generated() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let org = Org::create(&api, "policyco").await;
    let (_, alice_pw) = api
        .add_user(&org.prefix, &org.admin, "alice", "password_user")
        .await;
    let alice = api.login(&org.prefix, "alice", &alice_pw).await;
    let dba = json!({"min_length": 12, "max_length": 40, "min_digits": 2,
                     "must_start_with_letter": true, "reuse_forbidden": 2});

    // Custom policies: saved by those allowed, refused when unsatisfiable or built in.
    let (s, b) = api
        .put(
            &org.url("/password-policies/dba"),
            Some(&alice),
            dba.clone(),
        )
        .await;
    assert_error(s, &b, StatusCode::FORBIDDEN);
    let (s, b) = api
        .put(
            &org.url("/password-policies/dba"),
            Some(&org.admin),
            dba.clone(),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(
        (b["name"].as_str(), b["built_in"].as_bool()),
        (Some("dba"), Some(false))
    );
    let (s, b) = api
        .put(
            &org.url("/password-policies/impossible"),
            Some(&org.admin),
            json!({"min_length": 4, "max_length": 6, "min_digits": 4, "min_specials": 4}),
        )
        .await;
    assert_error(s, &b, StatusCode::BAD_REQUEST);
    let (s, b) = api
        .put(
            &org.url("/password-policies/Strong"),
            Some(&org.admin),
            dba.clone(),
        )
        .await;
    assert_error(s, &b, StatusCode::CONFLICT);
    let (s, list) = api.get(&org.url("/password-policies"), Some(&alice)).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    let listed: Vec<&str> = list["policies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(listed, ["low", "medium", "strong", "dba"]);

    // A resource names its policy; an unknown one is refused.
    let (s, b) = api
        .post(
            &org.url("/resources"),
            Some(&alice),
            json!({"name": "db1", "type": "PostgreSQL", "password_policy": "nope"}),
        )
        .await;
    assert_error(s, &b, StatusCode::BAD_REQUEST);
    let db1 = add_resource(
        &api,
        &org,
        &alice,
        json!({"name": "db1", "type": "PostgreSQL", "password_policy": "DBA"}),
    )
    .await;
    assert_eq!(db1["password_policy"], "dba");
    let accounts = org.url(&format!(
        "/resources/{}/accounts",
        db1["id"].as_str().unwrap()
    ));
    let (s, b) = api
        .post(
            &accounts,
            Some(&alice),
            json!({"username": "sys", "password": "short1"}),
        )
        .await;
    assert_error(s, &b, StatusCode::BAD_REQUEST);
    assert!(b["message"].as_str().unwrap().contains("min_length"), "{b}");
    assert!(!b["message"].as_str().unwrap().contains("short1"), "{b}");
    let (s, account) = api
        .post(
            &accounts,
            Some(&alice),
            json!({"username": "sys", "password": "Oracle-sys-42"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{account}");
    let password = org.url(&format!(
        "/accounts/{}/password",
        account["id"].as_str().unwrap()
    ));
    for (new, rule) in [
        ("Oracle-sys-4", "min_digits"),
        ("9racle-sys-442", "must_start_with_letter"),
        ("Oracle-sys-42", "reuse"),
    ] {
        let (s, b) = api
            .put(
                &password,
                Some(&alice),
                json!({"password": new, "reason": "change"}),
            )
            .await;
        assert_error(s, &b, StatusCode::BAD_REQUEST);
        assert!(b["message"].as_str().unwrap().contains(rule), "{new}: {b}");
    }
    // Generated passwords satisfy it.
    for _ in 0..3 {
        let (s, v) = api
            .put(
                &password,
                Some(&alice),
                json!({"generate": true, "reason": "rotate"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (_, b) = api.get(&password, Some(&alice)).await;
        let generated = b["password"].as_str().unwrap();
        assert!((12..=40).contains(&generated.len()), "{generated}");
        assert!(
            generated.chars().filter(char::is_ascii_digit).count() >= 2,
            "{generated}"
        );
        assert!(
            generated.chars().next().unwrap().is_ascii_alphabetic(),
            "{generated}"
        );
    }
    let (s, b) = api
        .post(
            &org.url("/password-policies/strong/generate"),
            Some(&alice),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert!(b["password"].as_str().unwrap().len() >= 12, "{b}");

    // A policy in use stays until no resource names it.
    let (s, b) = api
        .call(
            Method::DELETE,
            &org.url("/password-policies/dba"),
            Some(&org.admin),
            None,
        )
        .await;
    assert_error(s, &b, StatusCode::CONFLICT);
    let (s, b) = api
        .patch(
            &org.url(&format!("/resources/{}", db1["id"].as_str().unwrap())),
            Some(&alice),
            json!({"password_policy": ""}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, _) = api
        .call(
            Method::DELETE,
            &org.url("/password-policies/dba"),
            Some(&org.admin),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    audit_operations(
        &api,
        &org,
        &["password_policy.saved", "password_policy.deleted"],
    )
    .await;
    stack.stop().await.unwrap();
}

fn field<'a>(item: &'a Value, name: &str) -> &'a Value {
    item["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("no field {name} in {item}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn resource_types_and_additional_fields_carry_typed_values_and_sealed_secrets() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let org = Org::create(&api, "fields").await;
    let (_, alice_pw) = api
        .add_user(&org.prefix, &org.admin, "alice", "password_user")
        .await;
    let alice = api.login(&org.prefix, "alice", &alice_pw).await;

    // The built-in types carry what a reset needs.
    let (s, types) = api.get(&org.url("/resource-types"), Some(&alice)).await;
    assert_eq!(s, StatusCode::OK, "{types}");
    let types = types["types"].as_array().unwrap();
    assert!(types.len() >= 30);
    let oracle = types
        .iter()
        .find(|t| t["name"] == "Oracle DB Server")
        .unwrap();
    let service = oracle["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "service_name")
        .unwrap();
    assert_eq!(
        (service["required"].as_bool(), service["kind"].as_str()),
        (Some(true), Some("text"))
    );

    // The org's own type and additional fields, by those allowed.
    let toaster = json!({"category": "other", "fields": [
        {"name": "port", "label": "Port", "kind": "number", "default": "8080"},
        {"name": "pin", "label": "PIN", "kind": "password"},
        {"name": "bought", "label": "Bought", "kind": "date"}]});
    let (s, b) = api
        .put(
            &org.url("/resource-types/Toaster"),
            Some(&alice),
            toaster.clone(),
        )
        .await;
    assert_error(s, &b, StatusCode::FORBIDDEN);
    let (s, b) = api
        .put(
            &org.url("/resource-types/Toaster"),
            Some(&org.admin),
            toaster,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = api
        .put(
            &org.url("/resource-types/Linux"),
            Some(&org.admin),
            json!({"category": "other"}),
        )
        .await;
    assert_error(s, &b, StatusCode::CONFLICT);
    let (s, b) = api
        .put(
            &org.url("/additional-fields/account/ticket"),
            Some(&org.admin),
            json!({"kind": "text"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = api
        .put(
            &org.url("/additional-fields/resource/rack"),
            Some(&org.admin),
            json!({"kind": "text", "required": true}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");

    // Values are checked against their kind; required ones must be given; types must exist.
    for (body, word) in [
        (
            json!({"name": "t1", "type": "Toaster", "fields": {"rack": "A1", "port": "eighty"}}),
            "port",
        ),
        (json!({"name": "t1", "type": "Toaster"}), "rack"),
        (
            json!({"name": "t1", "type": "Toaster", "fields": {"rack": "A1", "colour": "red"}}),
            "colour",
        ),
        (
            json!({"name": "t1", "type": "Kettle", "fields": {"rack": "A1"}}),
            "Kettle",
        ),
        (
            json!({"name": "db9", "type": "oracle", "fields": {"rack": "A1"}}),
            "service_name",
        ),
    ] {
        let (s, b) = api.post(&org.url("/resources"), Some(&alice), body).await;
        assert_error(s, &b, StatusCode::BAD_REQUEST);
        assert!(b["message"].as_str().unwrap().contains(word), "{word}: {b}");
    }
    let t1 = add_resource(
        &api,
        &org,
        &alice,
        json!({"name": "t1", "type": "toaster",
               "fields": {"rack": "A1", "pin": "0000-secret", "bought": "2026-01-31"}}),
    )
    .await;
    assert_eq!(t1["type"], "Toaster");
    assert_eq!(field(&t1, "port")["value"], "8080", "the default applies");
    assert_eq!(field(&t1, "pin")["value"], Value::Null);
    assert_eq!(field(&t1, "pin")["secret"], true);
    assert!(!t1.to_string().contains("0000-secret"));
    let t1_id = t1["id"].as_str().unwrap();

    // A sealed field reveals on its own, to the owner only, audited.
    let pin = org.url(&format!("/resources/{t1_id}/fields/pin"));
    let r = api
        .send(
            Method::GET,
            &format!("{pin}?reason=maintenance"),
            Some(&alice),
            None,
        )
        .await;
    assert_eq!(
        (r.status, r.body["value"].as_str()),
        (StatusCode::OK, Some("0000-secret"))
    );
    assert_eq!(r.headers["cache-control"], "no-store");
    let (s, b) = api.get(&pin, Some(&org.admin)).await;
    assert_error(s, &b, StatusCode::NOT_FOUND);
    let (s, b) = api
        .get(
            &org.url(&format!("/resources/{t1_id}/fields/rack")),
            Some(&alice),
        )
        .await;
    assert_error(s, &b, StatusCode::NOT_FOUND);

    // Fields are searched and filtered (never the sealed ones), and edited.
    for (query, expected) in [
        ("field_name=rack&field_value=a1", vec!["t1"]),
        ("field_name=rack&field_value=B2", vec![]),
        ("q=2026-01-31", vec!["t1"]),
        ("q=0000-secret", vec![]),
        ("field_name=pin&field_value=0000", vec![]),
    ] {
        let (s, page) = api
            .get(&org.url(&format!("/resources?{query}")), Some(&alice))
            .await;
        assert_eq!(s, StatusCode::OK, "{query}: {page}");
        assert_eq!(names(&page), expected, "{query}");
    }
    let (s, b) = api
        .patch(
            &org.url(&format!("/resources/{t1_id}")),
            Some(&alice),
            json!({"fields": {"rack": "B2", "bought": ""}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(field(&b, "rack")["value"], "B2");
    assert!(
        b["fields"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["name"] != "bought"),
        "{b}"
    );
    let (s, b) = api
        .patch(
            &org.url(&format!("/resources/{t1_id}")),
            Some(&alice),
            json!({"fields": {"rack": ""}}),
        )
        .await;
    assert_error(s, &b, StatusCode::BAD_REQUEST);

    // Accounts carry the org's additional account fields.
    let account = add_account(
        &api,
        &org,
        &alice,
        &t1,
        json!({"username": "root", "password": "toast-1", "fields": {"ticket": "CHG-42"}}),
    )
    .await;
    assert_eq!(field(&account, "ticket")["value"], "CHG-42");
    let (_, page) = api.get(&org.url("/resources?q=chg-42"), Some(&alice)).await;
    assert_eq!(names(&page), ["t1"]);

    // A type in use stays; the trail names fields, never their secret values.
    let (s, b) = api
        .call(
            Method::DELETE,
            &org.url("/resource-types/Toaster"),
            Some(&org.admin),
            None,
        )
        .await;
    assert_error(s, &b, StatusCode::CONFLICT);
    let events = audit_operations(
        &api,
        &org,
        &[
            "resource_type.saved",
            "additional_field.saved",
            "field.revealed",
            "resource.updated",
        ],
    )
    .await;
    let revealed = events
        .iter()
        .find(|e| e["operation"] == "field.revealed")
        .unwrap();
    assert_eq!(revealed["details"]["field"], "pin");
    assert_eq!(revealed["details"]["reason"], "maintenance");
    assert!(
        !serde_json::to_string(&events)
            .unwrap()
            .contains("0000-secret")
    );
    stack.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn exports_hold_what_the_caller_may_see_and_are_audited() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let org = Org::create(&api, "exports").await;
    let (_, dana_pw) = api
        .add_user(&org.prefix, &org.admin, "dana", "password_administrator")
        .await;
    let dana = api.login(&org.prefix, "dana", &dana_pw).await;
    let (_, alice_pw) = api
        .add_user(&org.prefix, &org.admin, "alice", "password_user")
        .await;
    let alice = api.login(&org.prefix, "alice", &alice_pw).await;
    let db1 = add_resource(
        &api,
        &org,
        &dana,
        json!({"name": "db1", "type": "PostgreSQL", "host": "db1.test"}),
    )
    .await;
    add_account(
        &api,
        &org,
        &dana,
        &db1,
        json!({"username": "postgres", "password": "=HYPERLINK(1)"}),
    )
    .await;
    add_account(
        &api,
        &org,
        &dana,
        &db1,
        json!({"username": "app", "password": "app-pass-1"}),
    )
    .await;
    api.store_password(&org.prefix, &alice, "alice-box", "root", "alice-secret-1")
        .await;

    // Only with the permission; CSV needs no passphrase, the others a long one.
    let (s, b) = api
        .post(&org.url("/export"), Some(&alice), json!({"format": "csv"}))
        .await;
    assert_error(s, &b, StatusCode::FORBIDDEN);
    for (body, word) in [
        (json!({"format": "pdf"}), "format"),
        (
            json!({"format": "csv", "passphrase": "not-needed-here"}),
            "passphrase",
        ),
        (json!({"format": "html", "passphrase": "short"}), "12"),
    ] {
        let (s, b) = api.post(&org.url("/export"), Some(&dana), body).await;
        assert_error(s, &b, StatusCode::BAD_REQUEST);
        assert!(b["message"].as_str().unwrap().contains(word), "{b}");
    }

    let export = |format: &'static str, passphrase: &'static str| {
        let http = stack.http.clone();
        let url = format!("{}{}", stack.base_url, org.url("/export"));
        let token = dana.clone();
        async move {
            let r = http
                .post(url)
                .bearer_auth(token)
                .json(&json!({"format": format, "passphrase": passphrase}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::OK);
            assert_eq!(r.headers()["cache-control"], "no-store");
            let disposition = r.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .to_owned();
            assert!(
                disposition.starts_with("attachment; filename=\"strongroom-export-"),
                "{disposition}"
            );
            r.bytes().await.unwrap().to_vec()
        }
    };
    // CSV: dana's passwords (a formula neutralised), never alice's.
    let csv = String::from_utf8(export("csv", "").await).unwrap();
    assert!(
        csv.starts_with("Resource Name,Resource Type,Host,URL,"),
        "{csv}"
    );
    assert!(
        csv.contains("db1,PostgreSQL,db1.test,") && csv.contains("app-pass-1"),
        "{csv}"
    );
    assert!(csv.contains(",'=HYPERLINK(1),"), "{csv}");
    assert!(!csv.contains("alice"), "{csv}");
    // HTML: the passwords only inside the ciphertext.
    let html = String::from_utf8(export("html", "a long passphrase 1").await).unwrap();
    assert!(
        html.contains("vault-parameters") && html.contains("600000"),
        "parameters stated"
    );
    assert!(!html.contains("app-pass-1") && !html.contains("postgres"));
    // KeePass: a KDBX file.
    let kdbx = export("keepass", "a long passphrase 1").await;
    assert_eq!(kdbx[..4], [0x03, 0xd9, 0xa2, 0x9a]);

    let events = audit_operations(&api, &org, &["vault.exported"]).await;
    let exported: Vec<&Value> = events
        .iter()
        .filter(|e| e["operation"] == "vault.exported")
        .collect();
    assert_eq!(exported.len(), 3, "{exported:?}");
    assert!(
        exported
            .iter()
            .all(|e| e["details"]["accounts"].as_array().unwrap().len() == 2)
    );
    assert!(exported.iter().any(|e| e["details"]["format"] == "html"));
    stack.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn resource_groups_static_dynamic_nested_and_their_operations() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let org = Org::create(&api, "groupco").await;
    let (_, alice_pw) = api
        .add_user(&org.prefix, &org.admin, "alice", "password_administrator")
        .await;
    let alice = api.login(&org.prefix, "alice", &alice_pw).await;
    let (_, bob_pw) = api
        .add_user(&org.prefix, &org.admin, "bob", "password_user")
        .await;
    let bob = api.login(&org.prefix, "bob", &bob_pw).await;
    let pg1 = add_resource(
        &api,
        &org,
        &alice,
        json!({"name": "pg1", "type": "PostgreSQL", "department": "Finance"}),
    )
    .await;
    add_account(
        &api,
        &org,
        &alice,
        &pg1,
        json!({"username": "postgres", "password": "pg-1"}),
    )
    .await;
    let web = add_resource(
        &api,
        &org,
        &alice,
        json!({"name": "web1", "type": "Linux", "department": "IT"}),
    )
    .await;
    add_resource(
        &api,
        &org,
        &bob,
        json!({"name": "bob-pg", "type": "PostgreSQL"}),
    )
    .await;

    // The tree starts with the Default Group: what I own.
    let (s, tree) = api.get(&org.url("/resource-groups"), Some(&alice)).await;
    assert_eq!(s, StatusCode::OK, "{tree}");
    assert_eq!(tree["groups"][0]["id"], "default");
    assert_eq!(tree["groups"][0]["resources"], 2);
    let (_, page) = api
        .get(&org.url("/resources?group_id=default"), Some(&alice))
        .await;
    assert_eq!(names(&page), ["pg1", "web1"]);

    // A dynamic group: what matches joins at once, what stops matching leaves; never what
    // another user owns.
    let (s, dbs) = api
        .post(
            &org.url("/resource-groups"),
            Some(&alice),
            json!({"name": "Databases", "criteria": {"match": "all", "conditions": [
                {"field": "type", "operator": "equals", "value": "postgresql"}]}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{dbs}");
    let dbs_id = dbs["id"].as_str().unwrap();
    let in_dbs = format!("/resources?group_id={dbs_id}");
    let (_, page) = api.get(&org.url(&in_dbs), Some(&alice)).await;
    assert_eq!(names(&page), ["pg1"]);
    let web_id = web["id"].as_str().unwrap();
    api.patch(
        &org.url(&format!("/resources/{web_id}")),
        Some(&alice),
        json!({"type": "PostgreSQL"}),
    )
    .await;
    let (_, page) = api.get(&org.url(&in_dbs), Some(&alice)).await;
    assert_eq!(
        names(&page),
        ["pg1", "web1"],
        "a resource that matches joins at once"
    );
    api.patch(
        &org.url(&format!("/resources/{web_id}")),
        Some(&alice),
        json!({"type": "Linux"}),
    )
    .await;
    let (_, page) = api.get(&org.url(&in_dbs), Some(&alice)).await;
    assert_eq!(names(&page), ["pg1"], "one that stops matching leaves");
    let (s, b) = api
        .post(
            &org.url("/resource-groups"),
            Some(&alice),
            json!({"name": "Bad", "criteria": {"conditions": [{"field": "password", "operator": "equals", "value": "x"}]}}),
        )
        .await;
    assert_error(s, &b, StatusCode::BAD_REQUEST);

    // A static group nested in it, with a hand-picked resource.
    let (s, picked) = api
        .post(
            &org.url("/resource-groups"),
            Some(&alice),
            json!({"name": "Picked", "parent_id": dbs_id}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{picked}");
    let picked_id = picked["id"].as_str().unwrap();
    let (s, _) = api
        .call(
            Method::PUT,
            &org.url(&format!("/resource-groups/{picked_id}/resources/{web_id}")),
            Some(&alice),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, tree) = api.get(&org.url("/resource-groups"), Some(&alice)).await;
    let dbs_node = tree["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["id"] == dbs_id)
        .unwrap();
    assert_eq!(dbs_node["children"][0]["name"], "Picked");
    assert_eq!(dbs_node["children"][0]["resources"], 1);
    // A group cannot nest in itself; nobody else sees or changes it.
    let (s, b) = api
        .call(Method::PUT, &org.url(&format!("/resource-groups/{dbs_id}")), Some(&alice),
              Some(json!({"name": "Databases", "parent_id": picked_id,
                          "criteria": {"conditions": [{"field": "type", "operator": "equals", "value": "PostgreSQL"}]}})))
        .await;
    assert_error(s, &b, StatusCode::BAD_REQUEST);
    let (s, b) = api
        .call(
            Method::PUT,
            &org.url(&format!("/resource-groups/{picked_id}/resources/{web_id}")),
            Some(&bob),
            None,
        )
        .await;
    assert_error(s, &b, StatusCode::NOT_FOUND);
    let (_, bob_tree) = api.get(&org.url("/resource-groups"), Some(&bob)).await;
    assert_eq!(
        bob_tree["groups"].as_array().unwrap().len(),
        1,
        "{bob_tree}"
    );

    // Group operations: a policy for all, a report, an export of the group.
    let (s, b) = api
        .put(
            &org.url(&format!("/resource-groups/{dbs_id}/password-policy")),
            Some(&alice),
            json!({"password_policy": "strong"}),
        )
        .await;
    assert_eq!(
        (s, b["resources"].as_u64()),
        (StatusCode::OK, Some(1)),
        "{b}"
    );
    let (_, page) = api.get(&org.url(&in_dbs), Some(&alice)).await;
    assert_eq!(page["resources"][0]["password_policy"], "strong");
    let (s, report) = api
        .get(
            &org.url(&format!("/resource-groups/{dbs_id}/report?days=30")),
            Some(&alice),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{report}");
    assert_eq!(report["rows"][0]["type"], "PostgreSQL");
    assert_eq!(
        (
            report["rows"][0]["resources"].as_u64(),
            report["rows"][0]["accounts"].as_u64()
        ),
        (Some(1), Some(1))
    );
    let r = stack
        .http
        .post(format!("{}{}", stack.base_url, org.url("/export")))
        .bearer_auth(&alice)
        .json(&json!({"format": "csv", "group_id": picked_id}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let csv = r.text().await.unwrap();
    assert!(csv.contains("web1") && !csv.contains("pg1"), "{csv}");

    // Deleting needs the name; the nested group goes too, the resources stay.
    let path = org.url(&format!("/resource-groups/{dbs_id}"));
    let (s, b) = api
        .call(
            Method::DELETE,
            &path,
            Some(&alice),
            Some(json!({"confirm": "Databases"})),
        )
        .await;
    assert_eq!((s, b["groups"].as_u64()), (StatusCode::OK, Some(2)), "{b}");
    let (_, page) = api.get(&org.url("/resources"), Some(&alice)).await;
    assert_eq!(page["total"], 2);
    audit_operations(
        &api,
        &org,
        &[
            "resource_group.created",
            "resource_group.resource_added",
            "resource_group.policy_changed",
            "resource_group.deleted",
        ],
    )
    .await;
    stack.stop().await.unwrap();
}

/// Posts an import; a real run is polled until its job ends. Returns the last reply.
async fn import_file(api: &Api<'_>, org: &Org, token: &str, body: Value) -> Value {
    let dry_run = body["dry_run"].as_bool().unwrap_or(false);
    let (s, b) = api.post(&org.url("/imports"), Some(token), body).await;
    if dry_run {
        assert_eq!(s, StatusCode::OK, "{b}");
        return b;
    }
    assert_eq!(s, StatusCode::ACCEPTED, "{b}");
    let path = org.url(&format!("/imports/{}", b["id"].as_str().unwrap()));
    strongroom_testkit::wait_until(std::time::Duration::from_secs(120), || async {
        let (s, job) = api.get(&path, Some(token)).await;
        assert_eq!(s, StatusCode::OK, "{job}");
        (job["job"]["status"] != "running").then_some(job)
    })
    .await
    .unwrap()
}

async fn export_file(stack: &Stack, org: &Org, token: &str, body: Value) -> Vec<u8> {
    let r = stack
        .http
        .post(format!("{}{}", stack.base_url, org.url("/export")))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.bytes().await.unwrap().to_vec()
}

fn base64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn imports_report_every_row_and_round_trip_with_exports() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let mut orgs = Vec::new();
    for slug in ["source", "fromcsv", "fromkdbx"] {
        let org = Org::create(&api, slug).await;
        let (_, pw) = api
            .add_user(&org.prefix, &org.admin, "dana", "password_administrator")
            .await;
        let token = api.login(&org.prefix, "dana", &pw).await;
        orgs.push((org, token));
    }
    let (source, dana) = &orgs[0];

    // A CSV file: a dry run says what each row would do and changes nothing.
    let csv = "Name,Type,Host,Username,Password,Account Notes,Group,Rack\n\
               db1,PostgreSQL,db1.test,postgres,pg-pass-1,main,Databases/Prod,A1\n\
               db1,PostgreSQL,db1.test,app,app-pass-1,,Databases/Prod,A1\n\
               ,Linux,x.test,root,r-pass,,,\n\
               web,Toaster,web.test,admin,w-pass,,,\n\
               notes-only,Generic Keys,,,,,,\n";
    let body = json!({"format": "csv", "file_base64": base64(csv.as_bytes()), "dry_run": true});
    let dry = import_file(&api, source, dana, body).await;
    let outcomes: Vec<(&str, &str)> = dry["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["outcome"].as_str().unwrap(),
                r["resource_name"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            ("created", "db1"),
            ("created", "db1"),
            ("rejected", ""),
            ("rejected", "web"),
            ("created", "notes-only")
        ]
    );
    let (_, page) = api.get(&source.url("/resources"), Some(dana)).await;
    assert_eq!(page["total"], 0, "a dry run changes nothing");

    // The real run: a job with progress, per-row results, groups made, fields kept.
    let body = json!({"format": "csv", "file_base64": base64(csv.as_bytes())});
    let done = import_file(&api, source, dana, body).await;
    let job = &done["job"];
    assert_eq!(job["status"], "completed", "{done}");
    assert_eq!(
        (
            job["total"].as_u64(),
            job["created"].as_u64(),
            job["rejected"].as_u64()
        ),
        (Some(5), Some(3), Some(2))
    );
    let rejected = done["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["resource_name"] == "web")
        .unwrap();
    assert!(
        rejected["reason"].as_str().unwrap().contains("Toaster"),
        "{rejected}"
    );
    let (_, page) = api.get(&source.url("/resources?q=db1"), Some(dana)).await;
    assert_eq!(page["resources"][0]["accounts"], 2);
    let (_, tree) = api.get(&source.url("/resource-groups"), Some(dana)).await;
    let databases = tree["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "Databases")
        .unwrap();
    assert_eq!(databases["children"][0]["name"], "Prod");
    assert_eq!(databases["children"][0]["resources"], 1);
    // Again, with accounts updated instead of skipped.
    let body =
        json!({"format": "csv", "file_base64": base64(csv.as_bytes()), "on_conflict": "update"});
    let again = import_file(&api, source, dana, body).await;
    assert_eq!(again["job"]["updated"], 2, "{again}");

    // Whole-file problems are a 400 and change nothing.
    for (body, word) in [
        (
            json!({"format": "keepass", "file_base64": base64(b"not a database"), "keepass_password": "x"}),
            "KeePass",
        ),
        (json!({"format": "csv", "file_base64": "***"}), "base64"),
        (
            json!({"format": "csv", "file_base64": base64(b"Type,Host\nLinux,x\n")}),
            "name",
        ),
        (json!({"format": "zip", "file_base64": ""}), "format"),
    ] {
        let (s, b) = api.post(&source.url("/imports"), Some(dana), body).await;
        assert_error(s, &b, StatusCode::BAD_REQUEST);
        assert!(b["message"].as_str().unwrap().contains(word), "{word}: {b}");
    }

    // Round trips: export -> import into an empty org -> export gives the same content.
    let csv_a = export_file(&stack, source, dana, json!({"format": "csv"})).await;
    let kdbx_a = export_file(
        &stack,
        source,
        dana,
        json!({"format": "keepass", "passphrase": "round trip passphrase"}),
    )
    .await;
    let (from_csv, dana_b) = &orgs[1];
    let body = json!({"format": "csv", "file_base64": base64(&csv_a)});
    let done = import_file(&api, from_csv, dana_b, body).await;
    assert_eq!(done["job"]["rejected"], 0, "{done}");
    let csv_b = export_file(&stack, from_csv, dana_b, json!({"format": "csv"})).await;
    assert_eq!(
        String::from_utf8(csv_b).unwrap(),
        String::from_utf8(csv_a.clone()).unwrap()
    );
    let (from_kdbx, dana_c) = &orgs[2];
    let body = json!({"format": "keepass", "file_base64": base64(&kdbx_a), "keepass_password": "round trip passphrase"});
    let done = import_file(&api, from_kdbx, dana_c, body).await;
    assert_eq!(done["job"]["rejected"], 0, "{done}");
    let csv_c = export_file(&stack, from_kdbx, dana_c, json!({"format": "csv"})).await;
    assert_eq!(
        String::from_utf8(csv_c).unwrap(),
        String::from_utf8(csv_a).unwrap()
    );

    // A job whose replica stopped (no rows recorded for over 10 minutes) reads as failed.
    let db = sqlx::PgPool::connect(&format!(
        "{}/{}_vault",
        strongroom_testkit::pg_server_url(),
        stack.config.db_prefix
    ))
    .await
    .unwrap();
    let schema = format!("org_{}", org_id(&api, from_kdbx).await.replace('-', ""));
    let job = done["job"]["id"].as_str().unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE \"{schema}\".import_jobs SET status = 'running', finished_at = NULL,
             progressed_at = now() - interval '11 minutes' WHERE id = $1"
    )))
    .bind(uuid::Uuid::parse_str(job).unwrap())
    .execute(&db)
    .await
    .unwrap();
    let (s, b) = api
        .get(&from_kdbx.url(&format!("/imports/{job}")), Some(dana_c))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["job"]["status"], "failed", "{b}");
    assert!(
        b["job"]["error"].as_str().unwrap().contains("interrupted"),
        "{b}"
    );
    audit_operations(&api, source, &["import.completed", "vault.exported"]).await;
    stack.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn personal_passwords_open_with_their_passphrase_only() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let org = Org::create(&api, "personalco").await;
    let (alice_id, alice_pw) = api
        .add_user(&org.prefix, &org.admin, "alice", "password_user")
        .await;
    let alice = api.login(&org.prefix, "alice", &alice_pw).await;
    let passphrase = "my own long passphrase";

    let (s, b) = api.get(&org.url("/personal"), Some(&alice)).await;
    assert_eq!(
        (s, b["exists"].as_bool()),
        (StatusCode::OK, Some(false)),
        "{b}"
    );
    let (s, b) = api
        .post(
            &org.url("/personal"),
            Some(&alice),
            json!({"passphrase": "short"}),
        )
        .await;
    assert_error(s, &b, StatusCode::BAD_REQUEST);
    let (s, b) = api
        .post(
            &org.url("/personal"),
            Some(&alice),
            json!({"passphrase": passphrase}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let (s, b) = api
        .post(
            &org.url("/personal"),
            Some(&alice),
            json!({"passphrase": passphrase}),
        )
        .await;
    assert_error(s, &b, StatusCode::CONFLICT);

    // Unlock, then add and read entries with the token.
    let unlock = |pass: &'static str, token: String| {
        let api = Api { stack: &stack };
        let url = org.url("/personal/unlock");
        async move {
            api.post(&url, Some(&token), json!({"passphrase": pass}))
                .await
        }
    };
    let (s, b) = unlock("not my passphrase", alice.clone()).await;
    assert_error(s, &b, StatusCode::BAD_REQUEST);
    assert!(
        b["message"]
            .as_str()
            .unwrap()
            .contains("cannot be opened or recovered"),
        "{b}"
    );
    let (s, b) = unlock(passphrase, alice.clone()).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let token = b["token"].as_str().unwrap().to_owned();
    let entries = format!("{}{}", stack.base_url, org.url("/personal/entries"));
    let with_token = |req: reqwest::RequestBuilder, bearer: &str, unlock: &str| {
        req.bearer_auth(bearer)
            .header("x-personal-unlock", unlock.to_owned())
    };
    let r = with_token(stack.http.post(&entries), &alice, &token)
        .json(&json!({"title": "Home router", "username": "admin", "password": "router-secret-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let r = with_token(stack.http.get(&entries), &alice, &token)
        .send()
        .await
        .unwrap();
    let list: Value = r.json().await.unwrap();
    assert_eq!(list["entries"][0]["password"], "router-secret-1", "{list}");
    let r = stack
        .http
        .get(&entries)
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST, "no token, no entries");

    // Nobody else opens it: not the administrator with alice's token, not an API key.
    let r = with_token(stack.http.get(&entries), &org.admin, &token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let (s, key) = api
        .post(
            &org.url("/api-keys"),
            Some(&alice),
            json!({"name": "script"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{key}");
    let key = key["key"].as_str().unwrap();
    let r = with_token(stack.http.get(&entries), key, &token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let (s, b) = unlock(passphrase, key.to_owned()).await;
    assert_error(s, &b, StatusCode::FORBIDDEN);
    // The database holds no password in the clear.
    let db = sqlx::PgPool::connect(&format!(
        "{}/{}_vault",
        strongroom_testkit::pg_server_url(),
        stack.config.db_prefix
    ))
    .await
    .unwrap();
    let dump: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT encode(sealed, 'escape') FROM \"org_{}\".personal_entries",
        org_id(&api, &org).await.replace('-', "")
    )))
    .fetch_all(&db)
    .await
    .unwrap();
    assert_eq!(dump.len(), 1);
    assert!(
        dump.iter()
            .all(|d| !d.contains("router-secret-1") && !d.contains("Home router"))
    );

    // A login password reset changes nothing here; a new passphrase opens the same entries.
    let (s, b) = api
        .put(
            &org.url(&format!("/users/{alice_id}/password")),
            Some(&org.admin),
            json!({"password": "Reset-pass-123!"}),
        )
        .await;
    assert!(s.is_success(), "{b}");
    let (s, _) = api
        .post(
            &format!("{}/api/v1/auth/change-password", org.prefix),
            None,
            json!({"username": "alice", "current_password": "Reset-pass-123!", "new_password": "Alice-new-pass-456!"}),
        )
        .await;
    assert!(s.is_success());
    let alice = api.login(&org.prefix, "alice", "Alice-new-pass-456!").await;
    let (s, b) = api
        .put(
            &org.url("/personal/passphrase"),
            Some(&alice),
            json!({"current": passphrase, "new": "a brand new passphrase"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = unlock("a brand new passphrase", alice.clone()).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let token = b["token"].as_str().unwrap().to_owned();
    let r = with_token(stack.http.get(&entries), &alice, &token)
        .send()
        .await
        .unwrap();
    let list: Value = r.json().await.unwrap();
    assert_eq!(list["entries"][0]["title"], "Home router", "{list}");

    // Forgotten: the store can only be deleted, and says so.
    let (s, b) = api
        .call(
            Method::DELETE,
            &org.url("/personal"),
            Some(&alice),
            Some(json!({"confirm": "yes"})),
        )
        .await;
    assert_error(s, &b, StatusCode::BAD_REQUEST);
    let (s, b) = api
        .call(
            Method::DELETE,
            &org.url("/personal"),
            Some(&alice),
            Some(json!({"confirm": "delete my personal passwords"})),
        )
        .await;
    assert_eq!(
        (s, b["exists"].as_bool()),
        (StatusCode::OK, Some(false)),
        "{b}"
    );
    let events = audit_operations(
        &api,
        &org,
        &[
            "personal.store_created",
            "personal.unlocked",
            "personal.entry_created",
            "personal.store_deleted",
        ],
    )
    .await;
    assert!(
        !serde_json::to_string(&events)
            .unwrap()
            .contains("router-secret-1")
    );
    stack.stop().await.unwrap();
}

/// The org's id, as its administrator reads it from the org selector of MSPOrg.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_data_key_rotation_reseals_everything_while_reveals_go_on() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let org = Org::create(&api, "rotation").await;
    let (_, dana_pw) = api
        .add_user(&org.prefix, &org.admin, "dana", "password_administrator")
        .await;
    let dana = api.login(&org.prefix, "dana", &dana_pw).await;
    // 300 accounts (through an import), a sealed field, and an earlier password version.
    let mut csv = String::from("Name,Type,Username,Password\n");
    for i in 0..300 {
        csv.push_str(&format!("host{},Linux,user{i},pass-{i}\n", i % 30));
    }
    let done = import_file(
        &api,
        &org,
        &dana,
        json!({"format": "csv", "file_base64": base64(csv.as_bytes())}),
    )
    .await;
    assert_eq!(done["job"]["created"], 300, "{}", done["job"]);
    let switch = add_resource(
        &api,
        &org,
        &dana,
        json!({"name": "sw1", "type": "Cisco IOS", "fields": {"enable_password": "en4ble"}}),
    )
    .await;
    let (_, page) = api.get(&org.url("/resources?limit=500"), Some(&dana)).await;
    let mut accounts = Vec::new();
    for r in page["resources"].as_array().unwrap() {
        let (_, d) = api
            .get(
                &org.url(&format!("/resources/{}", r["id"].as_str().unwrap())),
                Some(&dana),
            )
            .await;
        for a in d["accounts"].as_array().unwrap() {
            accounts.push(a["id"].as_str().unwrap().to_owned());
        }
    }
    assert_eq!(accounts.len(), 300);
    let first = &accounts[0];
    let (s, _) = api
        .put(
            &org.url(&format!("/accounts/{first}/password")),
            Some(&dana),
            json!({"password": "changed-1", "reason": "before the rotation"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);

    // Reveal without pause while the rotation runs; not one may fail.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let revealer = {
        let (http, base, token, stop) = (
            stack.http.clone(),
            stack.base_url.clone(),
            dana.clone(),
            stop.clone(),
        );
        let paths: Vec<String> = accounts
            .iter()
            .map(|a| org.url(&format!("/accounts/{a}/password")))
            .collect();
        tokio::spawn(async move {
            let (mut ok, mut failed) = (0u32, Vec::new());
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                let r = http
                    .get(format!("{base}{}", paths[i % paths.len()]))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .unwrap();
                if r.status() == StatusCode::OK {
                    ok += 1;
                } else {
                    failed.push(r.status());
                }
                i += 1;
            }
            (ok, failed)
        })
    };
    let (s, rotation) = api
        .post(&org.url("/data-keys/rotate"), Some(&dana), json!({}))
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{rotation}");
    assert_eq!(rotation["to_version"], 2);
    assert!(rotation["total"].as_u64().unwrap() >= 302, "{rotation}");
    let keys = strongroom_testkit::wait_until(std::time::Duration::from_secs(120), || async {
        let (s, keys) = api.get(&org.url("/data-keys"), Some(&dana)).await;
        assert_eq!(s, StatusCode::OK, "{keys}");
        (keys["rotation"]["status"] != "running").then_some(keys)
    })
    .await
    .unwrap();
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let (revealed, failed) = revealer.await.unwrap();
    assert!(
        failed.is_empty(),
        "{} reveals failed during the rotation: {failed:?}",
        failed.len()
    );
    assert!(revealed > 0);
    assert_eq!(keys["rotation"]["status"], "completed", "{keys}");
    assert_eq!(keys["rotation"]["done"], keys["rotation"]["total"]);
    assert_eq!(
        keys["versions"][0]["sealed"], 0,
        "nothing left under version 1: {keys}"
    );
    assert_eq!(keys["versions"][1]["sealed"], keys["rotation"]["total"]);

    // Everything opens under the new key: passwords, earlier versions, sealed fields.
    let (s, b) = api
        .get(
            &org.url(&format!("/accounts/{first}/password-history/1/password")),
            Some(&dana),
        )
        .await;
    assert_eq!(
        (s, b["password"].as_str()),
        (StatusCode::OK, Some("pass-0")),
        "{b}"
    );
    let (s, b) = api
        .get(
            &org.url(&format!("/accounts/{first}/password")),
            Some(&dana),
        )
        .await;
    assert_eq!(
        (s, b["password"].as_str()),
        (StatusCode::OK, Some("changed-1"))
    );
    let sw = switch["id"].as_str().unwrap();
    let (s, b) = api
        .get(
            &org.url(&format!("/resources/{sw}/fields/enable_password")),
            Some(&dana),
        )
        .await;
    assert_eq!(
        (s, b["value"].as_str()),
        (StatusCode::OK, Some("en4ble")),
        "{b}"
    );
    // Only those allowed rotate.
    let (_, alice_pw) = api
        .add_user(&org.prefix, &org.admin, "alice", "password_user")
        .await;
    let alice = api.login(&org.prefix, "alice", &alice_pw).await;
    let (s, b) = api
        .post(&org.url("/data-keys/rotate"), Some(&alice), json!({}))
        .await;
    assert_error(s, &b, StatusCode::FORBIDDEN);
    // A rotation whose replica stopped halfway blocks nothing for long: one that has made
    // progress lately is waited for (409), one stalled for over 10 minutes is taken over.
    let db = sqlx::PgPool::connect(&format!(
        "{}/{}_vault",
        strongroom_testkit::pg_server_url(),
        stack.config.db_prefix
    ))
    .await
    .unwrap();
    let schema = format!("org_{}", org_id(&api, &org).await.replace('-', ""));
    let cut_off = uuid::Uuid::new_v4();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO \"{schema}\".key_rotations (id, to_version, status, total, started_by)
         VALUES ($1, 2, 'running', 10, $1)"
    )))
    .bind(cut_off)
    .execute(&db)
    .await
    .unwrap();
    let (s, b) = api
        .post(&org.url("/data-keys/rotate"), Some(&dana), json!({}))
        .await;
    assert_error(s, &b, StatusCode::CONFLICT);
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE \"{schema}\".key_rotations SET progressed_at = now() - interval '11 minutes'
         WHERE id = $1"
    )))
    .bind(cut_off)
    .execute(&db)
    .await
    .unwrap();
    let (s, b) = api
        .post(&org.url("/data-keys/rotate"), Some(&dana), json!({}))
        .await;
    assert_eq!(
        (s, b["to_version"].as_i64()),
        (StatusCode::ACCEPTED, Some(3)),
        "{b}"
    );
    let status: String = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT status FROM \"{schema}\".key_rotations WHERE id = $1"
    )))
    .bind(cut_off)
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(status, "failed");
    audit_operations(
        &api,
        &org,
        &["data_key.rotation_started", "data_key.rotated"],
    )
    .await;
    stack.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_scheduled_data_key_rotation_starts_by_itself_when_due() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let org = Org::create(&api, "keyschedule").await;
    let admin = org.admin.clone();
    let account = api
        .store_password(&org.prefix, &admin, "db1", "root", "kept-across")
        .await;
    let (s, keys) = api.get(&org.url("/data-keys"), Some(&admin)).await;
    assert_eq!(s, StatusCode::OK, "{keys}");
    assert_eq!(
        keys["schedule"],
        json!({"every_days": 0, "next_rotation_at": null})
    );

    // Bounds, and who may.
    let schedule = org.url("/data-keys/schedule");
    let (s, b) = api
        .put(&schedule, Some(&admin), json!({"every_days": 4000}))
        .await;
    assert_error(s, &b, StatusCode::BAD_REQUEST);
    assert!(b["message"].as_str().unwrap().contains("3650"), "{b}");
    let (s, b) = api
        .put(&schedule, Some(&admin), json!({"every_days": -1}))
        .await;
    assert_error(s, &b, StatusCode::BAD_REQUEST);
    let (_, alice_pw) = api
        .add_user(&org.prefix, &admin, "alice", "password_user")
        .await;
    let alice = api.login(&org.prefix, "alice", &alice_pw).await;
    let (s, b) = api
        .put(&schedule, Some(&alice), json!({"every_days": 1}))
        .await;
    assert_error(s, &b, StatusCode::FORBIDDEN);

    // Every 30 days: due 30 days after the key was made, so nothing starts now.
    let (s, b) = api
        .put(&schedule, Some(&admin), json!({"every_days": 30}))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["every_days"], 30);
    let next: chrono::DateTime<chrono::Utc> =
        b["next_rotation_at"].as_str().unwrap().parse().unwrap();
    let days = (next - chrono::Utc::now()).num_hours() as f64 / 24.0;
    assert!((29.0..=30.0).contains(&days), "next in {days} days");

    // Once it is due, the schedule starts it (the test stack looks every second).
    let db = sqlx::PgPool::connect(&format!(
        "{}/{}_vault",
        strongroom_testkit::pg_server_url(),
        stack.config.db_prefix
    ))
    .await
    .unwrap();
    let schema = format!("org_{}", org_id(&api, &org).await.replace('-', ""));
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE \"{schema}\".key_rotation_schedule SET next_rotation_at = now() - interval '1 minute'"
    )))
    .execute(&db)
    .await
    .unwrap();
    let keys = strongroom_testkit::wait_until(std::time::Duration::from_secs(20), || async {
        let (_, keys) = api.get(&org.url("/data-keys"), Some(&admin)).await;
        (keys["rotation"]["status"] == "completed").then_some(keys)
    })
    .await
    .expect("the scheduled rotation never completed");
    assert_eq!(keys["rotation"]["to_version"], 2, "{keys}");
    assert_eq!(keys["versions"].as_array().unwrap().len(), 2, "{keys}");
    let next: chrono::DateTime<chrono::Utc> = keys["schedule"]["next_rotation_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let days = (next - chrono::Utc::now()).num_hours() as f64 / 24.0;
    assert!((29.0..=30.0).contains(&days), "next in {days} days");
    let (s, b) = api
        .get(
            &org.url(&format!("/accounts/{account}/password")),
            Some(&admin),
        )
        .await;
    assert_eq!(
        (s, b["password"].as_str()),
        (StatusCode::OK, Some("kept-across"))
    );
    let started = audit_operations(
        &api,
        &org,
        &[
            "data_key.schedule_saved",
            "data_key.rotation_started",
            "data_key.rotated",
        ],
    )
    .await;
    let by_schedule = started
        .iter()
        .find(|e| e["operation"] == "data_key.rotation_started")
        .unwrap();
    assert_eq!(by_schedule["details"]["scheduled"], true, "{by_schedule}");
    assert_eq!(
        by_schedule["actor"]["username"], "system (rotation schedule)",
        "{by_schedule}"
    );

    // Off: nothing is scheduled.
    let (s, b) = api
        .put(&schedule, Some(&admin), json!({"every_days": 0}))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b, json!({"every_days": 0, "next_rotation_at": null}));
    stack.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn export_rules_turn_exporting_on_and_off_for_users_and_user_groups() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let org = Org::create(&api, "exportrules").await;
    let admin = org.admin.clone();
    let (pat_id, pat_pw) = api
        .add_user(&org.prefix, &admin, "pat", "password_user")
        .await;
    let pat = api.login(&org.prefix, "pat", &pat_pw).await;
    let (dan_id, dan_pw) = api
        .add_user(&org.prefix, &admin, "dan", "password_administrator")
        .await;
    let dan = api.login(&org.prefix, "dan", &dan_pw).await;
    api.store_password(&org.prefix, &pat, "pat-db", "pat", "pats-secret")
        .await;
    api.store_password(&org.prefix, &dan, "dan-db", "dan", "dans-secret")
        .await;
    let export = |token: &str| {
        let (http, url, token) = (
            stack.http.clone(),
            format!("{}{}", stack.base_url, org.url("/export")),
            token.to_owned(),
        );
        async move {
            let r = http
                .post(url)
                .bearer_auth(token)
                .json(&json!({"format": "csv"}))
                .send()
                .await
                .unwrap();
            let status = r.status();
            (status, r.text().await.unwrap())
        }
    };
    let group = |name: &'static str, member: String| {
        let (api, admin, org) = (&api, admin.clone(), &org);
        async move {
            let (s, g) = api
                .post(&org.url("/groups"), Some(&admin), json!({"name": name}))
                .await;
            assert_eq!(s, StatusCode::CREATED, "{g}");
            let id = g["id"].as_str().unwrap().to_owned();
            let (s, b) = api
                .put(
                    &org.url(&format!("/groups/{id}/members/{member}")),
                    Some(&admin),
                    json!({}),
                )
                .await;
            assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
            id
        }
    };
    let rule = |kind: &str, id: &str| org.url(&format!("/export-rules/{kind}/{id}"));

    // Pat's role may not export; a rule for a group of Pat's may let them.
    let (s, b) = export(&pat).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
    assert!(b.contains("passwords.export"), "{b}");
    let auditors = group("Auditors", pat_id.clone()).await;
    let (s, b) = api
        .put(
            &rule("group", &auditors),
            Some(&admin),
            json!({"allowed": true}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(
        (b["principal_kind"].as_str(), b["allowed"].as_bool()),
        (Some("group"), Some(true))
    );
    let (s, csv) = export(&pat).await;
    assert_eq!(s, StatusCode::OK, "{csv}");
    assert!(
        csv.contains("pats-secret") && !csv.contains("dans-secret"),
        "{csv}"
    );

    // A rule for Pat wins over the group's; removing it lets the group's decide again.
    let (s, b) = api
        .put(
            &rule("user", &pat_id),
            Some(&admin),
            json!({"allowed": false}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = export(&pat).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
    assert!(b.contains("off for you"), "{b}");
    let (s, b) = api.delete(&rule("user", &pat_id), Some(&admin)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["rules"].as_array().unwrap().len(), 1, "{b}");
    let (s, _) = export(&pat).await;
    assert_eq!(s, StatusCode::OK);
    let (s, b) = api.delete(&rule("user", &pat_id), Some(&admin)).await;
    assert_error(s, &b, StatusCode::NOT_FOUND);

    // A group's denial stops even a role that may export.
    let ops = group("Ops", dan_id.clone()).await;
    let (s, _) = export(&dan).await;
    assert_eq!(s, StatusCode::OK);
    let (s, b) = api
        .put(
            &rule("group", &ops),
            Some(&admin),
            json!({"allowed": false}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = export(&dan).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
    assert!(b.contains(&ops), "names the group: {b}");

    // Rules name real users and groups; only those allowed set them, and nobody turns on
    // what they may not do themselves.
    let nobody = uuid::Uuid::new_v4().to_string();
    for (path, word) in [
        (rule("role", &pat_id), "user or a group"),
        (rule("user", "pat"), "not a user id"),
        (rule("user", &nobody), &nobody),
        (rule("group", &nobody), &nobody),
    ] {
        let (s, b) = api.put(&path, Some(&admin), json!({"allowed": true})).await;
        assert_error(s, &b, StatusCode::BAD_REQUEST);
        assert!(b["message"].as_str().unwrap().contains(word), "{path}: {b}");
    }
    let (s, b) = api
        .put(
            &rule("group", &auditors),
            Some(&pat),
            json!({"allowed": true}),
        )
        .await;
    assert_error(s, &b, StatusCode::FORBIDDEN);
    let (s, b) = api.get(&org.url("/export-rules"), Some(&pat)).await;
    assert_error(s, &b, StatusCode::FORBIDDEN);
    let (s, b) = api
        .post(
            &org.url("/roles"),
            Some(&admin),
            json!({"name": "keymaster", "permissions": ["vault_settings.manage", "users.view"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let (_, kim_pw) = api.add_user(&org.prefix, &admin, "kim", "keymaster").await;
    let kim = api.login(&org.prefix, "kim", &kim_pw).await;
    let (s, b) = api
        .put(&rule("user", &pat_id), Some(&kim), json!({"allowed": true}))
        .await;
    assert_error(s, &b, StatusCode::FORBIDDEN);
    assert!(
        b["message"].as_str().unwrap().contains("cannot give"),
        "{b}"
    );
    let (s, b) = api
        .put(
            &rule("user", &pat_id),
            Some(&kim),
            json!({"allowed": false}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");

    let (s, b) = api.get(&org.url("/export-rules"), Some(&admin)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["rules"].as_array().unwrap().len(), 3, "{b}");
    audit_operations(&api, &org, &["export_rule.saved", "export_rule.deleted"]).await;
    stack.stop().await.unwrap();
}
