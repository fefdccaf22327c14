//! Each org's mail server, proxy and login-page branding, kept by the tenant service:
//! saved and read back per org, passwords sealed and never returned, bad input refused
//! naming the field, only administrators allowed, every save audited without secrets, and
//! the branding a login page shows served to anyone.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::api::{Api, Org, assert_error};
use crate::stack::{ADMIN_PASSWORD, Stack};

const SMTP_PASSWORD: &str = "smtp-Secret-4711";
const PROXY_PASSWORD: &str = "proxy-Secret-0815";

fn mail(host: &str, credentials: Value) -> Value {
    json!({"host": host, "port": 587, "sender": "pmp@acme.test",
           "access_url": "https://pmp.acme.test/", "tls_mode": "starttls",
           "credentials": credentials})
}

fn branding(text: &str) -> Value {
    json!({"logo": "data:image/png;base64,iVBORw0KGgo=", "login_text": text,
           "legal_banner": {"enabled": true, "text": format!("{text}: authorised use only"),
                            "requires_acceptance": true},
           "privacy_banner": {"enabled": true, "text": "We log every sign-in.",
                              "button_label": "Accept"}})
}

/// Every `org_settings` row of the tenant database, as text.
async fn stored_rows(stack: &Stack) -> Vec<String> {
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&stack.database_url("tenant"))
        .await
        .unwrap();
    let schemas: Vec<(String,)> = sqlx::query_as("SELECT schema_name FROM public.tenant_schemas")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    let mut rows = Vec::new();
    for (schema,) in schemas {
        let found: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT value::text FROM {schema}.org_settings"
        )))
        .fetch_all(&mut conn)
        .await
        .unwrap();
        rows.extend(found.into_iter().map(|(v,)| v));
    }
    rows
}

/// The `settings.*` events of the audit trail at `path`, once there are `count`.
async fn settings_events(api: &Api<'_>, path: &str, token: &str, count: usize) -> Vec<Value> {
    strongroom_testkit::wait_until(Duration::from_secs(20), || async {
        let (s, b) = api.get(path, Some(token)).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let events: Vec<Value> = b["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| {
                e["operation"]
                    .as_str()
                    .is_some_and(|o| o.starts_with("settings."))
            })
            .cloned()
            .collect();
        (events.len() >= count).then_some(events)
    })
    .await
    .unwrap_or_else(|e| panic!("{count} settings events not in {path}: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn each_org_keeps_its_own_settings_and_never_returns_a_password() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let msp = api.login("", "admin", ADMIN_PASSWORD).await;
    let acme = Org::create(&api, "acme").await;

    // Nothing saved yet.
    for kind in ["mail", "proxy", "branding"] {
        let (s, b) = api
            .get(&format!("/api/v1/settings/{kind}"), Some(&msp))
            .await;
        assert_error(s, &b, StatusCode::NOT_FOUND);
        assert!(b["message"].as_str().unwrap().contains(kind), "{b}");
    }

    // MSPOrg's mail server, signed in to with a password.
    let (s, b) = api
        .put(
            "/api/v1/settings/mail",
            Some(&msp),
            mail(
                "smtp.msp.test",
                json!({"username": "mailer", "password": SMTP_PASSWORD}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(
        b["credentials"],
        json!({"username": "mailer", "password_set": true})
    );
    assert!(!b.to_string().contains(SMTP_PASSWORD), "{b}");
    let (s, b) = api.get("/api/v1/settings/mail", Some(&msp)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    for (field, value) in [
        ("host", json!("smtp.msp.test")),
        ("port", json!(587)),
        ("sender", json!("pmp@acme.test")),
        ("access_url", json!("https://pmp.acme.test/")),
        ("tls_mode", json!("starttls")),
        (
            "credentials",
            json!({"username": "mailer", "password_set": true}),
        ),
    ] {
        assert_eq!(b[field], value, "{field}: {b}");
    }
    assert!(b["updated_at"].is_string(), "{b}");
    assert!(!b.to_string().contains(SMTP_PASSWORD), "{b}");

    // Saved again without a password, the stored one stays...
    let (s, b) = api
        .put(
            "/api/v1/settings/mail",
            Some(&msp),
            mail("smtp.msp.test", json!({"username": "mailer"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["credentials"]["password_set"], true, "{b}");
    // ... but never follows the server to a new address: that needs the password again.
    let (s, b) = api
        .put(
            "/api/v1/settings/mail",
            Some(&msp),
            mail("smtp2.msp.test", json!({"username": "mailer"})),
        )
        .await;
    assert_error(s, &b, StatusCode::BAD_REQUEST);
    assert!(
        b["message"]
            .as_str()
            .unwrap()
            .contains("credentials.password"),
        "{b}"
    );
    let (s, b) = api
        .put(
            "/api/v1/settings/mail",
            Some(&msp),
            mail(
                "smtp2.msp.test",
                json!({"username": "mailer", "password": SMTP_PASSWORD}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["host"], "smtp2.msp.test");
    assert_eq!(b["credentials"]["password_set"], true, "{b}");

    // At rest it is sealed: no row holds it.
    let rows = stored_rows(&stack).await;
    assert!(
        rows.iter().any(|r| r.contains("password_sealed")),
        "{rows:?}"
    );
    assert!(rows.iter().all(|r| !r.contains(SMTP_PASSWORD)), "{rows:?}");

    // `null` removes it; a vault account replaces the username and password.
    let (s, b) = api
        .put(
            "/api/v1/settings/mail",
            Some(&msp),
            mail(
                "smtp2.msp.test",
                json!({"username": "mailer", "password": null}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["credentials"]["password_set"], false, "{b}");
    let account = api
        .store_password("", &msp, "smtp-relay", "mailer", "relay-password")
        .await;
    let (s, b) = api
        .put(
            "/api/v1/settings/mail",
            Some(&msp),
            mail("smtp2.msp.test", json!({"account_id": account})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["credentials"], json!({"account_id": account}));

    // The client org keeps its own, which its administrator and its account manager see.
    let (s, b) = api
        .put(
            &acme.url("/settings/mail"),
            Some(&acme.admin),
            mail(
                "smtp.acme.test",
                json!({"username": "acme", "password": SMTP_PASSWORD}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    for token in [&acme.admin, &msp] {
        let (s, b) = api.get(&acme.url("/settings/mail"), Some(token)).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        assert_eq!(b["host"], "smtp.acme.test", "{b}");
        assert_eq!(b["credentials"]["password_set"], true, "{b}");
    }
    let (_, b) = api.get("/api/v1/settings/mail", Some(&msp)).await;
    assert_eq!(b["host"], "smtp2.msp.test", "{b}");

    // The proxy, with its own password and exceptions.
    let proxy = json!({"enabled": true, "host": "proxy.acme.test", "port": 3128,
                       "username": "squid", "password": PROXY_PASSWORD,
                       "no_proxy": ["localhost", ".acme.test", "10.0.0.0/8"]});
    let (s, b) = api
        .put(&acme.url("/settings/proxy"), Some(&acme.admin), proxy)
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    // A new port without the password again is refused; with it, saved.
    let moved = json!({"enabled": true, "host": "proxy.acme.test", "port": 8080,
                       "username": "squid", "no_proxy": ["localhost"]});
    let (s, b) = api
        .put(
            &acme.url("/settings/proxy"),
            Some(&acme.admin),
            moved.clone(),
        )
        .await;
    assert_error(s, &b, StatusCode::BAD_REQUEST);
    assert!(b["message"].as_str().unwrap().contains("password"), "{b}");
    let mut with_password = moved;
    with_password["password"] = json!(PROXY_PASSWORD);
    let (s, b) = api
        .put(
            &acme.url("/settings/proxy"),
            Some(&acme.admin),
            with_password,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = api
        .get(&acme.url("/settings/proxy"), Some(&acme.admin))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(
        (&b["port"], &b["password_set"], &b["no_proxy"]),
        (&json!(8080), &json!(true), &json!(["localhost"])),
        "{b}"
    );
    assert!(!b.to_string().contains(PROXY_PASSWORD), "{b}");
    let (s, _) = api.get("/api/v1/settings/proxy", Some(&msp)).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "MSPOrg has no proxy of its own");

    // Branding, in both orgs.
    for (path, token, text) in [
        ("/api/v1/settings/branding".to_owned(), &msp, "MSP"),
        (acme.url("/settings/branding"), &acme.admin, "Acme"),
    ] {
        let (s, b) = api.put(&path, Some(token), branding(text)).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let (s, b) = api.get(&path, Some(token)).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        assert_eq!(b["login_text"], text, "{b}");
        assert_eq!(b["legal_banner"]["requires_acceptance"], true, "{b}");
        assert_eq!(b["privacy_banner"]["button_label"], "Accept", "{b}");
        assert_eq!(b["logo"], "data:image/png;base64,iVBORw0KGgo=", "{b}");
    }

    let rows = stored_rows(&stack).await;
    for secret in [SMTP_PASSWORD, PROXY_PASSWORD] {
        assert!(rows.iter().all(|r| !r.contains(secret)), "{rows:?}");
    }

    // Every save is in its org's audit trail, naming what changed and no secret: MSPOrg's
    // five mail saves and one branding save; acme's mail, two proxy and branding saves (the
    // refused ones are not saves).
    let msp_saves = settings_events(&api, "/api/v1/audit", &msp, 6).await;
    let acme_saves = settings_events(&api, &acme.url("/audit"), &acme.admin, 4).await;
    let count = |events: &[Value], op: &str| events.iter().filter(|e| e["operation"] == op).count();
    assert_eq!(
        count(&msp_saves, "settings.mail_updated"),
        5,
        "{msp_saves:?}"
    );
    assert_eq!(
        count(&msp_saves, "settings.branding_updated"),
        1,
        "{msp_saves:?}"
    );
    assert_eq!(
        count(&acme_saves, "settings.proxy_updated"),
        2,
        "{acme_saves:?}"
    );
    assert_eq!(acme_saves.len(), 4, "{acme_saves:?}");
    assert!(
        msp_saves
            .iter()
            .all(|e| !e.to_string().contains("smtp.acme.test")),
        "{msp_saves:?}"
    );
    for e in msp_saves.iter().chain(&acme_saves) {
        let text = e.to_string();
        assert!(
            !text.contains(SMTP_PASSWORD) && !text.contains(PROXY_PASSWORD),
            "{e}"
        );
        assert!(!text.contains("password_sealed"), "{e}");
        assert_eq!(e["service"], "tenant", "{e}");
        assert_eq!(e["target"]["kind"], "settings", "{e}");
        assert!(e["details"]["changed"].is_array(), "{e}");
    }
    let second_proxy_save = acme_saves
        .iter()
        .filter(|e| e["operation"] == "settings.proxy_updated")
        .map(|e| e["details"]["changed"].clone())
        .find(|c| c.as_array().is_some_and(|c| c.len() < 4))
        .unwrap_or_else(|| panic!("the second proxy save: {acme_saves:?}"));
    assert_eq!(second_proxy_save, json!(["no_proxy", "password", "port"]));
    let removed = msp_saves
        .iter()
        .any(|e| e["details"]["changed"] == json!(["credentials.password"]));
    assert!(removed, "removing the password is named: {msp_saves:?}");
    stack.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bad_settings_are_refused_naming_the_field() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let msp = api.login("", "admin", ADMIN_PASSWORD).await;
    let good = mail("smtp.msp.test", Value::Null);
    let with = |field: &str, value: Value| {
        let mut body = good.clone();
        body[field] = value;
        body
    };
    let huge_logo = format!(
        "data:image/png;base64,{}",
        "A".repeat((256 * 1024 + 3) / 3 * 4 + 8)
    );
    let refused = [
        ("mail", with("host", json!("")), "host"),
        ("mail", with("host", json!("smtp example")), "host"),
        ("mail", with("port", json!(0)), "port"),
        ("mail", with("port", json!(70000)), "port"),
        ("mail", with("port", json!(-1)), "port"),
        ("mail", with("sender", json!("nobody")), "sender"),
        (
            "mail",
            with("access_url", json!("ftp://pmp.test")),
            "access_url",
        ),
        ("mail", with("tls_mode", json!("ssl")), "tls_mode"),
        ("mail", with("hostname", json!("x")), "hostname"),
        (
            "mail",
            with("credentials", json!({"account_id": "not-a-uuid"})),
            "credentials.account_id",
        ),
        (
            "mail",
            with(
                "credentials",
                json!({"username": "u", "account_id": uuid::Uuid::new_v4()}),
            ),
            "credentials",
        ),
        (
            "mail",
            with("credentials", json!({"password": "p"})),
            "credentials.username",
        ),
        (
            "mail",
            with("credentials", json!({"username": "u", "password": ""})),
            "credentials.password",
        ),
        ("proxy", json!({"enabled": true, "port": 3128}), "host"),
        (
            "proxy",
            json!({"enabled": true, "host": "proxy.test", "port": 3128, "password": "p"}),
            "username",
        ),
        (
            "proxy",
            json!({"enabled": true, "host": "proxy.test", "port": 3128,
                   "no_proxy": ["not a host"]}),
            "no_proxy",
        ),
        ("branding", json!({"logo": huge_logo}), "256 KiB"),
        (
            "branding",
            json!({"logo": "http://cdn.test/logo.png"}),
            "logo",
        ),
        (
            "branding",
            json!({"privacy_banner": {"enabled": true, "text": "We log."}}),
            "privacy_banner.button_label",
        ),
        (
            "branding",
            json!({"legal_banner": {"enabled": true}}),
            "legal_banner.text",
        ),
        (
            "branding",
            json!({"legal_banner": {"enabled": true, "txt": "typo"}}),
            "txt",
        ),
    ];
    for (kind, body, field) in refused {
        let (s, b) = api
            .put(
                &format!("/api/v1/settings/{kind}"),
                Some(&msp),
                body.clone(),
            )
            .await;
        assert_error(s, &b, StatusCode::BAD_REQUEST);
        assert_eq!(b["error"], "invalid_argument", "{b}");
        assert!(
            b["message"].as_str().unwrap().contains(field),
            "{kind} {body}: {b}"
        );
    }
    // Nothing was saved by any of them.
    for kind in ["mail", "proxy", "branding"] {
        let (s, _) = api
            .get(&format!("/api/v1/settings/{kind}"), Some(&msp))
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{kind}");
    }
    stack.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn only_administrators_reach_an_orgs_settings_and_anyone_sees_its_branding() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let msp = api.login("", "admin", ADMIN_PASSWORD).await;
    let acme = Org::create(&api, "acme").await;
    let globex = Org::create(&api, "globex").await;
    // Made before the org has a mail server, so her administrator gives her a password.
    let (_, pw) = api
        .add_user(&acme.prefix, &acme.admin, "paula", "password_user")
        .await;
    let paula = api.login(&acme.prefix, "paula", &pw).await;
    let (s, b) = api
        .put(
            &acme.url("/settings/mail"),
            Some(&acme.admin),
            mail(
                "smtp.acme.test",
                json!({"username": "acme", "password": SMTP_PASSWORD}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");

    // A password user of the org may do neither (with input good or bad).
    for (kind, body) in [
        ("mail", mail("", Value::Null)),
        ("proxy", json!({"enabled": false})),
        ("branding", branding("Paula")),
    ] {
        let path = acme.url(&format!("/settings/{kind}"));
        let (s, b) = api.get(&path, Some(&paula)).await;
        assert_error(s, &b, StatusCode::FORBIDDEN);
        assert!(
            b["message"].as_str().unwrap().contains("orgs.manage"),
            "{b}"
        );
        let (s, b) = api.put(&path, Some(&paula), body).await;
        assert_error(s, &b, StatusCode::FORBIDDEN);
    }
    // Nobody without credentials.
    let (s, b) = api.get(&acme.url("/settings/mail"), None).await;
    assert_error(s, &b, StatusCode::UNAUTHORIZED);

    // Another client org's administrator cannot see acme's, and has none of its own.
    let (s, b) = api
        .get(&acme.url("/settings/mail"), Some(&globex.admin))
        .await;
    assert_error(s, &b, StatusCode::NOT_FOUND);
    let (s, b) = api
        .put(
            &acme.url("/settings/mail"),
            Some(&globex.admin),
            mail("evil.test", Value::Null),
        )
        .await;
    assert_error(s, &b, StatusCode::NOT_FOUND);
    let (s, b) = api
        .get(&globex.url("/settings/mail"), Some(&globex.admin))
        .await;
    assert_error(s, &b, StatusCode::NOT_FOUND);
    assert!(!b.to_string().contains("smtp.acme.test"), "{b}");

    // Branding for anyone: nothing saved anywhere yet.
    let (s, b) = api.get("/acme/api/v1/branding", None).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(
        (&b["source"], &b["logo"]),
        (&json!("default"), &Value::Null)
    );

    for (path, token, text) in [
        ("/api/v1/settings/branding".to_owned(), &msp, "MSP"),
        (acme.url("/settings/branding"), &acme.admin, "Acme"),
    ] {
        let (s, b) = api.put(&path, Some(token), branding(text)).await;
        assert_eq!(s, StatusCode::OK, "{b}");
    }
    // A client org's URL shows its own; MSPOrg's URL the MSP's; an org that saved none
    // shows the MSP's.
    for (path, text, source) in [
        ("/acme/api/v1/branding", "Acme", "org"),
        ("/ACME/api/v1/branding", "Acme", "org"),
        ("/api/v1/branding", "MSP", "org"),
        ("/globex/api/v1/branding", "MSP", "msp"),
    ] {
        let (s, b) = api.get(path, None).await;
        assert_eq!(s, StatusCode::OK, "{path}: {b}");
        assert_eq!(b["login_text"], text, "{path}: {b}");
        assert_eq!(b["source"], source, "{path}: {b}");
        assert_eq!(
            b["legal_banner"]["text"],
            format!("{text}: authorised use only"),
            "{path}: {b}"
        );
        assert_eq!(b["privacy_banner"]["button_label"], "Accept", "{path}: {b}");
    }
    // An unknown org's login page shows what a client org without branding of its own
    // shows (MSPOrg's), so it tells no org apart.
    let (s, unknown_branding) = api.get("/nosuch/api/v1/branding", None).await;
    assert_eq!(s, StatusCode::OK, "{unknown_branding}");
    let (_, globex_branding) = api.get("/globex/api/v1/branding", None).await;
    assert_eq!(unknown_branding, globex_branding);
    stack.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mail_and_proxy_reach_internal_hosts_only_when_an_msp_administrator_allows_it() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let acme = Org::create(&api, "acme").await;
    let msp = api.login("", "admin", ADMIN_PASSWORD).await;
    let url = acme.url("/settings/mail");
    let allowing = |host: &str| {
        let mut body = mail(host, Value::Null);
        body["allow_internal_hosts"] = json!(true);
        body
    };

    // The client org's administrator cannot point mail at the deployment itself...
    for host in [
        "127.0.0.1",
        "localhost",
        "169.254.169.254",
        "::1",
        "fe80::1",
    ] {
        let (s, b) = api
            .put(&url, Some(&acme.admin), mail(host, Value::Null))
            .await;
        assert_error(s, &b, StatusCode::BAD_REQUEST);
        let message = b["message"].as_str().unwrap();
        assert!(
            message.starts_with("host") && message.contains("allow_internal_hosts"),
            "{host}: {message}"
        );
    }
    // ... nor at a name that resolves there now; a name without an address is a mistake.
    stack
        .dns
        .set("smtp.inside.test", &["10.0.0.25".parse().unwrap()]);
    stack
        .dns
        .set("proxy.inside.test", &["fd00::3128".parse().unwrap()]);
    let (s, b) = api
        .put(
            &url,
            Some(&acme.admin),
            mail("smtp.inside.test", Value::Null),
        )
        .await;
    assert_error(s, &b, StatusCode::BAD_REQUEST);
    let message = b["message"].as_str().unwrap();
    assert!(
        message.starts_with("host") && message.contains("private (it resolves to 10.0.0.25)"),
        "{message}"
    );
    let (s, b) = api
        .put(
            &acme.url("/settings/proxy"),
            Some(&acme.admin),
            json!({"enabled": true, "host": "proxy.inside.test", "port": 3128}),
        )
        .await;
    assert_error(s, &b, StatusCode::BAD_REQUEST);
    assert!(b["message"].as_str().unwrap().contains("fd00::3128"), "{b}");
    let (s, b) = api
        .put(
            &url,
            Some(&acme.admin),
            mail("smtp.nowhere.example", Value::Null),
        )
        .await;
    assert_error(s, &b, StatusCode::BAD_REQUEST);
    assert!(
        b["message"].as_str().unwrap().contains("does not resolve"),
        "{b}"
    );
    // ... nor allow it.
    let (s, b) = api
        .put(&url, Some(&acme.admin), allowing("169.254.169.254"))
        .await;
    assert_error(s, &b, StatusCode::FORBIDDEN);
    assert!(
        b["message"]
            .as_str()
            .unwrap()
            .contains("MSPOrg administrator"),
        "{b}"
    );
    let (s, _) = api.get(&url, Some(&acme.admin)).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "nothing was saved");
    let (s, b) = api
        .put(
            &acme.url("/settings/proxy"),
            Some(&acme.admin),
            json!({"enabled": true, "host": "localhost", "port": 3128}),
        )
        .await;
    assert_error(s, &b, StatusCode::BAD_REQUEST);

    // Its account manager, an MSPOrg administrator, can; the org keeps it afterwards.
    let (s, b) = api.put(&url, Some(&msp), allowing("127.0.0.1")).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["allow_internal_hosts"], true, "{b}");
    let (s, b) = api
        .put(&url, Some(&acme.admin), allowing("localhost"))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["host"], "localhost", "{b}");
    stack.stop().await.unwrap();
}

/// Mail sent with a vault account's password would use a password: only someone who may
/// reveal the account can name it. Another user's account, or one that does not exist,
/// is refused the same way, and nothing changes.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mail_settings_name_only_an_account_their_saver_may_reveal() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let acme = Org::create(&api, "acme").await;
    let (_, alice_pw) = api
        .add_user(&acme.prefix, &acme.admin, "alice", "password_user")
        .await;
    let alice = api.login(&acme.prefix, "alice", &alice_pw).await;
    let alices = api
        .store_password(&acme.prefix, &alice, "alice-smtp", "mailer", "alice-only")
        .await;
    let roots = api
        .store_password(&acme.prefix, &acme.admin, "root-smtp", "mailer", "root-own")
        .await;
    let url = acme.url("/settings/mail");
    let (s, b) = api
        .put(
            &url,
            Some(&acme.admin),
            mail("smtp.acme.test", json!({"account_id": roots})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");

    // The org's administrator does not own Alice's account and it was not shared with
    // them; an id of no account at all, or of another org's, reads the same.
    let msp = api.login("", "admin", ADMIN_PASSWORD).await;
    let msp_account = api
        .store_password("", &msp, "msp-smtp", "mailer", "msp-only")
        .await;
    for account in [alices, uuid::Uuid::new_v4().to_string(), msp_account] {
        let (s, b) = api
            .put(
                &url,
                Some(&acme.admin),
                mail("smtp2.acme.test", json!({"account_id": account})),
            )
            .await;
        assert_error(s, &b, StatusCode::BAD_REQUEST);
        assert!(
            b["message"]
                .as_str()
                .unwrap()
                .contains("no vault account you may reveal"),
            "{b}"
        );
    }
    let (s, b) = api.get(&url, Some(&acme.admin)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["host"], "smtp.acme.test", "unchanged: {b}");
    assert_eq!(b["credentials"], json!({"account_id": roots}));
    stack.stop().await.unwrap();
}
