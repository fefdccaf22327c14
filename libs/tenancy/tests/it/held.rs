use strongroom_tenancy::{HeldConnections, Migrator, TenantDb};
use strongroom_testkit::TestDb;

static MIGRATIONS: Migrator = sqlx::migrate!("tests/fixtures/tenant");

/// The server process behind a connection.
async fn backend(connection: &mut sqlx::PgConnection) -> i32 {
    sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(connection)
        .await
        .unwrap()
}

/// How often the server planned the statement `sql` afresh (custom plans) and how often it
/// used the plan it keeps (generic plans) on this connection.
async fn plans(connection: &mut sqlx::PgConnection, sql: &str) -> (i64, i64) {
    sqlx::query_as(
        "SELECT custom_plans, generic_plans FROM pg_prepared_statements WHERE statement = $1",
    )
    .bind(sql)
    .fetch_one(connection)
    .await
    .unwrap()
}

const BY_NAMES: &str = "SELECT count(*) FROM pg_class WHERE relname = ANY($1)";

async fn run_by_names(connection: &mut sqlx::PgConnection, times: usize) {
    for _ in 0..times {
        let _: i64 = sqlx::query_scalar(BY_NAMES)
            .bind(vec!["pg_class"])
            .fetch_one(&mut *connection)
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn a_held_connection_plans_its_statement_once_and_is_kept_only_after_success() {
    let test = TestDb::create("tenancy").await.unwrap();
    let db = TenantDb::connect(&test.url, 4, &MIGRATIONS).await.unwrap();
    let held = HeldConnections::like(db.global(), 1);

    // Left to itself the server plans a prepared statement afresh at least five times
    // (and, for `= ANY($1)` over one element, every time); a held connection keeps the
    // plan it made first.
    let mut first = held.take().await.unwrap();
    run_by_names(first.connection(), 10).await;
    assert_eq!(plans(first.connection(), BY_NAMES).await, (0, 10));
    let pid = backend(first.connection()).await;
    first.give_back();

    // Given back, the same connection (and its plan) serves the next statement.
    let mut again = held.take().await.unwrap();
    assert_eq!(backend(again.connection()).await, pid);
    assert_eq!(plans(again.connection(), BY_NAMES).await, (0, 10));
    // Not given back (its statement failed), it is closed and a new one is opened.
    drop(again);
    let mut fresh = held.take().await.unwrap();
    assert_ne!(backend(fresh.connection()).await, pid);
}
