//! Managing an org's users over REST: add, find, edit, change role, disable, enable, remove,
//! and handing over what a removed user owned.

use std::collections::HashSet;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

use crate::api::{Api, Org, assert_error, password_for};
use crate::stack::Stack;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn users_are_added_edited_disabled_enabled_and_removed() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let org = Org::create(&api, "acme").await;
    let users = org.url("/users");
    let admin = Some(org.admin.as_str());

    // Added with every field, and a password she replaces at her first login.
    let given = "Given-by-root-1!";
    let (s, alice) = api
        .post(
            &users,
            admin,
            json!({"username": "alice", "full_name": "Alice Liddell", "email": "alice@acme.test",
                   "department": "Operations", "location": "Oxford", "role": "password_user",
                   "password": given}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{alice}");
    let password = api
        .first_login(&org.prefix, "alice", given, &password_for("alice"))
        .await;
    let r = api.try_login(&org.prefix, "alice", given).await;
    assert_error(r.status, &r.body, StatusCode::UNAUTHORIZED);
    for (field, value) in [
        ("username", "alice"),
        ("full_name", "Alice Liddell"),
        ("email", "alice@acme.test"),
        ("department", "Operations"),
        ("location", "Oxford"),
        ("role", "password_user"),
        ("status", "active"),
        ("source", "local"),
    ] {
        assert_eq!(alice[field], value, "{field} in {alice}");
    }
    assert!(alice["locked_until"].is_null(), "{alice}");
    assert!(alice.get("password").is_none(), "{alice}");
    let id = alice["id"].as_str().unwrap().to_owned();
    let one = org.url(&format!("/users/{id}"));
    let (s, b) = api.get(&one, admin).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b, alice);

    // Found in the list, and by a case-insensitive search on name or email.
    let (s, b) = api.get(&users, admin).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let names: HashSet<&str> = b["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, HashSet::from(["root", "alice"]));
    for q in ["LIDDELL", "acme.test", "ali"] {
        let (s, b) = api.get(&format!("{users}?q={q}"), admin).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let found = b["users"].as_array().unwrap();
        assert_eq!(found.len(), 1, "?q={q}: {b}");
        assert_eq!(found[0]["id"], id.as_str());
    }

    // Usernames are unique whatever their case; bad input is refused with the reason.
    let (s, b) = api
        .post(
            &users,
            admin,
            json!({"username": "ALICE", "email": "a2@acme.test", "role": "password_user",
                   "password": password_for("x")}),
        )
        .await;
    assert_error(s, &b, StatusCode::CONFLICT);
    for (body, mentions) in [
        (
            json!({"username": "bob", "email": "not-an-email", "role": "password_user",
                   "password": password_for("bob")}),
            "email",
        ),
        (
            json!({"username": "bob", "email": "bob@acme.test", "role": "superuser",
                   "password": password_for("bob")}),
            "role",
        ),
        (
            json!({"username": "bob", "email": "bob@acme.test", "role": "password_user"}),
            "password",
        ),
        (
            json!({"username": "bob", "email": "bob@acme.test", "role": "password_user",
                   "password": password_for("bob"), "favourite_colour": "blue"}),
            "favourite_colour",
        ),
    ] {
        let (s, b) = api.post(&users, admin, body.clone()).await;
        assert_error(s, &b, StatusCode::BAD_REQUEST);
        assert!(
            b["message"].as_str().unwrap().contains(mentions),
            "{body} → {b}"
        );
    }

    // Edited: only the fields sent change.
    let (s, b) = api
        .patch(
            &one,
            admin,
            json!({"department": "Security", "location": "London"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["department"], "Security");
    assert_eq!(b["location"], "London");
    assert_eq!(b["full_name"], "Alice Liddell");
    assert_eq!(b["email"], "alice@acme.test");
    for body in [
        json!({"email": "nope"}),
        json!({"role": "superuser"}),
        json!({"status": "sleeping"}),
        json!({"username": "alice2"}),
    ] {
        let (s, b) = api.patch(&one, admin, body.clone()).await;
        assert_error(s, &b, StatusCode::BAD_REQUEST);
    }
    let (s, b) = api
        .patch(
            &org.url(&format!("/users/{}", uuid::Uuid::new_v4())),
            admin,
            json!({"department": "x"}),
        )
        .await;
    assert_error(s, &b, StatusCode::NOT_FOUND);

    // A new role shows in her next login.
    let (s, b) = api
        .patch(&one, admin, json!({"role": "password_auditor"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["role"], "password_auditor");
    let login = api.login_reply(&org.prefix, "alice", &password).await;
    assert_eq!(login["role"], "password_auditor");
    let perms: HashSet<&str> = login["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert_eq!(
        perms,
        HashSet::from(["users.view", "audit.view", "api_keys.own"])
    );
    let token = login["token"].as_str().unwrap().to_owned();

    // Disabled: her login fails exactly as a wrong password does, her token stops working.
    let wrong = api.try_login(&org.prefix, "alice", "wrong-password").await;
    assert_error(wrong.status, &wrong.body, StatusCode::UNAUTHORIZED);
    let (s, b) = api.patch(&one, admin, json!({"status": "disabled"})).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["status"], "disabled");
    let refused = api.try_login(&org.prefix, "alice", &password).await;
    assert_eq!(
        (refused.status, &refused.body),
        (wrong.status, &wrong.body),
        "a disabled user's login looks like a wrong password"
    );
    api.until_refused(&users, &token, Duration::from_secs(1))
        .await;

    // Enabled again: she logs in.
    let (s, b) = api.patch(&one, admin, json!({"status": "active"})).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let token = api.login(&org.prefix, "alice", &password).await;
    let (s, b) = api.get(&users, Some(&token)).await;
    assert_eq!(s, StatusCode::OK, "{b}");

    // Removed: gone from the list, cannot log in, her token stops working.
    let (s, b) = api.delete(&one, admin).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    let (s, b) = api.get(&one, admin).await;
    assert_error(s, &b, StatusCode::NOT_FOUND);
    let (s, b) = api.delete(&one, admin).await;
    assert_error(s, &b, StatusCode::NOT_FOUND);
    let gone = api.try_login(&org.prefix, "alice", &password).await;
    assert_eq!((gone.status, &gone.body), (wrong.status, &wrong.body));
    api.until_refused(&users, &token, Duration::from_secs(1))
        .await;
    let (_, b) = api.get(&users, admin).await;
    assert_eq!(b["users"].as_array().unwrap().len(), 1, "{b}");
    stack.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn removing_a_user_who_owns_resources_hands_them_to_a_colleague() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let org = Org::create(&api, "acme").await;
    let admin = Some(org.admin.as_str());
    let (alice_id, alice_pw) = api
        .add_user(&org.prefix, &org.admin, "alice", "password_user")
        .await;
    // Bob is added by the account manager: a colleague root did not make lately, so
    // handing him Alice's resources needs no second administrator.
    let msp = api.login("", "admin", crate::stack::ADMIN_PASSWORD).await;
    let (bob_id, bob_pw) = api
        .add_user(&org.prefix, &msp, "bob", "password_user")
        .await;
    let alice = api.login(&org.prefix, "alice", &alice_pw).await;
    let bob = api.login(&org.prefix, "bob", &bob_pw).await;
    let (s, res) = api
        .post(
            &org.url("/resources"),
            Some(&alice),
            json!({"name": "db1", "type": "PostgreSQL", "host": "db1.acme.test"}),
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
            json!({"username": "postgres", "password": "handed-over-secret"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{acct}");
    let reveal = org.url(&format!(
        "/accounts/{}/password",
        acct["id"].as_str().unwrap()
    ));
    let (s, _) = api.get(&reveal, Some(&bob)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Not without someone to take over, and not to someone who does not exist.
    let alice_url = org.url(&format!("/users/{alice_id}"));
    let (s, b) = api.delete(&alice_url, admin).await;
    assert_error(s, &b, StatusCode::CONFLICT);
    let message = b["message"].as_str().unwrap();
    assert!(
        message.contains("transfer_to") || message.contains("take over"),
        "the refusal says what to do: {message}"
    );
    for to in [uuid::Uuid::new_v4().to_string(), alice_id.clone()] {
        let (s, b) = api
            .delete(&format!("{alice_url}?transfer_to={to}"), admin)
            .await;
        assert!(
            s == StatusCode::BAD_REQUEST || s == StatusCode::NOT_FOUND,
            "transfer to {to}: {s} {b}"
        );
    }
    let (s, b) = api.get(&reveal, Some(&alice)).await;
    assert_eq!(s, StatusCode::OK, "alice still owns it: {b}");

    // Handed to Bob: Alice is gone and Bob reveals the password.
    let (s, b) = api
        .delete(&format!("{alice_url}?transfer_to={bob_id}"), admin)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    let (s, b) = api.get(&alice_url, admin).await;
    assert_error(s, &b, StatusCode::NOT_FOUND);
    let (s, b) = api.get(&reveal, Some(&bob)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["password"], "handed-over-secret");
    stack.stop().await.unwrap();
}

/// `admin` is made on the first start only, with a one-time password: it must choose its
/// own at the first login, and once deleted (by another administrator) no restart brings
/// it back with the password the deployment was started with.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_first_administrator_is_made_once_and_chooses_its_own_password() {
    use crate::stack::{ADMIN_PASSWORD, INITIAL_ADMIN_PASSWORD};
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    // The stack has replaced the one-time password: it no longer opens a session.
    let r = api.try_login("", "admin", INITIAL_ADMIN_PASSWORD).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    let admin = api.login("", "admin", ADMIN_PASSWORD).await;
    let (_, bea_pw) = api.add_user("", &admin, "bea", "administrator").await;
    let bea = api.login("", "bea", &bea_pw).await;
    let (_, users) = api.get("/api/v1/users?q=admin", Some(&bea)).await;
    let admin_id = users["users"][0]["id"].as_str().unwrap().to_owned();
    let (s, b) = api
        .delete(&format!("/api/v1/users/{admin_id}"), Some(&bea))
        .await;
    assert!(s.is_success(), "{s} {b}");

    // An identity replica starting now (as after a restart) makes no new admin.
    let mut config = stack.config.identity_config();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    config.base.grpc_listener = strongroom_runtime::PreBound::new(listener);
    let stop = tokio_util::sync::CancellationToken::new();
    let running = tokio::spawn(strongroom_identity::run(config, stop.clone()));
    let gateway = crate::trust::tls_of(&stack, strongroom_trust::Service::Gateway);
    let channel = gateway
        .channel(
            &format!("https://127.0.0.1:{port}"),
            strongroom_trust::Service::Identity,
        )
        .unwrap();
    let replica = strongroom_proto::identity::identity_client::IdentityClient::new(channel);
    // It serves once its start-up (the first administrator's bootstrap) is done.
    let users = strongroom_testkit::wait_until(Duration::from_secs(30), || {
        let request = crate::api::with_token(
            strongroom_proto::identity::ListUsersRequest::default(),
            &bea,
        );
        let mut replica = replica.clone();
        async move { replica.list_users(request).await.ok() }
    })
    .await
    .expect("the second identity replica never served");
    let names: Vec<String> = users
        .into_inner()
        .users
        .into_iter()
        .map(|u| u.username)
        .collect();
    assert!(!names.contains(&"admin".to_owned()), "{names:?}");
    for password in [INITIAL_ADMIN_PASSWORD, ADMIN_PASSWORD] {
        let r = api.try_login("", "admin", password).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    }
    stop.cancel();
    let _ = running.await;
    drop(replica);
}
