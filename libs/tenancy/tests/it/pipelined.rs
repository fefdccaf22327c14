//! Statements of many orgs sent together on one connection: each answer reaches its own
//! statement, and a group's writes take effect all together or not at all.

use strongroom_core::OrgId;
use strongroom_tenancy::{Migrator, OrgsStatements, TenantDb, ToSql};
use strongroom_testkit::TestDb;

static MIGRATIONS: Migrator = sqlx::migrate!("tests/fixtures/tenant");

/// Orgs that all share one pool of hot connections, provisioned.
async fn orgs_of_one_group(db: &TenantDb, count: usize) -> Vec<OrgId> {
    let mut orgs = Vec::new();
    while orgs.len() < count {
        let org = OrgId::new();
        db.provision(org).await.unwrap();
        let mut with = orgs.clone();
        with.push(org);
        if db.statements_over(&with).await.unwrap().len() == 1 {
            orgs = with;
        }
    }
    orgs
}

async fn labels_of(group: &OrgsStatements<'_>) -> Vec<Vec<String>> {
    let statements: Vec<(String, Vec<&(dyn ToSql + Sync)>)> = group
        .orgs()
        .iter()
        .map(|org| {
            let items = group.table(*org, "items").unwrap();
            (format!("SELECT label FROM {items} ORDER BY id"), Vec::new())
        })
        .collect();
    let answers = group.query_each(&statements).await.unwrap();
    answers
        .iter()
        .map(|rows| rows.iter().map(|row| row.get(0)).collect())
        .collect()
}

#[tokio::test]
async fn each_orgs_answer_reaches_its_own_statement() {
    let test = TestDb::create("tenancy").await.unwrap();
    let db = TenantDb::connect(&test.url, 16, &MIGRATIONS).await.unwrap();
    let orgs = orgs_of_one_group(&db, 20).await;
    let groups = db.statements_over(&orgs).await.unwrap();
    let labels: Vec<String> = (0..orgs.len()).map(|i| format!("org {i}")).collect();
    let ids: Vec<i64> = (0..orgs.len() as i64).collect();
    let inserts: Vec<(String, Vec<&(dyn ToSql + Sync)>)> = orgs
        .iter()
        .zip(&labels)
        .zip(&ids)
        .map(|((org, label), id)| {
            let items = groups[0].table(*org, "items").unwrap();
            let sql = format!("INSERT INTO {items} (id, label) VALUES ($1, $2)");
            (sql, vec![id as &(dyn ToSql + Sync), label])
        })
        .collect();
    groups[0].execute_atomically(&inserts).await.unwrap();

    // Twenty answers, each with its own org's row only, in the order asked.
    let expected: Vec<Vec<String>> = labels.iter().map(|l| vec![l.clone()]).collect();
    assert_eq!(labels_of(&groups[0]).await, expected);
    let reversed: Vec<OrgId> = orgs.iter().rev().copied().collect();
    let groups = db.statements_over(&reversed).await.unwrap();
    let expected: Vec<Vec<String>> = expected.into_iter().rev().collect();
    assert_eq!(labels_of(&groups[0]).await, expected);
}

#[tokio::test]
async fn a_failed_write_leaves_every_org_of_the_group_unchanged() {
    let test = TestDb::create("tenancy").await.unwrap();
    let db = TenantDb::connect(&test.url, 4, &MIGRATIONS).await.unwrap();
    let orgs = orgs_of_one_group(&db, 3).await;
    let groups = db.statements_over(&orgs).await.unwrap();
    let group = &groups[0];
    let insert = |org: OrgId, id: &'static i64| {
        let items = group.table(org, "items").unwrap();
        let sql = format!("INSERT INTO {items} (id, label) VALUES ($1, 'x')");
        (sql, vec![id as &(dyn ToSql + Sync)])
    };
    group
        .execute_atomically(&[insert(orgs[1], &7)])
        .await
        .unwrap();

    // The second org's row exists already: the whole group's writes are undone.
    let clash = [
        insert(orgs[0], &1),
        insert(orgs[1], &7),
        insert(orgs[2], &1),
    ];
    assert!(group.execute_atomically(&clash).await.is_err());
    let counts: Vec<usize> = labels_of(group).await.iter().map(Vec::len).collect();
    assert_eq!(counts, [0, 1, 0]);

    // A statement whose parameter does not fit its column is refused before it is sent:
    // the others are not committed without it.
    let text_id = "eight".to_owned();
    let items = group.table(orgs[2], "items").unwrap();
    let misfit = (
        format!("INSERT INTO {items} (id, label) VALUES ($1, 'x')"),
        vec![&text_id as &(dyn ToSql + Sync)],
    );
    assert!(
        group
            .execute_atomically(&[insert(orgs[0], &8), misfit])
            .await
            .is_err()
    );
    let counts: Vec<usize> = labels_of(group).await.iter().map(Vec::len).collect();
    assert_eq!(counts, [0, 1, 0]);

    // Both connections of the pool are left usable and in no transaction: the next writes
    // commit, seen from a connection outside the pool.
    let twos = [insert(orgs[0], &2), insert(orgs[2], &2)];
    let threes = [insert(orgs[0], &3), insert(orgs[2], &3)];
    let (x, y) = tokio::join!(
        group.execute_atomically(&twos),
        group.execute_atomically(&threes)
    );
    x.unwrap();
    y.unwrap();
    let mut counts = Vec::new();
    for org in &orgs {
        let items = group.table(*org, "items").unwrap();
        let count: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {items}")))
                .fetch_one(db.global())
                .await
                .unwrap();
        counts.push(count);
    }
    assert_eq!(counts, [2, 1, 2]);
}
