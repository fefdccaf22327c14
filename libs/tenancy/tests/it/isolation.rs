use futures::future::try_join_all;
use strongroom_core::OrgId;
use strongroom_tenancy::{Migrator, TenancyError, TenantDb, schema_name};
use strongroom_testkit::TestDb;

static MIGRATIONS: Migrator = sqlx::migrate!("tests/fixtures/tenant");

/// A database whose general pool has two connections (the other half serves hot paths).
async fn db_with_pool(test: &TestDb) -> TenantDb {
    TenantDb::connect(&test.url, 4, &MIGRATIONS).await.unwrap()
}

async fn seed(db: &TenantDb, org: OrgId, label: &str, rows: i64) {
    let mut tx = db.begin(org).await.unwrap();
    for id in 0..rows {
        sqlx::query("INSERT INTO items (id, label) VALUES ($1, $2)")
            .bind(id)
            .bind(label)
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn interleaved_requests_of_two_orgs_on_two_connections_never_see_the_other_schema() {
    let test = TestDb::create("tenancy").await.unwrap();
    let db = db_with_pool(&test).await;
    let (a, b) = (OrgId::new(), OrgId::new());
    db.provision(a).await.unwrap();
    db.provision(b).await.unwrap();
    seed(&db, a, "a", 10).await;
    seed(&db, b, "b", 10).await;

    let requests = (0..4000).map(|i| {
        let db = db.clone();
        let (org, mine) = if i % 2 == 0 { (a, "a") } else { (b, "b") };
        async move {
            let mut tx = db.begin(org).await?;
            // The same statement text for both orgs, so a cached plan would leak if
            // search_path were not honoured.
            let labels: Vec<(String,)> = sqlx::query_as("SELECT label FROM items WHERE id >= $1")
                .bind(i % 5)
                .fetch_all(&mut *tx)
                .await?;
            tx.commit().await?;
            let wrong = labels.iter().filter(|(l,)| l != mine).count();
            Ok::<_, TenancyError>((labels.len(), wrong))
        }
    });
    let results = try_join_all(requests).await.unwrap();
    assert_eq!(results.len(), 4000);
    assert!(results.iter().all(|(n, _)| *n > 0));
    let wrong: usize = results.iter().map(|(_, w)| w).sum();
    assert_eq!(wrong, 0, "rows from the wrong schema");

    // After the transactions, a pooled connection carries no org schema.
    let tables: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename = 'items'",
    )
    .fetch_one(db.global())
    .await
    .unwrap();
    assert_eq!(tables, 0, "public holds no tenant table");
    let outside = sqlx::query("SELECT * FROM items")
        .fetch_all(db.global())
        .await;
    assert!(outside.is_err(), "a query without an org context fails");
}

#[tokio::test]
async fn an_unprovisioned_org_is_refused_and_provisioning_is_idempotent() {
    let test = TestDb::create("tenancy").await.unwrap();
    let db = db_with_pool(&test).await;
    let org = OrgId::new();
    assert!(matches!(db.begin(org).await, Err(TenancyError::UnknownOrg(o)) if o == org));

    try_join_all((0..4).map(|_| db.provision(org)))
        .await
        .unwrap();
    let versions: Vec<(i64,)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT version FROM {}._migrations ORDER BY version",
        schema_name(org)
    )))
    .fetch_all(db.global())
    .await
    .unwrap();
    assert_eq!(versions, vec![(20261123000001,), (20261123000002,)]);

    // Another replica (a fresh handle on the same database) finds the org too.
    let other = db_with_pool(&test).await;
    other.begin(org).await.unwrap().commit().await.unwrap();
    assert_eq!(other.migrate_all().await.unwrap(), 1);
}

#[tokio::test]
async fn a_schema_newer_than_this_build_is_refused() {
    let test = TestDb::create("tenancy").await.unwrap();
    let db = db_with_pool(&test).await;
    let org = OrgId::new();
    db.provision(org).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO {}._migrations (version, description, checksum) VALUES (29990101000000, 'future', '')",
        schema_name(org)
    )))
    .execute(db.global())
    .await
    .unwrap();
    assert!(matches!(
        db.migrate_all().await,
        Err(TenancyError::UnknownMigration {
            version: 29990101000000,
            ..
        })
    ));
}

#[tokio::test]
async fn a_transaction_over_several_orgs_names_only_their_tables() {
    let test = TestDb::create("tenancy").await.unwrap();
    let db = db_with_pool(&test).await;
    let (a, b, c) = (OrgId::new(), OrgId::new(), OrgId::new());
    for org in [a, b, c] {
        db.provision(org).await.unwrap();
    }
    seed(&db, a, "a", 2).await;
    seed(&db, b, "b", 3).await;
    seed(&db, c, "c", 4).await;

    let mut tx = db.begin_orgs(&[a, b]).await.unwrap();
    let sql = format!(
        "SELECT label, count(*) FROM {} GROUP BY label UNION ALL
         SELECT label, count(*) FROM {} GROUP BY label ORDER BY 1",
        tx.table(a, "items").unwrap(),
        tx.table(b, "items").unwrap()
    );
    let counts: Vec<(String, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    assert_eq!(counts, vec![("a".into(), 2), ("b".into(), 3)]);
    // An org the transaction was not opened for has no table name.
    assert!(matches!(tx.table(c, "items"), Err(TenancyError::UnknownOrg(o)) if o == c));
    // An unqualified name reaches no schema at all (not `public`).
    assert!(
        sqlx::query("SELECT count(*) FROM items")
            .fetch_one(&mut *tx)
            .await
            .is_err()
    );
    drop(tx);

    // Over one org, names stay bare (the same statement for every org) and reach that org.
    let mut tx = db.begin_orgs(&[c]).await.unwrap();
    let items = tx.table(c, "items").unwrap();
    assert_eq!(items, "items");
    assert!(tx.table(a, "items").is_err());
    let labels: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT DISTINCT label FROM {items}"
    )))
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    assert_eq!(labels, vec!["c".to_owned()]);
    drop(tx);

    let unknown = OrgId::new();
    assert!(matches!(
        db.begin_orgs(&[a, unknown]).await,
        Err(TenancyError::UnknownOrg(o)) if o == unknown
    ));
}

#[tokio::test]
async fn statements_over_orgs_name_their_tables_in_full_and_no_others() {
    let test = TestDb::create("tenancy").await.unwrap();
    let db = TenantDb::connect(&test.url, 16, &MIGRATIONS).await.unwrap();
    let orgs: Vec<OrgId> = (0..12).map(|_| OrgId::new()).collect();
    for (i, org) in orgs.iter().enumerate() {
        db.provision(*org).await.unwrap();
        seed(&db, *org, &format!("label {i}"), i as i64 + 1).await;
    }

    // Even over one org the name is schema-qualified: no transaction sets a search path.
    let (a, b) = (orgs[0], orgs[1]);
    let groups = db.statements_over(&[a]).await.unwrap();
    let [over] = groups.as_slice() else {
        panic!("one org makes one group")
    };
    assert_eq!(over.orgs(), [a]);
    let items = over.table(a, "items").unwrap();
    assert_eq!(items, format!("{}.items", schema_name(a)));
    assert!(matches!(over.table(b, "items"), Err(TenancyError::UnknownOrg(o)) if o == b));
    let statement = |sql: &str| [(sql.to_owned(), Vec::new())];
    let labels = over
        .query_each(&statement(&format!("SELECT DISTINCT label FROM {items}")))
        .await
        .unwrap();
    let labels: Vec<String> = labels[0].iter().map(|row| row.get(0)).collect();
    assert_eq!(labels, vec!["label 0".to_owned()]);
    // Outside a tenant transaction an unqualified name reaches no org's table.
    assert!(
        over.query_each(&statement("SELECT count(*) FROM items"))
            .await
            .is_err()
    );

    // Over every org (one asked twice): each org in exactly one group, and each group's
    // names reach its own orgs' rows.
    let mut asked = orgs.clone();
    asked.push(a);
    let groups = db.statements_over(&asked).await.unwrap();
    assert!(
        groups.len() > 1,
        "twelve orgs share one pool of connections"
    );
    let mut seen: Vec<OrgId> = groups.iter().flat_map(|g| g.orgs().to_vec()).collect();
    seen.sort();
    let mut expected = orgs.clone();
    expected.sort();
    assert_eq!(seen, expected);
    let mut rows = 0;
    for group in &groups {
        // Each group's statements go together, one per org.
        let counts: Vec<(String, Vec<_>)> = group
            .orgs()
            .iter()
            .map(|org| {
                let items = group.table(*org, "items").unwrap();
                (format!("SELECT count(*) FROM {items}"), Vec::new())
            })
            .collect();
        for answer in group.query_each(&counts).await.unwrap() {
            rows += answer[0].get::<_, i64>(0);
        }
    }
    assert_eq!(rows, (1..=12).sum::<i64>());

    let unknown = OrgId::new();
    assert!(matches!(
        db.statements_over(&[a, unknown]).await,
        Err(TenancyError::UnknownOrg(o)) if o == unknown
    ));
}

#[tokio::test]
async fn an_orgs_statements_always_reach_the_same_two_server_processes() {
    let test = TestDb::create("tenancy").await.unwrap();
    let db = TenantDb::connect(&test.url, 16, &MIGRATIONS).await.unwrap();
    let orgs: Vec<OrgId> = (0..8).map(|_| OrgId::new()).collect();
    for org in &orgs {
        db.provision(*org).await.unwrap();
    }
    let mut all = std::collections::HashSet::new();
    for org in &orgs {
        let mut pids = std::collections::HashSet::new();
        for _ in 0..10 {
            // Two at once, so both of the pool's connections are in use.
            let groups = db.statements_over(&[*org]).await.unwrap();
            let pid = [("SELECT pg_backend_pid()".to_owned(), Vec::new())];
            let (x, y) =
                tokio::try_join!(groups[0].query_each(&pid), groups[0].query_each(&pid)).unwrap();
            pids.extend([&x, &y].map(|answer| answer[0][0].get::<_, i32>(0)));
        }
        assert!(pids.len() <= 2, "one org reached {} processes", pids.len());
        all.extend(pids);
    }
    // The orgs are spread: together they reach more than one pool's connections.
    assert!(
        all.len() > 2,
        "eight orgs all reached the same {} processes",
        all.len()
    );
}

#[tokio::test]
async fn a_deprovisioned_org_leaves_no_schema_and_never_comes_back() {
    let test = TestDb::create("tenancy").await.unwrap();
    let db = db_with_pool(&test).await;
    let (gone, kept) = (OrgId::new(), OrgId::new());
    for org in [gone, kept] {
        db.provision(org).await.unwrap();
        seed(&db, org, "x", 3).await;
    }
    // A second replica that has already used the org.
    let other = db_with_pool(&test).await;
    other.begin(gone).await.unwrap().commit().await.unwrap();

    db.deprovision(gone).await.unwrap();
    db.deprovision(gone).await.unwrap();
    let schemas: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM information_schema.schemata WHERE schema_name = $1",
    )
    .bind(schema_name(gone))
    .fetch_one(db.global())
    .await
    .unwrap();
    assert_eq!(schemas, 0);
    assert!(matches!(db.begin(gone).await, Err(TenancyError::UnknownOrg(o)) if o == gone));
    assert!(matches!(db.provision(gone).await, Err(TenancyError::DeletedOrg(o)) if o == gone));
    assert!(db.is_deleted(gone).await.unwrap());
    assert!(!db.is_deleted(kept).await.unwrap());
    assert_eq!(db.provisioned_orgs().await.unwrap(), vec![kept]);

    // The other replica learns it when it asks, and keeps the rest.
    assert_eq!(
        other.still_provisioned(&[gone, kept]).await.unwrap(),
        vec![kept]
    );
    assert!(matches!(
        other.begin(gone).await,
        Err(TenancyError::UnknownOrg(_))
    ));
    let mut tx = other.begin(kept).await.unwrap();
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM items")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(rows, 3);
}
