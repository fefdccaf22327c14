//! Changing and deleting client orgs: MSPOrg is never renamed or deleted; only an org's
//! account manager asks for it to be deleted (never a grantee), a second MSPOrg
//! administrator approves, and a deleted org leaves nothing behind in any service while
//! its saved ciphertexts can no longer be decrypted (its KMS key is destroyed).

use reqwest::{Method, StatusCode};
use serde_json::json;
use strongroom_core::{AccountId, OrgId};
use strongroom_crypto::{Kms, SecretAad, TransitKms};
use strongroom_proto::vault::RevealPasswordRequest;

use crate::api::{Api, assert_error, with_token};
use crate::stack::{ADMIN_PASSWORD, Stack};

const SERVICES: [&str; 6] = ["identity", "tenant", "vault", "access", "rotation", "audit"];

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_deleted_org_leaves_nothing_behind_and_its_secrets_no_longer_decrypt() {
    let bao = strongroom_testkit::openbao().unwrap();
    let stack = Stack::start(Some((bao.addr.clone(), bao.token.clone())))
        .await
        .unwrap();
    let api = Api { stack: &stack };
    let login = api.login_reply("", "admin", ADMIN_PASSWORD).await;
    let admin = login["token"].as_str().unwrap().to_owned();
    let msp_id = login["org_id"].as_str().unwrap().to_owned();
    let (bea_id, bea_pw) = api.add_user("", &admin, "bea", "administrator").await;
    let bea = api.login("", "bea", &bea_pw).await;
    let (cy_id, cy_pw) = api.add_user("", &admin, "cy", "administrator").await;
    let cy = api.login("", "cy", &cy_pw).await;

    let (s, doomed) = api
        .post(
            "/api/v1/orgs",
            Some(&admin),
            json!({"slug": "doomed", "name": "Doomed Ltd"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{doomed}");
    let org_id = doomed["id"].as_str().unwrap().to_owned();
    let (_, root_pw) = api
        .add_user("/doomed", &admin, "root", "administrator")
        .await;
    let root = api.login("/doomed", "root", &root_pw).await;
    // bea reaches the org through an approved grant (proposed by admin, approved by cy).
    let (s, b) = api
        .post(
            "/api/v1/org-access",
            Some(&admin),
            json!({"designee_kind": "user", "designee_id": bea_id, "org_ids": [&org_id],
                   "approver_id": cy_id}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let grant = b["grants"][0]["id"].as_str().unwrap().to_owned();
    let (s, b) = api
        .post(
            &format!("/api/v1/org-access/{grant}/approve"),
            Some(&cy),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, resource) = api
        .post(
            "/doomed/api/v1/resources",
            Some(&root),
            json!({"name": "db1", "type": "postgres"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{resource}");
    let (s, account) = api
        .post(
            &format!(
                "/doomed/api/v1/resources/{}/accounts",
                resource["id"].as_str().unwrap()
            ),
            Some(&root),
            json!({"username": "postgres", "password": "s3cret-of-doomed"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{account}");
    let account_id = account["id"].as_str().unwrap().to_owned();

    // What a backup of the vault would hold: the wrapped data key and the ciphertext. While
    // the org lives, the KMS unwraps the key and the ciphertext opens.
    let org = OrgId::parse(&org_id).unwrap();
    let schema = format!("org_{}", org.0.simple());
    let vault = sqlx::PgPool::connect(&stack.database_url("vault"))
        .await
        .unwrap();
    let (wrapped,): (Vec<u8>,) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT wrapped FROM {schema}.data_keys"
    )))
    .fetch_one(&vault)
    .await
    .unwrap();
    let (ciphertext,): (Vec<u8>,) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT ciphertext FROM {schema}.secrets"
    )))
    .fetch_one(&vault)
    .await
    .unwrap();
    let kms = TransitKms::new(&bao.addr, bao.token.clone().into(), "transit").unwrap();
    let aad = SecretAad {
        org,
        account: AccountId::parse(&account_id).unwrap(),
        version: 1,
    };
    let key = kms.unwrap(org, &wrapped).await.unwrap();
    let plain = strongroom_crypto::open(&key, &aad, &ciphertext).unwrap();
    assert_eq!(plain.as_slice(), b"s3cret-of-doomed");

    // The org's settings secrets are sealed with the same data key, bound to the service
    // that keeps them: the mail password in tenant's database, the directory's bind
    // password in identity's. A backup of those rows opens only while the org lives.
    let (s, b) = api
        .put(
            "/doomed/api/v1/settings/mail",
            Some(&root),
            json!({"host": "smtp.doomed.test", "port": 587, "sender": "it@doomed.test",
                   "access_url": "https://pm.doomed.test/", "tls_mode": "starttls",
                   "credentials": {"username": "mailer", "password": "smtp-of-doomed"}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = api
        .put(
            "/doomed/api/v1/directory",
            Some(&root),
            json!({"kind": "ldap", "url": "ldaps://ldap.doomed.test", "bind_dn": "cn=reader",
                   "bind_password": "bind-of-doomed", "base_dn": "dc=doomed,dc=test"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let backup = |service: &'static str, sql: String| {
        let url = stack.database_url(service);
        async move {
            let db = sqlx::PgPool::connect(&url).await.unwrap();
            let (value,): (Vec<u8>,) = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .fetch_one(&db)
                .await
                .unwrap();
            db.close().await;
            value
        }
    };
    let mail_row = backup(
        "tenant",
        format!(
            "SELECT convert_to(value::text, 'UTF8') FROM {schema}.org_settings WHERE kind = 'mail'"
        ),
    )
    .await;
    let mail_row: serde_json::Value = serde_json::from_slice(&mail_row).unwrap();
    let mail_sealed = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        mail_row["credentials"]["password_sealed"].as_str().unwrap(),
    )
    .unwrap();
    let bind_sealed = backup(
        "identity",
        format!("SELECT bind_password_sealed FROM {schema}.directory"),
    )
    .await;
    let open_setting = |service: &'static str, name: &'static str, sealed: &[u8]| {
        let sealed = sealed
            .strip_prefix(strongroom_crypto::ORG_SEALED_SETTING.as_slice())
            .expect("sealed with the org's key");
        let (version, sealed) = sealed.split_first_chunk::<4>().unwrap();
        let aad = strongroom_crypto::SettingAad {
            service,
            org,
            version: i32::from_be_bytes(*version),
            name,
        };
        strongroom_crypto::open_setting(&key, &aad, sealed).map(|p| p.to_vec())
    };
    assert_eq!(
        open_setting("tenant", "mail.password", &mail_sealed).unwrap(),
        b"smtp-of-doomed"
    );
    assert_eq!(
        open_setting("identity", "directory.bind_password", &bind_sealed).unwrap(),
        b"bind-of-doomed"
    );
    // Bound to the service that keeps it: tenant's copy does not open as identity's.
    assert!(open_setting("identity", "mail.password", &mail_sealed).is_err());
    // Nor does the key file a service kept of before (for settings sealed then) open them.
    for (file, name, sealed) in [
        (
            "identity-settings.key",
            "directory.bind_password",
            &bind_sealed,
        ),
        ("tenant-settings.key", "mail.password", &mail_sealed),
    ] {
        let own = strongroom_crypto::SettingsKey::load_or_create(&stack.config.data_dir.join(file))
            .unwrap();
        assert!(own.open(org, name, sealed).is_err(), "{file}");
        assert!(!sealed.windows(6).any(|w| w == b"doomed"), "{file}");
    }

    // Refusals, each with its reason.
    let delete = |path: String, token: String, confirm: &'static str| {
        let api = &api;
        async move {
            api.call(
                Method::DELETE,
                &path,
                Some(&token),
                Some(json!({ "confirm": confirm })),
            )
            .await
        }
    };
    let at = |prefix: &str, id: &str| format!("{prefix}/api/v1/orgs/{id}");
    let refused = [
        (
            at("", &msp_id),
            admin.clone(),
            "msporg",
            StatusCode::CONFLICT,
            "cannot be deleted",
        ),
        (
            at("", &org_id),
            admin.clone(),
            "doomd",
            StatusCode::BAD_REQUEST,
            "repeat the org's slug",
        ),
        // A grantee cannot, nor can any administrator but the account manager.
        (
            at("", &org_id),
            bea.clone(),
            "doomed",
            StatusCode::FORBIDDEN,
            "account manager",
        ),
        (
            at("", &org_id),
            cy.clone(),
            "doomed",
            StatusCode::FORBIDDEN,
            "account manager",
        ),
        (
            at("/doomed", &org_id),
            root.clone(),
            "doomed",
            StatusCode::FORBIDDEN,
            "MSPOrg administrators",
        ),
    ];
    for (path, token, confirm, status, reason) in refused {
        let (s, b) = delete(path.clone(), token, confirm).await;
        assert_error(s, &b, status);
        assert!(
            b["message"].as_str().unwrap().contains(reason),
            "{path}: {b}"
        );
    }
    let (s, b) = api
        .patch(&at("", &msp_id), Some(&admin), json!({"name": "Renamed"}))
        .await;
    assert_error(s, &b, StatusCode::CONFLICT);
    assert!(
        b["message"].as_str().unwrap().contains("cannot be renamed"),
        "{b}"
    );
    let (s, b) = api
        .patch(&at("", &msp_id), Some(&admin), json!({"slug": "mine"}))
        .await;
    assert_error(s, &b, StatusCode::CONFLICT);
    let (s, b) = api
        .patch(
            &at("", &org_id),
            Some(&admin),
            json!({"name": "Doomed Inc", "slug": "api"}),
        )
        .await;
    assert_error(s, &b, StatusCode::BAD_REQUEST);
    let (s, b) = api
        .patch(
            &at("", &org_id),
            Some(&admin),
            json!({"name": "Doomed Inc", "location": "Mars"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(
        (b["name"].as_str(), b["location"].as_str()),
        (Some("Doomed Inc"), Some("Mars"))
    );
    // A new slug moves the org's URL at once.
    for (slug, old) in [("moved", "doomed"), ("doomed", "moved")] {
        let (s, b) = api
            .patch(&at("", &org_id), Some(&admin), json!({ "slug": slug }))
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let (s, b) = api.get(&format!("/{old}/api/v1/users"), Some(&root)).await;
        assert_error(s, &b, StatusCode::NOT_FOUND);
        let (s, b) = api.get(&format!("/{slug}/api/v1/users"), Some(&root)).await;
        assert_eq!(s, StatusCode::OK, "{b}");
    }
    // Nothing was deleted by the refused attempts.
    let (s, b) = api
        .get(
            &format!("/doomed/api/v1/accounts/{account_id}/password"),
            Some(&root),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");

    // The account manager asks; nothing is deleted until a second administrator approves.
    let decide = |id: String, token: String, verdict: &'static str| {
        let api = &api;
        async move {
            api.post(
                &format!("/api/v1/org-deletions/{id}/{verdict}"),
                Some(&token),
                json!({"note": "as agreed"}),
            )
            .await
        }
    };
    let (s, asked) = delete(at("", &org_id), admin.clone(), "DOOMED").await;
    assert_eq!(s, StatusCode::ACCEPTED, "{asked}");
    assert_eq!(
        (asked["status"].as_str(), asked["org_slug"].as_str()),
        (Some("pending"), Some("doomed"))
    );
    let request = asked["id"].as_str().unwrap().to_owned();
    let (s, b) = delete(at("", &org_id), admin.clone(), "doomed").await;
    assert_error(s, &b, StatusCode::CONFLICT);
    // The requester can cancel, not approve.
    let (s, b) = decide(request.clone(), admin.clone(), "approve").await;
    assert_error(s, &b, StatusCode::FORBIDDEN);
    assert!(b["message"].as_str().unwrap().contains("second"), "{b}");
    let (s, b) = decide(request.clone(), admin.clone(), "reject").await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["status"], "cancelled");
    let (s, b) = decide(request.clone(), bea.clone(), "approve").await;
    assert_error(s, &b, StatusCode::CONFLICT);
    let (s, asked) = delete(at("", &org_id), admin.clone(), "doomed").await;
    assert_eq!(s, StatusCode::ACCEPTED, "{asked}");
    let request = asked["id"].as_str().unwrap().to_owned();
    // An administrator added after the request (by the requester, say) cannot approve it.
    let (_, dee_pw) = api.add_user("", &admin, "dee", "administrator").await;
    let dee = api.login("", "dee", &dee_pw).await;
    let (s, b) = decide(request.clone(), dee.clone(), "approve").await;
    assert_error(s, &b, StatusCode::FORBIDDEN);
    assert!(
        b["message"].as_str().unwrap().contains("added after"),
        "{b}"
    );
    // Nor can the org's own administrator.
    let (s, b) = api
        .post(
            &format!("/doomed/api/v1/org-deletions/{request}/approve"),
            Some(&root),
            json!({}),
        )
        .await;
    assert_error(s, &b, StatusCode::FORBIDDEN);
    let (s, b) = api
        .get("/api/v1/org-deletions?status=pending", Some(&bea))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["requests"][0]["id"], request.as_str(), "{b}");
    assert_eq!(b["requests"][0]["requested_by"], "admin", "{b}");
    let (s, b) = api
        .get(
            &format!("/doomed/api/v1/accounts/{account_id}/password"),
            Some(&root),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "still there while pending: {b}");

    // A second administrator approves: the org is deleted before the answer.
    let (s, b) = decide(request.clone(), bea.clone(), "approve").await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(
        (b["status"].as_str(), b["decided_by"].as_str()),
        (Some("deleted"), Some("bea"))
    );

    // The org is gone for everyone, at once.
    let (s, b) = api.get("/doomed/api/v1/users", Some(&root)).await;
    assert_error(s, &b, StatusCode::NOT_FOUND);
    // Its login page answers as any org's does to a wrong password: no org is told apart.
    let r = api.try_login("/doomed", "root", &root_pw).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    let (_, b) = api.get("/api/v1/orgs", Some(&admin)).await;
    assert_eq!(b["orgs"], json!([]));
    let (s, b) = delete(at("", &org_id), admin.clone(), "doomed").await;
    assert_error(s, &b, StatusCode::NOT_FOUND);

    // Nothing of it is left in any service's database: no schema, no registry row; only
    // each service's tombstone of the id, so late events of the org are dropped.
    for service in SERVICES {
        let db = sqlx::PgPool::connect(&stack.database_url(service))
            .await
            .unwrap();
        let schemas: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM information_schema.schemata WHERE schema_name = $1",
        )
        .bind(&schema)
        .fetch_one(&db)
        .await
        .unwrap();
        assert_eq!(schemas, 0, "{service} still has the org's schema");
        let registered: i64 =
            sqlx::query_scalar("SELECT count(*) FROM public.tenant_schemas WHERE org_id = $1")
                .bind(org.0)
                .fetch_one(&db)
                .await
                .unwrap();
        assert_eq!(registered, 0, "{service} still lists the org's schema");
        let deleted: i64 =
            sqlx::query_scalar("SELECT count(*) FROM public.deleted_orgs WHERE org_id = $1")
                .bind(org.0)
                .fetch_one(&db)
                .await
                .unwrap();
        assert_eq!(deleted, 1, "{service} does not know the org was deleted");
        db.close().await;
    }
    // Nor in the event stream: its subjects were purged.
    let prefix = &stack.config.event_prefix;
    let js = strongroom_events::async_nats::jetstream::new(
        strongroom_testkit::nats_admin().await.unwrap(),
    );
    let stream = js
        .get_stream(strongroom_events::stream_name(prefix))
        .await
        .unwrap();
    let subjects: Vec<(String, usize)> = futures::TryStreamExt::try_collect(
        stream
            .info_with_subjects(format!("{prefix}.{org_id}.>"))
            .await
            .unwrap(),
    )
    .await
    .unwrap();
    assert!(subjects.is_empty(), "the org's events remain: {subjects:?}");
    let tenant = sqlx::PgPool::connect(&stack.database_url("tenant"))
        .await
        .unwrap();
    for table in ["orgs", "account_managers", "org_access_grants"] {
        let column = if table == "orgs" { "id" } else { "org_id" };
        let left: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT count(*) FROM public.{table} WHERE {column} = $1"
        )))
        .bind(org.0)
        .fetch_one(&tenant)
        .await
        .unwrap();
        assert_eq!(left, 0, "tenant's {table} still holds the org");
    }

    // The saved copy no longer decrypts: the org's KMS key is gone.
    // Without it the data key, and with it the secrets and the settings' sealed
    // passwords of any backup, stays locked.
    let err = kms.unwrap(org, &wrapped).await.unwrap_err();
    assert!(
        matches!(err, strongroom_crypto::CryptoError::UnknownOrgKey(_)),
        "{err:?}"
    );

    // The deletion is in MSPOrg's trail; the slug is free again.
    strongroom_testkit::wait_until(std::time::Duration::from_secs(20), || async {
        let (_, b) = api.get("/api/v1/audit", Some(&admin)).await;
        b["events"]
            .as_array()?
            .iter()
            .filter(|e| e["target"]["name"] == "doomed")
            .filter(|e| {
                [
                    "org.deletion_requested",
                    "org.deletion_approved",
                    "org.deleted",
                ]
                .contains(&e["operation"].as_str().unwrap_or_default())
            })
            .count()
            .ge(&3)
            .then_some(())
    })
    .await
    .unwrap();
    let (s, b) = api
        .post(
            "/api/v1/orgs",
            Some(&admin),
            json!({"slug": "doomed", "name": "Doomed again"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    assert_ne!(b["id"], org_id);
    stack.stop().await.unwrap();
}

/// A deployment runs several vault replicas; the one that starts a data-key rotation tells
/// the others, which reload the org's keys at once (`data_key.rotation_started`); the one
/// that destroys a deleted org's key tells the others, which drop the org's unwrapped data
/// key at once (the event `org.key_destroyed`, also in MSPOrg's trail).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_vault_replica_reloads_a_rotated_key_and_drops_a_deleted_orgs_key() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let admin = api.login("", "admin", ADMIN_PASSWORD).await;
    let (_, bea_pw) = api.add_user("", &admin, "bea", "administrator").await;
    let bea = api.login("", "bea", &bea_pw).await;

    // A second replica beside the stack's own: same database, KMS and event stream.
    let mut config = stack.config.vault_config();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    config.base.grpc_listener = strongroom_runtime::PreBound::new(listener);
    let (started, replica) = tokio::sync::oneshot::channel();
    let stop = tokio_util::sync::CancellationToken::new();
    let running = tokio::spawn(strongroom_vault::run_replica(
        config,
        stop.clone(),
        Some(started),
    ));
    let replica = replica.await.unwrap();

    let (s, org) = api
        .post(
            "/api/v1/orgs",
            Some(&admin),
            json!({"slug": "twice", "name": "Twice Ltd"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{org}");
    let org_id = OrgId::parse(org["id"].as_str().unwrap()).unwrap();
    let (_, root_pw) = api
        .add_user("/twice", &admin, "root", "administrator")
        .await;
    let root = api.login("/twice", "root", &root_pw).await;
    let account = api
        .store_password("/twice", &root, "db1", "postgres", "held-by-two")
        .await;

    // Revealed through the second replica, which now holds the org's key unwrapped.
    let gateway = crate::trust::tls_of(&stack, strongroom_trust::Service::Gateway);
    let channel = gateway
        .channel(
            &format!("https://127.0.0.1:{port}"),
            strongroom_trust::Service::Vault,
        )
        .unwrap();
    let mut vault = strongroom_proto::vault::vault_client::VaultClient::new(channel);
    let revealed = strongroom_testkit::wait_until(std::time::Duration::from_secs(20), || {
        let mut vault = vault.clone();
        let (root, account) = (root.clone(), account.clone());
        async move {
            let request = RevealPasswordRequest {
                account_id: account,
                reason: String::new(),
                ticket_id: String::new(),
            };
            vault.reveal_password(with_token(request, &root)).await.ok()
        }
    })
    .await
    .unwrap();
    assert_eq!(revealed.into_inner().password, "held-by-two");
    assert!(replica.holds_key(org_id));
    assert_eq!(replica.sealing_version(org_id), Some(1));

    // The stack's own replica rotates the org's key; the second seals with the new one.
    let (s, b) = api
        .post("/twice/api/v1/data-keys/rotate", Some(&root), json!({}))
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{b}");
    strongroom_testkit::wait_until(std::time::Duration::from_secs(10), || {
        let version = replica.sealing_version(org_id);
        async move { (version == Some(2)).then_some(()) }
    })
    .await
    .expect("the second replica never reloaded the rotated key");

    // The stack's own replica deletes the org (asked, then approved by a second
    // administrator); the second replica hears of it.
    let (s, b) = api
        .call(
            Method::DELETE,
            &format!("/api/v1/orgs/{org_id}"),
            Some(&admin),
            Some(json!({"confirm": "twice"})),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{b}");
    let (s, b) = api
        .post(
            &format!(
                "/api/v1/org-deletions/{}/approve",
                b["id"].as_str().unwrap()
            ),
            Some(&bea),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let deleted = std::time::Instant::now();
    strongroom_testkit::wait_until(std::time::Duration::from_secs(10), || {
        let held = replica.holds_key(org_id);
        async move { (!held).then_some(()) }
    })
    .await
    .expect("the second replica still holds the deleted org's key");
    eprintln!(
        "the second replica dropped the key {:?} after the deletion answered",
        deleted.elapsed()
    );
    let request = RevealPasswordRequest {
        account_id: account,
        reason: String::new(),
        ticket_id: String::new(),
    };
    assert!(
        vault
            .reveal_password(with_token(request, &root))
            .await
            .is_err()
    );

    strongroom_testkit::wait_until(std::time::Duration::from_secs(20), || async {
        let (_, trail) = api.get("/api/v1/audit", Some(&admin)).await;
        trail["events"]
            .as_array()?
            .iter()
            .any(|e| {
                e["operation"] == "org.key_destroyed" && e["target"]["id"] == org_id.to_string()
            })
            .then_some(())
    })
    .await
    .expect("org.key_destroyed in MSPOrg's trail");
    stop.cancel();
    let _ = running.await;
    stack.stop().await.unwrap();
}
