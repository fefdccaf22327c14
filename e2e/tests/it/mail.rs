//! Mail goes out: new users are welcomed, notices of access requests reach those who may
//! approve them, and decisions and lapses reach the requester, through the org's own mail server (a
//! real SMTP server started here); a server that refuses for a while delays mail and loses
//! none (a restart of every service in between included), one that refuses a mailbox for
//! good is not asked again until the mail settings change, and the delivery log shows every
//! attempt. Where the org has mail, first passwords and resets go by mail, unseen by any
//! administrator.

use std::time::{Duration, Instant};

use chrono::Utc;
use reqwest::StatusCode;
use serde_json::{Value, json};
use strongroom_testkit::{Delivered, SmtpSink};

use crate::access_control::controlled_account;
use crate::api::{Api, Org, assert_error};
use crate::shares::{created, id};
use crate::stack::Stack;

const DEADLINE: Duration = Duration::from_secs(60);

/// The first message with `subject` to arrive, polled until [`DEADLINE`].
async fn arrived(sink: &SmtpSink, subject: &str, to: &str) -> Delivered {
    let until = Instant::now() + DEADLINE;
    loop {
        if let Some(found) = sink
            .messages()
            .into_iter()
            .find(|m| m.subject().as_deref() == Some(subject) && m.rcpt_tos == [to])
        {
            return found;
        }
        assert!(
            Instant::now() < until,
            "no {subject:?} to {to} arrived: {:?}\n{}",
            sink.messages(),
            sink.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The org's mail log once `ready` holds of it, polled until [`DEADLINE`].
async fn mail_log_when(api: &Api<'_>, org: &Org, ready: impl Fn(&Value) -> bool) -> Value {
    let until = Instant::now() + DEADLINE;
    loop {
        let (s, b) = api.get(&org.url("/mail-log"), Some(&org.admin)).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        if ready(&b) {
            return b;
        }
        assert!(Instant::now() < until, "the mail log never got there: {b}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The one-time password a mail carries.
fn one_time_password(mail: &Delivered) -> String {
    let (_, after) = mail
        .data
        .split_once("Your one-time password: ")
        .unwrap_or_else(|| panic!("no one-time password in {}", mail.data));
    after
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

/// Adds a password user `name` (at `name@example.test`) without a password, as an org with
/// a mail server wants; their id.
async fn add_without_password(api: &Api<'_>, org: &Org, name: &str) -> String {
    let (s, b) = api
        .post(
            &org.url("/users"),
            Some(&org.admin),
            json!({"username": name, "email": format!("{name}@example.test"),
                   "role": "password_user"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "adding {name}: {b}");
    b["id"].as_str().unwrap().to_owned()
}

/// Adds a user without a password where the org has a mail server: their one-time password
/// arrives by mail, and they replace it at their first login. Their id and own password.
async fn add_by_mail(api: &Api<'_>, org: &Org, sink: &SmtpSink, name: &str) -> (String, String) {
    let id = add_without_password(api, org, name).await;
    let welcome = arrived(
        sink,
        "Your Strongroom account",
        &format!("{name}@example.test"),
    )
    .await;
    let given = one_time_password(&welcome);
    let own = api
        .first_login(&org.prefix, name, &given, &format!("Own-{name}-password-1"))
        .await;
    (id, own)
}

/// The org's mail settings: the sink, signing in as `mailer`.
fn mail_settings(sink: &SmtpSink) -> Value {
    json!({"host": "127.0.0.1", "port": sink.port(), "sender": "pmp@mailco.test",
           "access_url": "https://pmp.mailco.test/", "tls_mode": "none",
           "credentials": {"username": "mailer", "password": "mail-secret-1"},
           "allow_internal_hosts": true})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn notices_go_out_through_the_orgs_mail_server_and_wait_while_it_refuses() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let org = Org::create(&api, "mailco").await;
    let msp = api.login("", "admin", crate::stack::ADMIN_PASSWORD).await;
    let sink = SmtpSink::start().await.unwrap();
    let (s, b) = api
        .put(&org.url("/settings/mail"), Some(&msp), mail_settings(&sink))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");

    // With a mail server, an administrator gives nobody a password: it goes by mail.
    let (s, b) = api
        .post(
            &org.url("/users"),
            Some(&org.admin),
            json!({"username": "olga", "email": "olga@example.test", "role": "password_user",
                   "password": "Chosen-by-root-1"}),
        )
        .await;
    assert_error(s, &b, StatusCode::BAD_REQUEST);
    assert!(
        b["message"]
            .as_str()
            .unwrap()
            .contains("leave the password out"),
        "{b}"
    );
    let (_, olga_pw) = add_by_mail(&api, &org, &sink, "olga").await;
    let olga = api.login(&org.prefix, "olga", &olga_pw).await;
    let (rita_id, rita_pw) = add_by_mail(&api, &org, &sink, "rita").await;
    let rita = api.login(&org.prefix, "rita", &rita_pw).await;
    let (dan_id, dan_pw) = add_by_mail(&api, &org, &sink, "dan").await;
    let dan = api.login(&org.prefix, "dan", &dan_pw).await;
    let leads = id(&created(
        &api,
        &org.url("/groups"),
        &org.admin,
        json!({"name": "DBA leads"}),
    )
    .await);
    let (s, b) = api
        .put(
            &org.url(&format!("/groups/{leads}/members/{dan_id}")),
            Some(&org.admin),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    // Each user made is welcomed (the mail waits for the mail server where there is none
    // yet), and the one-time password in it is seen by nobody else: not in the admin's
    // answer, the mail log or the audit trail.
    let welcome = arrived(&sink, "Your Strongroom account", "rita@example.test").await;
    assert!(
        welcome.data.contains("your username is rita"),
        "{}",
        welcome.data
    );
    let rita_one_time = one_time_password(&welcome);
    let (_, log) = api.get(&org.url("/mail-log"), Some(&org.admin)).await;
    let (_, trail) = api.get(&org.url("/audit"), Some(&org.admin)).await;
    for seen in [log.to_string(), trail.to_string()] {
        assert!(!seen.contains(&rita_one_time), "{seen}");
    }
    assert!(
        trail.to_string().contains("user.password_mailed"),
        "{trail}"
    );
    let account = controlled_account(
        &api,
        &org,
        &olga,
        &rita_id,
        ("db5", "pg-secret-5"),
        json!({"approver_group_ids": [leads]}),
    )
    .await;

    // A request: its notice goes to the approver group's member, signed in as the org's
    // mail settings say.
    let ends_at = (Utc::now() + chrono::Duration::minutes(30)).to_rfc3339();
    let asked = Instant::now();
    let request = id(&created(
        &api,
        &org.url("/access-requests"),
        &rita,
        json!({"account_id": account, "reason": "patching the primary", "ends_at": ends_at}),
    )
    .await);
    let notice = arrived(
        &sink,
        "Access request for db5/postgres by rita",
        "dan@example.test",
    )
    .await;
    eprintln!(
        "the request's notice arrived {:?} after the request",
        asked.elapsed()
    );
    assert_eq!(notice.mail_from, "pmp@mailco.test");
    assert_eq!(notice.auth_user.as_deref(), Some("mailer"));
    assert!(
        notice.data.contains("patching the primary"),
        "{}",
        notice.data
    );
    assert!(!notice.data.contains("pg-secret"), "{}", notice.data);

    // The mail server refuses for a while: the approval's notice waits, and is delivered
    // once it takes mail again.
    sink.refuse(true);
    let (s, b) = api
        .post(
            &org.url(&format!("/access-requests/{request}/approve")),
            Some(&dan),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let refused = mail_log_when(&api, &org, |log| {
        log["mails"][0]["notice"] == "request.approved"
            && log["mails"][0]["attempts"]
                .as_array()
                .is_some_and(|a| a.len() >= 2)
    })
    .await;
    let waiting = &refused["mails"][0];
    assert_eq!(waiting["status"], "pending", "{waiting}");
    assert!(waiting["next_attempt_at"].is_string(), "{waiting}");
    let error = waiting["attempts"][0]["error"].as_str().unwrap_or_default();
    assert!(error.contains("451"), "{error}");
    let approved = "Access request approved: db5/postgres";
    assert!(
        !sink
            .messages()
            .iter()
            .any(|m| m.subject().as_deref() == Some(approved)),
        "delivered while refused"
    );
    sink.refuse(false);
    arrived(&sink, approved, "rita@example.test").await;
    let log = mail_log_when(&api, &org, |log| {
        log["mails"]
            .as_array()
            .is_some_and(|mails| mails.iter().all(|m| m["status"] == "sent"))
    })
    .await;
    let sent = &log["mails"][0];
    assert_eq!(sent["sent_to"], json!(["rita@example.test"]), "{sent}");
    let attempts = sent["attempts"].as_array().unwrap();
    assert!(attempts.len() >= 3, "{sent}");
    assert_eq!(attempts.last().unwrap()["delivered"], true, "{sent}");
    // Nothing is lost: the welcomes of root and the three users, the request and the approval
    // (root's was queued before the org had a mail server, and went once it had one).
    assert_eq!(log["mails"].as_array().unwrap().len(), 6, "{log}");
    assert!(!log.to_string().contains("mail-secret"), "{log}");

    // A request nobody answers in time lapses, and the requester hears of it.
    let brief = (Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
    created(
        &api,
        &org.url("/access-requests"),
        &rita,
        json!({"account_id": account, "reason": "a quick look", "ends_at": brief}),
    )
    .await;
    let lapsed = arrived(
        &sink,
        "Access request lapsed: db5/postgres",
        "rita@example.test",
    )
    .await;
    assert!(
        lapsed.data.contains("lapsed: nobody approved it"),
        "{}",
        lapsed.data
    );

    // An administrator's reset goes by mail too: the old password stops working at once,
    // and the new one-time password reaches only the user.
    let reset = org.url(&format!("/users/{rita_id}/password"));
    let (s, b) = api
        .put(
            &reset,
            Some(&org.admin),
            json!({"password": "Chosen-by-root-2"}),
        )
        .await;
    assert_error(s, &b, StatusCode::BAD_REQUEST);
    let (s, b) = api.put(&reset, Some(&org.admin), json!({})).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    let r = api.try_login(&org.prefix, "rita", &rita_pw).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    let mail = arrived(
        &sink,
        "Your Strongroom password was reset",
        "rita@example.test",
    )
    .await;
    let given = one_time_password(&mail);
    assert_ne!(given, rita_one_time);
    api.first_login(&org.prefix, "rita", &given, "Rita-own-again-2")
        .await;
    // Her sessions ended with the reset: she signs in again.
    let rita = api.login(&org.prefix, "rita", "Rita-own-again-2").await;

    // A mailbox the server refuses for good (550): the welcome is not retried on its own, and
    // goes once the mail settings are saved again (here, after the mailbox exists).
    sink.reject(&["gone@example.test"]);
    add_without_password(&api, &org, "gone").await;
    let welcome_of_gone = |log: &Value| {
        log["mails"]
            .as_array()
            .and_then(|mails| {
                mails
                    .iter()
                    .find(|m| {
                        m["notice"] == "user.welcome"
                            && m["status"] != "sent"
                            && m["attempts"].as_array().is_some_and(|a| !a.is_empty())
                    })
                    .cloned()
            })
            .unwrap_or(Value::Null)
    };
    let log = mail_log_when(&api, &org, |log| {
        welcome_of_gone(log)["status"] == "refused"
    })
    .await;
    let refused = welcome_of_gone(&log);
    assert_eq!(
        refused["attempts"].as_array().unwrap().len(),
        1,
        "{refused}"
    );
    assert_eq!(refused["attempts"][0]["refused"], true, "{refused}");
    let error = refused["attempts"][0]["error"].as_str().unwrap_or_default();
    assert!(error.contains("550"), "{error}");
    assert!(refused["next_attempt_at"].is_null(), "{refused}");
    // A temporary failure would have been tried again within 2 s; this one is not.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let (_, log) = api.get(&org.url("/mail-log"), Some(&org.admin)).await;
    let still = log["mails"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == refused["id"])
        .cloned()
        .unwrap();
    assert_eq!(still["attempts"].as_array().unwrap().len(), 1, "{still}");
    sink.reject(&[]);
    let (s, b) = api
        .put(&org.url("/settings/mail"), Some(&msp), mail_settings(&sink))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    arrived(&sink, "Your Strongroom account", "gone@example.test").await;

    // The log is for those who manage the org's settings.
    let (s, b) = api.get(&org.url("/mail-log"), Some(&rita)).await;
    assert_error(s, &b, StatusCode::FORBIDDEN);

    // Mail queued while the server is down survives a restart of every service: the queue
    // is in the database, and the one-time password is made only when the mail goes.
    sink.refuse(true);
    add_without_password(&api, &org, "late").await;
    let queued = mail_log_when(&api, &org, |log| {
        log["mails"][0]["notice"] == "user.welcome"
            && log["mails"][0]["status"] == "pending"
            && log["mails"][0]["attempts"]
                .as_array()
                .is_some_and(|a| !a.is_empty())
    })
    .await;
    let late_mail = queued["mails"][0]["id"].clone();
    let mut stack = stack;
    stack.restart().await.unwrap();
    let api = Api { stack: &stack };
    sink.refuse(false);
    let welcome = arrived(&sink, "Your Strongroom account", "late@example.test").await;
    api.first_login(
        &org.prefix,
        "late",
        &one_time_password(&welcome),
        "Late-own-1",
    )
    .await;
    let log = mail_log_when(&api, &org, |log| {
        log["mails"].as_array().is_some_and(|m| {
            m.iter()
                .any(|m| m["id"] == late_mail && m["status"] == "sent")
        })
    })
    .await;
    let attempts = log["mails"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == late_mail)
        .map(|m| m["attempts"].as_array().unwrap().len())
        .unwrap();
    assert!(attempts >= 2, "{log}");
    stack.stop().await.unwrap();
}

/// Mail settings may sign in with a vault account: each send opens its current password in
/// the vault (audited), and only the account an administrator who may reveal it chose.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_vault_account_signs_in_to_the_mail_server() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let org = Org::create(&api, "vaultmail").await;
    let sink = SmtpSink::start().await.unwrap();
    let account = api
        .store_password(&org.prefix, &org.admin, "smtp", "relay", "vault-mail-1")
        .await;
    // An MSP administrator lets the org's mail reach a loopback server; the org's own
    // administrator then names their account.
    let msp = api.login("", "admin", crate::stack::ADMIN_PASSWORD).await;
    let (s, b) = api
        .put(&org.url("/settings/mail"), Some(&msp), mail_settings(&sink))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let mut settings = mail_settings(&sink);
    settings["credentials"] = json!({"account_id": account});
    let (s, b) = api
        .put(&org.url("/settings/mail"), Some(&org.admin), settings)
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["credentials"], json!({"account_id": account}), "{b}");

    // The welcome goes, signed in as the account with its password now.
    add_by_mail(&api, &org, &sink, "wendy").await;
    let sent = arrived(&sink, "Your Strongroom account", "wendy@example.test").await;
    assert_eq!(sent.auth_user.as_deref(), Some("relay"));
    assert_eq!(sent.auth_password.as_deref(), Some("vault-mail-1"));

    // A new password in the vault is used from the next mail on.
    let (s, b) = api
        .put(
            &org.url(&format!("/accounts/{account}/password")),
            Some(&org.admin),
            json!({"password": "vault-mail-2", "reason": "rotated"}),
        )
        .await;
    assert!(s.is_success(), "{s} {b}");
    add_by_mail(&api, &org, &sink, "xavier").await;
    let sent = arrived(&sink, "Your Strongroom account", "xavier@example.test").await;
    assert_eq!(sent.auth_password.as_deref(), Some("vault-mail-2"));
    let trail = crate::api::audit_operations(&api, &org, &["password.used_by_service"]).await;
    assert!(!format!("{trail:?}").contains("vault-mail"), "{trail:?}");

    // Under access control the account is no longer opened for mail, and the log says why.
    let (s, b) = api
        .put(
            &org.url(&format!("/accounts/{account}/access-control")),
            Some(&org.admin),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    add_without_password(&api, &org, "yves").await;
    // Yves's welcome is the fourth mail (after root's, Wendy's and Xavier's).
    let log = mail_log_when(&api, &org, |log| {
        log["mails"].as_array().is_some_and(|m| m.len() == 4)
            && log["mails"][0]["attempts"]
                .as_array()
                .is_some_and(|a| !a.is_empty())
    })
    .await;
    let error = log["mails"][0]["attempts"][0]["error"]
        .as_str()
        .unwrap_or_default();
    assert!(error.contains("access control"), "{log}");
    stack.stop().await.unwrap();
}

/// The `n`th message with `subject` to arrive (from 1), polled until [`DEADLINE`].
async fn nth_arrived(sink: &SmtpSink, subject: &str, n: usize) -> Delivered {
    let until = Instant::now() + DEADLINE;
    loop {
        let found: Vec<Delivered> = sink
            .messages()
            .into_iter()
            .filter(|m| m.subject().as_deref() == Some(subject))
            .collect();
        if let Some(found) = found.into_iter().nth(n - 1) {
            return found;
        }
        assert!(
            Instant::now() < until,
            "no {n}th {subject:?} arrived: {:?}",
            sink.messages()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn reveal(api: &Api<'_>, org: &Org, token: &str, account: &str) -> (StatusCode, Value) {
    api.get(
        &org.url(&format!("/accounts/{account}/password?reason=patching")),
        Some(token),
    )
    .await
}

/// The addresses a mail went to, sorted.
fn sent_to(mail: &Delivered) -> Vec<String> {
    let mut to = mail.rcpt_tos.clone();
    to.sort();
    to
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_groups_password_actions_are_mailed_to_owners_sharees_and_chosen_users() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let org = Org::create(&api, "notifyco").await;
    let sink = SmtpSink::start().await.unwrap();
    let msp = api.login("", "admin", crate::stack::ADMIN_PASSWORD).await;
    let (s, b) = api
        .put(&org.url("/settings/mail"), Some(&msp), mail_settings(&sink))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let mut people = Vec::new();
    for name in ["olga", "rita", "cara", "dan"] {
        let (id, own) = add_by_mail(&api, &org, &sink, name).await;
        people.push((id.clone(), api.login(&org.prefix, name, &own).await));
    }
    let [(_, olga), (rita_id, rita), (cara_id, _), (dan_id, _)] = &people[..] else {
        unreachable!()
    };
    let db7 = api
        .store_password(&org.prefix, olga, "db7", "postgres", "pg-secret-7")
        .await;
    let web1 = api
        .store_password(&org.prefix, olga, "web1", "root", "web-secret-1")
        .await;
    let (_, account) = api
        .get(&org.url(&format!("/accounts/{db7}")), Some(olga))
        .await;
    let db7_resource = account["resource_id"].as_str().unwrap().to_owned();
    let group = id(&created(
        &api,
        &org.url("/resource-groups"),
        olga,
        json!({"name": "Prod"}),
    )
    .await);
    let (s, b) = api
        .put(
            &org.url(&format!(
                "/resource-groups/{group}/resources/{db7_resource}"
            )),
            Some(olga),
            json!({}),
        )
        .await;
    assert!(s.is_success(), "{b}");
    created(
        &api,
        &org.url(&format!("/accounts/{db7}/shares")),
        olga,
        json!({"grantee_kind": "user", "grantee_id": rita_id, "level": "view"}),
    )
    .await;

    // The group's owner chooses; bad choices are refused saying why, others see nothing.
    let notifications = org.url(&format!("/resource-groups/{group}/notifications"));
    let (s, b) = api.get(&notifications, Some(olga)).await;
    assert_eq!(
        (s, b["actions"].clone()),
        (StatusCode::OK, json!([])),
        "{b}"
    );
    for (body, why) in [
        (
            json!({"actions": ["expired"], "to_owners": true}),
            "expired",
        ),
        (json!({"actions": ["access"]}), "say who is told"),
        (
            json!({"actions": ["access"], "user_ids": [uuid::Uuid::new_v4()]}),
            "no active user",
        ),
        (
            json!({"actions": ["access"], "user_ids": ["cara"]}),
            "not a user id",
        ),
    ] {
        let (s, b) = api.put(&notifications, Some(olga), body).await;
        assert_error(s, &b, StatusCode::BAD_REQUEST);
        assert!(b["message"].as_str().unwrap().contains(why), "{b}");
    }
    let (s, b) = api.get(&notifications, Some(rita)).await;
    assert_error(s, &b, StatusCode::NOT_FOUND);
    let (s, b) = api
        .put(
            &notifications,
            Some(olga),
            json!({"actions": ["access", "modification", "share_change", "policy_violation",
                               "expiry"],
                   "to_owners": true, "to_sharees": true, "user_ids": [cara_id]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["updated_by"], "olga", "{b}");
    // Once the trail shows them saved, every action after is judged by them.
    crate::api::audit_operations(&api, &org, &["resource_group.notifications_set"]).await;
    let olga_rita_cara = [
        "cara@example.test",
        "olga@example.test",
        "rita@example.test",
    ];

    // A reveal of a password the group holds goes to its owner, its sharee and Cara; one
    // outside the group goes to nobody.
    let (s, b) = reveal(&api, &org, rita, &db7).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let mail = nth_arrived(&sink, "Password revealed: db7/postgres", 1).await;
    assert_eq!(sent_to(&mail), olga_rita_cara);
    assert!(
        mail.data
            .contains("rita revealed the password of db7/postgres."),
        "{}",
        mail.data
    );
    assert!(mail.data.contains("Reason: patching"), "{}", mail.data);
    let (s, _) = reveal(&api, &org, olga, &web1).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = reveal(&api, &org, olga, &db7).await;
    assert_eq!(s, StatusCode::OK);
    nth_arrived(&sink, "Password revealed: db7/postgres", 2).await;
    assert!(
        !sink.messages().iter().any(|m| m.data.contains("web1")),
        "a password outside the group was mailed about"
    );

    // A change, then a share with Dan: Dan, a sharee by then, is told of it too.
    let (s, b) = api
        .put(
            &org.url(&format!("/accounts/{db7}/password")),
            Some(olga),
            json!({"password": "pg-secret-8", "reason": "rotated"}),
        )
        .await;
    assert!(s.is_success(), "{b}");
    let mail = nth_arrived(&sink, "Password changed: db7/postgres", 1).await;
    assert_eq!(sent_to(&mail), olga_rita_cara);
    created(
        &api,
        &org.url(&format!("/accounts/{db7}/shares")),
        olga,
        json!({"grantee_kind": "user", "grantee_id": dan_id, "level": "view"}),
    )
    .await;
    let mail = nth_arrived(&sink, "Share changed: db7/postgres", 1).await;
    assert_eq!(
        sent_to(&mail),
        [
            "cara@example.test",
            "dan@example.test",
            "olga@example.test",
            "rita@example.test"
        ]
    );
    assert!(
        mail.data
            .contains("olga shared db7/postgres with dan at view access."),
        "{}",
        mail.data
    );

    // The group is given a policy its password breaks: those concerned are told which rule.
    let (s, b) = api
        .put(
            &org.url(&format!("/resource-groups/{group}/password-policy")),
            Some(olga),
            json!({"password_policy": "strong"}),
        )
        .await;
    assert_eq!(
        (s, b["resources"].clone()),
        (StatusCode::OK, json!(1)),
        "{b}"
    );
    let mail = nth_arrived(&sink, "Password breaks its policy: db7/postgres", 1).await;
    assert_eq!(sent_to(&mail).len(), 4, "{:?}", mail.rcpt_tos);
    assert!(
        mail.data.contains("the password policy strong"),
        "{}",
        mail.data
    );
    assert!(mail.data.contains("(rule "), "{}", mail.data);

    // A hundred days pass for the current password (strong allows 90): the schedule finds
    // it expired, once.
    let org_uuid = uuid::Uuid::parse_str(&crate::api::org_id(&api, &org).await).unwrap();
    let vault_db = sqlx::PgPool::connect(&stack.database_url("vault"))
        .await
        .unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE org_{}.secrets SET created_at = now() - interval '100 days'
         WHERE account_id = $1",
        org_uuid.simple()
    )))
    .bind(uuid::Uuid::parse_str(&db7).unwrap())
    .execute(&vault_db)
    .await
    .unwrap();
    let mail = nth_arrived(&sink, "Password expired: db7/postgres", 1).await;
    assert_eq!(sent_to(&mail).len(), 4, "{:?}", mail.rcpt_tos);
    assert!(
        mail.data
            .contains("older than the 90 days its policy strong"),
        "{}",
        mail.data
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    let expired = sink
        .messages()
        .iter()
        .filter(|m| m.subject().as_deref() == Some("Password expired: db7/postgres"))
        .count();
    assert_eq!(expired, 1, "an expiry is mailed once");
    for m in sink.messages() {
        assert!(
            !m.data.contains("pg-secret"),
            "a password was mailed: {}",
            m.data
        );
    }
    let trail =
        crate::api::audit_operations(&api, &org, &["resource_group.notifications_set"]).await;
    let saved: Vec<&Value> = trail
        .iter()
        .filter(|e| e["operation"] == "resource_group.notifications_set")
        .collect();
    assert_eq!(saved.len(), 1, "{saved:?}");
    assert_eq!(
        saved[0]["details"]["user_ids"],
        json!([cara_id]),
        "{saved:?}"
    );
    stack.stop().await.unwrap();
}
