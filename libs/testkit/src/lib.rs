//! Test harness: real Postgres, NATS, OpenBao, OpenLDAP and an SMTP server, each test
//! isolated in its own databases, NATS subject prefix, slapd or SMTP sink.

mod chromedriver;
mod dns;
mod openbao;
mod slapd;
pub mod smtp;

use std::future::Future;
use std::time::Duration;

pub use chromedriver::{CHROMIUM, CHROMIUM_ARGS, Chromedriver};
pub use dns::DnsServer;
pub use openbao::{OpenBao, openbao};
pub use slapd::{
    SAMPLE_DIRECTORY_LDIF, SAMPLE_READER_DN, SAMPLE_READER_PASSWORD, Slapd, SlapdOptions,
    sample_password,
};
pub use smtp::{Delivered, SmtpSink};

/// Postgres server used by tests (trust auth); override with `STRONGROOM_TEST_PG`.
pub fn pg_server_url() -> String {
    std::env::var("STRONGROOM_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_owned())
}

/// The project's own NATS server for tests, with a user per service and the permissions
/// the shipped configuration gives them (`.ci/services` starts it from `.ci/nats.conf`);
/// override with `STRONGROOM_TEST_NATS`.
pub fn nats_url() -> String {
    std::env::var("STRONGROOM_TEST_NATS").unwrap_or_else(|_| "nats://127.0.0.1:4223".to_owned())
}

/// Small limits for tests' event streams: JetStream reserves a stream's `max_bytes` on the
/// server, and many test streams live at once.
pub const STREAM_MAX_BYTES: i64 = 64 * 1024 * 1024;

/// The test server's password of `user` (a service, or `admin`), as `.ci/services` sets
/// them: test-only credentials of a loopback server.
pub fn nats_password(user: &str) -> String {
    format!("ci-{user}")
}

/// A directory with each service's (and the provisioner's) test NATS password as
/// `<user>.password`, for
/// `STRONGROOM_NATS_PASSWORD_DIR`.
pub fn nats_password_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join("strongroom-test-nats-passwords");
    std::fs::create_dir_all(&dir)?;
    for service in [
        "identity",
        "tenant",
        "vault",
        "access",
        "rotation",
        "audit",
        "provisioner",
    ] {
        let path = dir.join(format!("{service}.password"));
        if !path.exists() {
            // Written whole under another name first: another test process may read it.
            let partial = dir.join(format!("{service}.{}", unique("partial")));
            std::fs::write(&partial, nats_password(service))?;
            std::fs::rename(&partial, &path)?;
        }
    }
    Ok(dir)
}

/// The test harness's own NATS connection: the `admin` user, allowed everything (creating
/// and deleting test streams), which no service has.
pub async fn nats_admin() -> anyhow::Result<async_nats::Client> {
    Ok(async_nats::ConnectOptions::new()
        .user_and_password("admin".into(), nats_password("admin"))
        .connect(nats_url())
        .await?)
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

/// Drops databases (used to clean up after a whole stack).
pub fn drop_databases(names: &[String]) {
    for name in names {
        psql(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
    }
}

/// Runs one statement as the superuser, outside any async runtime (a `Drop` may be on one).
fn psql(statement: &str) {
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
        .arg(statement)
        .output();
}

/// Drops database roles (a stack's, after its databases).
pub fn drop_roles(names: &[String]) {
    for name in names {
        psql(&format!("DROP ROLE IF EXISTS \"{name}\""));
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

/// Creates (or resets) the Redis ACL user `name` with `rules` (as `ACL SETUSER` takes
/// them; `strongroom_auth::redis_acl_rules` gives a service's) and a new password, written
/// to `password_file`.
pub async fn redis_acl_user(
    name: &str,
    rules: &[String],
    password_file: &std::path::Path,
) -> anyhow::Result<()> {
    let password = unique("pw");
    std::fs::write(password_file, &password)?;
    let client = redis::Client::open(redis_url())?;
    let mut conn = client.get_multiplexed_async_connection().await?;
    let mut command = redis::cmd("ACL");
    command.arg("SETUSER").arg(name).arg("reset");
    for rule in rules {
        command.arg(rule);
    }
    command.arg(format!(">{password}"));
    let () = command.query_async(&mut conn).await?;
    Ok(())
}

/// Removes a user made by [`redis_acl_user`].
pub async fn drop_redis_acl_user(name: &str) {
    let Ok(client) = redis::Client::open(redis_url()) else {
        return;
    };
    let Ok(mut conn) = client.get_multiplexed_async_connection().await else {
        return;
    };
    let _: Result<i64, _> = redis::cmd("ACL")
        .arg("DELUSER")
        .arg(name)
        .query_async(&mut conn)
        .await;
}

pub fn redis_url() -> String {
    std::env::var("STRONGROOM_TEST_REDIS").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}
