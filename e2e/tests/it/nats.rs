//! NATS as deployed: each service signs in as its own user and may publish only its own
//! events; nobody without credentials publishes anything, no service deletes the stream or
//! changes its settings (only the provisioner does).
//! The shipped server configurations are the ones the code generates.

use std::time::Duration;

use strongroom_events::async_nats::{self, jetstream};

use crate::stack::Stack;

fn generated(path: &str, server: &strongroom::NatsServer<'_>) {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let committed = std::fs::read_to_string(root.join(path)).unwrap();
    assert_eq!(
        committed,
        strongroom::nats_config(server),
        "{path} differs from `strongroom nats-config`; regenerate it"
    );
}

#[test]
fn the_shipped_nats_configurations_are_the_generated_ones() {
    generated(
        "helm/strongroom/files/nats.conf",
        &strongroom::NatsServer {
            prefix: Some("sr"),
            listen: "0.0.0.0:4222",
            http_port: 8222,
            store_dir: "/data/jetstream",
            admin_password_variable: None,
        },
    );
    generated(
        ".ci/nats.conf",
        &strongroom::NatsServer {
            prefix: None,
            listen: "127.0.0.1:4223",
            http_port: 8223,
            store_dir: "/var/tmp/strongroom-nats",
            admin_password_variable: Some("STRONGROOM_NATS_ADMIN_PASSWORD"),
        },
    );
}

/// How many events the stream holds under `subject`.
async fn count(js: &jetstream::Context, prefix: &str, subject: &str) -> usize {
    let stream = js
        .get_stream(strongroom_events::stream_name(prefix))
        .await
        .unwrap();
    let subjects: Vec<(String, usize)> =
        futures::TryStreamExt::try_collect(stream.info_with_subjects(subject).await.unwrap())
            .await
            .unwrap();
    subjects.iter().map(|(_, n)| n).sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_forged_event_is_refused_and_no_service_deletes_the_stream() {
    let stack = Stack::start(None).await.unwrap();
    let prefix = stack.config.event_prefix.clone();
    let admin = jetstream::new(strongroom_testkit::nats_admin().await.unwrap());
    let org = uuid::Uuid::now_v7();
    let forged = format!("{prefix}.{org}.identity.user.created");

    // Without credentials: the server does not let the connection in.
    let Err(error) = async_nats::connect(strongroom_testkit::nats_url()).await else {
        panic!("an anonymous client connected");
    };
    let error = error.to_string();
    assert!(error.to_lowercase().contains("authorization"), "{error}");

    // The vault, signed in, may not publish identity's events (nor any other service's).
    let login = |service: &str| strongroom_events::NatsLogin {
        user: service.to_owned(),
        password: Some(strongroom_testkit::nats_password(service).into()),
    };
    let vault =
        strongroom_events::connect(&strongroom_testkit::nats_url(), "vault", &login("vault"))
            .await
            .unwrap();
    let vault_js = jetstream::new(vault.clone());
    let published = tokio::time::timeout(Duration::from_secs(10), async {
        vault_js
            .publish(forged.clone(), "{}".into())
            .await?
            .await
            .map(|_| ())
            .map_err(|e| Box::new(e) as Box<dyn std::error::Error + Send + Sync>)
    })
    .await;
    assert!(
        !matches!(published, Ok(Ok(()))),
        "the vault published identity's event"
    );
    assert_eq!(count(&admin, &prefix, &forged).await, 0);

    // Its own events it may publish.
    let own = format!("{prefix}.{org}.vault.probe.published");
    vault_js
        .publish(own.clone(), "{}".into())
        .await
        .unwrap()
        .await
        .unwrap();
    assert_eq!(count(&admin, &prefix, &own).await, 1);

    // Neither the vault nor audit may delete the stream; it is still there.
    let name = strongroom_events::stream_name(&prefix);
    for service in ["vault", "audit"] {
        let client =
            strongroom_events::connect(&strongroom_testkit::nats_url(), service, &login(service))
                .await
                .unwrap();
        let deleted = jetstream::new(client).delete_stream(&name).await;
        assert!(deleted.is_err(), "{service} deleted the stream");
    }
    assert!(admin.get_stream(&name).await.is_ok());

    // Nor may any service change the stream's settings (a `max_age` of a second would drop
    // what audit has not read); they stay as the provisioner set them.
    let before = admin
        .get_stream(&name)
        .await
        .unwrap()
        .info()
        .await
        .unwrap()
        .config
        .clone();
    // A refused request is never answered, so each waits out its timeout: all at once.
    let attempts = ["vault", "audit", "identity"].map(|service| {
        let (login, name, mut shorter) = (login(service), name.clone(), before.clone());
        async move {
            let client =
                strongroom_events::connect(&strongroom_testkit::nats_url(), service, &login)
                    .await
                    .unwrap();
            let js = jetstream::new(client);
            shorter.max_age = Duration::from_secs(1);
            let updated =
                tokio::time::timeout(Duration::from_secs(10), js.update_stream(shorter)).await;
            assert!(
                !matches!(updated, Ok(Ok(_))),
                "{service} changed the stream's settings"
            );
            // It may still read them.
            assert!(
                js.get_stream(&name).await.is_ok(),
                "{service} cannot read the stream"
            );
        }
    });
    futures::future::join_all(attempts).await;
    let after = admin
        .get_stream(&name)
        .await
        .unwrap()
        .info()
        .await
        .unwrap()
        .config
        .clone();
    assert_eq!(after.max_age, before.max_age);
    assert_eq!(after.max_bytes, before.max_bytes);
    stack.stop().await.unwrap();
}

/// A pod holding one service's NATS credentials can publish only on its own subjects; a
/// body there that claims another service's event, or another org's, is refused by its
/// readers (audit stores nothing of it), and only a body that matches its subject counts.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_body_claiming_another_service_or_org_leaves_no_trail() {
    use strongroom_events::{Actor, Event, Target};

    let stack = Stack::start(None).await.unwrap();
    let api = crate::api::Api { stack: &stack };
    let prefix = stack.config.event_prefix.clone();
    let victim = crate::api::Org::create(&api, "victim").await;
    let victim_id =
        strongroom_core::OrgId::parse(&crate::api::org_id(&api, &victim).await).unwrap();
    let other_id = strongroom_core::OrgId(uuid::Uuid::now_v7());
    let rotation = strongroom_events::connect(
        &strongroom_testkit::nats_url(),
        "rotation",
        &strongroom_events::NatsLogin {
            user: "rotation".into(),
            password: Some(strongroom_testkit::nats_password("rotation").into()),
        },
    )
    .await
    .unwrap();
    let js = jetstream::new(rotation);
    let publish = |subject: String, event: Event| {
        let js = js.clone();
        async move {
            js.publish(subject, serde_json::to_vec(&event).unwrap().into())
                .await
                .unwrap()
                .await
                .unwrap();
        }
    };
    let event = |org, service: &str, operation: &str| {
        let mut e = Event::new(
            org,
            service,
            operation,
            Actor {
                username: "root".into(),
                ..Actor::default()
            },
            Target::new("account", "forged", "db1/root"),
        );
        e.occurred_at = chrono::Utc::now() - chrono::TimeDelta::days(30);
        e
    };

    // On rotation's own subject: a vault reveal in the victim org, back-dated...
    let as_vault = event(victim_id, "vault", "password.revealed");
    publish(
        format!("{prefix}.{victim_id}.rotation.password.revealed"),
        as_vault.clone(),
    )
    .await;
    // ... and a rotation event of the victim org on another org's subject.
    let other_org = event(victim_id, "rotation", "password.reset");
    publish(
        format!("{prefix}.{other_id}.rotation.password.reset"),
        other_org.clone(),
    )
    .await;
    // Then one that matches its subject: audit stores it.
    let honest = event(victim_id, "rotation", "probe.sent");
    publish(
        format!("{prefix}.{victim_id}.rotation.probe.sent"),
        honest.clone(),
    )
    .await;
    let trail = crate::api::audit_operations(&api, &victim, &["probe.sent"]).await;
    for forged in [&as_vault, &other_org] {
        assert!(
            !trail.iter().any(|e| e["id"] == forged.id.to_string()),
            "a forged event was stored: {trail:?}"
        );
    }
    assert!(
        !trail
            .iter()
            .any(|e| e["operation"] == "password.revealed" || e["operation"] == "password.reset"),
        "{trail:?}"
    );
    assert!(
        strongroom_events::mismatched_events() >= 2,
        "the refusals are counted"
    );
    stack.stop().await.unwrap();
}

/// A full stream refuses new events instead of dropping old ones; the outboxes keep what
/// was refused and deliver it, in full, once the provisioner makes room.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_full_stream_refuses_events_and_the_outboxes_keep_them_until_there_is_room() {
    use reqwest::StatusCode;
    use serde_json::json;

    use crate::api::{Api, Org, password_for};

    let tiny = strongroom_events::StreamLimits {
        max_bytes: 16 * 1024,
        ..Default::default()
    };
    let stack = Stack::start_with_stream_limits(tiny).await.unwrap();
    let api = Api { stack: &stack };
    let org = Org::create(&api, "crowded").await;
    const RESOURCES: usize = 40;
    for i in 0..RESOURCES {
        let (s, b) = api
            .post(
                &org.url("/resources"),
                Some(&org.admin),
                json!({"name": format!("crowded-{i}"), "type": "Linux"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
    }
    let login = api
        .login_reply(&org.prefix, "root", &password_for("root"))
        .await;
    let schema = format!(
        "org_{}",
        strongroom_core::OrgId::parse(login["org_id"].as_str().unwrap())
            .unwrap()
            .0
            .simple()
    );
    let vault_db = sqlx::PgPool::connect(&stack.database_url("vault"))
        .await
        .unwrap();
    let waiting = || async {
        let count: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT count(*) FROM {schema}.outbox"
        )))
        .fetch_one(&vault_db)
        .await
        .unwrap();
        count
    };
    let created = || async {
        let (s, b) = api.get(&org.url("/audit"), Some(&org.admin)).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        b["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["operation"] == "resource.created")
            .count()
    };
    // The relay keeps trying; what the stream refused stays in the vault's outbox.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let kept = waiting().await;
    assert!(
        kept > 0,
        "the stream took every event: its limit did not hold"
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        waiting().await,
        kept,
        "an event left the outbox while the stream was full"
    );
    assert!(created().await < RESOURCES);

    // The provisioner makes room; everything kept arrives, nothing twice.
    let mut roomier = stack.config.clone();
    roomier.stream_limits.max_bytes = strongroom_testkit::STREAM_MAX_BYTES;
    let provisioner = strongroom_testkit::nats_password_dir()
        .unwrap()
        .join(format!("{}.password", strongroom_events::PROVISIONER));
    strongroom::provision_stream(&roomier, Some(&provisioner))
        .await
        .unwrap();
    let arrived = strongroom_testkit::wait_until(Duration::from_secs(60), || async {
        (waiting().await == 0 && created().await == RESOURCES).then_some(())
    })
    .await;
    assert!(
        arrived.is_ok(),
        "{} of {RESOURCES} arrived, {} still waiting",
        created().await,
        waiting().await
    );
    stack.stop().await.unwrap();
}
