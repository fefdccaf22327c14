//! A reveal changes nothing else in the vault, so its audit record is its only write: the
//! record is committed in the vault when the password arrives, and when it cannot be no
//! password leaves. The vault forwards it to the audit service, whose trail shows it a
//! moment later; an audit service that cannot take records delays the trail, not the
//! reveals, and loses nothing.

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

/// The trail once it holds `n` reveals (the newest first), and no more; fails after ten
/// seconds.
async fn trail_with(api: &Api<'_>, org: &Org, n: usize) -> Vec<Value> {
    let reveals = strongroom_testkit::wait_until(std::time::Duration::from_secs(10), || async {
        let reveals = reveals_in_trail(api, org).await;
        (reveals.len() >= n).then_some(reveals)
    })
    .await
    .unwrap();
    assert_eq!(reveals.len(), n, "{reveals:?}");
    reveals
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reveal_is_recorded_when_the_password_arrives_and_none_leaves_unrecorded() {
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

    let org_uuid = uuid::Uuid::parse_str(&org_id).unwrap();
    let (vault_url, audit_url) = (stack.database_url("vault"), stack.database_url("audit"));
    let committed = || async {
        strongroom_e2e::records::reveal_records(&vault_url, &audit_url, org_uuid)
            .await
            .unwrap()
            .into_values()
            .filter(|r| r.operation == "password.revealed")
            .count()
    };

    // No waiting: each record is committed before its password leaves; the trail shows it
    // once the vault has forwarded it, a moment later.
    let mut slowest = std::time::Duration::ZERO;
    for n in 1..=3 {
        let (s, b) = api.get(&path, Some(key)).await;
        let answered = std::time::Instant::now();
        assert_eq!(s, StatusCode::OK, "{b}");
        assert_eq!(b["password"], "ledger-s3cret");
        assert_eq!(committed().await, n);
        let reveals = trail_with(&api, &org, n).await;
        slowest = slowest.max(answered.elapsed());
        let newest = &reveals[0];
        assert_eq!(newest["actor"]["username"], "root");
        assert_eq!(newest["actor"]["ip"], "127.0.0.1");
        assert_eq!(newest["target"]["id"], account_id);
        assert_eq!(newest["target"]["name"], "ledger-db/postgres");
        assert_eq!(newest["service"], "vault");
    }
    eprintln!("[reveal_audit] a reveal reached the trail within {slowest:?} of its answer");

    // Records cannot be committed (their table is moved away): reveals fail closed.
    let vault_db = sqlx::PgPool::connect(&vault_url).await.unwrap();
    let audit_db = sqlx::PgPool::connect(&audit_url).await.unwrap();
    let rename = |from: &str, to: &str| format!("ALTER TABLE public.{from} RENAME TO {to}");
    let run = |db: &sqlx::PgPool, sql: String| {
        let db = db.clone();
        async move {
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(&db)
                .await
                .unwrap();
        }
    };
    run(&vault_db, rename("reveal_records", "reveal_records_away")).await;
    let (s, b) = api.get(&path, Some(key)).await;
    assert_error(s, &b, StatusCode::SERVICE_UNAVAILABLE);
    assert!(!b.to_string().contains("ledger-s3cret"), "{b}");
    run(&vault_db, rename("reveal_records_away", "reveal_records")).await;

    // The audit service cannot take records (its intake is moved away): reveals go on, their
    // records wait in the vault, and reach the trail once it can take them again. The
    // refused reveal above left no record.
    run(&audit_db, rename("audit_intake", "audit_intake_away")).await;
    let (s, b) = api.get(&path, Some(key)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let waiting: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM public.reveal_records
         WHERE org_id = $1 AND operation = 'password.revealed'",
    )
    .bind(org_uuid)
    .fetch_one(&vault_db)
    .await
    .unwrap();
    assert_eq!(waiting, 1);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    run(&audit_db, rename("audit_intake_away", "audit_intake")).await;
    trail_with(&api, &org, 4).await;

    // Records are taken only from the vault (its certificate), and only of the vault's own
    // operations, for an org with a trail here.
    let audit_grpc = format!("https://127.0.0.1:{}", stack.config.grpc_ports[5]);
    let as_service = |service| {
        let files = strongroom_trust::TlsFiles::in_dir(&stack.config.tls_dir(), service);
        let tls = strongroom_trust::ServiceTls::load(service, &files).unwrap();
        AuditClient::new(
            tls.channel(&audit_grpc, strongroom_trust::Service::Audit)
                .unwrap(),
        )
    };
    let mut audit = as_service(strongroom_trust::Service::Vault);
    let at = chrono::Utc::now() - chrono::Duration::minutes(5);
    let record = |org: &str, operation: &str| Record {
        ip: "10.9.8.7".into(),
        user_agent: String::new(),
        id: uuid::Uuid::now_v7().to_string(),
        operation: operation.into(),
        target_kind: "account".into(),
        target_id: account_id.to_owned(),
        target_name: "ledger-db/postgres".into(),
        details_json: String::new(),
        org_id: org.to_owned(),
        actor_user_id: root["user_id"].as_str().unwrap().to_owned(),
        actor_username: "root".into(),
        occurred_at: at.to_rfc3339(),
    };
    let stored = audit
        .record(RecordRequest {
            records: vec![
                record(&org_id, "user.deleted"),
                record(&uuid::Uuid::now_v7().to_string(), "password.revealed"),
                record(&org_id, "password.revealed"),
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
            records: vec![record(&org_id, "password.revealed")],
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::PermissionDenied, "{status:?}");
    let reveals = reveals_in_trail(&api, &org).await;
    assert_eq!(reveals.len(), 5);
    // The trail is in time order; the record made five minutes ago is the oldest.
    let oldest = &reveals[4];
    assert_eq!(oldest["actor"]["ip"], "10.9.8.7");
    assert_eq!(oldest["service"], "vault");
    let time = chrono::DateTime::parse_from_rfc3339(oldest["time"].as_str().unwrap()).unwrap();
    assert!(
        (time.with_timezone(&chrono::Utc) - at)
            .num_milliseconds()
            .abs()
            < 1,
        "{time} is the record's time {at}"
    );

    // The intake's records move to the org's own trail, each once.
    let schema = format!("org_{}", org_uuid.simple());
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
    assert_eq!(committed().await, 6);
    let reveals = trail_with(&api, &org, 6).await;
    assert_eq!(reveals[0]["target"]["id"], account_id);
    stack.stop().await.unwrap();
}

/// A reveal record the audit service refuses (here: its org unknown to audit) is never
/// deleted: the vault sets it aside, and an operator's retry forwards it again.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_record_audit_refuses_is_set_aside_never_deleted() {
    let stack = Stack::start(None).await.unwrap();
    let url = format!(
        "{}/{}_vault",
        strongroom_testkit::pg_server_url(),
        stack.config.db_prefix
    );
    let db = sqlx::PgPool::connect(&url).await.unwrap();
    let id = uuid::Uuid::now_v7();
    sqlx::query(
        "INSERT INTO public.reveal_records (id, org_id, operation, actor_username, account_id,
             target_name, occurred_at)
         VALUES ($1, $2, 'password.revealed', 'root', $3, 'db1/root', now())",
    )
    .bind(id)
    .bind(uuid::Uuid::now_v7())
    .bind(uuid::Uuid::now_v7())
    .execute(&db)
    .await
    .unwrap();
    let set_aside = || {
        let db = db.clone();
        async move {
            let aside: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM public.refused_reveal_records WHERE id = $1",
            )
            .bind(id)
            .fetch_one(&db)
            .await
            .unwrap();
            let queued: i64 =
                sqlx::query_scalar("SELECT count(*) FROM public.reveal_records WHERE id = $1")
                    .bind(id)
                    .fetch_one(&db)
                    .await
                    .unwrap();
            (aside == 1 && queued == 0).then_some(())
        }
    };
    strongroom_testkit::wait_until(std::time::Duration::from_secs(20), set_aside)
        .await
        .expect("the refused record was not set aside");
    assert_eq!(
        strongroom_vault::refused_reveal_records(&url)
            .await
            .unwrap(),
        1
    );
    // The operator forwards it again; audit refuses it again, and it is set aside again.
    assert_eq!(
        strongroom_vault::retry_refused_reveal_records(&url)
            .await
            .unwrap(),
        1
    );
    strongroom_testkit::wait_until(std::time::Duration::from_secs(20), set_aside)
        .await
        .expect("the record forwarded again was lost");
    stack.stop().await.unwrap();
}
