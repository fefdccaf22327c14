//! Importing users from a CSV file over REST: every row's outcome, all-or-nothing imports,
//! malformed and oversized files, and the audit trail of who came in.

use std::collections::HashMap;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::api::{Api, Org, assert_error, audit_operations};
use crate::stack::Stack;

/// Username → (outcome, reason) of each row of an import's reply.
fn outcomes(reply: &Value) -> HashMap<String, (String, String)> {
    reply["rows"]
        .as_array()
        .unwrap_or_else(|| panic!("no rows in {reply}"))
        .iter()
        .map(|r| {
            (
                format!("{}@{}", r["username"].as_str().unwrap(), r["line"]),
                (
                    r["outcome"].as_str().unwrap().to_owned(),
                    r["reason"].as_str().unwrap_or("").to_owned(),
                ),
            )
        })
        .collect()
}

async fn user_named(api: &Api<'_>, org: &Org, username: &str) -> Option<Value> {
    let (s, b) = api
        .get(&org.url(&format!("/users?q={username}")), Some(&org.admin))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    b["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| {
            u["username"]
                .as_str()
                .unwrap()
                .eq_ignore_ascii_case(username)
        })
        .cloned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_csv_import_reports_every_row_and_is_audited() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let org = Org::create(&api, "acme").await;
    let import = org.url("/users/import");
    api.add_user(&org.prefix, &org.admin, "alice", "password_user")
        .await;

    let csv = "username,full_name,email,department,location,role\n\
               carol,Carol Danvers,carol@acme.test,Operations,Paris,password_administrator\n\
               ALICE,Alice Again,alice2@acme.test,,,\n\
               dave,Dave,not-an-email,,,\n\
               Carol,Carol Twice,carol2@acme.test,,,\n\
               erin,Erin,erin@acme.test,,,superuser\n\
               frank,\"Frank, Jr.\",frank@acme.test,,,\n";
    let (s, b) = api
        .post(&import, Some(&org.admin), json!({"csv": csv}))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(
        (
            &b["created"],
            &b["skipped"],
            &b["rejected"],
            &b["rolled_back"]
        ),
        (&json!(2), &json!(1), &json!(3), &json!(false)),
        "{b}"
    );
    let rows = outcomes(&b);
    assert_eq!(rows.len(), 6, "{b}");
    let expect = |key: &str, outcome: &str, reason: &str| {
        let (o, r) = rows
            .get(key)
            .unwrap_or_else(|| panic!("no row {key} in {b}"));
        assert_eq!(o, outcome, "{key}: {b}");
        assert!(r.contains(reason), "{key}: reason {r:?} lacks {reason:?}");
    };
    expect("carol@2", "created", "");
    expect("ALICE@3", "skipped", "already exists");
    expect("dave@4", "rejected", "email");
    expect("Carol@5", "rejected", "line 2");
    expect("erin@6", "rejected", "role");
    expect("frank@7", "created", "");

    // The imported users are there, with their fields, marked as imported.
    let carol = user_named(&api, &org, "carol").await.expect("carol");
    assert_eq!(carol["full_name"], "Carol Danvers");
    assert_eq!(carol["department"], "Operations");
    assert_eq!(carol["location"], "Paris");
    assert_eq!(carol["role"], "password_administrator");
    assert_eq!(carol["source"], "csv");
    let frank = user_named(&api, &org, "frank").await.expect("frank");
    assert_eq!(frank["full_name"], "Frank, Jr.");
    assert_eq!(frank["role"], "password_user", "the default role");
    for absent in ["dave", "erin"] {
        assert!(user_named(&api, &org, absent).await.is_none(), "{absent}");
    }
    let alice = user_named(&api, &org, "alice").await.unwrap();
    assert_eq!(
        alice["email"], "alice@example.test",
        "a skipped row changes nothing"
    );
    // They sign in once an administrator gives them a password.
    let r = api.try_login(&org.prefix, "carol", "").await;
    assert_error(r.status, &r.body, StatusCode::UNAUTHORIZED);
    let (s, b) = api
        .put(
            &org.url(&format!(
                "/users/{}/password",
                carol["id"].as_str().unwrap()
            )),
            Some(&org.admin),
            json!({"password": "Carol-password-1!"}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    // That password works once: to choose her own.
    let r = api
        .try_login(&org.prefix, "carol", "Carol-password-1!")
        .await;
    assert_error(r.status, &r.body, StatusCode::UNAUTHORIZED);
    let (s, b) = api
        .post(
            &org.url("/auth/change-password"),
            None,
            json!({"username": "carol", "current_password": "Carol-password-1!",
                   "new_password": "Carols-own-password-2!"}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    api.login(&org.prefix, "carol", "Carols-own-password-2!")
        .await;

    // Each imported user is in the audit trail, with where they came from.
    let events = audit_operations(&api, &org, &["user.imported"]).await;
    let imported: Vec<&Value> = events
        .iter()
        .filter(|e| e["operation"] == "user.imported")
        .collect();
    let mut names: Vec<&str> = imported
        .iter()
        .map(|e| e["target"]["name"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["carol", "frank"], "{imported:?}");
    for e in imported {
        assert_eq!(e["details"]["source"], "csv", "{e}");
        assert_eq!(e["actor"]["username"], "root", "{e}");
    }
    stack.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn all_or_nothing_malformed_and_oversized_imports_change_nothing() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let org = Org::create(&api, "acme").await;
    let import = org.url("/users/import");
    let admin = Some(org.admin.as_str());

    // Sent as the file itself; one bad row and nobody comes in.
    let csv = "username,email\ngina,gina@acme.test\nhank,hank-at-acme\nivan,ivan@acme.test\n";
    let (s, b) = api
        .post_raw(
            &format!("{import}?all_or_nothing=true"),
            admin,
            "text/csv; charset=utf-8",
            csv,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["rolled_back"], true, "{b}");
    assert_eq!(b["created"], 0, "{b}");
    assert_eq!(b["rejected"], 1, "{b}");
    let rows = outcomes(&b);
    assert_eq!(rows["hank@3"].0, "rejected");
    for name in ["gina", "hank", "ivan"] {
        assert!(user_named(&api, &org, name).await.is_none(), "{name}");
    }
    // The same file without the flag brings in the good rows.
    let (s, b) = api.post_raw(&import, admin, "text/csv", csv).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(
        (&b["created"], &b["rejected"]),
        (&json!(2), &json!(1)),
        "{b}"
    );
    assert!(user_named(&api, &org, "gina").await.is_some());

    // Files that do not parse are refused whole, naming the line.
    for (csv, mentions) in [
        (
            "username,email\njoe,joe@acme.test\nkim,kim@acme.test,extra\n",
            "line 3",
        ),
        ("joe,joe@acme.test\nkim,kim@acme.test\n", "line 1"),
        ("username,e-mail address\njoe,joe@acme.test\n", "line 1"),
        ("full_name,email\nJoe,joe@acme.test\n", "username"),
        ("", "header"),
    ] {
        let (s, b) = api.post_raw(&import, admin, "text/csv", csv).await;
        assert_error(s, &b, StatusCode::BAD_REQUEST);
        assert!(
            b["message"].as_str().unwrap().contains(mentions),
            "{csv:?} → {b}"
        );
    }
    assert!(user_named(&api, &org, "joe").await.is_none());
    let (s, b) = api
        .post_raw(&import, admin, "text/csv", vec![b'u', 0xff, 0xfe, b'\n'])
        .await;
    assert_error(s, &b, StatusCode::BAD_REQUEST);
    let (s, b) = api.post(&import, admin, json!({"file": "x"})).await;
    assert_error(s, &b, StatusCode::BAD_REQUEST);

    // A file over 5 MiB is refused before it reaches anyone.
    let mut big = String::from("username,email\n");
    let mut i = 0;
    while big.len() <= 5 * 1024 * 1024 {
        big.push_str(&format!("user{i},user{i}@acme.test\n"));
        i += 1;
    }
    let (s, b) = api.post_raw(&import, admin, "text/csv", big).await;
    assert_error(s, &b, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(b["message"].as_str().unwrap().contains("5 MiB"), "{b}");
    stack.stop().await.unwrap();
}
