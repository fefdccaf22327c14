//! Events of a deleted org are dropped, not retried forever; events of an org not yet
//! provisioned here wait; neither holds up other orgs' events.

use std::collections::HashSet;

use strongroom_core::OrgId;
use strongroom_testkit::TestDb;

use crate::reveal as event;

#[tokio::test]
async fn events_of_deleted_orgs_are_dropped_and_of_unknown_orgs_wait() {
    let test = TestDb::create("audit").await.unwrap();
    let db = crate::audit_db(&test.url, 4).await;
    let (live, deleted, unknown) = (OrgId::new(), OrgId::new(), OrgId::new());
    db.provision(live).await.unwrap();
    db.provision(deleted).await.unwrap();
    // A second replica still believes the deleted org exists.
    let stale = crate::audit_db(&test.url, 4).await;
    stale.begin(deleted).await.unwrap().commit().await.unwrap();
    db.deprovision(deleted).await.unwrap();

    let batch = vec![
        (live, vec![event(live)]),
        (deleted, vec![event(deleted), event(deleted)]),
        (unknown, vec![event(unknown)]),
    ];
    for replica in [&db, &stale] {
        let retry = strongroom_audit::store_events(replica, &batch)
            .await
            .unwrap();
        assert_eq!(retry, HashSet::from([unknown]));
    }
    let mut tx = db.begin(live).await.unwrap();
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_events")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(stored, 1, "the live org's event is stored once");
}

/// The relays' sweep finds the orgs whose table holds rows from Postgres' counts, without
/// reading every org's table.
#[tokio::test]
async fn orgs_with_rows_are_found_from_the_table_counts() {
    let test = TestDb::create("audit").await.unwrap();
    let db = crate::audit_db(&test.url, 4).await;
    let (busy, idle) = (OrgId::new(), OrgId::new());
    db.provision(busy).await.unwrap();
    db.provision(idle).await.unwrap();
    assert!(
        db.orgs_with_rows_in("audit_events")
            .await
            .unwrap()
            .is_empty()
    );
    strongroom_audit::store_events(&db, &[(busy, vec![event(busy)])])
        .await
        .unwrap();
    // The counts trail commits by about a second.
    let found = strongroom_testkit::wait_until(std::time::Duration::from_secs(15), || async {
        let orgs = db.orgs_with_rows_in("audit_events").await.unwrap();
        (!orgs.is_empty()).then_some(orgs)
    })
    .await
    .unwrap();
    assert_eq!(found, vec![busy]);
}
