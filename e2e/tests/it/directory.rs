//! An org's LDAP directory over REST, against a real OpenLDAP: configure, test, import by
//! group and OU (each becomes a user group), log in with the directory password, scheduled
//! import, and the failures an administrator must be told about clearly.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use strongroom_testkit::{
    SAMPLE_DIRECTORY_LDIF, SAMPLE_READER_DN, SAMPLE_READER_PASSWORD, Slapd, sample_password,
};

use crate::api::{Api, Org, assert_error, audit_operations};
use crate::stack::{ADMIN_PASSWORD, PUBLIC_TEST_ADDRESS, Stack};

/// The test's slapd listens on loopback: a host internal to the deployment, which only an
/// MSPOrg administrator can allow (see [`msp_allows_loopback`]).
fn config(slapd: &Slapd) -> Value {
    json!({
        "kind": "ldap", "url": slapd.url, "bind_dn": SAMPLE_READER_DN,
        "bind_password": SAMPLE_READER_PASSWORD, "base_dn": slapd.base_dn,
        "authentication_enabled": true, "allow_insecure": true, "allow_internal_hosts": true,
    })
}

/// MSPOrg's administrator saves `slapd` as `org`'s directory, allowing internal hosts; the
/// org's own administrator may then keep that switch on. MSPOrg's token is returned.
async fn msp_allows_loopback(api: &Api<'_>, org: &Org, slapd: &Slapd) -> String {
    let msp = api.login("", "admin", ADMIN_PASSWORD).await;
    let (s, b) = api
        .put(&org.url("/directory"), Some(&msp), config(slapd))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["allow_internal_hosts"], true, "{b}");
    msp
}

fn outcomes(report: &Value) -> Vec<(String, String)> {
    let mut rows: Vec<(String, String)> = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let name = r["username"].as_str().unwrap().to_owned();
            (name, r["outcome"].as_str().unwrap().to_owned())
        })
        .collect();
    rows.sort();
    rows
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

async fn group_members(api: &Api<'_>, org: &Org, name: &str) -> Vec<String> {
    let (s, b) = api.get(&org.url("/groups"), Some(&org.admin)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let group = b["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == name)
        .unwrap_or_else(|| panic!("no group {name}: {b}"))
        .clone();
    let id = group["id"].as_str().unwrap();
    let (s, b) = api
        .get(&org.url(&format!("/groups/{id}/members")), Some(&org.admin))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let mut names: Vec<String> = b["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn directory_users_are_imported_by_group_and_ou_and_log_in_with_their_directory_password() {
    let slapd = Slapd::start(SAMPLE_DIRECTORY_LDIF).unwrap();
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let org = Org::create(&api, "globex").await;
    let admin = Some(org.admin.as_str());
    msp_allows_loopback(&api, &org, &slapd).await;

    let (s, saved) = api.put(&org.url("/directory"), admin, config(&slapd)).await;
    assert_eq!(s, StatusCode::OK, "{saved}");
    assert_eq!(saved["has_bind_password"], true);
    assert!(
        !saved.to_string().contains(SAMPLE_READER_PASSWORD),
        "the bind password never comes back: {saved}"
    );
    let (s, b) = api
        .post(&org.url("/directory/test"), admin, json!({}))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");

    // A group: its members, and a user group of the same name.
    let (s, report) = api
        .post(
            &org.url("/directory/import"),
            admin,
            json!({"scopes": ["group:dba"]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{report}");
    assert_eq!(
        outcomes(&report),
        pairs(&[("asmith", "created"), ("jdoe", "created")])
    );
    assert_eq!(report["groups_created"], json!(["dba"]));
    assert!(
        report["warnings"][0]
            .as_str()
            .unwrap()
            .contains("Administrator"),
        "no imported administrator is pointed out: {report}"
    );
    assert_eq!(group_members(&api, &org, "dba").await, ["asmith", "jdoe"]);

    // An OU later: users already imported are skipped, only new ones are added, and the
    // OU's group holds all of its users.
    let (s, report) = api
        .post(
            &org.url("/directory/import"),
            admin,
            json!({"scopes": ["ou:Engineering"]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{report}");
    assert_eq!(
        outcomes(&report),
        pairs(&[
            ("asmith", "skipped"),
            ("bchan", "created"),
            ("jdoe", "skipped")
        ])
    );
    assert_eq!(
        group_members(&api, &org, "Engineering").await,
        ["asmith", "bchan", "jdoe"]
    );

    // Imported users: the default role, the directory as source, the directory's attributes.
    let (_, list) = api.get(&org.url("/users?q=jdoe"), admin).await;
    let jdoe = &list["users"][0];
    assert_eq!(jdoe["role"], "password_user", "{jdoe}");
    assert_eq!(jdoe["source"], "ldap", "{jdoe}");
    assert!(jdoe["email"].as_str().unwrap().contains('@'), "{jdoe}");

    // They log in with the directory password; a wrong one gets the ordinary refusal.
    let token = api
        .login(&org.prefix, "jdoe", &sample_password("jdoe"))
        .await;
    let (s, _) = api.get(&org.url("/sessions"), Some(&token)).await;
    assert_eq!(s, StatusCode::OK);
    let wrong = api.try_login(&org.prefix, "jdoe", "not-the-password").await;
    let unknown = api
        .try_login(&org.prefix, "nobody", "not-the-password")
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.body, unknown.body, "same answer as an unknown user");
    // Local users keep their local passwords.
    let (_, password) = api
        .add_user(&org.prefix, &org.admin, "localbob", "password_user")
        .await;
    api.login(&org.prefix, "localbob", &password).await;

    audit_operations(
        &api,
        &org,
        &[
            "directory.configured",
            "user.imported",
            "directory.imported",
            "group.created",
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_saved_schedule_imports_without_anyone_asking() {
    let slapd = Slapd::start(SAMPLE_DIRECTORY_LDIF).unwrap();
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let org = Org::create(&api, "initech").await;
    msp_allows_loopback(&api, &org, &slapd).await;
    let mut scheduled = config(&slapd);
    scheduled["sync_interval_minutes"] = json!(60);
    scheduled["sync_scopes"] = json!(["group:netops"]);
    let (s, b) = api
        .put(&org.url("/directory"), Some(&org.admin), scheduled)
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let members = strongroom_testkit::wait_until(Duration::from_secs(20), || async {
        let (_, b) = api.get(&org.url("/groups"), Some(&org.admin)).await;
        let found = b["groups"]
            .as_array()?
            .iter()
            .any(|g| g["name"] == "netops");
        if found {
            Some(group_members(&api, &org, "netops").await)
        } else {
            None
        }
    })
    .await
    .expect("the scheduled import ran");
    assert_eq!(members, ["bchan", "jdoe"]);
    let (_, d) = api.get(&org.url("/directory"), Some(&org.admin)).await;
    assert_eq!(
        d["last_sync_result"], "2 created, 0 skipped, 0 rejected",
        "{d}"
    );
    audit_operations(&api, &org, &["directory.imported"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn directory_failures_are_reported_clearly() {
    let mut slapd = Slapd::start(SAMPLE_DIRECTORY_LDIF).unwrap();
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let org = Org::create(&api, "hooli").await;
    let admin = Some(org.admin.as_str());

    // Before any configuration.
    let (s, b) = api
        .post(&org.url("/directory/test"), admin, json!({}))
        .await;
    assert_error(s, &b, StatusCode::NOT_FOUND);

    msp_allows_loopback(&api, &org, &slapd).await;
    // A configuration that cannot work is refused before it is saved.
    let mut bad = config(&slapd);
    bad["url"] = json!("http://example.com");
    let (s, b) = api.put(&org.url("/directory"), admin, bad).await;
    assert_error(s, &b, StatusCode::BAD_REQUEST);
    assert!(b["message"].as_str().unwrap().contains("ldap"), "{b}");

    // A wrong bind password: saved, but the test says the directory refused it.
    let mut wrong = config(&slapd);
    wrong["bind_password"] = json!("wrong-password");
    let (s, b) = api.put(&org.url("/directory"), admin, wrong).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = api
        .post(&org.url("/directory/test"), admin, json!({}))
        .await;
    assert_error(s, &b, StatusCode::CONFLICT);
    assert!(b["message"].as_str().unwrap().contains("refused"), "{b}");

    // Saving again without a password keeps the stored one; the right one then works.
    let (s, b) = api.put(&org.url("/directory"), admin, config(&slapd)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let mut keep = config(&slapd);
    keep["bind_password"] = json!("");
    let (s, b) = api.put(&org.url("/directory"), admin, keep).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = api
        .post(&org.url("/directory/test"), admin, json!({}))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");

    // A bind password sealed before the vault sealed settings (with identity's own key
    // file) still works, and the next save seals it again with the org's data key.
    let login = api
        .login_reply(&org.prefix, "root", &crate::api::password_for("root"))
        .await;
    let org_id = strongroom_core::OrgId::parse(login["org_id"].as_str().unwrap()).unwrap();
    let identity_db = sqlx::PgPool::connect(&stack.database_url("identity"))
        .await
        .unwrap();
    let stored_sql = format!(
        "SELECT bind_password_sealed FROM org_{}.directory",
        org_id.0.simple()
    );
    let stored = || async {
        let sealed: Vec<u8> = sqlx::query_scalar(sqlx::AssertSqlSafe(stored_sql.clone()))
            .fetch_one(&identity_db)
            .await
            .unwrap();
        sealed
    };
    assert!(
        stored()
            .await
            .starts_with(strongroom_crypto::ORG_SEALED_SETTING)
    );
    let own = strongroom_crypto::SettingsKey::load_or_create(
        &stack.config.data_dir.join("identity-settings.key"),
    )
    .unwrap();
    let before = own
        .seal(
            org_id,
            "directory.bind_password",
            SAMPLE_READER_PASSWORD.as_bytes(),
        )
        .unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE org_{}.directory SET bind_password_sealed = $1",
        org_id.0.simple()
    )))
    .bind(&before)
    .execute(&identity_db)
    .await
    .unwrap();
    let (s, b) = api
        .post(&org.url("/directory/test"), admin, json!({}))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    let mut keep = config(&slapd);
    keep["bind_password"] = json!("");
    let (s, b) = api.put(&org.url("/directory"), admin, keep).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert!(
        stored()
            .await
            .starts_with(strongroom_crypto::ORG_SEALED_SETTING)
    );
    let (s, b) = api
        .post(&org.url("/directory/test"), admin, json!({}))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");

    // The stored password goes nowhere else: another URL, bind DN or TLS setting needs it
    // again, and nothing is saved.
    for (field, value) in [
        ("url", json!("ldap://127.0.0.1:1/")),
        ("bind_dn", json!("cn=someone-else,dc=example,dc=test")),
        ("kind", json!("active_directory")),
        ("ca_certificate_pem", json!("-----BEGIN CERTIFICATE-----")),
    ] {
        let mut elsewhere = config(&slapd);
        elsewhere["bind_password"] = json!("");
        elsewhere[field] = value;
        let (s, b) = api.put(&org.url("/directory"), admin, elsewhere).await;
        assert_error(s, &b, StatusCode::BAD_REQUEST);
        assert!(
            b["message"].as_str().unwrap().starts_with("bind_password"),
            "{field}: {b}"
        );
    }
    let (_, d) = api.get(&org.url("/directory"), admin).await;
    assert_eq!(d["url"], slapd.url.as_str(), "{d}");
    assert_eq!(d["bind_dn"], SAMPLE_READER_DN, "{d}");
    // Plain ldap:// without StartTLS only when saved explicitly.
    let mut plain = config(&slapd);
    plain["allow_insecure"] = json!(false);
    let (s, b) = api.put(&org.url("/directory"), admin, plain).await;
    assert_error(s, &b, StatusCode::BAD_REQUEST);
    assert!(
        b["message"].as_str().unwrap().starts_with("allow_insecure"),
        "{b}"
    );
    let (_, d) = api.get(&org.url("/directory"), admin).await;
    assert_eq!(d["allow_insecure"], true, "{d}");

    // An unknown group or OU, and a malformed scope.
    let (s, b) = api
        .post(
            &org.url("/directory/import"),
            admin,
            json!({"scopes": ["group:nope"]}),
        )
        .await;
    assert_error(s, &b, StatusCode::BAD_REQUEST);
    let (s, b) = api
        .post(
            &org.url("/directory/import"),
            admin,
            json!({"scopes": ["dba"]}),
        )
        .await;
    assert_error(s, &b, StatusCode::BAD_REQUEST);

    let (s, b) = api
        .post(
            &org.url("/directory/import"),
            admin,
            json!({"scopes": ["group:dba"]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");

    // The directory goes down: test, import and directory logins say so; nothing is lost.
    slapd.stop();
    let (s, b) = api
        .post(&org.url("/directory/test"), admin, json!({}))
        .await;
    assert_error(s, &b, StatusCode::SERVICE_UNAVAILABLE);
    // Never the raw cause, and a closed port reads as a TLS failure or silence does (no
    // port scanning through the test).
    assert_eq!(b["message"], strongroom_directory::UNREACHABLE, "{b}");
    let (s, b) = api
        .post(&org.url("/directory/import"), admin, json!({}))
        .await;
    assert_error(s, &b, StatusCode::SERVICE_UNAVAILABLE);
    let down = api
        .try_login(&org.prefix, "jdoe", &sample_password("jdoe"))
        .await;
    assert_error(down.status, &down.body, StatusCode::SERVICE_UNAVAILABLE);
    let (_, users) = api.get(&org.url("/users?q=jdoe"), admin).await;
    assert_eq!(users["users"].as_array().unwrap().len(), 1, "{users}");

    // Only administrators configure the directory.
    let (_, password) = api
        .add_user(&org.prefix, &org.admin, "pam", "password_administrator")
        .await;
    let pam = api.login(&org.prefix, "pam", &password).await;
    let (s, b) = api.get(&org.url("/directory"), Some(&pam)).await;
    assert_error(s, &b, StatusCode::FORBIDDEN);
}

/// A directory on a host inside the deployment (by its name, or by what its name resolves
/// to now) is refused unless MSPOrg's administrator allowed internal hosts for the org; a
/// name that resolved elsewhere when saved and to loopback now (rebinding) is refused when
/// connecting, and nothing connects. Names resolve through the stack's test DNS server.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn directory_hosts_inside_the_deployment_need_an_msp_administrator() {
    let slapd = Slapd::start(SAMPLE_DIRECTORY_LDIF).unwrap();
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let org = Org::create(&api, "umbrella").await;
    let admin = Some(org.admin.as_str());
    let url = org.url("/directory");
    let message = |b: &Value| b["message"].as_str().unwrap_or_default().to_owned();

    // The org's administrator can neither save loopback nor allow it.
    let mut own = config(&slapd);
    own["allow_internal_hosts"] = json!(false);
    let (s, b) = api.put(&url, admin, own.clone()).await;
    assert_error(s, &b, StatusCode::BAD_REQUEST);
    assert!(
        message(&b).contains("loopback") && message(&b).contains("allow_internal_hosts"),
        "{b}"
    );
    let (s, b) = api.put(&url, admin, config(&slapd)).await;
    assert_error(s, &b, StatusCode::FORBIDDEN);
    assert!(message(&b).starts_with("allow_internal_hosts"), "{b}");
    for (name, address, why) in [
        ("ldap.private.test", "10.1.2.3", "private"),
        ("ldap.ula.test", "fd00::389", "private"),
        (
            "ldap.meta.test",
            "169.254.169.254",
            "a cloud metadata service",
        ),
    ] {
        stack.dns.set(name, &[address.parse().unwrap()]);
        let mut named = own.clone();
        named["url"] = json!(format!("ldaps://{name}"));
        let (s, b) = api.put(&url, admin, named).await;
        assert_error(s, &b, StatusCode::BAD_REQUEST);
        assert!(
            message(&b).contains(why) && message(&b).contains(address),
            "{name}: {b}"
        );
    }
    for host in ["ldap", "ldap.corp.svc.cluster.local", "ldap.localhost"] {
        let mut named = own.clone();
        named["url"] = json!(format!("ldaps://{host}"));
        let (s, b) = api.put(&url, admin, named).await;
        assert_error(s, &b, StatusCode::BAD_REQUEST);
    }
    let (s, _) = api.get(&url, admin).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "nothing was saved");

    // A name that resolves to a public address is saved (nothing connects on save)...
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    stack.dns.set("ldap.flip.test", &[PUBLIC_TEST_ADDRESS]);
    let mut flip = own.clone();
    flip["url"] = json!(format!("ldap://ldap.flip.test:{port}"));
    let (s, b) = api.put(&url, admin, flip).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    // ... and once it resolves to loopback, test and import refuse it unconnected.
    stack
        .dns
        .set("ldap.flip.test", &["127.0.0.1".parse().unwrap()]);
    for path in ["/directory/test", "/directory/import"] {
        let (s, b) = api.post(&org.url(path), admin, json!({})).await;
        assert_error(s, &b, StatusCode::BAD_REQUEST);
        assert!(message(&b).contains("loopback"), "{path}: {b}");
    }
    let accepted = tokio::time::timeout(Duration::from_millis(300), listener.accept()).await;
    assert!(
        accepted.is_err(),
        "something connected to the internal address"
    );

    // MSPOrg's administrator allows it; the org keeps the switch and the directory works.
    msp_allows_loopback(&api, &org, &slapd).await;
    let (s, b) = api.put(&url, admin, config(&slapd)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = api
        .post(&org.url("/directory/test"), admin, json!({}))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    stack.stop().await.unwrap();
}
