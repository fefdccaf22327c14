//! Records stored through the intake are in their org's trail at once, and the mover puts
//! each in its org's own table exactly once, however many replicas move at the same time;
//! a deleted org's records are dropped, and an org whose trail fails holds up no other.

use std::collections::HashSet;

use strongroom_core::OrgId;
use strongroom_events::Event;
use strongroom_tenancy::TenantDb;
use strongroom_testkit::TestDb;

async fn in_trail_table(db: &TenantDb, org: OrgId) -> i64 {
    let mut tx = db.begin(org).await.unwrap();
    let n = sqlx::query_scalar("SELECT count(*) FROM audit_events")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    n
}

async fn waiting(db: &TenantDb) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM public.audit_intake")
        .fetch_one(db.global())
        .await
        .unwrap()
}

#[tokio::test]
async fn waiting_records_are_listed_with_their_org_and_moved_to_its_trail_once() {
    let test = TestDb::create("audit").await.unwrap();
    let db = crate::audit_db(&test.url, 8).await;
    let (a, b) = (OrgId::new(), OrgId::new());
    db.provision(a).await.unwrap();
    db.provision(b).await.unwrap();
    let mut events: Vec<Event> = (0..3).map(|_| crate::reveal(a)).collect();
    events.push(crate::reveal(b));
    strongroom_audit::store_in_intake(&db, &events)
        .await
        .unwrap();

    let listed = strongroom_audit::list_events(
        &db,
        a,
        strongroom_audit::EventFilter {
            limit: 100,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(listed.len(), 3, "only org a's records, before any move");
    assert_eq!(in_trail_table(&db, a).await, 0);

    assert_eq!(
        strongroom_audit::move_waiting(&db, &[])
            .await
            .unwrap()
            .claimed,
        4
    );
    assert_eq!(waiting(&db).await, 0);
    assert_eq!(
        (in_trail_table(&db, a).await, in_trail_table(&db, b).await),
        (3, 1)
    );
    let ids = |events: &[Event]| {
        let mut ids: Vec<String> = events.iter().map(|e| e.id.to_string()).collect();
        ids.sort();
        ids
    };
    let after = strongroom_audit::list_events(
        &db,
        a,
        strongroom_audit::EventFilter {
            limit: 100,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(ids(&after), ids(&listed), "the same records, once each");

    // Stored again (a retried call) and moved again: nothing changes.
    strongroom_audit::store_in_intake(&db, &events)
        .await
        .unwrap();
    strongroom_audit::move_waiting(&db, &[]).await.unwrap();
    assert_eq!(
        (in_trail_table(&db, a).await, in_trail_table(&db, b).await),
        (3, 1)
    );
    assert_eq!(
        strongroom_audit::move_waiting(&db, &[])
            .await
            .unwrap()
            .claimed,
        0
    );
}

#[tokio::test]
async fn replicas_moving_together_store_each_record_once_and_drop_deleted_orgs() {
    let test = TestDb::create("audit").await.unwrap();
    let db = crate::audit_db(&test.url, 8).await;
    let other = crate::audit_db(&test.url, 8).await;
    let orgs: Vec<OrgId> = (0..20).map(|_| OrgId::new()).collect();
    for org in &orgs {
        db.provision(*org).await.unwrap();
    }
    // 50 records per org, in five calls.
    for _ in 0..5 {
        let events: Vec<Event> = orgs
            .iter()
            .flat_map(|org| (0..10).map(|_| crate::reveal(*org)))
            .collect();
        strongroom_audit::store_in_intake(&db, &events)
            .await
            .unwrap();
    }
    let deleted = orgs[0];
    db.deprovision(deleted).await.unwrap();

    let (x, y) = tokio::join!(
        strongroom_audit::move_waiting(&db, &[]),
        strongroom_audit::move_waiting(&other, &[])
    );
    let claimed = x.unwrap().claimed + y.unwrap().claimed;
    assert_eq!(claimed, 1_000, "each record claimed by one replica");
    assert_eq!(
        waiting(&db).await,
        0,
        "the deleted org's records are dropped"
    );
    for org in &orgs[1..] {
        assert_eq!(in_trail_table(&db, *org).await, 50);
    }
}

#[tokio::test]
async fn an_org_whose_trail_fails_keeps_its_records_waiting_and_holds_up_no_other() {
    let test = TestDb::create("audit").await.unwrap();
    let db = crate::audit_db(&test.url, 8).await;
    let (broken, fine) = (OrgId::new(), OrgId::new());
    db.provision(broken).await.unwrap();
    db.provision(fine).await.unwrap();
    let events = vec![
        crate::reveal(broken),
        crate::reveal(fine),
        crate::reveal(fine),
    ];
    strongroom_audit::store_in_intake(&db, &events)
        .await
        .unwrap();
    let trail = format!("{}.audit_events", strongroom_tenancy::schema_name(broken));
    let rename = |from: &str, to: &str| format!("ALTER TABLE {from} RENAME TO {to}");
    sqlx::raw_sql(sqlx::AssertSqlSafe(rename(&trail, "audit_events_away")))
        .execute(db.global())
        .await
        .unwrap();

    let round = strongroom_audit::move_waiting(&db, &[]).await.unwrap();
    assert_eq!(round.claimed, 3);
    assert_eq!(round.stuck, HashSet::from([broken]));
    assert_eq!(in_trail_table(&db, fine).await, 2);
    assert_eq!(waiting(&db).await, 1, "the broken org's record is kept");
    let passed_over = strongroom_audit::move_waiting(&db, &[broken])
        .await
        .unwrap();
    assert_eq!(passed_over.claimed, 0);

    let away = format!(
        "{}.audit_events_away",
        strongroom_tenancy::schema_name(broken)
    );
    sqlx::raw_sql(sqlx::AssertSqlSafe(rename(&away, "audit_events")))
        .execute(db.global())
        .await
        .unwrap();
    let round = strongroom_audit::move_waiting(&db, &[]).await.unwrap();
    assert_eq!((round.claimed, round.stuck.len()), (1, 0));
    assert_eq!(in_trail_table(&db, broken).await, 1);
    assert_eq!(waiting(&db).await, 0);
}
