//! Test harness: real Postgres, NATS, OpenBao and OpenLDAP, each test isolated in its own
//! databases, NATS subject prefix or slapd.

mod openbao;
mod slapd;

use std::future::Future;
use std::time::Duration;

pub use openbao::{OpenBao, openbao};
pub use slapd::{
    SAMPLE_DIRECTORY_LDIF, SAMPLE_READER_DN, SAMPLE_READER_PASSWORD, Slapd, SlapdOptions,
    sample_password,
};

/// Postgres server used by tests (trust auth); override with `STRONGROOM_TEST_PG`.
pub fn pg_server_url() -> String {
    std::env::var("STRONGROOM_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_owned())
}

pub fn nats_url() -> String {
    std::env::var("STRONGROOM_TEST_NATS").unwrap_or_else(|_| "nats://127.0.0.1:4222".to_owned())
}

/// A short random token for names: databases, NATS prefixes, usernames.
pub fn unique(prefix: &str) -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("{prefix}{}", &id[..12])
}

/// A database created for one test and dropped when the value is dropped.
pub struct TestDb {
    pub name: String,
    pub url: String,
}

impl TestDb {
    pub async fn create(prefix: &str) -> anyhow::Result<Self> {
        let name = unique(&format!("t_{prefix}_"));
        create_database(&name).await?;
        Ok(Self {
            url: format!("{}/{name}", pg_server_url()),
            name,
        })
    }
}

pub async fn create_database(name: &str) -> anyhow::Result<()> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(&format!("{}/postgres", pg_server_url())).await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .execute(&mut conn)
        .await?;
    Ok(())
}

/// Drops databases whose name starts with `prefix` (used to clean up after a whole stack).
pub fn drop_databases(names: &[String]) {
    for name in names {
        let _ = std::process::Command::new("psql")
            .args([
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-q",
                "-c",
            ])
            .arg(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .output();
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        drop_databases(std::slice::from_ref(&self.name));
    }
}

/// Polls `check` until it returns `Some`, or fails after `timeout`.
pub async fn wait_until<T, F, Fut>(timeout: Duration, mut check: F) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(v) = check().await {
            return Ok(v);
        }
        if tokio::time::Instant::now() > deadline {
            anyhow::bail!("condition not met within {timeout:?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A free loopback port (bound and released; the race window is tiny in tests).
pub fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

pub fn redis_url() -> String {
    std::env::var("STRONGROOM_TEST_REDIS").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}
