//! User groups and roles over REST: groups and their members; the built-in roles, and custom
//! roles whose holders can do exactly what their permissions allow.

use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::{Value, json};
use strongroom_core::{Permission, Role, permissions_of};

use crate::api::{Api, Org, assert_error};
use crate::stack::Stack;

fn names<'a>(list: &'a Value, field: &str) -> HashSet<&'a str> {
    list[field]
        .as_array()
        .unwrap_or_else(|| panic!("no {field} in {list}"))
        .iter()
        .map(|v| v["name"].as_str().or(v["username"].as_str()).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn groups_are_created_renamed_filled_emptied_and_removed() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let org = Org::create(&api, "acme").await;
    let admin = Some(org.admin.as_str());
    let (alice, _) = api
        .add_user(&org.prefix, &org.admin, "alice", "password_user")
        .await;
    let (bob, _) = api
        .add_user(&org.prefix, &org.admin, "bob", "password_user")
        .await;

    let (s, dbas) = api
        .post(
            &org.url("/groups"),
            admin,
            json!({"name": "DBAs", "description": "database administrators"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{dbas}");
    assert_eq!(dbas["name"], "DBAs");
    assert_eq!(dbas["description"], "database administrators");
    assert_eq!(dbas["member_count"], 0);
    let dbas_id = dbas["id"].as_str().unwrap().to_owned();
    let (s, b) = api
        .post(&org.url("/groups"), admin, json!({"name": "Network"}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let network_id = b["id"].as_str().unwrap().to_owned();
    // Group names are unique whatever their case; a name is required.
    let (s, b) = api
        .post(&org.url("/groups"), admin, json!({"name": "dbas"}))
        .await;
    assert_error(s, &b, StatusCode::CONFLICT);
    let (s, b) = api
        .post(&org.url("/groups"), admin, json!({"name": "  "}))
        .await;
    assert_error(s, &b, StatusCode::BAD_REQUEST);

    // Renamed; not onto another group's name.
    let group = org.url(&format!("/groups/{dbas_id}"));
    let (s, b) = api
        .patch(&group, admin, json!({"name": "Database admins"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["name"], "Database admins");
    assert_eq!(b["description"], "database administrators");
    let (s, b) = api.patch(&group, admin, json!({"name": "NETWORK"})).await;
    assert_error(s, &b, StatusCode::CONFLICT);
    let (s, b) = api.get(&org.url("/groups"), admin).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(
        names(&b, "groups"),
        HashSet::from(["Database admins", "Network"])
    );

    // Members added and removed; a user's groups listed.
    for (g, u) in [(&dbas_id, &alice), (&dbas_id, &bob), (&network_id, &alice)] {
        let (s, b) = api
            .put(
                &org.url(&format!("/groups/{g}/members/{u}")),
                admin,
                json!({}),
            )
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    }
    let (s, b) = api
        .put(
            &org.url(&format!(
                "/groups/{dbas_id}/members/{}",
                uuid::Uuid::new_v4()
            )),
            admin,
            json!({}),
        )
        .await;
    assert_error(s, &b, StatusCode::NOT_FOUND);
    let members = org.url(&format!("/groups/{dbas_id}/members"));
    let (s, b) = api.get(&members, admin).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(names(&b, "users"), HashSet::from(["alice", "bob"]));
    let (s, b) = api
        .get(&org.url(&format!("/users/{alice}/groups")), admin)
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(
        names(&b, "groups"),
        HashSet::from(["Database admins", "Network"])
    );
    let (s, b) = api
        .delete(&org.url(&format!("/groups/{dbas_id}/members/{bob}")), admin)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    let (_, b) = api.get(&members, admin).await;
    assert_eq!(names(&b, "users"), HashSet::from(["alice"]));
    let (_, b) = api.get(&org.url("/groups"), admin).await;
    let counts: Vec<(String, u64)> = b["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["name"].as_str().unwrap().to_owned(),
                g["member_count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(
        counts.contains(&("Database admins".into(), 1)),
        "{counts:?}"
    );
    assert!(counts.contains(&("Network".into(), 1)), "{counts:?}");

    // Removed: gone from the list and from its members' groups.
    let (s, b) = api.delete(&group, admin).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    let (s, b) = api.delete(&group, admin).await;
    assert_error(s, &b, StatusCode::NOT_FOUND);
    let (_, b) = api
        .get(&org.url(&format!("/users/{alice}/groups")), admin)
        .await;
    assert_eq!(names(&b, "groups"), HashSet::from(["Network"]));
    stack.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_custom_role_grants_exactly_its_permissions() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let org = Org::create(&api, "acme").await;
    let admin = Some(org.admin.as_str());

    // The four built-in roles, with the permissions of the table, and the catalog.
    let (s, b) = api.get(&org.url("/roles"), admin).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    for role in Role::ALL {
        let listed = b["roles"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == role.as_str())
            .unwrap_or_else(|| panic!("{} not listed: {b}", role.as_str()));
        assert_eq!(listed["built_in"], true);
        let perms: HashSet<&str> = listed["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect();
        let expected: HashSet<&str> = permissions_of(role).iter().map(|p| p.as_str()).collect();
        assert_eq!(perms, expected, "{}", role.as_str());
    }
    assert_eq!(b["roles"].as_array().unwrap().len(), 4, "{b}");
    let catalog: HashSet<&str> = names(&b, "permissions");
    let all: HashSet<&str> = Permission::ALL.iter().map(|p| p.as_str()).collect();
    assert_eq!(catalog, all);
    assert!(
        b["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| !p["description"].as_str().unwrap().is_empty())
    );

    // Bad roles are refused with the reason.
    for (body, status) in [
        (
            json!({"name": "viewer", "permissions": ["users.view", "users.fly"]}),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"name": "viewer", "permissions": []}),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"name": "administrator", "permissions": ["users.view"]}),
            StatusCode::BAD_REQUEST,
        ),
        (json!({"name": "viewer"}), StatusCode::BAD_REQUEST),
    ] {
        let (s, b) = api.post(&org.url("/roles"), admin, body.clone()).await;
        assert_error(s, &b, status);
    }
    let (_, b) = api
        .post(
            &org.url("/roles"),
            admin,
            json!({"name": "viewer", "permissions": ["users.fly"]}),
        )
        .await;
    assert!(b["message"].as_str().unwrap().contains("users.fly"), "{b}");

    // A role that may only look at users.
    let (s, b) = api
        .post(
            &org.url("/roles"),
            admin,
            json!({"name": "viewer", "description": "looks, touches nothing",
                   "permissions": ["users.view"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    assert_eq!(b["built_in"], false);
    assert_eq!(b["permissions"], json!(["users.view"]));
    let (s, b) = api
        .post(
            &org.url("/roles"),
            admin,
            json!({"name": "VIEWER", "permissions": ["users.view"]}),
        )
        .await;
    assert_error(s, &b, StatusCode::CONFLICT);
    let (vera_id, vera_pw) = api
        .add_user(&org.prefix, &org.admin, "vera", "viewer")
        .await;
    let login = api.login_reply(&org.prefix, "vera", &vera_pw).await;
    assert_eq!(login["role"], "viewer");
    assert_eq!(login["permissions"], json!(["users.view"]));
    let vera = login["token"].as_str().unwrap().to_owned();
    let (s, b) = api.get(&org.url("/users"), Some(&vera)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    for (path, body) in [
        (
            "/users",
            json!({"username": "x", "email": "x@acme.test", "role": "password_user",
                   "password": "Xx-1234567890!"}),
        ),
        ("/resources", json!({"name": "db", "type": "PostgreSQL"})),
        ("/groups", json!({"name": "g"})),
    ] {
        let (s, b) = api.post(&org.url(path), Some(&vera), body).await;
        assert_error(s, &b, StatusCode::FORBIDDEN);
    }
    let (s, b) = api.get(&org.url("/audit"), Some(&vera)).await;
    assert_error(s, &b, StatusCode::FORBIDDEN);

    // Changed to also add users: her next token carries both, and she can.
    let (s, b) = api
        .put(
            &org.url("/roles/viewer"),
            admin,
            json!({"name": "viewer", "permissions": ["users.view", "users.manage"]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let login = api.login_reply(&org.prefix, "vera", &vera_pw).await;
    let perms: HashSet<&str> = login["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert_eq!(perms, HashSet::from(["users.view", "users.manage"]));
    let vera = login["token"].as_str().unwrap().to_owned();
    // With a role she holds all of; password_user's resources.create she cannot give.
    let (s, b) = api
        .post(
            &org.url("/users"),
            Some(&vera),
            json!({"username": "xavier", "email": "x@acme.test", "role": "viewer",
                   "password": "Xx-1234567890!"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let xavier_id = b["id"].as_str().unwrap().to_owned();
    let (s, b) = api
        .post(
            &org.url("/users"),
            Some(&vera),
            json!({"username": "yann", "email": "y@acme.test", "role": "password_user",
                   "password": "Xx-1234567890!"}),
        )
        .await;
    assert_error(s, &b, StatusCode::FORBIDDEN);
    assert!(
        b["message"].as_str().unwrap().contains("resources.create"),
        "{b}"
    );
    let (s, b) = api
        .put(
            &org.url("/roles/nosuchrole"),
            admin,
            json!({"name": "nosuchrole", "permissions": ["users.view"]}),
        )
        .await;
    assert_error(s, &b, StatusCode::NOT_FOUND);

    // Still held by Vera and Xavier: it cannot go. Once they have another role, it can.
    let (s, b) = api.delete(&org.url("/roles/viewer"), admin).await;
    assert_error(s, &b, StatusCode::CONFLICT);
    let (s, b) = api.get(&org.url("/roles"), admin).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert!(names(&b, "roles").contains("viewer"));
    for id in [&vera_id, &xavier_id] {
        let (s, b) = api
            .patch(
                &org.url(&format!("/users/{id}")),
                admin,
                json!({"role": "password_user"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
    }
    let (s, b) = api.delete(&org.url("/roles/viewer"), admin).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    let (_, b) = api.get(&org.url("/roles"), admin).await;
    assert!(!names(&b, "roles").contains("viewer"), "{b}");
    let (s, b) = api.delete(&org.url("/roles/administrator"), admin).await;
    assert_error(s, &b, StatusCode::BAD_REQUEST);
    stack.stop().await.unwrap();
}
