//! Events of a deleted org are dropped, not retried forever; events of an org not yet
//! provisioned here wait; neither holds up other orgs' events.

use std::collections::HashSet;

use strongroom_core::OrgId;
use strongroom_events::{Actor, Event, Target};
use strongroom_tenancy::TenantDb;
use strongroom_testkit::TestDb;

fn event(org: OrgId) -> Event {
    Event::new(
        org,
        "vault",
        "password.revealed",
        Actor::default(),
        Target::new("account", 1, "db/root"),
    )
}

#[tokio::test]
async fn events_of_deleted_orgs_are_dropped_and_of_unknown_orgs_wait() {
    let test = TestDb::create("audit").await.unwrap();
    let db = TenantDb::connect(&test.url, 4, &strongroom_audit::TENANT_MIGRATIONS)
        .await
        .unwrap();
    let (live, deleted, unknown) = (OrgId::new(), OrgId::new(), OrgId::new());
    db.provision(live).await.unwrap();
    db.provision(deleted).await.unwrap();
    // A second replica still believes the deleted org exists.
    let stale = TenantDb::from_pool(db.global().clone(), &strongroom_audit::TENANT_MIGRATIONS)
        .await
        .unwrap();
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
