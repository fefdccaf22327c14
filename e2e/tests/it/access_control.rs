//! The access-control workflow through the REST API: a password under access control is
//! revealed by nobody (its owner included) without an approved request checked out; two
//! approver groups mean two people; nobody approves their own request; a lapsed request
//! cannot be approved; one checkout at a time, others queue; check-in and the window's end
//! mark the password for reset; MSP staff's requests wait for the client org's own
//! administrator.

use std::time::Duration;

use chrono::Utc;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::api::{Api, Org, assert_error, audit_operations};
use crate::shares::{created, id};
use crate::stack::Stack;

/// The password as `token` reveals it, or the refusal's status and message.
async fn reveal(
    api: &Api<'_>,
    org: &Org,
    token: &str,
    account: &str,
) -> Result<String, (StatusCode, String)> {
    let (s, b) = api
        .get(
            &org.url(&format!("/accounts/{account}/password")),
            Some(token),
        )
        .await;
    if s == StatusCode::OK {
        Ok(b["password"].as_str().unwrap().to_owned())
    } else {
        Err((s, b["message"].as_str().unwrap().to_owned()))
    }
}

/// Refused by the workflow: 403, saying why.
fn refused_by_workflow(result: Result<String, (StatusCode, String)>, says: &str) {
    match result {
        Err((StatusCode::FORBIDDEN, message)) => {
            assert!(message.contains(says), "{message:?} does not say {says:?}")
        }
        other => panic!("expected a 403 saying {says:?}, got {other:?}"),
    }
}

async fn ask(api: &Api<'_>, org: &Org, token: &str, account: &str, seconds: i64) -> Value {
    let ends_at = (Utc::now() + chrono::Duration::seconds(seconds)).to_rfc3339();
    created(
        api,
        &org.url("/access-requests"),
        token,
        json!({"account_id": account, "reason": "patching", "ticket_id": "CHG-1",
               "ends_at": ends_at}),
    )
    .await
}

async fn act(
    api: &Api<'_>,
    org: &Org,
    token: &str,
    request: &str,
    what: &str,
) -> (StatusCode, Value) {
    api.post(
        &org.url(&format!("/access-requests/{request}/{what}")),
        Some(token),
        json!({}),
    )
    .await
}

/// An account `owner` stores (on resource `resource`), shared with `sharee` (a user id) at
/// View and put under access control with `policy`.
pub(crate) async fn controlled_account(
    api: &Api<'_>,
    org: &Org,
    owner: &str,
    sharee: &str,
    (resource, password): (&str, &str),
    policy: Value,
) -> String {
    let account = api
        .store_password(&org.prefix, owner, resource, "postgres", password)
        .await;
    created(
        api,
        &org.url(&format!("/accounts/{account}/shares")),
        owner,
        json!({"grantee_kind": "user", "grantee_id": sharee, "level": "view"}),
    )
    .await;
    let (s, b) = api
        .put(
            &org.url(&format!("/accounts/{account}/access-control")),
            Some(owner),
            policy,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    account
}

async fn member(api: &Api<'_>, org: &Org, group: &str, user: &str) {
    let (s, b) = api
        .put(
            &org.url(&format!("/groups/{group}/members/{user}")),
            Some(&org.admin),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_request_approved_by_two_groups_is_checked_out_alone_and_marked_for_reset() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let org = Org::create(&api, "workflow").await;
    let mut users = Vec::new();
    for name in ["olga", "rita", "pete", "dan", "cara"] {
        let (uid, pw) = api
            .add_user(&org.prefix, &org.admin, name, "password_user")
            .await;
        users.push((uid, api.login(&org.prefix, name, &pw).await));
    }
    let users_ids: Vec<String> = users.iter().map(|(id, _)| id.clone()).collect();
    let [
        (_, olga),
        (rita_id, rita),
        (pete_id, pete),
        (dan_id, dan),
        (cara_id, cara),
    ] = <[_; 5]>::try_from(users).unwrap();
    let leads = id(&created(
        &api,
        &org.url("/groups"),
        &org.admin,
        json!({"name": "DBA leads"}),
    )
    .await);
    let approvers = id(&created(
        &api,
        &org.url("/groups"),
        &org.admin,
        json!({"name": "Change board"}),
    )
    .await);
    member(&api, &org, &leads, &dan_id).await;
    member(&api, &org, &approvers, &cara_id).await;

    let account = api
        .store_password(&org.prefix, &olga, "db1", "postgres", "pg-secret-1")
        .await;
    let (_, a) = api
        .get(&org.url(&format!("/accounts/{account}")), Some(&olga))
        .await;
    let resource = a["resource_id"].as_str().unwrap().to_owned();
    for user in [&rita_id, &pete_id] {
        created(
            &api,
            &org.url(&format!("/resources/{resource}/shares")),
            &olga,
            json!({"grantee_kind": "user", "grantee_id": user, "level": "view"}),
        )
        .await;
    }
    assert_eq!(
        reveal(&api, &org, &rita, &account).await.unwrap(),
        "pg-secret-1"
    );
    // The owner's reveal before access control is kept by the vault as an owner's allowance:
    // it must not outlive the policy.
    assert_eq!(
        reveal(&api, &org, &olga, &account).await.unwrap(),
        "pg-secret-1"
    );

    // Only the owner (or Full access) turns it on; a sharee with View may not.
    let control = org.url(&format!("/resources/{resource}/access-control"));
    let policy = json!({"approver_group_ids": [leads, approvers], "lapse_after_minutes": 60,
                        "max_checkout_minutes": 120});
    let (s, b) = api.put(&control, Some(&rita), policy.clone()).await;
    assert_error(s, &b, StatusCode::FORBIDDEN);
    let (s, b) = api.put(&control, Some(&olga), policy).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["on"], true);
    let names: Vec<&str> = b["approver_groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2);
    assert!(
        names.contains(&"DBA leads") && names.contains(&"Change board"),
        "{b}"
    );

    // Nobody reveals it now, the owner included; whoever may not see it still learns nothing.
    for token in [&rita, &olga] {
        refused_by_workflow(reveal(&api, &org, token, &account).await, "request access");
    }
    assert_eq!(
        reveal(&api, &org, &org.admin, &account)
            .await
            .unwrap_err()
            .0,
        StatusCode::NOT_FOUND
    );
    // Nor does an export carry it (Olga may export through a rule).
    let olga_id = &users_ids[0];
    let (s, b) = api
        .put(
            &org.url(&format!("/export-rules/user/{olga_id}")),
            Some(&org.admin),
            json!({"allowed": true}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let exported = stack
        .http
        .post(format!("{}{}", stack.base_url, org.url("/export")))
        .bearer_auth(&olga)
        .json(&json!({"format": "csv"}))
        .send()
        .await
        .unwrap();
    assert_eq!(exported.status(), StatusCode::OK);
    let file = exported.text().await.unwrap();
    assert!(file.contains("postgres"), "{file}");
    assert!(
        !file.contains("pg-secret-1"),
        "the export carried it: {file}"
    );

    // Rita asks; the answer names who may approve.
    let request = ask(&api, &org, &rita, &account, 1800).await;
    let req = id(&request);
    assert_eq!(request["status"], "pending");
    let needed: Vec<(&str, Vec<&str>)> = request["needed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            let names = n["approver_names"].as_array().unwrap();
            let names = names.iter().map(|v| v.as_str().unwrap()).collect();
            (n["label"].as_str().unwrap(), names)
        })
        .collect();
    assert_eq!(needed.len(), 2, "{request}");
    // Each approval needed names the group and its members, by name.
    let from = |group: &str| {
        needed
            .iter()
            .find(|(label, _)| label.contains(group))
            .map(|(_, names)| names.clone())
    };
    assert_eq!(from("DBA leads"), Some(vec!["dan"]), "{request}");
    assert_eq!(from("Change board"), Some(vec!["cara"]), "{request}");

    // Refusals: her own approval, someone who is no approver, a second approval by one
    // person, and a checkout before the last approval.
    let (s, b) = act(&api, &org, &rita, &req, "approve").await;
    assert_error(s, &b, StatusCode::FORBIDDEN);
    assert!(
        b["message"].as_str().unwrap().contains("own request"),
        "{b}"
    );
    let (s, b) = act(&api, &org, &pete, &req, "approve").await;
    assert_error(s, &b, StatusCode::NOT_FOUND);
    let (s, b) = act(&api, &org, &dan, &req, "approve").await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["status"], "pending");
    assert_eq!(b["needed"].as_array().unwrap().len(), 1, "{b}");
    let (s, b) = act(&api, &org, &dan, &req, "approve").await;
    assert_error(s, &b, StatusCode::CONFLICT);
    let (s, b) = act(&api, &org, &rita, &req, "check-out").await;
    assert_error(s, &b, StatusCode::CONFLICT);
    assert!(
        b["message"].as_str().unwrap().contains("Change board"),
        "{b}"
    );
    let (s, to_approve) = api
        .get(&org.url("/access-requests?view=to_approve"), Some(&cara))
        .await;
    assert_eq!(s, StatusCode::OK, "{to_approve}");
    assert_eq!(
        to_approve["requests"][0]["id"],
        req.as_str(),
        "{to_approve}"
    );
    let (s, b) = act(&api, &org, &cara, &req, "approve").await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["status"], "approved");

    // Pete's request, approved the same way.
    let pete_req = id(&ask(&api, &org, &pete, &account, 1800).await);
    for approver in [&dan, &cara] {
        let (s, b) = act(&api, &org, approver, &pete_req, "approve").await;
        assert_eq!(s, StatusCode::OK, "{b}");
    }

    // Both check out at once: one holds it, the other waits in the queue.
    let ((s1, b1), (s2, b2)) = tokio::join!(
        act(&api, &org, &rita, &req, "check-out"),
        act(&api, &org, &pete, &pete_req, "check-out"),
    );
    let mut outcomes = [s1, s2];
    outcomes.sort();
    assert_eq!(
        outcomes,
        [StatusCode::OK, StatusCode::CONFLICT],
        "{b1} {b2}"
    );
    let (holder, holder_req, waiter, waiter_req, refusal) = if s1 == StatusCode::OK {
        (&rita, &req, &pete, &pete_req, b2)
    } else {
        (&pete, &pete_req, &rita, &req, b1)
    };
    assert!(
        refusal["message"].as_str().unwrap().contains("queue"),
        "{refusal}"
    );
    let (_, waiting) = api
        .get(
            &org.url(&format!("/access-requests/{waiter_req}")),
            Some(waiter),
        )
        .await;
    assert_eq!(waiting["queue_position"], 1, "{waiting}");
    let (s, b) = act(&api, &org, holder, holder_req, "check-out").await;
    assert_error(s, &b, StatusCode::CONFLICT);
    assert!(
        b["message"]
            .as_str()
            .unwrap()
            .contains("already checked out to you"),
        "{b}"
    );
    assert_eq!(
        reveal(&api, &org, holder, &account).await.unwrap(),
        "pg-secret-1"
    );
    refused_by_workflow(reveal(&api, &org, waiter, &account).await, "checked out by");
    refused_by_workflow(reveal(&api, &org, &olga, &account).await, "checked out by");

    // Check-in: the holder's reveals stop, the next in the queue checks out.
    let (s, b) = act(&api, &org, holder, holder_req, "check-in").await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["status"], "checked_in");
    refused_by_workflow(reveal(&api, &org, holder, &account).await, "request access");
    let (s, b) = act(&api, &org, waiter, waiter_req, "check-out").await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(
        reveal(&api, &org, waiter, &account).await.unwrap(),
        "pg-secret-1"
    );
    let (s, b) = act(&api, &org, waiter, waiter_req, "check-in").await;
    assert_eq!(s, StatusCode::OK, "{b}");

    // A request nobody answers lapses, and a lapsed request cannot be approved.
    let short = ask(&api, &org, &rita, &account, 2).await;
    tokio::time::sleep(Duration::from_millis(2200)).await;
    let (s, b) = act(&api, &org, &dan, &id(&short), "approve").await;
    assert_error(s, &b, StatusCode::CONFLICT);
    assert!(b["message"].as_str().unwrap().contains("lapsed"), "{b}");

    // The window's end ends a checkout too.
    let brief = id(&ask(&api, &org, &pete, &account, 4).await);
    for approver in [&dan, &cara] {
        let (s, b) = act(&api, &org, approver, &brief, "approve").await;
        assert_eq!(s, StatusCode::OK, "{b}");
    }
    let (s, b) = act(&api, &org, &pete, &brief, "check-out").await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(
        reveal(&api, &org, &pete, &account).await.unwrap(),
        "pg-secret-1"
    );
    let ended = strongroom_testkit::wait_until(Duration::from_secs(20), || async {
        reveal(&api, &org, &pete, &account)
            .await
            .is_err()
            .then_some(())
    })
    .await;
    assert!(ended.is_ok(), "still revealed after the window");
    let (_, b) = api
        .get(&org.url(&format!("/access-requests/{brief}")), Some(&pete))
        .await;
    assert_eq!(b["status"], "ended", "{b}");

    // Each ended checkout marked the password for reset, pending (no reset service yet).
    let (s, b) = api
        .get(
            &org.url("/access-control/marked-for-reset"),
            Some(&org.admin),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let reasons: Vec<&str> = b["marks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["target_id"] == account.as_str())
        .map(|m| m["reason"].as_str().unwrap())
        .collect();
    assert_eq!(
        reasons.iter().filter(|r| **r == "check_in").count(),
        2,
        "{b}"
    );
    assert_eq!(
        reasons.iter().filter(|r| **r == "window_ended").count(),
        1,
        "{b}"
    );
    let (s, b) = api
        .get(&org.url("/access-control/marked-for-reset"), Some(&rita))
        .await;
    assert_error(s, &b, StatusCode::FORBIDDEN);

    audit_operations(
        &api,
        &org,
        &[
            "access_control.set",
            "request.created",
            "request.approval_given",
            "request.approved",
            "request.checked_out",
            "request.checked_in",
        ],
    )
    .await;

    // Off again: reveals need no request.
    let (s, b) = api.delete(&control, Some(&olga)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["on"], false);
    assert_eq!(
        reveal(&api, &org, &rita, &account).await.unwrap(),
        "pg-secret-1"
    );
    let (s, b) = api
        .post(
            &org.url("/access-requests"),
            Some(&rita),
            json!({"account_id": account, "reason": "x",
                   "ends_at": (Utc::now() + chrono::Duration::minutes(5)).to_rfc3339()}),
        )
        .await;
    assert_error(s, &b, StatusCode::BAD_REQUEST);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn msp_staffs_requests_wait_for_the_client_orgs_own_administrator() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let org = Org::create(&api, "clientwf").await;
    let msp = api.login("", "admin", crate::stack::ADMIN_PASSWORD).await;
    let account = api
        .store_password(&org.prefix, &msp, "fw1", "admin", "fw-secret-1")
        .await;
    let control = org.url(&format!("/accounts/{account}/access-control"));
    let (s, b) = api
        .put(
            &control,
            Some(&msp),
            json!({"client_admin_approves_msp_staff": true}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    refused_by_workflow(reveal(&api, &org, &msp, &account).await, "request access");

    let request = ask(&api, &org, &msp, &account, 600).await;
    let req = id(&request);
    assert_eq!(request["requester_is_msp_staff"], true, "{request}");
    assert_eq!(request["needed"][0]["kind"], "client_admin", "{request}");
    // The client org's own administrators are named.
    let names = request["needed"][0]["approver_names"].as_array().unwrap();
    assert!(names.contains(&json!("root")), "{request}");
    // The client admin's approval is missing: no checkout.
    let (s, b) = act(&api, &org, &msp, &req, "check-out").await;
    assert_error(s, &b, StatusCode::CONFLICT);
    assert!(
        b["message"]
            .as_str()
            .unwrap()
            .contains("administrator of this org's own"),
        "{b}"
    );
    let (s, b) = act(&api, &org, &msp, &req, "approve").await;
    assert_error(s, &b, StatusCode::FORBIDDEN);

    let (s, b) = act(&api, &org, &org.admin, &req, "approve").await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["status"], "approved");
    assert_eq!(b["decisions"][0]["counted_for"], "client_admin", "{b}");
    let (s, b) = act(&api, &org, &msp, &req, "check-out").await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(
        reveal(&api, &org, &msp, &account).await.unwrap(),
        "fw-secret-1"
    );
}
