//! Least privilege inside an org, tried as an attacker would: giving away permissions one
//! lacks, taking over a more powerful account, making credentials with a credential,
//! ending someone's session with a guessed refresh token, and telling orgs apart from
//! outside. Each refusal is checked to have changed nothing.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use strongroom_core::{Permission, Role, first_not_held, permissions_of};

use crate::api::{Api, Org, assert_error, audit_operations, login_settings, password_for};
use crate::stack::{ADMIN_PASSWORD, Stack};

/// A 403 whose message names `permission`.
fn refused_naming(status: StatusCode, body: &Value, permission: Permission) -> bool {
    status == StatusCode::FORBIDDEN
        && body["error"] == "permission_denied"
        && body["message"]
            .as_str()
            .is_some_and(|m| m.contains(permission.as_str()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn nobody_grants_what_they_do_not_hold() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let org = Org::create(&api, "grants").await;

    // Every built-in role, giving every permission alone in a new custom role.
    let mut wrong = Vec::new();
    for giver in Role::ALL {
        let name = format!("giver-{}", giver.as_str().replace('_', "-"));
        let (_, pw) = api
            .add_user(&org.prefix, &org.admin, &name, giver.as_str())
            .await;
        let token = api.login(&org.prefix, &name, &pw).await;
        let held = permissions_of(giver);
        for p in Permission::ALL {
            let role = format!("{name}-gives-{}", p.as_str().replace('.', "-"));
            let (s, b) = api
                .post(
                    &org.url("/roles"),
                    Some(&token),
                    json!({"name": role, "permissions": [p.as_str()]}),
                )
                .await;
            let expected = if !held.contains(&Permission::RolesManage) {
                refused_naming(s, &b, Permission::RolesManage)
            } else if let Some(missing) = first_not_held(&held, &[p]) {
                refused_naming(s, &b, missing)
            } else {
                s == StatusCode::CREATED
            };
            if !expected {
                wrong.push(format!("{giver} giving {p}: {s} {b}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

    // A delegated user manager: users and custom roles, nothing else.
    let delegate = [
        Permission::UsersView,
        Permission::UsersManage,
        Permission::RolesManage,
    ];
    let names: Vec<&str> = delegate.iter().map(|p| p.as_str()).collect();
    let (s, b) = api
        .post(
            &org.url("/roles"),
            Some(&org.admin),
            json!({"name": "helpdesk", "permissions": names}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let (_, pw) = api
        .add_user(&org.prefix, &org.admin, "helper", "helpdesk")
        .await;
    let helper = api.login(&org.prefix, "helper", &pw).await;
    let (victim, victim_pw) = api
        .add_user(&org.prefix, &org.admin, "victim", "helpdesk")
        .await;

    // It may hand out what it holds...
    let (s, b) = api
        .post(
            &org.url("/roles"),
            Some(&helper),
            json!({"name": "viewer", "permissions": ["users.view"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let (s, b) = api
        .patch(
            &org.url(&format!("/users/{victim}")),
            Some(&helper),
            json!({"role": "viewer"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");

    // ... and no built-in role, to a new user or an existing one, since each holds something
    // it lacks; nothing is created or changed.
    for role in Role::ALL {
        let missing = first_not_held(&delegate, &permissions_of(role)).unwrap();
        let (s, b) = api
            .post(
                &org.url("/users"),
                Some(&helper),
                json!({"username": format!("made-{}", role.as_str()), "role": role.as_str(),
                       "email": "made@example.test", "password": password_for("made")}),
            )
            .await;
        assert!(refused_naming(s, &b, missing), "adding a {role}: {s} {b}");
        let (s, b) = api
            .patch(
                &org.url(&format!("/users/{victim}")),
                Some(&helper),
                json!({"role": role.as_str()}),
            )
            .await;
        assert!(refused_naming(s, &b, missing), "making a {role}: {s} {b}");
    }
    let (s, b) = api
        .get(&org.url(&format!("/users/{victim}")), Some(&org.admin))
        .await;
    assert_eq!((s, b["role"].as_str()), (StatusCode::OK, Some("viewer")));
    let (s, b) = api.get(&org.url("/users?q=made-"), Some(&org.admin)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert!(!b.to_string().contains("made-"), "{b}");

    // It cannot widen its own role, nor give a role it lacks through a CSV import.
    let wider = [names.clone(), vec!["audit.view"]].concat();
    let (s, b) = api
        .put(
            &org.url("/roles/helpdesk"),
            Some(&helper),
            json!({"name": "helpdesk", "permissions": wider}),
        )
        .await;
    assert!(refused_naming(s, &b, Permission::AuditView), "{s} {b}");
    // A permission a role already has is not given again by editing the role: the helper
    // may describe, rename or narrow a role holding `audit.view`, which it lacks.
    let (s, b) = api
        .post(
            &org.url("/roles"),
            Some(&org.admin),
            json!({"name": "auditor", "permissions": ["audit.view", "users.view"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let (s, b) = api
        .put(
            &org.url("/roles/auditor"),
            Some(&helper),
            json!({"name": "reviewer", "description": "reads the trail",
                   "permissions": ["audit.view"]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["permissions"], json!(["audit.view"]), "{b}");
    let (s, b) = api
        .post(
            &org.url("/users/import"),
            Some(&helper),
            json!({"csv": "username,email,role\nsneaky,sneaky@example.test,administrator\n"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert!(
        b.to_string().contains("groups.manage"),
        "the row's reason names the permission: {b}"
    );
    let (s, b) = api.get(&org.url("/roles"), Some(&org.admin)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert!(
        b["roles"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["name"] == "helpdesk"),
        "{b}"
    );
    assert!(!b.to_string().contains("sneaky"));
    let (_, b) = api.get(&org.url("/users?q=sneaky"), Some(&org.admin)).await;
    assert!(!b.to_string().contains("sneaky"), "{b}");

    // Taking over a more powerful account: the administrator's password, status and
    // existence are out of reach, and the administrator still signs in.
    let (s, b) = api.get(&org.url("/users?q=root"), Some(&org.admin)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let root = b["users"][0]["id"].as_str().unwrap().to_owned();
    let attempts = [
        (
            Method::PUT,
            format!("/users/{root}/password"),
            Some(json!({"password": "Taken-over-1!"})),
        ),
        (
            Method::PATCH,
            format!("/users/{root}"),
            Some(json!({"status": "disabled"})),
        ),
        (Method::DELETE, format!("/users/{root}"), None),
    ];
    for (method, path, body) in attempts {
        let r = api
            .send(method.clone(), &org.url(&path), Some(&helper), body)
            .await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "{method} {path}: {}",
            r.body
        );
        let message = r.body["message"].as_str().unwrap();
        assert!(
            message.contains("root") && message.contains("permission"),
            "{message}"
        );
    }
    api.login(&org.prefix, "root", &password_for("root")).await;
    // An equal, though, is the helpdesk's to manage.
    let (s, b) = api
        .put(
            &org.url(&format!("/users/{victim}/password")),
            Some(&helper),
            json!({"password": "Reset-by-helpdesk-1!"}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    assert_eq!(
        api.try_login(&org.prefix, "victim", &victim_pw)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );

    // Whoever changes login settings names a default role only if they hold all of it.
    let (s, b) = api
        .post(
            &org.url("/roles"),
            Some(&org.admin),
            json!({"name": "settings-keeper", "permissions": ["users.view", "login_settings.manage"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let (_, pw) = api
        .add_user(&org.prefix, &org.admin, "keeper", "settings-keeper")
        .await;
    let keeper = api.login(&org.prefix, "keeper", &pw).await;
    let (s, b) = api
        .put(
            &org.url("/settings/login"),
            Some(&keeper),
            login_settings("administrator"),
        )
        .await;
    assert!(refused_naming(s, &b, Permission::UsersManage), "{s} {b}");
    let (_, now) = api.get(&org.url("/settings/login"), Some(&keeper)).await;
    assert_eq!(now["default_role"], "password_user", "{now}");
    stack.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn credentials_do_not_make_credentials() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let org = Org::create(&api, "keyed").await;
    let (s, b) = api
        .post(
            &org.url("/api-keys"),
            Some(&org.admin),
            json!({"name": "app"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let key = b["key"].as_str().unwrap().to_owned();
    let key_id = b["id"].as_str().unwrap().to_owned();
    let (victim, victim_pw) = api
        .add_user(&org.prefix, &org.admin, "victim", "password_user")
        .await;
    let victim_login = api.login_reply(&org.prefix, "victim", &victim_pw).await;
    let victim_token = victim_login["token"].as_str().unwrap().to_owned();

    // The key works for what applications do...
    let (s, b) = api.get(&org.url("/users"), Some(&key)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    // ... and for nothing that makes, reads or ends credentials or changes settings.
    let refused = [
        (
            Method::POST,
            "/api-keys".to_owned(),
            Some(json!({"name": "second"})),
        ),
        (Method::GET, "/api-keys".to_owned(), None),
        (Method::DELETE, format!("/api-keys/{key_id}"), None),
        (
            Method::PUT,
            format!("/users/{victim}/password"),
            Some(json!({"password": "Changed-by-key-1!"})),
        ),
        (Method::DELETE, format!("/users/{victim}/sessions"), None),
        (
            Method::DELETE,
            format!("/sessions/{}", victim_login["session_id"].as_str().unwrap()),
            None,
        ),
        (Method::POST, "/auth/logout".to_owned(), Some(json!({}))),
        (
            Method::PUT,
            "/settings/login".to_owned(),
            Some(login_settings("password_user")),
        ),
        (
            Method::PUT,
            "/directory".to_owned(),
            Some(
                json!({"kind": "ldap", "url": "ldaps://127.0.0.1:1", "bind_dn": "cn=x",
                        "bind_password": "x", "base_dn": "dc=x",
                        "user_filter": "(objectClass=person)",
                        "attributes": {"username": "uid", "email": "mail"}}),
            ),
        ),
        (
            Method::POST,
            "/directory/import".to_owned(),
            Some(json!({})),
        ),
        (
            Method::PUT,
            "/settings/proxy".to_owned(),
            Some(json!({"enabled": false, "host": "", "port": 0})),
        ),
    ];
    for (method, path, body) in refused {
        let r = api
            .send(method.clone(), &org.url(&path), Some(&key), body)
            .await;
        assert_error(r.status, &r.body, StatusCode::FORBIDDEN);
        assert!(
            r.body["message"]
                .as_str()
                .unwrap()
                .contains("not allowed with an API key"),
            "{method} {path}: {}",
            r.body
        );
    }
    // Nothing changed: the key still works, the victim's session and password stand, and
    // the owner still has exactly one key.
    let (s, _) = api.get(&org.url("/users"), Some(&key)).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = api.get(&org.url("/sessions"), Some(&victim_token)).await;
    assert_eq!(s, StatusCode::OK);
    api.login(&org.prefix, "victim", &victim_pw).await;
    let (s, b) = api.get(&org.url("/api-keys"), Some(&org.admin)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let keys = b["keys"].as_array().unwrap().clone();
    assert_eq!(keys.len(), 1, "{b}");
    stack.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_administrators_password_reset_works_once_and_ends_every_credential() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let org = Org::create(&api, "resets").await;
    let (alice, pw) = api
        .add_user(&org.prefix, &org.admin, "alice", "password_user")
        .await;
    let login = api.login_reply(&org.prefix, "alice", &pw).await;
    let token = login["token"].as_str().unwrap().to_owned();
    let (s, b) = api
        .post(
            &org.url("/api-keys"),
            Some(&token),
            json!({"name": "laptop"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let key = b["key"].as_str().unwrap().to_owned();
    let (s, b) = api.get(&org.url("/sessions"), Some(&key)).await;
    assert_eq!(s, StatusCode::OK, "{b}");

    let set = "Set-by-the-admin-1!";
    let (s, b) = api
        .put(
            &org.url(&format!("/users/{alice}/password")),
            Some(&org.admin),
            json!({"password": set}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    // Her session, its refresh token and her API key end at once.
    let within = std::time::Duration::from_secs(5);
    api.until_refused(&org.url("/sessions"), &token, within)
        .await;
    api.until_refused(&org.url("/sessions"), &key, within).await;
    let (s, b) = api
        .post(
            &org.url("/auth/refresh"),
            None,
            json!({"refresh_token": login["refresh_token"]}),
        )
        .await;
    assert_error(s, &b, StatusCode::UNAUTHORIZED);
    // The password set for her opens nothing but the change to her own.
    let r = api.try_login(&org.prefix, "alice", set).await;
    assert_error(r.status, &r.body, StatusCode::UNAUTHORIZED);
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .contains("change-password"),
        "{}",
        r.body
    );
    let own = "Alices-own-choice-2!";
    let (s, b) = api
        .post(
            &org.url("/auth/change-password"),
            None,
            json!({"username": "alice", "current_password": set, "new_password": own}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    api.login(&org.prefix, "alice", own).await;

    // The trail says who reset it and what ended.
    let events = crate::api::audit_operations(&api, &org, &["user.password_reset"]).await;
    let reset = events
        .iter()
        .find(|e| e["operation"] == "user.password_reset")
        .unwrap();
    assert_eq!(reset["actor"]["username"], "root", "{reset}");
    assert_eq!(reset["target"]["name"], "alice", "{reset}");
    assert_eq!(reset["details"]["sessions_ended"], 1, "{reset}");
    assert_eq!(reset["details"]["api_keys_revoked"], 1, "{reset}");
    stack.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_wrong_refresh_secret_ends_nothing_but_a_reused_one_ends_the_session() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let org = Org::create(&api, "refresh").await;
    let (_, pw) = api
        .add_user(&org.prefix, &org.admin, "alice", "password_user")
        .await;
    let login = api.login_reply(&org.prefix, "alice", &pw).await;
    let refresh = |token: String| {
        let (api, url) = (&api, org.url("/auth/refresh"));
        async move {
            api.post(&url, None, json!({ "refresh_token": token }))
                .await
        }
    };
    // The session's id is no secret (lists, the trail): a token made from it with a wrong
    // secret is refused, and the session lives on.
    let session = login["session_id"].as_str().unwrap().replace('-', "");
    for guess in ["wrong", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"] {
        let (s, b) = refresh(format!("srr_{session}_{guess}")).await;
        assert_error(s, &b, StatusCode::UNAUTHORIZED);
    }
    let token = login["token"].as_str().unwrap();
    let (s, b) = api.get(&org.url("/sessions"), Some(token)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, renewed) = refresh(login["refresh_token"].as_str().unwrap().to_owned()).await;
    assert_eq!(s, StatusCode::OK, "{renewed}");
    let (s, again) = refresh(renewed["refresh_token"].as_str().unwrap().to_owned()).await;
    assert_eq!(s, StatusCode::OK, "{again}");

    // A refresh token already exchanged, shown again, was copied: the session ends.
    let (s, b) = refresh(login["refresh_token"].as_str().unwrap().to_owned()).await;
    assert_error(s, &b, StatusCode::UNAUTHORIZED);
    let (s, b) = refresh(again["refresh_token"].as_str().unwrap().to_owned()).await;
    assert_error(s, &b, StatusCode::UNAUTHORIZED);
    api.until_refused(
        &org.url("/sessions"),
        again["token"].as_str().unwrap(),
        std::time::Duration::from_secs(5),
    )
    .await;
    stack.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn outsiders_cannot_tell_a_real_org_from_none() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let org = Org::create(&api, "realorg").await;
    let nobody = uuid::Uuid::new_v4();
    let garbage_key = format!("srk_{}_secret", nobody.simple());
    let routes = [
        (Method::GET, "/users".to_owned(), None),
        (Method::GET, "/audit".to_owned(), None),
        (Method::GET, format!("/users/{nobody}/sessions"), None),
        (Method::DELETE, format!("/users/{nobody}"), None),
        (Method::GET, format!("/accounts/{nobody}/password"), None),
        (
            Method::POST,
            "/resources".to_owned(),
            Some(json!({"name": "x", "type": "Linux"})),
        ),
        (Method::GET, "/settings/mail".to_owned(), None),
    ];
    let mut compared = 0;
    for credential in [None, Some("not-a-token"), Some(garbage_key.as_str())] {
        for (method, path, body) in &routes {
            let real = api
                .send(method.clone(), &org.url(path), credential, body.clone())
                .await;
            let none = api
                .send(
                    method.clone(),
                    &format!("/no-such-org/api/v1{path}"),
                    credential,
                    body.clone(),
                )
                .await;
            assert_eq!(
                (real.status, &real.body),
                (none.status, &none.body),
                "{method} {path} with {credential:?}"
            );
            assert_eq!(real.status, StatusCode::UNAUTHORIZED, "{}", real.body);
            compared += 1;
        }
    }
    assert_eq!(compared, 3 * routes.len());

    // The public routes answer an unknown org as a failed login at a real one.
    let public = [
        (
            "/auth/login",
            Some(json!({"username": "root", "password": "wrong-password"})),
        ),
        (
            "/auth/refresh",
            Some(json!({"refresh_token": format!("srr_{}_x", nobody.simple())})),
        ),
        (
            "/auth/change-password",
            Some(
                json!({"username": "root", "current_password": "wrong-password",
                        "new_password": "Another-one-1!"}),
            ),
        ),
    ];
    for (path, body) in public {
        let real = api
            .send(Method::POST, &org.url(path), None, body.clone())
            .await;
        let none = api
            .send(
                Method::POST,
                &format!("/no-such-org/api/v1{path}"),
                None,
                body,
            )
            .await;
        assert_eq!(
            (real.status, &real.body),
            (none.status, &none.body),
            "{path}"
        );
        assert_eq!(
            real.status,
            StatusCode::UNAUTHORIZED,
            "{path}: {}",
            real.body
        );
    }
    let real = api
        .send(Method::GET, &org.url("/branding"), None, None)
        .await;
    let none = api
        .send(Method::GET, "/no-such-org/api/v1/branding", None, None)
        .await;
    assert_eq!((real.status, &real.body), (none.status, &none.body));
    assert_eq!(real.status, StatusCode::OK);

    // An id from another org is "not found", not an empty answer.
    let (client_user, _) = api
        .add_user(&org.prefix, &org.admin, "client-user", "password_user")
        .await;
    let msp = api.login("", "admin", ADMIN_PASSWORD).await;
    for method in [Method::GET, Method::DELETE] {
        let r = api
            .send(
                method.clone(),
                &format!("/api/v1/users/{client_user}/sessions"),
                Some(&msp),
                None,
            )
            .await;
        assert_error(r.status, &r.body, StatusCode::NOT_FOUND);
    }
    stack.stop().await.unwrap();
}

/// An administrator cannot make a colleague's passwords their own alone: taking a user's
/// resources for oneself, directly or by deleting the user, waits for a second administrator
/// of the org; and the vault itself makes nobody an owner who is not an active user there.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn taking_ownership_for_oneself_needs_a_second_administrator() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let org = Org::create(&api, "owners").await;
    let users = api.get(&org.url("/users"), Some(&org.admin)).await.1;
    let root_id = users["users"][0]["id"].as_str().unwrap().to_owned();
    // The second administrator is added by the account manager, not by root: one root
    // added could not approve root's requests.
    let msp = api.login("", "admin", ADMIN_PASSWORD).await;
    let (second_id, second_pw) = api
        .add_user(&org.prefix, &msp, "second", "administrator")
        .await;
    let second = api.login(&org.prefix, "second", &second_pw).await;
    let mut owners = Vec::new();
    for name in ["alice", "bob"] {
        let (id, pw) = api
            .add_user(&org.prefix, &org.admin, name, "password_user")
            .await;
        let token = api.login(&org.prefix, name, &pw).await;
        let account = api
            .store_password(&org.prefix, &token, &format!("{name}-box"), "root", name)
            .await;
        owners.push((id, token, org.url(&format!("/accounts/{account}/password"))));
    }
    let [(alice_id, alice, alice_pw), (bob_id, bob, bob_pw)] = owners.try_into().unwrap();
    let reveals = |token: &str, url: &str| {
        let (token, url) = (token.to_owned(), url.to_owned());
        let api = &api;
        async move { api.get(&url, Some(&token)).await.0 == StatusCode::OK }
    };

    // Deleting Alice and naming oneself only asks; nothing moves and Alice stays.
    let alice_url = org.url(&format!("/users/{alice_id}"));
    let (s, pending) = api
        .delete(
            &format!("{alice_url}?transfer_to={root_id}"),
            Some(&org.admin),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{pending}");
    assert_eq!(pending["status"], "pending");
    assert_eq!(pending["delete_user"], true);
    assert_eq!(pending["to_username"], "root");
    assert!(reveals(&alice, &alice_pw).await, "Alice still owns it");
    assert!(!reveals(&org.admin, &alice_pw).await, "root does not, yet");
    assert_eq!(
        api.get(&alice_url, Some(&org.admin)).await.0,
        StatusCode::OK
    );
    // Asking again, or directly, while it waits: one request at a time.
    let (s, b) = api
        .post(
            &format!("{alice_url}/ownership"),
            Some(&org.admin),
            json!({"to_user_id": root_id}),
        )
        .await;
    assert_error(s, &b, StatusCode::CONFLICT);

    // Whoever asked cannot approve; nor can an MSP administrator working in the org, nor a
    // user manager who is not an administrator.
    let transfer = org.url(&format!(
        "/ownership-transfers/{}",
        pending["id"].as_str().unwrap()
    ));
    let (s, b) = api
        .post(&format!("{transfer}/approve"), Some(&org.admin), json!({}))
        .await;
    assert_error(s, &b, StatusCode::FORBIDDEN);
    assert!(
        b["message"]
            .as_str()
            .unwrap()
            .contains("second administrator"),
        "{b}"
    );
    let (s, b) = api
        .post(&format!("{transfer}/approve"), Some(&msp), json!({}))
        .await;
    assert_error(s, &b, StatusCode::FORBIDDEN);
    let (s, b) = api
        .post(&format!("{transfer}/approve"), Some(&alice), json!({}))
        .await;
    assert_error(s, &b, StatusCode::FORBIDDEN);
    assert!(reveals(&alice, &alice_pw).await, "nothing moved");

    // A second administrator approves: the resources move, then Alice goes.
    let (s, done) = api
        .post(&format!("{transfer}/approve"), Some(&second), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{done}");
    assert_eq!(done["status"], "done");
    assert_eq!(done["resources"], 1);
    assert_eq!(done["decided_by"], "second");
    assert!(reveals(&org.admin, &alice_pw).await, "root owns it now");
    let (s, b) = api.get(&alice_url, Some(&org.admin)).await;
    assert_error(s, &b, StatusCode::NOT_FOUND);
    let (s, b) = api
        .post(&format!("{transfer}/approve"), Some(&second), json!({}))
        .await;
    assert_error(s, &b, StatusCode::CONFLICT);

    // Taking Bob's directly: pending; the second administrator rejects, nothing moves.
    let bob_url = org.url(&format!("/users/{bob_id}/ownership"));
    let (s, pending) = api
        .post(&bob_url, Some(&org.admin), json!({"to_user_id": root_id}))
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{pending}");
    assert_eq!(pending["delete_user"], false);
    let transfer = org.url(&format!(
        "/ownership-transfers/{}",
        pending["id"].as_str().unwrap()
    ));
    let (s, rejected) = api
        .post(&format!("{transfer}/reject"), Some(&second), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{rejected}");
    assert_eq!(rejected["status"], "rejected");
    assert!(reveals(&bob, &bob_pw).await && !reveals(&org.admin, &bob_pw).await);

    // Handing Bob's to someone else is done at once, and only to an active user of the org.
    for to in [bob_id.clone(), uuid::Uuid::new_v4().to_string(), "x".into()] {
        let (s, b) = api
            .post(&bob_url, Some(&org.admin), json!({"to_user_id": to}))
            .await;
        assert_error(s, &b, StatusCode::BAD_REQUEST);
    }
    let (s, done) = api
        .post(&bob_url, Some(&org.admin), json!({"to_user_id": second_id}))
        .await;
    assert_eq!(s, StatusCode::OK, "{done}");
    assert_eq!(
        (done["status"].as_str(), done["resources"].as_u64()),
        (Some("done"), Some(1))
    );
    assert!(reveals(&second, &bob_pw).await && !reveals(&bob, &bob_pw).await);

    // The list shows each request and its decision; the trail, old and new owner.
    let (s, list) = api
        .get(&org.url("/ownership-transfers"), Some(&second))
        .await;
    assert_eq!(s, StatusCode::OK, "{list}");
    let statuses: Vec<_> = list["transfers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses.len(), 3, "{list}");
    assert!(
        ["done", "rejected"].iter().all(|s| statuses.contains(s)),
        "{list}"
    );
    let events = crate::api::audit_operations(
        &api,
        &org,
        &[
            "user.ownership_transfer_requested",
            "user.ownership_transfer_approved",
            "user.ownership_transfer_rejected",
            "user.ownership_transferred",
            "user.deleted",
            "resource.owner_changed",
        ],
    )
    .await;
    let approved = events
        .iter()
        .find(|e| e["operation"] == "user.ownership_transfer_approved")
        .unwrap();
    assert_eq!(approved["actor"]["username"], "second", "{approved}");
    assert_eq!(approved["details"]["from"], "alice", "{approved}");
    assert_eq!(approved["details"]["to"], "root", "{approved}");
    assert_eq!(approved["details"]["requested_by"], "root", "{approved}");

    // Identity's own certificate cannot make a stranger an owner: the vault makes nobody an
    // owner without identity's signed statement that they are an active user of the org.
    let identity = crate::trust::tls_of(&stack, strongroom_trust::Service::Identity);
    let mut vault = strongroom_proto::vault::vault_client::VaultClient::new(crate::trust::channel(
        &stack,
        &identity,
        strongroom_trust::Service::Vault,
    ));
    for to in [uuid::Uuid::new_v4().to_string(), second_id.clone()] {
        let request = crate::api::with_token(
            strongroom_proto::vault::TransferOwnershipRequest {
                from_user_id: second_id.clone(),
                to_user_id: to.clone(),
                heir_statement: String::new(),
            },
            &org.admin,
        );
        let status = vault.transfer_ownership(request).await.unwrap_err();
        assert_eq!(
            status.code(),
            tonic::Code::InvalidArgument,
            "to {to}: {status:?}"
        );
    }
    assert!(
        reveals(&second, &bob_pw).await,
        "still the second administrator's"
    );

    // Approved and rejected at the same moment: one decision wins, and the resources are
    // where it says (never moved under a "rejected" transfer).
    for round in 0..4 {
        let name = format!("carol{round}");
        let (id, pw) = api
            .add_user(&org.prefix, &org.admin, &name, "password_user")
            .await;
        let token = api.login(&org.prefix, &name, &pw).await;
        let account = api
            .store_password(&org.prefix, &token, &format!("{name}-box"), "root", &name)
            .await;
        let url = org.url(&format!("/accounts/{account}/password"));
        let (s, pending) = api
            .post(
                &org.url(&format!("/users/{id}/ownership")),
                Some(&org.admin),
                json!({"to_user_id": root_id}),
            )
            .await;
        assert_eq!(s, StatusCode::ACCEPTED, "{pending}");
        let transfer = org.url(&format!(
            "/ownership-transfers/{}",
            pending["id"].as_str().unwrap()
        ));
        let decide = |verdict: &'static str| {
            let (api, second, path) = (&api, second.clone(), format!("{transfer}/{verdict}"));
            async move { api.post(&path, Some(&second), json!({})).await }
        };
        let ((a, approved), (r, rejected)) = tokio::join!(decide("approve"), decide("reject"));
        let (_, list) = api
            .get(&org.url("/ownership-transfers"), Some(&second))
            .await;
        let status = list["transfers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == pending["id"])
            .map(|t| t["status"].as_str().unwrap().to_owned())
            .unwrap();
        let (carol_has, root_has) = (reveals(&token, &url).await, reveals(&org.admin, &url).await);
        println!("round {round}: approve {a}, reject {r}: {status}");
        match status.as_str() {
            "done" => {
                assert_eq!(a, StatusCode::OK, "{approved}");
                assert_error(r, &rejected, StatusCode::CONFLICT);
                assert!(
                    root_has && !carol_has,
                    "round {round}: done, so root owns it"
                );
            }
            "rejected" => {
                assert_eq!(r, StatusCode::OK, "{rejected}");
                assert_error(a, &approved, StatusCode::CONFLICT);
                assert!(
                    carol_has && !root_has,
                    "round {round}: rejected, so nothing moved"
                );
            }
            other => panic!("round {round}: the transfer is {other}"),
        }
    }

    // The puppet user: root adds one with a password root chose and hands it Dave's
    // resources. It only asks, and keeps asking once root has signed in as the puppet
    // (root added them lately).
    let (dave_id, dave_pw) = api
        .add_user(&org.prefix, &msp, "dave", "password_user")
        .await;
    let dave = api.login(&org.prefix, "dave", &dave_pw).await;
    let dave_box = org.url(&format!(
        "/accounts/{}/password",
        api.store_password(&org.prefix, &dave, "dave-box", "root", "dave")
            .await
    ));
    let (s, b) = api
        .post(
            &org.url("/users"),
            Some(&org.admin),
            json!({"username": "puppet", "email": "puppet@example.test",
                   "role": "password_user", "password": "Chosen-by-root-1!"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let puppet_id = b["id"].as_str().unwrap().to_owned();
    let dave_to = |to: &str| {
        let (api, admin) = (&api, org.admin.clone());
        let (path, body) = (
            org.url(&format!("/users/{dave_id}/ownership")),
            json!({ "to_user_id": to }),
        );
        async move { api.post(&path, Some(&admin), body).await }
    };
    let (s, held) = dave_to(&puppet_id).await;
    assert_eq!(s, StatusCode::ACCEPTED, "never signed in: {held}");
    let reject = |id: &Value| {
        let (api, second) = (&api, second.clone());
        let path = org.url(&format!(
            "/ownership-transfers/{}/reject",
            id.as_str().unwrap()
        ));
        async move {
            let (s, b) = api.post(&path, Some(&second), json!({})).await;
            assert_eq!(s, StatusCode::OK, "{b}");
        }
    };
    reject(&held["id"]).await;
    let puppet_pw = api
        .first_login(
            &org.prefix,
            "puppet",
            "Chosen-by-root-1!",
            "Roots-puppet-1!",
        )
        .await;
    let puppet = api.login(&org.prefix, "puppet", &puppet_pw).await;
    let (s, held) = dave_to(&puppet_id).await;
    assert_eq!(s, StatusCode::ACCEPTED, "added by root lately: {held}");
    assert!(!reveals(&puppet, &dave_box).await, "nothing moved");

    // The puppet approver: an administrator root added cannot approve root's request, nor
    // can one who became an administrator after it was made.
    let (_, yes_pw) = api
        .add_user(&org.prefix, &org.admin, "yesman", "administrator")
        .await;
    let yesman = api.login(&org.prefix, "yesman", &yes_pw).await;
    let (_, late_pw) = api
        .add_user(&org.prefix, &msp, "late", "administrator")
        .await;
    let late = api.login(&org.prefix, "late", &late_pw).await;
    let approve = org.url(&format!(
        "/ownership-transfers/{}/approve",
        held["id"].as_str().unwrap()
    ));
    for (token, reason) in [(&yesman, "added by the requester"), (&late, "before")] {
        let (s, b) = api.post(&approve, Some(token), json!({})).await;
        assert_error(s, &b, StatusCode::FORBIDDEN);
        assert!(b["message"].as_str().unwrap().contains(reason), "{b}");
    }
    assert!(!reveals(&puppet, &dave_box).await, "nothing moved");
    reject(&held["id"]).await;

    // A colleague whose password root has just reset counts as possibly root's too. (Erin
    // owns nothing yet, so the reset applies at once.)
    let (erin_id, erin_pw) = api
        .add_user(&org.prefix, &msp, "erin", "password_user")
        .await;
    api.login(&org.prefix, "erin", &erin_pw).await;
    let erin_password = org.url(&format!("/users/{erin_id}/password"));
    let (s, b) = api
        .put(
            &erin_password,
            Some(&org.admin),
            json!({"password": "Reset-by-root-1!"}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    let erin_own = api
        .first_login(
            &org.prefix,
            "erin",
            "Reset-by-root-1!",
            "Erins-own-choice-1!",
        )
        .await;
    let (s, held) = dave_to(&erin_id).await;
    assert_eq!(s, StatusCode::ACCEPTED, "root reset erin lately: {held}");
    reject(&held["id"]).await;
    let (s, done) = api
        .post(
            &org.url(&format!("/users/{dave_id}/ownership")),
            Some(&second),
            json!({ "to_user_id": erin_id }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "second did not reset erin: {done}");

    // Reset and sign in: Erin now owns Dave's box, so root's reset of her password only
    // asks. Her own password still opens her account; root's opens nothing.
    let (s, asked) = api
        .put(
            &erin_password,
            Some(&org.admin),
            json!({"password": "Root-knows-this-1!"}),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{asked}");
    assert_eq!(asked["status"], "pending");
    let r = api
        .try_login(&org.prefix, "erin", "Root-knows-this-1!")
        .await;
    assert_error(r.status, &r.body, StatusCode::UNAUTHORIZED);
    assert!(
        !r.body["message"]
            .as_str()
            .unwrap()
            .contains("change-password"),
        "{}",
        r.body
    );
    let erin = api.login(&org.prefix, "erin", &erin_own).await;
    assert!(reveals(&erin, &dave_box).await);
    let reset = org.url(&format!(
        "/password-resets/{}",
        asked["id"].as_str().unwrap()
    ));
    let (_, latest_pw) = api
        .add_user(&org.prefix, &msp, "latest", "administrator")
        .await;
    let latest = api.login(&org.prefix, "latest", &latest_pw).await;
    for (token, reason) in [
        (&org.admin, "second administrator"),
        (&yesman, "added by the requester"),
        (&latest, "before"),
    ] {
        let (s, b) = api
            .post(&format!("{reset}/approve"), Some(token), json!({}))
            .await;
        assert_error(s, &b, StatusCode::FORBIDDEN);
        assert!(b["message"].as_str().unwrap().contains(reason), "{b}");
    }
    let (s, b) = api.get(&org.url("/password-resets"), Some(&second)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["resets"][0]["status"], "pending", "{b}");
    assert_eq!(b["resets"][0]["username"], "erin", "{b}");
    // The second administrator approves: it applies, once, and ends Erin's sessions.
    let (s, b) = api
        .post(&format!("{reset}/approve"), Some(&second), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["status"], "done");
    api.until_refused(
        &org.url("/sessions"),
        &erin,
        std::time::Duration::from_secs(2),
    )
    .await;
    let r = api
        .try_login(&org.prefix, "erin", "Root-knows-this-1!")
        .await;
    assert_error(r.status, &r.body, StatusCode::UNAUTHORIZED);
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .contains("change-password"),
        "a one-time password: {}",
        r.body
    );
    stack.stop().await.unwrap();
}

/// The client org's say: at its own URL its administrators see who from the MSP reaches
/// it and what they did, and decide what MSP staff may do there. MSP staff see each
/// restriction as a 403 naming the org's setting, and nothing changes.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_client_org_sees_and_limits_what_msp_staff_do_in_it() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let org = Org::create(&api, "acme").await;
    let login = api.login_reply("", "admin", ADMIN_PASSWORD).await;
    let msp = login["token"].as_str().unwrap().to_owned();
    let msp_id = login["user_id"].as_str().unwrap().to_owned();
    let (alice_id, alice_pw) = api
        .add_user(&org.prefix, &org.admin, "alice", "password_user")
        .await;
    let alice = api.login(&org.prefix, "alice", &alice_pw).await;
    let (bob_id, bob_pw) = api
        .add_user(&org.prefix, &org.admin, "bob", "password_user")
        .await;
    let rights = org.url("/settings/msp-staff");

    // The defaults: everything but taking ownership; MSP staff may read them, not change them.
    for token in [&org.admin, &msp] {
        let (s, b) = api.get(&rights, Some(token)).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        assert_eq!(
            b,
            json!({"reset_passwords": true, "take_ownership": false, "view_audit": true,
                   "manage_users": true, "manage_directory_and_login": true,
                   "updated_at": null})
        );
    }
    let none = json!({"reset_passwords": false, "take_ownership": false, "view_audit": false,
                      "manage_users": false, "manage_directory_and_login": false});
    let (s, b) = api.put(&rights, Some(&msp), none.clone()).await;
    assert_error(s, &b, StatusCode::FORBIDDEN);
    let (s, b) = api
        .post(
            &org.url(&format!("/users/{alice_id}/ownership")),
            Some(&msp),
            json!({"to_user_id": bob_id}),
        )
        .await;
    assert_error(s, &b, StatusCode::FORBIDDEN);
    assert!(
        b["message"]
            .as_str()
            .unwrap()
            .contains("msp_staff.take_ownership"),
        "{b}"
    );

    // The org's administrator turns the rest off: each is refused, naming the setting.
    let (s, b) = api.put(&rights, Some(&org.admin), none.clone()).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert!(b["updated_at"].is_string(), "{b}");
    let bob_url = org.url(&format!("/users/{bob_id}"));
    let refused = [
        (
            Method::PUT,
            format!("{bob_url}/password"),
            Some(json!({"password": "Msp-Chosen-1!x"})),
            "reset_passwords",
        ),
        (Method::GET, org.url("/audit"), None, "view_audit"),
        (
            Method::PATCH,
            bob_url.clone(),
            Some(json!({"role": "administrator"})),
            "manage_users",
        ),
        (
            Method::POST,
            org.url("/users"),
            Some(json!({"username": "mole", "email": "mole@example.test",
                        "role": "password_user", "password": "Mole-Password-1!"})),
            "manage_users",
        ),
        (Method::DELETE, bob_url.clone(), None, "manage_users"),
    ];
    for (method, path, body, setting) in refused {
        let (s, b) = api.call(method.clone(), &path, Some(&msp), body).await;
        assert_error(s, &b, StatusCode::FORBIDDEN);
        assert!(
            b["message"]
                .as_str()
                .unwrap()
                .contains(&format!("msp_staff.{setting}")),
            "{method} {path}: {b}"
        );
    }
    // Every state-changing route of identity and tenant at the org's URL, walked as the
    // account manager with every right off: each refused naming a setting, nothing changed.
    msp_staff_walk(&api, &org, &msp, &bob_id, &bob_pw).await;

    // Nothing changed: bob signs in with his own password, as a password user; no mole.
    let bob = api.login_reply(&org.prefix, "bob", &bob_pw).await;
    assert_eq!(bob["role"], "password_user", "{bob}");
    let (_, users) = api.get(&org.url("/users?q=mole"), Some(&org.admin)).await;
    assert_eq!(users["users"], json!([]));
    // The org's own administrator is not limited.
    let (s, b) = api.get(&org.url("/audit"), Some(&org.admin)).await;
    assert_eq!(s, StatusCode::OK, "{b}");

    // Turned back on, the MSP administrator may reset a password again.
    let mut back = none.clone();
    back["reset_passwords"] = json!(true);
    let (s, b) = api.put(&rights, Some(&org.admin), back).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = api
        .put(
            &format!("{bob_url}/password"),
            Some(&msp),
            json!({"password": "Msp-Chosen-1!x"}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");

    // The org sees who from the MSP reaches it, and what they did there.
    let (s, access) = api.get(&org.url("/msp-access"), Some(&org.admin)).await;
    assert_eq!(s, StatusCode::OK, "{access}");
    assert_eq!(access["account_manager"]["username"], "admin", "{access}");
    assert_eq!(access["account_manager"]["level"], "account_manager");
    assert_eq!(access["granted_users"], json!([]));
    let actions = access["account_manager"]["actions"].as_str().unwrap();
    let done = strongroom_testkit::wait_until(std::time::Duration::from_secs(20), || async {
        let (s, b) = api
            .get(&format!("{}{actions}", org.prefix), Some(&org.admin))
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let events = b["events"].as_array().unwrap().clone();
        events
            .iter()
            .any(|e| e["operation"] == "user.password_reset")
            .then_some(events)
    })
    .await
    .unwrap();
    assert!(
        done.iter()
            .all(|e| e["actor"]["user_id"] == msp_id.as_str()),
        "only the MSP administrator's actions: {done:?}"
    );
    // A user who may not view users does not see it.
    let (s, b) = api.get(&org.url("/msp-access"), Some(&alice)).await;
    assert_error(s, &b, StatusCode::FORBIDDEN);

    // Both trails record the change of rights.
    audit_operations(&api, &org, &["settings.msp_staff_updated"]).await;
    strongroom_testkit::wait_until(std::time::Duration::from_secs(20), || async {
        let (_, b) = api.get("/api/v1/audit", Some(&msp)).await;
        b["events"]
            .as_array()?
            .iter()
            .any(|e| e["operation"] == "org.msp_staff_rights_changed")
            .then_some(())
    })
    .await
    .expect("org.msp_staff_rights_changed in MSPOrg's trail");
    stack.stop().await.unwrap();
}

/// Walks every state-changing identity and tenant route of the OpenAPI document at a
/// client org's URL as MSP staff (`msp`) whose every right the org turned off: each is
/// refused with a 403 naming an `msp_staff.*` setting, and what the org's administrator
/// reads afterwards is what they read before.
async fn msp_staff_walk(api: &Api<'_>, org: &Org, msp: &str, bob_id: &str, bob_pw: &str) {
    // Things to aim at: a group, a custom role, one of Bob's sessions and API keys.
    let (s, group) = api
        .post(
            &org.url("/groups"),
            Some(&org.admin),
            json!({"name": "dbas"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{group}");
    let group = group["id"].as_str().unwrap().to_owned();
    let (s, b) = api
        .post(
            &org.url("/roles"),
            Some(&org.admin),
            json!({"name": "viewer", "permissions": ["users.view"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let bob = api.login(&org.prefix, "bob", bob_pw).await;
    let (_, sessions) = api.get(&org.url("/sessions"), Some(&bob)).await;
    let session = sessions["sessions"][0]["id"].as_str().unwrap().to_owned();
    let (s, key) = api
        .post(&org.url("/api-keys"), Some(&bob), json!({"name": "bobs"}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{key}");
    let key_id = key["id"].as_str().unwrap().to_owned();

    let routes: Vec<(&str, &str, Option<Value>)> = vec![
        (
            "post",
            "/users",
            Some(json!({"username": "mole", "email": "mole@example.test",
            "role": "administrator", "password": "Mole-Password-1!"})),
        ),
        (
            "post",
            "/users/import",
            Some(json!({"csv": "username,email\nmole,m@example.test\n"})),
        ),
        (
            "patch",
            "/users/{id}",
            Some(json!({"role": "administrator"})),
        ),
        ("delete", "/users/{id}", None),
        (
            "put",
            "/users/{id}/password",
            Some(json!({"password": "Msp-Chosen-1!x"})),
        ),
        (
            "post",
            "/users/{id}/ownership",
            Some(json!({"to_user_id": bob_id})),
        ),
        ("delete", "/users/{id}/sessions", None),
        ("post", "/users/{id}/unlock", None),
        ("post", "/groups", Some(json!({"name": "moles"}))),
        ("patch", "/groups/{id}", Some(json!({"name": "moles"}))),
        ("delete", "/groups/{id}", None),
        ("put", "/groups/{id}/members/{user_id}", Some(json!({}))),
        ("delete", "/groups/{id}/members/{user_id}", None),
        (
            "post",
            "/roles",
            Some(json!({"name": "mole", "permissions": ["users.view"]})),
        ),
        (
            "put",
            "/roles/{name}",
            Some(json!({"name": "viewer", "permissions": ["users.manage"]})),
        ),
        ("delete", "/roles/{name}", None),
        (
            "put",
            "/directory",
            Some(json!({"kind": "ldap", "url": "ldaps://ldap.mole.test",
            "bind_dn": "cn=mole", "bind_password": "mole", "base_dn": "dc=mole,dc=test",
            "allow_insecure": true})),
        ),
        ("post", "/directory/test", Some(json!({}))),
        (
            "post",
            "/directory/import",
            Some(json!({"scopes": ["ou:moles"]})),
        ),
        (
            "put",
            "/settings/login",
            Some(crate::api::login_settings("administrator")),
        ),
        (
            "put",
            "/settings/mail",
            Some(json!({"host": "smtp.mole.test", "port": 587,
            "sender": "m@mole.test", "access_url": "https://mole.test/",
            "tls_mode": "starttls"})),
        ),
        (
            "put",
            "/settings/proxy",
            Some(json!({"enabled": true, "host": "proxy.mole.test",
            "port": 3128})),
        ),
        (
            "put",
            "/settings/branding",
            Some(json!({"login_text": "moles welcome"})),
        ),
        (
            "put",
            "/settings/ticketing",
            Some(json!({"enabled": false, "url": "https://tickets.mole.test/{ticket_id}"})),
        ),
        (
            "post",
            "/settings/ticketing/check",
            Some(json!({"ticket_id": "MOLE-1"})),
        ),
        (
            "put",
            "/settings/msp-staff",
            Some(json!({"reset_passwords": true,
            "take_ownership": true, "view_audit": true, "manage_users": true,
            "manage_directory_and_login": true})),
        ),
        ("delete", "/api-keys/{id}", None),
        ("delete", "/sessions/{id}", None),
    ];
    // The walk covers every such route the document lists (bar one's own credentials and
    // decisions only the org's own administrators make).
    let (_, doc) = api.get("/api/v1/openapi.json", None).await;
    let own = [
        ("post", "/api-keys"),
        ("post", "/ownership-transfers/{id}/approve"),
        ("post", "/ownership-transfers/{id}/reject"),
        ("post", "/password-resets/{id}/approve"),
        ("post", "/password-resets/{id}/reject"),
    ];
    let tags = [
        "users",
        "groups",
        "roles",
        "directory",
        "settings",
        "api-keys",
    ];
    for (path, ops) in doc["paths"].as_object().unwrap() {
        let path = path.trim_start_matches("/api/v1");
        for (method, op) in ops.as_object().unwrap() {
            let changes = ["post", "put", "patch", "delete"].contains(&method.as_str());
            let tagged = op["tags"]
                .as_array()
                .is_some_and(|t| t.iter().any(|t| tags.contains(&t.as_str().unwrap())));
            let session = path == "/sessions/{id}";
            if !changes || !(tagged || session) || own.contains(&(method.as_str(), path)) {
                continue;
            }
            assert!(
                routes.iter().any(|(m, p, _)| *m == method && *p == path),
                "the walk misses {method} {path}"
            );
        }
    }

    let read = || async {
        let mut seen = Vec::new();
        for path in [
            "/users",
            "/groups",
            "/roles",
            "/directory",
            "/settings/login",
            "/settings/mail",
            "/settings/proxy",
            "/settings/branding",
            "/settings/msp-staff",
            "/settings/ticketing",
        ] {
            seen.push(api.get(&org.url(path), Some(&org.admin)).await);
        }
        seen
    };
    let before = read().await;
    for (method, template, body) in &routes {
        let path = template
            .replace("/users/{id}", &format!("/users/{bob_id}"))
            .replace("/groups/{id}", &format!("/groups/{group}"))
            .replace("{user_id}", bob_id)
            .replace("{name}", "viewer")
            .replace("/api-keys/{id}", &format!("/api-keys/{key_id}"))
            .replace("/sessions/{id}", &format!("/sessions/{session}"));
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let (s, b) = api
            .call(method.clone(), &org.url(&path), Some(msp), body.clone())
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{method} {path}: {b}");
        let message = b["message"].as_str().unwrap();
        assert!(
            message.contains("msp_staff") || message.contains("administrators"),
            "{method} {path}: {b}"
        );
    }
    assert_eq!(read().await, before, "MSP staff changed something");
    // Bob's session and API key still work.
    let (s, b) = api.get(&org.url("/sessions"), Some(&bob)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = api
        .post(
            &org.url("/auth/login"),
            None,
            json!({"username": "bob", "password": bob_pw}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
}

/// Every route that takes an id answers 404 for an id of another org, whatever the id
/// names there, and the other org's item is left as it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_id_of_another_org_is_not_found() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let acme = Org::create(&api, "acme").await;
    let beta = Org::create(&api, "beta").await;

    // Beta's things: a user with a session, key, resource and account, a group, a custom
    // role and a pending transfer of ownership.
    let (user, pw) = api
        .add_user(&beta.prefix, &beta.admin, "bo", "password_user")
        .await;
    let login = api.login_reply(&beta.prefix, "bo", &pw).await;
    let bo = login["token"].as_str().unwrap().to_owned();
    let session = login["session_id"].as_str().unwrap().to_owned();
    let (s, key) = api
        .post(&beta.url("/api-keys"), Some(&bo), json!({"name": "ci"}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{key}");
    let key = key["id"].as_str().unwrap().to_owned();
    let account = api
        .store_password(&beta.prefix, &bo, "beta-box", "root", "beta-only")
        .await;
    let (s, group) = api
        .post(
            &beta.url("/groups"),
            Some(&beta.admin),
            json!({"name": "ops"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{group}");
    let group = group["id"].as_str().unwrap().to_owned();
    let (s, b) = api
        .post(
            &beta.url("/roles"),
            Some(&beta.admin),
            json!({"name": "beta-role", "permissions": ["users.view"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let root_id = api
        .get(&beta.url("/users?q=root"), Some(&beta.admin))
        .await
        .1["users"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (s, transfer) = api
        .post(
            &beta.url(&format!("/users/{user}/ownership")),
            Some(&beta.admin),
            json!({"to_user_id": root_id}),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{transfer}");
    let transfer = transfer["id"].as_str().unwrap().to_owned();
    let events = audit_operations(&api, &beta, &["resource.created"]).await;
    let resource = events
        .iter()
        .find(|e| e["operation"] == "resource.created")
        .map(|e| e["target"]["id"].as_str().unwrap().to_owned())
        .unwrap();

    // Acme's administrator names each of them at acme's URL.
    let u = |path: &str| acme.url(path);
    let routes = vec![
        (Method::GET, u(&format!("/users/{user}")), None),
        (
            Method::PATCH,
            u(&format!("/users/{user}")),
            Some(json!({"full_name": "x"})),
        ),
        (Method::DELETE, u(&format!("/users/{user}")), None),
        (
            Method::PUT,
            u(&format!("/users/{user}/password")),
            Some(json!({"password": "Other-Org-Pw-1!"})),
        ),
        (
            Method::POST,
            u(&format!("/users/{user}/unlock")),
            Some(json!({})),
        ),
        (Method::GET, u(&format!("/users/{user}/groups")), None),
        (Method::GET, u(&format!("/users/{user}/sessions")), None),
        (Method::DELETE, u(&format!("/users/{user}/sessions")), None),
        (
            Method::POST,
            u(&format!("/users/{user}/ownership")),
            Some(json!({"to_user_id": root_id})),
        ),
        (Method::DELETE, u(&format!("/sessions/{session}")), None),
        (Method::DELETE, u(&format!("/api-keys/{key}")), None),
        (
            Method::PATCH,
            u(&format!("/groups/{group}")),
            Some(json!({"name": "x"})),
        ),
        (Method::DELETE, u(&format!("/groups/{group}")), None),
        (Method::GET, u(&format!("/groups/{group}/members")), None),
        (
            Method::PUT,
            u(&format!("/groups/{group}/members/{user}")),
            Some(json!({})),
        ),
        (
            Method::DELETE,
            u(&format!("/groups/{group}/members/{user}")),
            None,
        ),
        (
            Method::PUT,
            u("/roles/beta-role"),
            Some(json!({"name": "beta-role", "permissions": ["users.view"]})),
        ),
        (Method::DELETE, u("/roles/beta-role"), None),
        (
            Method::GET,
            u(&format!("/accounts/{account}/password")),
            None,
        ),
        (
            Method::POST,
            u(&format!("/ownership-transfers/{transfer}/approve")),
            Some(json!({})),
        ),
        (
            Method::POST,
            u(&format!("/ownership-transfers/{transfer}/reject")),
            Some(json!({})),
        ),
        (
            Method::POST,
            u(&format!("/resources/{resource}/accounts")),
            Some(json!({"username": "x", "password": "y"})),
        ),
    ];
    let mut wrong = Vec::new();
    for (method, path, body) in routes {
        let (s, b) = api
            .call(method.clone(), &path, Some(&acme.admin), body)
            .await;
        if s != StatusCode::NOT_FOUND || !b["message"].is_string() {
            wrong.push(format!("{method} {path}: {s} {b}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

    // Beta's things are as they were.
    let (s, b) = api
        .get(
            &beta.url(&format!("/accounts/{account}/password")),
            Some(&bo),
        )
        .await;
    assert_eq!(
        (s, b["password"].as_str()),
        (StatusCode::OK, Some("beta-only"))
    );
    let (s, b) = api.get(&beta.url("/sessions"), Some(&bo)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (_, b) = api
        .get(&beta.url("/ownership-transfers"), Some(&beta.admin))
        .await;
    assert_eq!(b["transfers"][0]["status"], "pending", "{b}");
    let (_, b) = api.get(&beta.url("/roles"), Some(&beta.admin)).await;
    assert!(b.to_string().contains("beta-role"), "{b}");
    stack.stop().await.unwrap();
}
