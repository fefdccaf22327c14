//! Each event lands in the trail exactly once, whatever the relays and NATS do.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use strongroom_core::OrgId;
use strongroom_events::async_nats::{self, jetstream};
use strongroom_events::{Actor, Event, Outbox, Relay, Target};
use strongroom_tenancy::TenantDb;
use strongroom_testkit::TestDb;
use tokio_util::sync::CancellationToken;

const EVENTS: usize = 50;

async fn trail(db: &TenantDb, org: OrgId) -> Vec<uuid::Uuid> {
    let mut tx = db.begin(org).await.unwrap();
    let ids: Vec<uuid::Uuid> = sqlx::query_scalar("SELECT id FROM audit_events")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_relays_republishing_and_redelivery_store_each_event_once() {
    let test = TestDb::create("audit").await.unwrap();
    let db = crate::audit_db(&test.url, 8).await;
    let org = OrgId::new();
    db.provision(org).await.unwrap();
    let prefix = strongroom_testkit::unique("t");
    let js = jetstream::new(strongroom_testkit::nats_admin().await.unwrap());
    strongroom_events::ensure_stream(
        &js,
        &prefix,
        &strongroom_events::StreamLimits {
            max_bytes: strongroom_testkit::STREAM_MAX_BYTES,
            ..Default::default()
        },
    )
    .await
    .unwrap();

    // Events committed to the outbox, as a service would.
    let outbox = Outbox::new(prefix.clone());
    let mut events = Vec::new();
    let mut tx = db.begin(org).await.unwrap();
    for i in 0..EVENTS {
        let actor = Actor {
            username: format!("user{i}"),
            ..Actor::default()
        };
        let event = Event::new(
            org,
            "vault",
            "password.revealed",
            actor,
            Target::new("account", i, "db/root"),
        );
        outbox.record(&mut tx, &event).await.unwrap();
        events.push(event);
    }
    tx.commit().await.unwrap();

    // Two relays drain the same outbox at once.
    let (r1, r2) = (
        Relay::new(db.clone(), js.clone(), &outbox),
        Relay::new(db.clone(), js.clone(), &outbox),
    );
    let (n1, n2) = tokio::join!(r1.drain(org), r2.drain(org));
    assert_eq!(
        n1.unwrap() + n2.unwrap(),
        EVENTS,
        "each row is published by one relay"
    );

    // A relay that crashed after publishing but before deleting its rows publishes again,
    // and an old event shows up once more outside NATS's duplicate window (new msg id).
    for event in &events[..10] {
        let payload = serde_json::to_vec(event).unwrap();
        let mut headers = async_nats::HeaderMap::new();
        headers.insert(
            async_nats::header::NATS_MESSAGE_ID,
            event.id.to_string().as_str(),
        );
        js.publish_with_headers(event.subject(&prefix), headers, payload.clone().into())
            .await
            .unwrap()
            .await
            .unwrap();
        js.publish(event.subject(&prefix), payload.into())
            .await
            .unwrap()
            .await
            .unwrap();
    }

    // The consumer stores, then fails before acknowledging, the first delivery of some
    // events: NATS redelivers them.
    let failed_once: Arc<Mutex<HashSet<uuid::Uuid>>> = Arc::default();
    let shutdown = CancellationToken::new();
    let consumer = {
        let (db, js, prefix, shutdown, failed_once) = (
            db.clone(),
            js.clone(),
            prefix.clone(),
            shutdown.clone(),
            failed_once.clone(),
        );
        tokio::spawn(async move {
            strongroom_events::consume(js, &prefix, "audit", shutdown, |batch| {
                let (db, failed_once) = (db.clone(), failed_once.clone());
                async move {
                    let retry = strongroom_audit::store_events(&db, &batch)
                        .await
                        .map_err(|e| e.to_string())?;
                    assert!(retry.is_empty(), "the org has a trail");
                    let mut failed = failed_once.lock().unwrap();
                    let first = batch
                        .iter()
                        .flat_map(|(_, events)| events)
                        .filter(|e| e.actor.username.ends_with('7'))
                        .filter(|e| failed.insert(e.id))
                        .count()
                        > 0;
                    if first {
                        Err("simulated crash before ack".to_owned())
                    } else {
                        Ok(retry)
                    }
                }
            })
            .await
        })
    };

    strongroom_testkit::wait_until(Duration::from_secs(20), || async {
        (trail(&db, org).await.len() >= EVENTS && failed_once.lock().unwrap().len() == 5)
            .then_some(())
    })
    .await
    .unwrap();
    // Let redeliveries and duplicates arrive before counting.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let stored = trail(&db, org).await;
    let unique: HashSet<_> = stored.iter().collect();
    assert_eq!(stored.len(), EVENTS);
    assert_eq!(unique.len(), EVENTS);
    assert!(events.iter().all(|e| unique.contains(&e.id)));

    let mut tx = db.begin(org).await.unwrap();
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(left, 0, "published rows leave the outbox");

    shutdown.cancel();
    consumer.await.unwrap().unwrap();
    js.delete_stream(strongroom_events::stream_name(&prefix))
        .await
        .unwrap();
}
