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

/// Ports handed to servers a test starts (slapd, OpenBao) come from here: below the
/// kernel's ephemeral range (32768 and up), so no outgoing connection is ever given one.
const LEASED_PORTS: std::ops::Range<u16> = 21_000..25_000;

/// A loopback port reserved for one server a test starts, until the lease is dropped.
/// Leases are lock files (`flock`) in a directory shared by every test process, so no two
/// tests hold the same port, and no port is bound and released to find it.
#[derive(Debug)]
pub struct PortLease {
    pub port: u16,
    _lock: std::fs::File,
}

/// Leases a port nothing listens on. Our own servers bind their listeners first instead
/// (see `StackConfig::bind_all`); this is for external programs that take a port number.
pub fn lease_port() -> anyhow::Result<PortLease> {
    let dir = std::env::temp_dir().join("strongroom-test-ports");
    std::fs::create_dir_all(&dir)?;
    let span = LEASED_PORTS.end - LEASED_PORTS.start;
    let start = u16::try_from(uuid::Uuid::new_v4().as_u128() % u128::from(span)).unwrap_or(0);
    for i in 0..span {
        let port = LEASED_PORTS.start + (start + i) % span;
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join(port.to_string()))?;
        if lock.try_lock().is_err() {
            continue;
        }
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        if std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(100)).is_ok() {
            // Something outside the tests listens here.
            continue;
        }
        return Ok(PortLease { port, _lock: lock });
    }
    anyhow::bail!("every test port in {LEASED_PORTS:?} is leased or in use")
}

pub fn redis_url() -> String {
    std::env::var("STRONGROOM_TEST_REDIS").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}
