//! Mail goes out: new users are welcomed, notices of access requests reach those who may
//! approve them, and decisions and lapses reach the requester, through the org's own mail server (a
//! real SMTP server started here); a server that refuses delays mail and loses none, and
//! the delivery log shows every attempt.

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

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn notices_go_out_through_the_orgs_mail_server_and_wait_while_it_refuses() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let org = Org::create(&api, "mailco").await;
    let msp = api.login("", "admin", crate::stack::ADMIN_PASSWORD).await;
    let sink = SmtpSink::start().await.unwrap();
    let (s, b) = api
        .put(
            &org.url("/settings/mail"),
            Some(&msp),
            json!({"host": "127.0.0.1", "port": sink.port(), "sender": "pmp@mailco.test",
                   "access_url": "https://pmp.mailco.test/", "tls_mode": "none",
                   "credentials": {"username": "mailer", "password": "mail-secret-1"},
                   "allow_internal_hosts": true}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");

    let (_, olga_pw) = api
        .add_user(&org.prefix, &org.admin, "olga", "password_user")
        .await;
    let olga = api.login(&org.prefix, "olga", &olga_pw).await;
    let (rita_id, rita_pw) = api
        .add_user(&org.prefix, &org.admin, "rita", "password_user")
        .await;
    let rita = api.login(&org.prefix, "rita", &rita_pw).await;
    let (dan_id, dan_pw) = api
        .add_user(&org.prefix, &org.admin, "dan", "password_user")
        .await;
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
    // yet); the mail carries no password.
    let welcome = arrived(&sink, "Your Strongroom account", "rita@example.test").await;
    assert!(
        welcome.data.contains("your username is rita"),
        "{}",
        welcome.data
    );
    assert!(!welcome.data.contains("one-time"), "{}", welcome.data);
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

    // The log is for those who manage the org's settings.
    let (s, b) = api.get(&org.url("/mail-log"), Some(&rita)).await;
    assert_error(s, &b, StatusCode::FORBIDDEN);
    stack.stop().await.unwrap();
}
