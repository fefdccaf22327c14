//! A reveal changes nothing in the vault, so its audit record is its only write: the record
//! is stored (in the audit intake, which the org's trail includes until the record is moved
//! into it) when the password arrives, and when it cannot be stored no password leaves.

use reqwest::StatusCode;
use serde_json::{Value, json};
use strongroom_proto::audit::audit_client::AuditClient;
use strongroom_proto::audit::{Record, RecordRequest};

use crate::api::{Api, Org, assert_error};
use crate::stack::Stack;

async fn reveals_in_trail(api: &Api<'_>, org: &Org) -> Vec<Value> {
    let (s, b) = api.get(&org.url("/audit"), Some(&org.admin)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    b["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["operation"] == "password.revealed")
        .cloned()
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reveal_is_in_the_trail_when_the_password_arrives_and_none_leaves_unrecorded() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let org = Org::create(&api, "ledger").await;
    let root = api
        .login_reply("/ledger", "root", &crate::api::password_for("root"))
        .await;
    let org_id = root["org_id"].as_str().unwrap().to_owned();
    let (s, resource) = api
        .post(
            &org.url("/resources"),
            Some(&org.admin),
            json!({"name": "ledger-db", "type": "PostgreSQL", "host": "db.test"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{resource}");
    let (s, account) = api
        .post(
            &org.url(&format!(
                "/resources/{}/accounts",
                resource["id"].as_str().unwrap()
            )),
            Some(&org.admin),
            json!({"username": "postgres", "password": "ledger-s3cret"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{account}");
    let account_id = account["id"].as_str().unwrap();
    let (s, key) = api
        .post(
            &org.url("/api-keys"),
            Some(&org.admin),
            json!({"name": "app"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{key}");
    let key = key["key"].as_str().unwrap();
    let path = org.url(&format!("/accounts/{account_id}/password"));

    // No waiting and no polling: each record is in the trail before its password leaves.
    for n in 1..=3 {
        let (s, b) = api.get(&path, Some(key)).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        assert_eq!(b["password"], "ledger-s3cret");
        let reveals = reveals_in_trail(&api, &org).await;
        assert_eq!(reveals.len(), n, "{reveals:?}");
        let newest = &reveals[0];
        assert_eq!(newest["actor"]["username"], "root");
        assert_eq!(newest["actor"]["ip"], "127.0.0.1");
        assert_eq!(newest["target"]["id"], account_id);
        assert_eq!(newest["target"]["name"], "ledger-db/postgres");
        assert_eq!(newest["service"], "vault");
    }

    // Records cannot be written (the intake they land in first is moved away): reveals
    // fail closed.
    let audit_db = sqlx::PgPool::connect(&stack.database_url("audit"))
        .await
        .unwrap();
    let rename = |from: &str, to: &str| format!("ALTER TABLE public.{from} RENAME TO {to}");
    sqlx::raw_sql(sqlx::AssertSqlSafe(rename(
        "audit_intake",
        "audit_intake_away",
    )))
    .execute(&audit_db)
    .await
    .unwrap();
    let (s, b) = api.get(&path, Some(key)).await;
    assert_error(s, &b, StatusCode::SERVICE_UNAVAILABLE);
    assert!(!b.to_string().contains("ledger-s3cret"), "{b}");
    sqlx::raw_sql(sqlx::AssertSqlSafe(rename(
        "audit_intake_away",
        "audit_intake",
    )))
    .execute(&audit_db)
    .await
    .unwrap();

    // Back to normal: the refused reveal left no record, the next one does.
    let (s, b) = api.get(&path, Some(key)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(reveals_in_trail(&api, &org).await.len(), 4);

    // Records are taken only from the vault (its certificate), with a valid caller token,
    // and only of the vault's own operations. The org and actor are the token's, the time the
    // audit service's: nothing in a record can place it in another org's trail, name another
    // user or another service, or date it.
    let audit_url = format!("https://127.0.0.1:{}", stack.config.grpc_ports[5]);
    let as_service = |service| {
        let files = strongroom_trust::TlsFiles::in_dir(&stack.config.tls_dir(), service);
        let tls = strongroom_trust::ServiceTls::load(service, &files).unwrap();
        AuditClient::new(
            tls.channel(&audit_url, strongroom_trust::Service::Audit)
                .unwrap(),
        )
    };
    let mut audit = as_service(strongroom_trust::Service::Vault);
    let record = |token: &str, operation: &str| Record {
        token: token.to_owned(),
        ip: "10.9.8.7".into(),
        user_agent: String::new(),
        id: uuid::Uuid::now_v7().to_string(),
        operation: operation.into(),
        target_kind: "account".into(),
        target_id: account_id.to_owned(),
        target_name: "ledger-db/postgres".into(),
        details_json: String::new(),
    };
    let admin_token = root["token"].as_str().unwrap();
    let before = chrono::Utc::now();
    let stored = audit
        .record(RecordRequest {
            records: vec![
                record("forged-token", "password.revealed"),
                record(admin_token, "user.deleted"),
                record(admin_token, "password.revealed"),
            ],
        })
        .await
        .unwrap()
        .into_inner()
        .stored;
    assert_eq!(stored, vec![false, false, true]);
    // Another service's certificate may not record at all.
    let status = as_service(strongroom_trust::Service::Gateway)
        .record(RecordRequest {
            records: vec![record(admin_token, "password.revealed")],
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::PermissionDenied, "{status:?}");
    let reveals = reveals_in_trail(&api, &org).await;
    assert_eq!(reveals.len(), 5);
    assert_eq!(reveals[0]["actor"]["username"], "root");
    assert_eq!(reveals[0]["actor"]["ip"], "10.9.8.7");
    assert_eq!(reveals[0]["service"], "vault");
    let at = chrono::DateTime::parse_from_rfc3339(reveals[0]["time"].as_str().unwrap()).unwrap();
    assert!(
        at >= before - chrono::Duration::seconds(1),
        "{at} is the server's time"
    );

    // The intake's records move to the org's own trail, each once.
    let schema = format!("org_{}", uuid::Uuid::parse_str(&org_id).unwrap().simple());
    let waiting = "SELECT count(*) FROM public.audit_intake";
    for _ in 0..100 {
        let n: i64 = sqlx::query_scalar(waiting)
            .fetch_one(&audit_db)
            .await
            .unwrap();
        if n == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let in_trail: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT count(*) FROM {schema}.audit_events WHERE operation = 'password.revealed'"
    )))
    .fetch_one(&audit_db)
    .await
    .unwrap();
    assert_eq!(in_trail, 5);
    assert_eq!(reveals_in_trail(&api, &org).await, reveals);

    // The key's reveals are allowed by the owner's lasting allowance, so their records are
    // stored while the vault checks that nothing changed. Something did (a new account in the
    // org): the reveal is decided again, still allowed, and recorded once.
    let (s, other) = api
        .post(
            &org.url(&format!(
                "/resources/{}/accounts",
                resource["id"].as_str().unwrap()
            )),
            Some(&org.admin),
            json!({"username": "reporting", "password": "other-s3cret"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{other}");
    let (s, b) = api.get(&path, Some(key)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["password"], "ledger-s3cret");
    let reveals = reveals_in_trail(&api, &org).await;
    assert_eq!(reveals.len(), 6, "{reveals:?}");
    assert_eq!(reveals[0]["target"]["id"], account_id);
    stack.stop().await.unwrap();
}
