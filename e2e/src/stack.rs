//! The whole stack, as `strongroom up` runs it, isolated: its own databases, NATS subject
//! prefix, data directory and ports. It runs on a runtime of its own, so a test's or a load
//! generator's tasks never share its worker threads.

use std::time::Duration;

use anyhow::Context;
use secrecy::SecretString;
use strongroom::StackConfig;
use tokio_util::sync::CancellationToken;

/// `admin`'s password once the stack has started: it is given `INITIAL_ADMIN_PASSWORD`,
/// a one-time password, and replaces it at its first login as a new deployment's
/// operator does.
pub const ADMIN_PASSWORD: &str = "admin-password-1";
pub const INITIAL_ADMIN_PASSWORD: &str = "initial-admin-password-1";

pub struct Stack {
    pub base_url: String,
    pub config: StackConfig,
    pub http: reqwest::Client,
    shutdown: CancellationToken,
    runtime: Option<tokio::runtime::Runtime>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    data: tempfile::TempDir,
    /// The stack's only DNS server: every name below `.test` resolves to
    /// [`PUBLIC_TEST_ADDRESS`] unless a test says otherwise; nothing else resolves.
    pub dns: strongroom_testkit::DnsServer,
}

/// A documentation address (TEST-NET-1) that the host rule takes for a public one. Nothing
/// ever connects to it: the tests that connect (mail, tickets, directories) name loopback.
pub const PUBLIC_TEST_ADDRESS: std::net::IpAddr =
    std::net::IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 10));

impl Stack {
    /// `transit`: OpenBao address and token for org keys; `None` uses a local master key.
    /// Scheduled directory imports are looked for every second, not every 30, so tests of
    /// them finish quickly.
    pub async fn start(transit: Option<(String, String)>) -> anyhow::Result<Self> {
        let limits = strongroom_events::StreamLimits {
            max_bytes: strongroom_testkit::STREAM_MAX_BYTES,
            ..Default::default()
        };
        Self::start_with(transit, Some(1), limits).await
    }

    /// A stack whose event stream has `limits` (a tiny one fills up at once).
    pub async fn start_with_stream_limits(
        limits: strongroom_events::StreamLimits,
    ) -> anyhow::Result<Self> {
        Self::start_with(None, Some(1), limits).await
    }

    /// A stack with the launcher's own schedules and event stream limits, for measuring it
    /// as deployed (a test's small stream fills up when a benchmark loads 1,000 orgs).
    pub async fn start_as_deployed(transit: Option<(String, String)>) -> anyhow::Result<Self> {
        Self::start_with(transit, None, strongroom_events::StreamLimits::default()).await
    }

    async fn start_with(
        transit: Option<(String, String)>,
        // How often the schedules (directory imports, key rotations) look for due work;
        // `None`: the launcher's defaults.
        schedule_tick_secs: Option<u64>,
        stream_limits: strongroom_events::StreamLimits,
    ) -> anyhow::Result<Self> {
        strongroom_telemetry::init_for_test();
        // reqwest is built without a default TLS provider (one provider, ring, in the graph).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let data = tempfile::tempdir()?;
        let id = strongroom_testkit::unique("e2e");
        // Each service signs in to Redis as an ACL user of its own with the shipped rules
        // (only identity writes; keys limited to the stack's prefix), as a deployment does.
        let redis_passwords = data.path().join("redis");
        std::fs::create_dir_all(&redis_passwords)?;
        for service in strongroom::REDIS_USERS {
            strongroom_testkit::redis_acl_user(
                &strongroom::redis_user(&id, service),
                &strongroom_auth::redis_acl_rules(&id, service),
                &redis_passwords.join(format!("{service}.password")),
            )
            .await?;
        }
        let (runtime, dns) = runtime_and_dns()?;
        let mut config = StackConfig {
            http_addr: "127.0.0.1:0".parse()?,
            postgres_url: strongroom_testkit::pg_server_url(),
            db_prefix: id.clone(),
            nats_url: strongroom_testkit::nats_url(),
            redis_url: strongroom_testkit::redis_url(),
            event_prefix: id.clone(),
            data_dir: data.path().to_owned(),
            redis_user: Some(id.clone()),
            redis_password_dir: Some(redis_passwords),
            nats_password_dir: Some(strongroom_testkit::nats_password_dir()?),
            stream_limits,
            grpc_ports: [0; 6],
            listeners: None,
            database_passwords: None,
            trusted_proxies: String::new(),
            admin_password: Some(SecretString::from(INITIAL_ADMIN_PASSWORD)),
            transit: transit.map(|(addr, token)| (addr, SecretString::from(token))),
            directory_sync_tick_secs: schedule_tick_secs
                .unwrap_or(strongroom::DEFAULT_DIRECTORY_SYNC_TICK_SECS),
            reveal_cache_accounts: strongroom::DEFAULT_REVEAL_CACHE_ACCOUNTS,
            key_rotation_tick_secs: schedule_tick_secs
                .unwrap_or(strongroom::DEFAULT_KEY_ROTATION_TICK_SECS),
            dns_servers: dns.addr().to_string(),
            console_reveal_seconds: strongroom::DEFAULT_CONSOLE_REVEAL_SECONDS,
        };
        // Every listener is the stack's own before anything starts: no port is chosen and
        // then bound later, when another test may have taken it.
        config.bind_all().context("binding the stack's ports")?;
        let shutdown = CancellationToken::new();
        let task = runtime.spawn(strongroom::up(config.clone(), shutdown.clone()));
        // Built before waiting, so a stack that never becomes healthy is still cleaned up.
        let mut stack = Self {
            base_url: format!("http://{}", config.http_addr),
            config,
            http: reqwest::Client::new(),
            shutdown,
            runtime: Some(runtime),
            task: Some(task),
            data,
            dns,
        };
        stack.wait_until_healthy().await?;
        stack.choose_admin_password().await?;
        Ok(stack)
    }

    async fn wait_until_healthy(&mut self) -> anyhow::Result<()> {
        let health = format!("{}/healthz", self.base_url);
        let healthy = strongroom_testkit::wait_until(Duration::from_secs(60), || {
            let (http, health) = (self.http.clone(), health.clone());
            async move {
                let r = http.get(&health).send().await.ok()?;
                r.status().is_success().then_some(())
            }
        })
        .await;
        if let Err(e) = healthy {
            if let Some(task) = self.task.take_if(|t| t.is_finished())
                && let Ok(Err(up)) = task.await
            {
                return Err(up.context("the Strongroom stack failed to start"));
            }
            return Err(e.context("the Strongroom stack did not become healthy"));
        }
        Ok(())
    }

    /// Stops every service, and everything they run in the background, and starts them
    /// again on the same databases, event stream and data directory, as a deployment's
    /// restart does: nothing held in memory survives. The stack listens on new ports
    /// (`base_url` changes; tokens stay good) and its DNS server starts again with only the
    /// default rule.
    pub async fn restart(&mut self) -> anyhow::Result<()> {
        self.shutdown.cancel();
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
        }
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
        let (runtime, dns) = runtime_and_dns()?;
        self.config.dns_servers = dns.addr().to_string();
        self.dns = dns;
        self.config.http_addr = "127.0.0.1:0".parse()?;
        self.config.grpc_ports = [0; 6];
        self.config.listeners = None;
        self.config
            .bind_all()
            .context("binding the stack's ports")?;
        self.base_url = format!("http://{}", self.config.http_addr);
        self.shutdown = CancellationToken::new();
        self.task = Some(runtime.spawn(strongroom::up(self.config.clone(), self.shutdown.clone())));
        self.runtime = Some(runtime);
        self.wait_until_healthy().await
    }

    /// `admin` replaces its one-time password with [`ADMIN_PASSWORD`].
    async fn choose_admin_password(&self) -> anyhow::Result<()> {
        choose_password(
            &self.http,
            &self.base_url,
            "",
            "admin",
            INITIAL_ADMIN_PASSWORD,
            ADMIN_PASSWORD,
        )
        .await
    }

    /// Stops the stack gracefully; `Drop` then removes its databases and event stream.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        self.shutdown.cancel();
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
        }
        // Background tasks (relays, consumers) stop with their runtime, before their
        // stream goes.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
        Ok(())
    }

    /// Starts a second gateway replica of this stack and returns its base URL once it is
    /// healthy; it stops with the stack.
    pub async fn gateway_replica(&self) -> anyhow::Result<String> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let runtime = self.runtime.as_ref().context("the stack has stopped")?;
        let (config, shutdown) = (self.config.clone(), self.shutdown.child_token());
        runtime.spawn(async move {
            if let Err(e) = strongroom::gateway_replica(&config, listener, shutdown).await {
                eprintln!("the gateway replica stopped: {e:#}");
            }
        });
        let health = format!("{base_url}/readyz");
        strongroom_testkit::wait_until(Duration::from_secs(30), || {
            let (http, health) = (self.http.clone(), health.clone());
            async move {
                let r = http.get(&health).send().await.ok()?;
                r.status().is_success().then_some(())
            }
        })
        .await
        .context("the gateway replica did not become ready")?;
        Ok(base_url)
    }

    pub fn database_url(&self, service: &str) -> String {
        format!(
            "{}/{}",
            self.config.postgres_url,
            self.config.database_name(service)
        )
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        self.shutdown.cancel();
        if let Some(task) = self.task.take() {
            task.abort();
        }
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
        self.leftovers().remove();
    }
}

impl Stack {
    /// What the stack leaves outside its process: removed when it is dropped, or by whoever
    /// killed the process it ran in.
    pub fn leftovers(&self) -> Leftovers {
        Leftovers {
            databases: strongroom::SERVICES
                .iter()
                .map(|s| self.config.database_name(s))
                .collect(),
            roles: strongroom::database_roles(&self.config),
            stream: strongroom_events::stream_name(&self.config.event_prefix),
            redis_users: strongroom::REDIS_USERS
                .iter()
                .filter_map(|s| self.config.redis_login(s).0)
                .collect(),
            data_dir: self.data.path().to_owned(),
        }
    }
}

/// The stack's own runtime, and its DNS server on it, answering every name below `.test`
/// with [`PUBLIC_TEST_ADDRESS`].
fn runtime_and_dns() -> anyhow::Result<(tokio::runtime::Runtime, strongroom_testkit::DnsServer)> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .thread_name("stack")
        .enable_all()
        .build()
        .context("the stack's runtime")?;
    let dns = {
        let _on_the_stack_runtime = runtime.enter();
        strongroom_testkit::DnsServer::start()?
    };
    dns.set("*.test", &[PUBLIC_TEST_ADDRESS]);
    Ok((runtime, dns))
}

/// A stack's databases, roles, event stream, Redis user and data directory.
pub struct Leftovers {
    pub databases: Vec<String>,
    pub roles: Vec<String>,
    pub stream: String,
    pub redis_users: Vec<String>,
    pub data_dir: std::path::PathBuf,
}

impl Leftovers {
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "databases": self.databases,
            "roles": self.roles,
            "stream": self.stream,
            "redis_users": self.redis_users,
            "data_dir": self.data_dir,
        })
    }

    pub fn from_json(v: &serde_json::Value) -> anyhow::Result<Self> {
        let strings = |key: &str| -> anyhow::Result<Vec<String>> {
            v[key]
                .as_array()
                .with_context(|| format!("no {key} in {v}"))?
                .iter()
                .map(|s| s.as_str().map(str::to_owned).context("not a string"))
                .collect()
        };
        Ok(Self {
            databases: strings("databases")?,
            roles: strings("roles")?,
            stream: v["stream"].as_str().context("no stream")?.to_owned(),
            redis_users: strings("redis_users")?,
            data_dir: v["data_dir"].as_str().context("no data_dir")?.into(),
        })
    }

    pub fn remove(&self) {
        strongroom_testkit::drop_databases(&self.databases);
        strongroom_testkit::drop_roles(&self.roles);
        // On a thread of its own: a test's runtime may be the one dropping the stack.
        let (stream, redis_users) = (self.stream.clone(), self.redis_users.clone());
        let _ = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async {
                if let Ok(client) = strongroom_testkit::nats_admin().await {
                    let js = strongroom_events::async_nats::jetstream::new(client);
                    let _ = js.delete_stream(stream).await;
                }
                for user in redis_users {
                    strongroom_testkit::drop_redis_acl_user(&user).await;
                }
            });
        })
        .join();
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

/// A user given a one-time password (by an administrator, or at the first start) replaces
/// it with `own`, as their first login asks.
pub async fn choose_password(
    http: &reqwest::Client,
    base_url: &str,
    prefix: &str,
    username: &str,
    given: &str,
    own: &str,
) -> anyhow::Result<()> {
    let url = format!("{base_url}{prefix}/api/v1/auth/change-password");
    let body = serde_json::json!({"username": username, "current_password": given,
                                  "new_password": own});
    let response = http.post(&url).json(&body).send().await?;
    let status = response.status();
    anyhow::ensure!(
        status.is_success(),
        "{username} could not choose a password: {status} {}",
        response.text().await.unwrap_or_default()
    );
    Ok(())
}
