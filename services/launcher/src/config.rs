//! How the whole stack runs on one machine: its configuration from the environment, each
//! service's own configuration derived from it, and the names of its databases and roles.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use secrecy::SecretString;
use strongroom_runtime::{BaseConfig, PreBound};
use strongroom_trust::{Service, TlsFiles};
use strongroom_vault::{DEFAULT_KEY_ROTATION_TICK_SECS, DEFAULT_REVEAL_CACHE_ACCOUNTS};

use crate::redis::redis_user;

pub const SERVICES: [&str; 6] = ["identity", "tenant", "vault", "access", "rotation", "audit"];
/// How often, in seconds, the identity service looks for scheduled directory imports.
pub const DEFAULT_DIRECTORY_SYNC_TICK_SECS: u64 = 30;

/// How the whole stack runs on one machine.
#[derive(Debug, Clone)]
pub struct StackConfig {
    pub http_addr: SocketAddr,
    /// Postgres server URL without a database; each service gets `<db_prefix>_<service>`.
    pub postgres_url: String,
    pub db_prefix: String,
    pub nats_url: String,
    pub redis_url: String,
    /// Redis ACL users' base name (`STRONGROOM_REDIS_USER`): each service signs in as
    /// `<base>-<service>` (`strongroom redis-acl` prints their rules), its password in
    /// `<dir>/<service>.password` (`STRONGROOM_REDIS_PASSWORD_DIR`). Unset: the default user.
    pub redis_user: Option<String>,
    pub redis_password_dir: Option<PathBuf>,
    /// Each service's NATS password as `<dir>/<service>.password`, for a NATS server with
    /// per-service users (`STRONGROOM_NATS_PASSWORD_DIR`); unset: anonymous.
    pub nats_password_dir: Option<PathBuf>,
    /// The event stream's limits (`STRONGROOM_EVENT_STREAM_MAX_AGE_SECS`, `_MAX_BYTES`).
    pub stream_limits: strongroom_events::StreamLimits,
    pub event_prefix: String,
    /// Token keys and the local KMS master key live here.
    pub data_dir: PathBuf,
    /// gRPC ports of identity, tenant, vault, access, rotation, audit.
    pub grpc_ports: [u16; 6],
    /// Set by `up` on a server where it made the services' roles: where their passwords
    /// are; the services then connect as their roles.
    pub database_passwords: Option<PathBuf>,
    /// Listeners already bound for `http_addr` and the gRPC ports (see [`Self::bind_all`]).
    pub listeners: Option<Listeners>,
    /// Proxies whose `X-Forwarded-For` names the client (`STRONGROOM_TRUSTED_PROXIES`).
    pub trusted_proxies: String,
    pub admin_password: Option<SecretString>,
    /// `None` = local master-key file in `data_dir/kms`.
    pub transit: Option<(String, SecretString)>,
    /// How often identity looks for due scheduled directory imports.
    pub directory_sync_tick_secs: u64,
    /// Accounts whose sealed current secret the vault keeps in memory for reveals.
    pub reveal_cache_accounts: usize,
    /// How often the vault looks for due scheduled data-key rotations.
    pub key_rotation_tick_secs: u64,
    /// DNS servers for the hosts orgs name (`STRONGROOM_DNS_SERVERS`, `ip:port` comma-
    /// separated); empty: the system's.
    pub dns_servers: String,
    /// Seconds a password revealed in the web console stays on screen
    /// (`STRONGROOM_CONSOLE_REVEAL_SECONDS`).
    pub console_reveal_seconds: u32,
}

impl StackConfig {
    /// Embedded defaults overridden by `STRONGROOM_*` variables.
    pub fn from_env() -> anyhow::Result<Self> {
        let var = |k: &str| std::env::var(format!("STRONGROOM_{k}")).ok();
        let http_addr = var("HTTP_ADDR")
            .as_deref()
            .unwrap_or("127.0.0.1:7272")
            .parse()
            .context("STRONGROOM_HTTP_ADDR must be host:port")?;
        let transit = match var("KMS").as_deref().unwrap_or("local") {
            "local" => None,
            "transit" => Some((
                var("KMS_TRANSIT_ADDR").context("STRONGROOM_KMS_TRANSIT_ADDR is required")?,
                match var("KMS_TRANSIT_TOKEN_FILE") {
                    Some(path) => strongroom_runtime::read_secret(Path::new(&path))?,
                    None => SecretString::from(
                        var("KMS_TRANSIT_TOKEN")
                            .context("STRONGROOM_KMS_TRANSIT_TOKEN_FILE (or _TOKEN) is required")?,
                    ),
                },
            )),
            other => anyhow::bail!("STRONGROOM_KMS must be local or transit, not {other:?}"),
        };
        Ok(Self {
            http_addr,
            postgres_url: var("POSTGRES_URL")
                .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432".into()),
            db_prefix: var("DB_PREFIX").unwrap_or_else(|| "strongroom".into()),
            nats_url: var("NATS_URL").unwrap_or_else(|| "nats://127.0.0.1:4222".into()),
            redis_url: var("REDIS_URL").unwrap_or_else(|| "redis://127.0.0.1:6379".into()),
            redis_user: var("REDIS_USER"),
            redis_password_dir: var("REDIS_PASSWORD_DIR").map(PathBuf::from),
            nats_password_dir: var("NATS_PASSWORD_DIR").map(PathBuf::from),
            stream_limits: strongroom_events::StreamLimits {
                max_age: std::time::Duration::from_secs(
                    var("EVENT_STREAM_MAX_AGE_SECS")
                        .map(|v| v.parse())
                        .transpose()
                        .context(
                            "STRONGROOM_EVENT_STREAM_MAX_AGE_SECS must be a number of seconds",
                        )?
                        .unwrap_or(strongroom_events::DEFAULT_STREAM_MAX_AGE_SECS),
                ),
                max_bytes: var("EVENT_STREAM_MAX_BYTES")
                    .map(|v| v.parse())
                    .transpose()
                    .context("STRONGROOM_EVENT_STREAM_MAX_BYTES must be a number of bytes")?
                    .unwrap_or(strongroom_events::DEFAULT_STREAM_MAX_BYTES),
            },
            event_prefix: var("EVENT_PREFIX").unwrap_or_else(|| "sr".into()),
            data_dir: var("DATA_DIR")
                .map_or_else(|| PathBuf::from("strongroom-data"), PathBuf::from),
            grpc_ports: [7281, 7282, 7283, 7284, 7285, 7286],
            listeners: None,
            database_passwords: None,
            trusted_proxies: var("TRUSTED_PROXIES").unwrap_or_default(),
            admin_password: match var("ADMIN_PASSWORD_FILE") {
                Some(path) => Some(strongroom_runtime::read_secret(Path::new(&path))?),
                None => var("ADMIN_PASSWORD").map(SecretString::from),
            },
            transit,
            directory_sync_tick_secs: var("DIRECTORY_SYNC_TICK_SECS")
                .map(|v| v.parse())
                .transpose()
                .context("STRONGROOM_DIRECTORY_SYNC_TICK_SECS must be a number of seconds")?
                .unwrap_or(DEFAULT_DIRECTORY_SYNC_TICK_SECS),
            reveal_cache_accounts: var("REVEAL_CACHE_ACCOUNTS")
                .map(|v| v.parse())
                .transpose()
                .context("STRONGROOM_REVEAL_CACHE_ACCOUNTS must be a number of accounts")?
                .unwrap_or(DEFAULT_REVEAL_CACHE_ACCOUNTS),
            key_rotation_tick_secs: var("KEY_ROTATION_TICK_SECS")
                .map(|v| v.parse())
                .transpose()
                .context("STRONGROOM_KEY_ROTATION_TICK_SECS must be a number of seconds")?
                .unwrap_or(DEFAULT_KEY_ROTATION_TICK_SECS),
            dns_servers: var("DNS_SERVERS").unwrap_or_default(),
            console_reveal_seconds: var("CONSOLE_REVEAL_SECONDS")
                .map(|v| v.parse())
                .transpose()
                .context("STRONGROOM_CONSOLE_REVEAL_SECONDS must be a number of seconds")?
                .unwrap_or(strongroom_gateway::DEFAULT_REVEAL_SECONDS),
        })
    }

    pub fn database_name(&self, service: &str) -> String {
        format!("{}_{service}", self.db_prefix)
    }

    /// Binds the HTTP port and every gRPC port on 127.0.0.1 now (port 0: any free port,
    /// read back into this config), so the stack's listeners are its own from the start and
    /// no other process can take a port between choosing and binding it.
    pub fn bind_all(&mut self) -> std::io::Result<()> {
        let bind = |addr: SocketAddr| std::net::TcpListener::bind(addr);
        let http = bind(self.http_addr)?;
        self.http_addr = http.local_addr()?;
        let mut grpc = Vec::new();
        for port in &mut self.grpc_ports {
            let listener = bind(SocketAddr::from(([127, 0, 0, 1], *port)))?;
            *port = listener.local_addr()?.port();
            grpc.push(PreBound::new(listener));
        }
        self.listeners = Some(Listeners {
            http: PreBound::new(http),
            grpc,
        });
        Ok(())
    }

    /// The gateway's configuration, serving on the stack's HTTP listener.
    pub fn gateway_config(&self) -> strongroom_gateway::Config {
        let gateway_tls = TlsFiles::in_dir(&self.tls_dir(), Service::Gateway);
        let gateway_redis = self.redis_login("gateway");
        strongroom_gateway::Config {
            http_addr: self.http_addr,
            http_listener: self
                .listeners
                .as_ref()
                .map(|l| l.http.clone())
                .unwrap_or_default(),
            trusted_proxies: self.trusted_proxies.clone(),
            jwt_public_key_file: self.data_dir.join("jwt-public.pem"),
            tls_ca_file: gateway_tls.ca,
            tls_cert_file: gateway_tls.cert,
            tls_key_file: gateway_tls.key,
            redis_url: self.redis_url.clone(),
            redis_user: gateway_redis.0,
            redis_password_file: gateway_redis.1,
            event_prefix: self.event_prefix.clone(),
            identity_url: self.url(0),
            tenant_url: self.url(1),
            vault_url: self.url(2),
            access_url: self.url(3),
            rotation_url: self.url(4),
            audit_url: self.url(5),
            console_reveal_seconds: self.console_reveal_seconds,
        }
    }

    /// Where the stack's TLS material lives.
    pub fn tls_dir(&self) -> PathBuf {
        self.data_dir.join("tls")
    }

    fn url(&self, i: usize) -> String {
        format!(
            "https://127.0.0.1:{}",
            self.grpc_ports.get(i).copied().unwrap_or_default()
        )
    }

    /// Identity's configuration in this stack; a second replica differs only in its
    /// listener.
    pub fn identity_config(&self) -> strongroom_identity::Config {
        strongroom_identity::Config {
            base: self.base(0),
            jwt_private_key_file: self.data_dir.join("jwt-private.pem"),
            settings_key_file: self.data_dir.join("identity-settings.key"),
            admin_password: self.admin_password.clone(),
            initial_password_file: self.data_dir.join("initial-admin-password"),
            token_ttl_secs: 15 * 60,
            session_ttl_secs: 12 * 3600,
            login_ip_max_failures: 20,
            login_ip_window_secs: 300,
            directory_sync_tick: std::time::Duration::from_secs(
                self.directory_sync_tick_secs.max(1),
            ),
        }
    }

    /// The vault's configuration in this stack; a second replica differs only in its
    /// listener.
    pub fn vault_config(&self) -> strongroom_vault::Config {
        let kms = match &self.transit {
            None => strongroom_vault::KmsConfig::Local {
                dir: self.data_dir.join("kms"),
            },
            Some((addr, token)) => strongroom_vault::KmsConfig::Transit {
                addr: addr.clone(),
                token: token.clone(),
                mount: "transit".into(),
            },
        };
        strongroom_vault::Config {
            base: self.base(2),
            kms,
            reveal_cache_accounts: self.reveal_cache_accounts,
            key_rotation_tick: std::time::Duration::from_secs(self.key_rotation_tick_secs.max(1)),
        }
    }

    /// The access service's configuration in this stack; a second replica differs only in
    /// its listener.
    pub fn access_config(&self) -> strongroom_access::Config {
        strongroom_access::Config { base: self.base(3) }
    }

    /// Service `name`'s Redis user and password file (see [`Self::redis_user`]).
    pub fn redis_login(&self, name: &str) -> (Option<String>, Option<PathBuf>) {
        let Some(base) = &self.redis_user else {
            return (None, None);
        };
        (
            Some(redis_user(base, name)),
            self.redis_password_dir
                .as_ref()
                .map(|dir| dir.join(format!("{name}.password"))),
        )
    }

    pub(crate) fn base(&self, i: usize) -> BaseConfig {
        // `grpc_ports` is in the order of `Service::GRPC`.
        let service = Service::GRPC.get(i).copied().unwrap_or(Service::Identity);
        let port = self.grpc_ports.get(i).copied().unwrap_or_default();
        let mut base = BaseConfig::local(service, port);
        if let Some(listener) = self.listeners.as_ref().and_then(|l| l.grpc.get(i)) {
            base.grpc_listener = listener.clone();
        }
        let tls = TlsFiles::in_dir(&self.tls_dir(), service);
        base.tls_ca_file = tls.ca;
        base.tls_cert_file = tls.cert;
        base.tls_key_file = tls.key;
        base.database_url = format!(
            "{}/{}",
            self.postgres_url,
            self.database_name(service.as_str())
        );
        if let Some(passwords) = &self.database_passwords {
            let role = database_role(self, service.as_str());
            base.database_url = strongroom_runtime::with_user(&base.database_url, &role)
                .unwrap_or_else(|_| base.database_url.clone());
            base.database_password_file = Some(passwords.join(format!("{role}.password")));
            if service == Service::Audit {
                let owner = database_role(self, AUDIT_OWNER);
                base.migration_database_password_file =
                    Some(passwords.join(format!("{owner}.password")));
                base.migration_database_user = Some(owner);
            }
        }
        base.nats_url = self.nats_url.clone();
        base.redis_url = self.redis_url.clone();
        (base.redis_user, base.redis_password_file) = self.redis_login(service.as_str());
        base.nats_password_file = self
            .nats_password_dir
            .as_ref()
            .map(|dir| dir.join(format!("{service}.password")));
        base.event_prefix = self.event_prefix.clone();
        base.event_stream_max_age_secs = self.stream_limits.max_age.as_secs();
        base.event_stream_max_bytes = self.stream_limits.max_bytes;
        base.jwt_public_key_file = self.data_dir.join("jwt-public.pem");
        base.dns_servers = self.dns_servers.clone();
        base.identity_url = self.url(0);
        base.tenant_url = self.url(1);
        base.vault_url = self.url(2);
        base.access_url = self.url(3);
        base.rotation_url = self.url(4);
        base.audit_url = self.url(5);
        base
    }
}

/// Listeners bound before the stack starts (tests): HTTP, then gRPC in port order.
#[derive(Debug, Clone)]
pub struct Listeners {
    http: PreBound,
    grpc: Vec<PreBound>,
}

/// The Postgres role `service` connects as (`<db_prefix>_<service>`), which owns its
/// database; audit's tables are owned by `<db_prefix>_audit_owner` instead, so that its own
/// role may add trail rows but never change or remove one.
pub fn database_role(config: &StackConfig, service: &str) -> String {
    format!("{}_{service}", config.db_prefix)
}

/// Every role [`crate::ensure_databases`] makes.
pub fn database_roles(config: &StackConfig) -> Vec<String> {
    SERVICES
        .iter()
        .map(|s| database_role(config, s))
        .chain([database_role(config, AUDIT_OWNER)])
        .collect()
}

/// The role that owns audit's database and tables (see [`database_role`]).
pub(crate) const AUDIT_OWNER: &str = "audit_owner";
