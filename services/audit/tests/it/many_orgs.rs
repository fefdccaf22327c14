//! A batch of records from many orgs is stored together (the orgs' statements share
//! connections and transactions), and each record lands in its own org's trail, in that
//! org's schema, and nowhere else.

use std::collections::HashSet;

use strongroom_core::OrgId;
use strongroom_events::Event;
use strongroom_testkit::TestDb;
use uuid::Uuid;

#[tokio::test]
async fn each_record_of_a_batch_lands_in_its_own_orgs_trail() {
    let test = TestDb::create("audit").await.unwrap();
    let db = crate::audit_db(&test.url, 16).await;
    // 16 connections: four pools, so the batch is split into groups on several connections.
    let orgs: Vec<OrgId> = (0..12).map(|_| OrgId::new()).collect();
    for org in &orgs {
        db.provision(*org).await.unwrap();
    }
    // Org i gets i + 1 records.
    let batch: Vec<(OrgId, Vec<Event>)> = orgs
        .iter()
        .enumerate()
        .map(|(i, org)| (*org, (0..=i).map(|_| crate::reveal(*org)).collect()))
        .collect();
    strongroom_audit::store_events(&db, &batch).await.unwrap();
    // Stored again (a redelivery): nothing changes.
    strongroom_audit::store_events(&db, &batch).await.unwrap();

    let audit = sqlx::PgPool::connect(&test.url).await.unwrap();
    for (org, events) in &batch {
        // Read from the org's own schema, as its trail queries do.
        let schema = strongroom_tenancy::schema_name(*org);
        let stored: HashSet<Uuid> = sqlx::query_scalar::<_, Uuid>(sqlx::AssertSqlSafe(format!(
            "SELECT id FROM {schema}.audit_events"
        )))
        .fetch_all(&audit)
        .await
        .unwrap()
        .into_iter()
        .collect();
        let expected: HashSet<Uuid> = events.iter().map(|e| e.id).collect();
        assert_eq!(stored, expected, "the trail of org {org}");
    }
}
