//! Org access grants: proposed by one MSPOrg administrator for a user or user group, decided
//! by another named one who is neither the proposer nor the designee; only approved grants
//! open the org, with the designee's own role; the org report shows who reaches an org.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::api::{Api, assert_error};
use crate::stack::{ADMIN_PASSWORD, Stack};

fn statuses(b: &Value) -> Vec<(String, String)> {
    let mut s: Vec<(String, String)> = b["grants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["org_slug"].as_str().unwrap().to_owned(),
                g["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    s.sort();
    s
}

fn pair(org: &str, status: &str) -> (String, String) {
    (org.to_owned(), status.to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn org_access_is_approved_by_a_third_administrator_and_opens_the_org() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let login = api.login_reply("", "admin", ADMIN_PASSWORD).await;
    let admin = login["token"].as_str().unwrap().to_owned();
    let admin_id = login["user_id"].as_str().unwrap().to_owned();
    let (bea_id, bea_pw) = api.add_user("", &admin, "bea", "administrator").await;
    let bea = api.login("", "bea", &bea_pw).await;
    let (paul_id, paul_pw) = api.add_user("", &admin, "paul", "password_user").await;
    let paul = api.login("", "paul", &paul_pw).await;
    let mut orgs = Vec::new();
    for slug in ["acme", "beta"] {
        let (s, b) = api
            .post(
                "/api/v1/orgs",
                Some(&admin),
                json!({"slug": slug, "name": slug}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        orgs.push(b["id"].as_str().unwrap().to_owned());
    }
    let (acme, beta) = (orgs[0].clone(), orgs[1].clone());
    let (_, root_pw) = api.add_user("/acme", &admin, "root", "administrator").await;
    let root = api.login("/acme", "root", &root_pw).await;

    // With two administrators nobody but the proposer or designee could approve.
    let propose = |token: String, body: Value| {
        let api = &api;
        async move { api.post("/api/v1/org-access", Some(&token), body).await }
    };
    let bea_to = |orgs: &[&String], approver: &String| {
        json!({"designee_kind": "user", "designee_id": bea_id, "org_ids": orgs,
               "approver_id": approver})
    };
    let (s, b) = propose(admin.clone(), bea_to(&[&acme], &admin_id)).await;
    assert_error(s, &b, StatusCode::CONFLICT);
    assert!(b["message"].as_str().unwrap().contains("at least 3"), "{b}");

    let (carl_id, carl_pw) = api.add_user("", &admin, "carl", "administrator").await;
    let carl = api.login("", "carl", &carl_pw).await;
    let (s, support) = api
        .post("/api/v1/groups", Some(&admin), json!({"name": "support"}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{support}");
    let support_id = support["id"].as_str().unwrap().to_owned();
    for member in [&paul_id, &carl_id] {
        let (s, b) = api
            .put(
                &format!("/api/v1/groups/{support_id}/members/{member}"),
                Some(&admin),
                json!({}),
            )
            .await;
        assert!(s.is_success(), "{s} {b}");
    }

    // Refusals, each with its reason.
    let refused = [
        (
            admin.clone(),
            bea_to(&[&acme], &admin_id),
            StatusCode::BAD_REQUEST,
            "proposer cannot approve",
        ),
        (
            admin.clone(),
            bea_to(&[&acme], &bea_id),
            StatusCode::BAD_REQUEST,
            "designee cannot approve",
        ),
        (
            admin.clone(),
            bea_to(&[&acme], &paul_id),
            StatusCode::BAD_REQUEST,
            "administrator",
        ),
        (
            admin.clone(),
            bea_to(&[], &carl_id),
            StatusCode::BAD_REQUEST,
            "at least one",
        ),
        (
            admin.clone(),
            bea_to(&[&admin_id], &carl_id),
            StatusCode::BAD_REQUEST,
            "not a client org",
        ),
        (
            admin.clone(),
            json!({"designee_kind": "group", "designee_id": support_id, "org_ids": [acme],
                   "approver_id": carl_id}),
            StatusCode::BAD_REQUEST,
            "member of the designated group",
        ),
        (
            bea.clone(),
            json!({"designee_kind": "user", "designee_id": admin_id, "org_ids": [acme],
                   "approver_id": carl_id}),
            StatusCode::BAD_REQUEST,
            "account manager",
        ),
        (
            paul.clone(),
            bea_to(&[&acme], &carl_id),
            StatusCode::FORBIDDEN,
            "MSPOrg administrators",
        ),
    ];
    for (token, body, status, reason) in refused {
        let (s, b) = propose(token, body.clone()).await;
        assert_error(s, &b, status);
        assert!(
            b["message"].as_str().unwrap().contains(reason),
            "{body}: {b}"
        );
    }
    // A client org's administrator cannot even see the feature.
    let (s, b) = api
        .post(
            "/acme/api/v1/org-access",
            Some(&root),
            bea_to(&[&acme], &carl_id),
        )
        .await;
    assert_error(s, &b, StatusCode::FORBIDDEN);
    let (s, b) = api.get("/acme/api/v1/org-access", Some(&root)).await;
    assert_error(s, &b, StatusCode::NOT_FOUND);

    // Admin proposes bea for both orgs, carl to decide.
    let (s, b) = propose(admin.clone(), bea_to(&[&acme, &beta], &carl_id)).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    assert_eq!(
        statuses(&b),
        [pair("acme", "pending"), pair("beta", "pending")]
    );
    let grant = |b: &Value, slug: &str| {
        b["grants"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["org_slug"] == slug)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (bea_acme, bea_beta) = (grant(&b, "acme"), grant(&b, "beta"));
    let (s, b) = propose(admin.clone(), bea_to(&[&acme], &carl_id)).await;
    assert_error(s, &b, StatusCode::CONFLICT);

    // Pending is not access.
    let (s, b) = api.get("/acme/api/v1/users", Some(&bea)).await;
    assert_error(s, &b, StatusCode::NOT_FOUND);
    let (_, b) = api
        .get("/api/v1/org-access?awaiting_me=true", Some(&carl))
        .await;
    assert_eq!(
        statuses(&b),
        [pair("acme", "pending"), pair("beta", "pending")]
    );

    // Only the named approver decides: not the proposer, not the designee.
    for (token, reason) in [(&admin, "proposer"), (&bea, "designee")] {
        let (s, b) = api
            .post(
                &format!("/api/v1/org-access/{bea_acme}/approve"),
                Some(token),
                json!({}),
            )
            .await;
        assert_error(s, &b, StatusCode::FORBIDDEN);
        assert!(b["message"].as_str().unwrap().contains(reason), "{b}");
    }
    let (s, b) = api
        .post(
            &format!("/api/v1/org-access/{bea_acme}/approve"),
            Some(&carl),
            json!({"note": "ok"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(
        (b["status"].as_str(), b["decided_by"].as_str()),
        (Some("approved"), Some("carl"))
    );
    let (s, b) = api
        .post(
            &format!("/api/v1/org-access/{bea_beta}/reject"),
            Some(&carl),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = api
        .post(
            &format!("/api/v1/org-access/{bea_beta}/approve"),
            Some(&carl),
            json!({}),
        )
        .await;
    assert_error(s, &b, StatusCode::CONFLICT);

    // Approved: bea reaches acme as the administrator she is; beta stays closed.
    let (s, b) = api.get("/acme/api/v1/users", Some(&bea)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = api.get("/beta/api/v1/users", Some(&bea)).await;
    assert_error(s, &b, StatusCode::NOT_FOUND);
    let (_, b) = api.get("/api/v1/orgs/mine", Some(&bea)).await;
    let mine: Vec<&str> = b["orgs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["slug"].as_str().unwrap())
        .collect();
    assert_eq!(mine, ["acme"]);

    // A group grant opens the org to its members with their own role: paul, a password
    // user, may add resources there but not manage its users.
    let (s, b) = propose(
        bea.clone(),
        json!({"designee_kind": "group", "designee_id": support_id, "org_ids": [acme],
               "approver_id": admin_id}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let support_acme = grant(&b, "acme");
    let (s, b) = api
        .post(
            &format!("/api/v1/org-access/{support_acme}/approve"),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = api
        .post(
            "/acme/api/v1/resources",
            Some(&paul),
            json!({"name": "web1", "type": "linux"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let (s, b) = api.get("/acme/api/v1/users", Some(&paul)).await;
    assert_error(s, &b, StatusCode::FORBIDDEN);

    // Listed from the org's side and from the user's and group's side.
    let (_, b) = api
        .get(&format!("/api/v1/orgs/{acme}/access"), Some(&admin))
        .await;
    assert_eq!(
        statuses(&b),
        [pair("acme", "approved"), pair("acme", "approved")]
    );
    let (_, b) = api
        .get(&format!("/api/v1/users/{bea_id}/org-access"), Some(&admin))
        .await;
    assert_eq!(
        statuses(&b),
        [pair("acme", "approved"), pair("beta", "rejected")]
    );
    let (_, b) = api
        .get(
            &format!("/api/v1/groups/{support_id}/org-access"),
            Some(&paul),
        )
        .await;
    assert_eq!(statuses(&b), [pair("acme", "approved")]);
    // A user who is not an administrator sees only grants naming them or their groups.
    let (_, b) = api
        .get(&format!("/api/v1/users/{bea_id}/org-access"), Some(&paul))
        .await;
    assert_eq!(statuses(&b), []);

    // The org report: own users, the account manager, granted users and groups.
    let (s, r) = api
        .get(&format!("/api/v1/orgs/{acme}/report"), Some(&admin))
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["account_manager"]["username"], "admin");
    let names = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|u| u["username"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names(&r["own_users"]), ["root"]);
    assert_eq!(names(&r["granted_users"]), ["bea"]);
    assert_eq!(r["granted_users"][0]["role"], "administrator");
    assert_eq!(r["granted_groups"][0]["name"], "support");
    let mut members = names(&r["granted_groups"][0]["members"]);
    members.sort();
    assert_eq!(members, ["carl", "paul"]);
    let (s, b) = api
        .get(&format!("/api/v1/orgs/{beta}/report"), Some(&carl))
        .await;
    assert_error(s, &b, StatusCode::FORBIDDEN);

    // Revoking closes the org at once.
    let (s, b) = api
        .post(
            &format!("/api/v1/org-access/{bea_acme}/revoke"),
            Some(&carl),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = api.get("/acme/api/v1/users", Some(&bea)).await;
    assert_error(s, &b, StatusCode::NOT_FOUND);

    // Every step is in MSPOrg's trail.
    let wanted = [
        ("org_access.proposed", 3),
        ("org_access.approved", 2),
        ("org_access.rejected", 1),
        ("org_access.revoked", 1),
    ];
    strongroom_testkit::wait_until(std::time::Duration::from_secs(20), || async {
        let (_, b) = api.get("/api/v1/audit", Some(&admin)).await;
        let events = b["events"].as_array()?.clone();
        wanted
            .iter()
            .all(|(op, n)| events.iter().filter(|e| e["operation"] == *op).count() == *n)
            .then_some(())
    })
    .await
    .unwrap();
    stack.stop().await.unwrap();
}

/// The four-eyes rule of grants also covers who manages an org and who joins a granted
/// group: a grantee cannot make themselves account manager, a change of account manager is
/// approved by a third administrator, and a member added to a granted group reaches the
/// org only once an administrator other than whoever added them approves.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn account_managers_and_new_group_members_need_a_third_administrator() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let login = api.login_reply("", "admin", ADMIN_PASSWORD).await;
    let admin = login["token"].as_str().unwrap().to_owned();
    let mut tokens = std::collections::HashMap::new();
    let mut ids = std::collections::HashMap::new();
    for (name, role) in [
        ("bea", "administrator"),
        ("carl", "administrator"),
        ("dave", "administrator"),
        ("paul", "password_user"),
        ("eve", "password_user"),
        ("finn", "password_user"),
    ] {
        let (id, pw) = api.add_user("", &admin, name, role).await;
        tokens.insert(name, api.login("", name, &pw).await);
        ids.insert(name, id);
    }
    let (s, org) = api
        .post(
            "/api/v1/orgs",
            Some(&admin),
            json!({"slug": "acme", "name": "Acme"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{org}");
    let acme = org["id"].as_str().unwrap().to_owned();
    let propose = |token: &str, kind: &str, designee: &str, approver: &str| {
        let body = json!({"designee_kind": kind, "designee_id": designee, "org_ids": [acme],
                          "approver_id": approver});
        let (api, token) = (&api, token.to_owned());
        async move { api.post("/api/v1/org-access", Some(&token), body).await }
    };
    let decide = |token: &str, grant: &str, verdict: &str| {
        let path = format!("/api/v1/org-access/{grant}/{verdict}");
        let (api, token) = (&api, token.to_owned());
        async move { api.post(&path, Some(&token), json!({})).await }
    };
    // Bea, granted acme, reads its report throughout.
    let manager = || async {
        let (s, r) = api
            .get(&format!("/api/v1/orgs/{acme}/report"), Some(&tokens["bea"]))
            .await;
        assert_eq!(s, StatusCode::OK, "{r}");
        r["account_manager"]["username"]
            .as_str()
            .unwrap()
            .to_owned()
    };

    // Bea is granted acme; as a grantee she cannot make herself its account manager.
    let (s, b) = propose(&admin, "user", &ids["bea"], &ids["carl"]).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let (s, b) = decide(
        &tokens["carl"],
        b["grants"][0]["id"].as_str().unwrap(),
        "approve",
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = api
        .patch(
            &format!("/api/v1/orgs/{acme}"),
            Some(&tokens["bea"]),
            json!({"account_manager_id": ids["bea"]}),
        )
        .await;
    assert_error(s, &b, StatusCode::BAD_REQUEST);
    assert!(
        b["message"].as_str().unwrap().contains("account_manager"),
        "{b}"
    );
    let (s, b) = propose(&tokens["bea"], "account_manager", &ids["bea"], &ids["carl"]).await;
    assert_error(s, &b, StatusCode::BAD_REQUEST);
    assert!(b["message"].as_str().unwrap().contains("yourself"), "{b}");
    let (s, b) = propose(&admin, "account_manager", &ids["bea"], &ids["bea"]).await;
    assert_error(s, &b, StatusCode::BAD_REQUEST);
    assert_eq!(manager().await, "admin", "nothing changed");

    // Proposed by admin, decided by carl: neither bea nor admin may decide it.
    let (s, b) = propose(&admin, "account_manager", &ids["bea"], &ids["carl"]).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let change = b["grants"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(b["grants"][0]["status"], "pending");
    for token in [&tokens["bea"], &admin] {
        let (s, b) = decide(token, &change, "approve").await;
        assert_error(s, &b, StatusCode::FORBIDDEN);
    }
    assert_eq!(manager().await, "admin", "pending is no change");
    let (s, b) = decide(&tokens["carl"], &change, "approve").await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(manager().await, "bea");
    let (s, b) = api
        .post(
            &format!("/api/v1/org-access/{change}/revoke"),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_error(s, &b, StatusCode::CONFLICT);

    // A group grant lets in the members it had when approved...
    let (s, group) = api
        .post("/api/v1/groups", Some(&admin), json!({"name": "support"}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{group}");
    let group = group["id"].as_str().unwrap().to_owned();
    let add = |member: &str| {
        let path = format!("/api/v1/groups/{group}/members/{member}");
        let (api, admin) = (&api, admin.clone());
        async move {
            let (s, b) = api.put(&path, Some(&admin), json!({})).await;
            assert!(s.is_success(), "{s} {b}");
        }
    };
    add(&ids["paul"]).await;
    let (s, b) = propose(&admin, "group", &group, &ids["dave"]).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let grant = b["grants"][0]["id"].as_str().unwrap().to_owned();
    // One added between the proposal and its approval is not let in by the approval.
    add(&ids["finn"]).await;
    let (s, b) = decide(&tokens["dave"], &grant, "approve").await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let reaches = |name: &str| {
        let (api, token) = (&api, tokens[name].clone());
        async move { api.get("/acme/api/v1/sessions", Some(&token)).await.0 == StatusCode::OK }
    };
    assert!(reaches("paul").await);
    assert!(!reaches("finn").await, "finn joined after the proposal");

    // ...and a member added since only once a third administrator approves.
    add(&ids["eve"]).await;
    assert!(!reaches("eve").await, "eve waits for approval");
    let level = |name: &'static str| {
        let api = &api;
        let (acme, bea) = (acme.clone(), tokens["bea"].clone());
        async move {
            let (_, r) = api
                .get(&format!("/api/v1/orgs/{acme}/report"), Some(&bea))
                .await;
            r["granted_groups"][0]["members"]
                .as_array()
                .unwrap()
                .iter()
                .find(|m| m["username"] == name)
                .map(|m| m["level"].as_str().unwrap().to_owned())
        }
    };
    assert_eq!(level("eve").await.as_deref(), Some("pending_group_member"));
    assert_eq!(level("finn").await.as_deref(), Some("pending_group_member"));
    assert_eq!(level("paul").await.as_deref(), Some("granted_group_member"));
    let approve_eve = format!("/api/v1/org-access/{grant}/members/{}/approve", ids["eve"]);
    let (s, b) = api.post(&approve_eve, Some(&admin), json!({})).await;
    assert_error(s, &b, StatusCode::FORBIDDEN);
    assert!(b["message"].as_str().unwrap().contains("you added"), "{b}");
    let (s, b) = api
        .post(&approve_eve, Some(&tokens["eve"]), json!({}))
        .await;
    assert_error(s, &b, StatusCode::FORBIDDEN);
    assert!(!reaches("eve").await, "still waiting");
    let (s, b) = api
        .post(&approve_eve, Some(&tokens["carl"]), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = api
        .post(&approve_eve, Some(&tokens["carl"]), json!({}))
        .await;
    assert_error(s, &b, StatusCode::CONFLICT);
    strongroom_testkit::wait_until(std::time::Duration::from_secs(10), || async {
        reaches("eve").await.then_some(())
    })
    .await
    .expect("eve reaches acme once approved");
    assert_eq!(level("eve").await.as_deref(), Some("granted_group_member"));
    stack.stop().await.unwrap();
}

/// The gateway keeps an MSP user's exchanged token for a second, so what a client org takes
/// away from MSP staff (a right in its MSP-staff settings, a grant revoked in MSPOrg) stops
/// working within a second on a replica that did not make the change, and at once on the
/// one that did.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn taking_msp_access_away_reaches_every_gateway_within_a_second() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let replica = stack.gateway_replica().await.unwrap();
    let admin = api.login("", "admin", ADMIN_PASSWORD).await;
    let (bea_id, bea_pw) = api.add_user("", &admin, "bea", "administrator").await;
    let bea = api.login("", "bea", &bea_pw).await;
    let (carl_id, carl_pw) = api.add_user("", &admin, "carl", "administrator").await;
    let carl = api.login("", "carl", &carl_pw).await;
    let (s, b) = api
        .post(
            "/api/v1/orgs",
            Some(&admin),
            json!({"slug": "acme", "name": "Acme"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let acme = b["id"].as_str().unwrap().to_owned();
    let (_, root_pw) = api.add_user("/acme", &admin, "root", "administrator").await;
    let root = api.login("/acme", "root", &root_pw).await;
    let (s, b) = api
        .post(
            "/api/v1/org-access",
            Some(&admin),
            json!({"designee_kind": "user", "designee_id": bea_id, "org_ids": [acme],
                   "approver_id": carl_id}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let grant = b["grants"][0]["id"].as_str().unwrap().to_owned();
    let (s, b) = api
        .post(
            &format!("/api/v1/org-access/{grant}/approve"),
            Some(&carl),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");

    // Bea reads acme's trail through the replica, which now keeps her exchanged token.
    let audit = format!("{replica}/acme/api/v1/audit");
    let get = |token: String| {
        let (http, audit) = (stack.http.clone(), audit.clone());
        async move {
            let r = http.get(&audit).bearer_auth(token).send().await.unwrap();
            let status = r.status();
            (status, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (s, b) = get(bea.clone()).await;
    assert_eq!(s, StatusCode::OK, "{b}");

    // Acme's administrator turns off MSP staff's view of the trail through the first
    // gateway; the replica refuses bea within a second of the answer.
    let (s, b) = api
        .put(
            "/acme/api/v1/settings/msp-staff",
            Some(&root),
            json!({"reset_passwords": true, "take_ownership": false, "view_audit": false,
                   "manage_users": true, "manage_directory_and_login": true}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let until = |before: StatusCode, expected: StatusCode| {
        let get = &get;
        let bea = bea.clone();
        async move {
            let changed = std::time::Instant::now();
            loop {
                let sent = changed.elapsed();
                let (s, b) = get(bea.clone()).await;
                if s == expected {
                    return (sent, b);
                }
                assert_eq!(s, before, "{b}");
                assert!(
                    sent < std::time::Duration::from_secs(1),
                    "a request sent {sent:?} after the change still answered {s}"
                );
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
        }
    };
    let (after, b) = until(StatusCode::OK, StatusCode::FORBIDDEN).await;
    assert!(
        b["message"]
            .as_str()
            .unwrap()
            .contains("msp_staff.view_audit"),
        "{b}"
    );
    eprintln!("an MSP-staff setting reached the replica after {after:?}");
    // The gateway that forwarded the change refuses at once.
    let (s, b) = api.get("/acme/api/v1/audit", Some(&bea)).await;
    assert_error(s, &b, StatusCode::FORBIDDEN);

    // Back on, then the grant is revoked in MSPOrg: acme is gone for bea within a second.
    let (s, b) = api
        .put(
            "/acme/api/v1/settings/msp-staff",
            Some(&root),
            json!({"reset_passwords": true, "take_ownership": false, "view_audit": true,
                   "manage_users": true, "manage_directory_and_login": true}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (after, _) = until(StatusCode::FORBIDDEN, StatusCode::OK).await;
    eprintln!("a restored setting reached the replica after {after:?}");
    let (s, b) = api
        .post(
            &format!("/api/v1/org-access/{grant}/revoke"),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (after, b) = until(StatusCode::OK, StatusCode::NOT_FOUND).await;
    assert_error(StatusCode::NOT_FOUND, &b, StatusCode::NOT_FOUND);
    eprintln!("a revoked grant reached the replica after {after:?}");
    let (s, b) = api.get("/acme/api/v1/audit", Some(&bea)).await;
    assert_error(s, &b, StatusCode::NOT_FOUND);
}
