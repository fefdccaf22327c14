//! Client orgs as an MSP manages them from MSPOrg: added with their details and a named
//! account manager, imported from a file line by line, and listed in the org selector.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::api::{Api, assert_error};
use crate::stack::{ADMIN_PASSWORD, Stack};

fn slugs(b: &Value) -> Vec<String> {
    let mut slugs: Vec<String> = b["orgs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["slug"].as_str().unwrap().to_owned())
        .collect();
    slugs.sort();
    slugs
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn client_orgs_get_their_details_and_a_named_account_manager() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let admin = api.login("", "admin", ADMIN_PASSWORD).await;
    let (maria, maria_pw) = api.add_user("", &admin, "maria", "administrator").await;
    let (paul, paul_pw) = api.add_user("", &admin, "paul", "password_user").await;

    let (s, acme) = api
        .post(
            "/api/v1/orgs",
            Some(&admin),
            json!({"slug": "Acme", "name": "Acme Corp", "description": "Anvils",
                   "department": "Retail", "location": "Arizona", "contact": "wile@acme.test",
                   "account_manager_id": maria}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{acme}");
    for (field, value) in [
        ("slug", "Acme"),
        ("name", "Acme Corp"),
        ("description", "Anvils"),
        ("department", "Retail"),
        ("location", "Arizona"),
        ("contact", "wile@acme.test"),
        ("account_manager_id", maria.as_str()),
    ] {
        assert_eq!(acme[field], value, "{field}: {acme}");
    }

    // The account manager works in the org at once; another MSP administrator does not.
    let maria_token = api.login("", "maria", &maria_pw).await;
    let (s, b) = api.get("/acme/api/v1/users", Some(&maria_token)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = api.get("/acme/api/v1/users", Some(&admin)).await;
    assert_error(s, &b, StatusCode::NOT_FOUND);

    // Refusals, each with its reason.
    let refused = [
        (
            json!({"slug": "ACME", "name": "Again"}),
            StatusCode::CONFLICT,
            "already exists",
        ),
        (
            json!({"slug": "api", "name": "Reserved"}),
            StatusCode::BAD_REQUEST,
            "reserved",
        ),
        (
            json!({"slug": "my-org", "name": "Two words"}),
            StatusCode::BAD_REQUEST,
            "one word",
        ),
        (
            json!({"slug": "nameless", "name": " "}),
            StatusCode::BAD_REQUEST,
            "name",
        ),
        (
            json!({"slug": "paulco", "name": "Paul Co", "account_manager_id": paul}),
            StatusCode::BAD_REQUEST,
            "administrator",
        ),
        (
            json!({"slug": "ghostco", "name": "Ghost", "account_manager_id": uuid::Uuid::new_v4()}),
            StatusCode::BAD_REQUEST,
            "no such user",
        ),
    ];
    for (body, status, reason) in refused {
        let (s, b) = api.post("/api/v1/orgs", Some(&admin), body.clone()).await;
        assert_error(s, &b, status);
        assert!(
            b["message"].as_str().unwrap().contains(reason),
            "{body}: {b}"
        );
    }
    let paul_token = api.login("", "paul", &paul_pw).await;
    let (s, b) = api
        .post(
            "/api/v1/orgs",
            Some(&paul_token),
            json!({"slug": "paulco", "name": "P"}),
        )
        .await;
    assert_error(s, &b, StatusCode::FORBIDDEN);

    // The org selector: what the caller manages; all names for MSP administrators only.
    let (s, b) = api.get("/api/v1/orgs/mine", Some(&maria_token)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(slugs(&b), ["Acme"]);
    let (_, b) = api.get("/api/v1/orgs/mine", Some(&admin)).await;
    assert!(slugs(&b).is_empty(), "{b}");
    let (s, b) = api.get("/api/v1/orgs", Some(&admin)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(slugs(&b), ["Acme"]);
    let (s, b) = api.get("/api/v1/orgs", Some(&paul_token)).await;
    assert_error(s, &b, StatusCode::FORBIDDEN);

    // A client org's own administrator learns nothing about other orgs.
    let (_, root_pw) = api
        .add_user("/acme", &maria_token, "root", "administrator")
        .await;
    let root = api.login("/acme", "root", &root_pw).await;
    for path in ["/acme/api/v1/orgs", "/acme/api/v1/orgs/mine"] {
        let (s, b) = api.get(path, Some(&root)).await;
        assert_error(s, &b, StatusCode::NOT_FOUND);
    }
    let (s, b) = api
        .post(
            "/acme/api/v1/orgs",
            Some(&root),
            json!({"slug": "rogue", "name": "R"}),
        )
        .await;
    assert_error(s, &b, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn orgs_are_imported_from_a_file_line_by_line() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let admin = api.login("", "admin", ADMIN_PASSWORD).await;

    // A malformed file adds nothing and names the line.
    let (s, b) = api
        .post_raw(
            "/api/v1/orgs/import",
            Some(&admin),
            "text/plain",
            "alpha,Alpha\nbravo,Bravo,extra\n",
        )
        .await;
    assert_error(s, &b, StatusCode::BAD_REQUEST);
    assert!(b["message"].as_str().unwrap().starts_with("line 2:"), "{b}");
    let (_, b) = api.get("/api/v1/orgs", Some(&admin)).await;
    assert!(slugs(&b).is_empty(), "{b}");

    let file = "initech, Initech, Software, IT, Austin, bill@initech.test\n\
                umbrella, Umbrella, Pharma, R&D, Raccoon City, al@umbrella.test\n\
                api, Reserved, , , , \n\
                Initech, Initech again, , , , \n";
    let (s, b) = api
        .post_raw("/api/v1/orgs/import", Some(&admin), "text/csv", file)
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let outcomes: Vec<(u64, &str, &str)> = b["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["line"].as_u64().unwrap(),
                l["slug"].as_str().unwrap(),
                l["outcome"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            (1, "initech", "created"),
            (2, "umbrella", "created"),
            (3, "api", "rejected"),
            (4, "Initech", "rejected")
        ],
        "{b}"
    );
    assert!(
        b["lines"][2]["reason"]
            .as_str()
            .unwrap()
            .contains("reserved"),
        "{b}"
    );
    assert!(
        b["lines"][3]["reason"]
            .as_str()
            .unwrap()
            .contains("already exists"),
        "{b}"
    );
    assert_eq!(
        (b["created"].as_u64(), b["rejected"].as_u64()),
        (Some(2), Some(2))
    );

    // The importer manages them, with every field from the file; MSPOrg's trail has each.
    let (_, b) = api.get("/api/v1/orgs/mine", Some(&admin)).await;
    assert_eq!(slugs(&b), ["initech", "umbrella"]);
    let umbrella = b["orgs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["slug"] == "umbrella")
        .unwrap()
        .clone();
    assert_eq!(umbrella["department"], "R&D", "{umbrella}");
    assert_eq!(umbrella["contact"], "al@umbrella.test", "{umbrella}");
    let (s, b) = api.get("/umbrella/api/v1/users", Some(&admin)).await;
    assert_eq!(s, StatusCode::OK, "the org works at once: {b}");
    let events = strongroom_testkit::wait_until(std::time::Duration::from_secs(20), || async {
        let (_, b) = api.get("/api/v1/audit", Some(&admin)).await;
        let created = b["events"]
            .as_array()?
            .iter()
            .filter(|e| e["operation"] == "org.created")
            .count();
        (created == 2).then_some(created)
    })
    .await;
    assert!(events.is_ok(), "two org.created events in MSPOrg's trail");
}
