//! The `strongroom` launcher: every service in one process, each on its own port, still
//! talking over gRPC and NATS, so one machine needs one command.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use secrecy::SecretString;
use sqlx::Connection;
use strongroom_runtime::{BaseConfig, PreBound};
use strongroom_trust::{Service, TlsFiles};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

pub const SERVICES: [&str; 6] = ["identity", "tenant", "vault", "access", "rotation", "audit"];
/// How often, in seconds, the identity service looks for scheduled directory imports.
pub const DEFAULT_DIRECTORY_SYNC_TICK_SECS: u64 = 30;
pub use strongroom_gateway::DEFAULT_REVEAL_SECONDS as DEFAULT_CONSOLE_REVEAL_SECONDS;
pub use strongroom_vault::{DEFAULT_KEY_ROTATION_TICK_SECS, DEFAULT_REVEAL_CACHE_ACCOUNTS};

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

    fn base(&self, i: usize) -> BaseConfig {
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

/// Writes what is missing into `dir`: the token key pair (kept if present, so a restart
/// keeps issued tokens valid), the settings keys, and in `dir/tls` the deployment's CA and
/// one certificate per service.
pub fn keygen(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let tls = dir.join("tls");
    for path in strongroom_trust::keygen(&tls).context("making the TLS certificates")? {
        tracing::info!(path = %path.display(), "written");
    }
    // Identity's and tenant's own keys, which sealed directory bind, mail and proxy
    // passwords before the vault sealed them with each org's data key: kept so settings
    // saved then still open (and are sealed again). Every replica needs the same one.
    for key in ["identity-settings.key", "tenant-settings.key"] {
        strongroom_crypto::SettingsKey::load_or_create(&dir.join(key))?;
    }
    let private_path = dir.join("jwt-private.pem");
    if private_path.exists() {
        return Ok(());
    }
    let (private, public) = strongroom_auth::generate_keypair()?;
    strongroom_runtime::write_private_file(&private_path, private.as_bytes())?;
    std::fs::write(dir.join("jwt-public.pem"), public)?;
    Ok(())
}

/// The Postgres role `service` connects as (`<db_prefix>_<service>`), which owns its
/// database; audit's tables are owned by `<db_prefix>_audit_owner` instead, so that its own
/// role may add trail rows but never change or remove one.
pub fn database_role(config: &StackConfig, service: &str) -> String {
    format!("{}_{service}", config.db_prefix)
}

/// Every role [`ensure_databases`] makes.
pub fn database_roles(config: &StackConfig) -> Vec<String> {
    SERVICES
        .iter()
        .map(|s| database_role(config, s))
        .chain([database_role(config, AUDIT_OWNER)])
        .collect()
}

const AUDIT_OWNER: &str = "audit_owner";

/// Creates each service's database if it is missing. On a server where it is superuser,
/// it also creates one role per service (a random password kept in `data_dir/db`, 0600),
/// makes each database (and whatever is in it) that role's, and lets no other role
/// connect; it then returns where the passwords are, and the services connect as their
/// roles. Elsewhere the operator makes the roles (see the README) and `None` is returned.
pub async fn ensure_databases(config: &StackConfig) -> anyhow::Result<Option<PathBuf>> {
    let mut conn = sqlx::PgConnection::connect(&format!("{}/postgres", config.postgres_url))
        .await
        .with_context(|| format!("connecting to Postgres at {}", config.postgres_url))?;
    for name in database_roles(config)
        .into_iter()
        .chain(SERVICES.iter().map(|s| config.database_name(s)))
    {
        anyhow::ensure!(
            name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "database and role name {name:?} must be letters, digits and underscores"
        );
    }
    let superuser: bool =
        sqlx::query_scalar("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            .fetch_one(&mut conn)
            .await?;
    let passwords = config.data_dir.join("db");
    if superuser {
        // The password travels as its SCRAM-SHA-256 verifier, never in the clear, and this
        // session logs no statements: a server that logs statements (or one that fails)
        // keeps no role's password in its log.
        sqlx::raw_sql(
            "SET log_statement = 'none'; SET log_min_error_statement = 'panic';
             SET log_min_duration_statement = -1",
        )
        .execute(&mut conn)
        .await
        .context("turning statement logging off for the role passwords")?;
        for role in database_roles(config) {
            let password = role_password(&passwords, &role)?;
            let verifier = scram_verifier(&password, &rand::random::<[u8; 16]>(), 4096)?;
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "DO $$ BEGIN CREATE ROLE \"{role}\" LOGIN;
                 EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
                 ALTER ROLE \"{role}\" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '{verifier}'"
            )))
            .execute(&mut conn)
            .await
            .with_context(|| format!("creating the database role {role}"))?;
        }
    }
    for service in SERVICES {
        let name = config.database_name(service);
        let owner = database_role(
            config,
            if service == "audit" {
                AUDIT_OWNER
            } else {
                service
            },
        );
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
                .bind(&name)
                .fetch_one(&mut conn)
                .await?;
        if !exists {
            let owned = if superuser {
                format!(" OWNER \"{owner}\"")
            } else {
                String::new()
            };
            let created = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "CREATE DATABASE \"{name}\"{owned}"
            )))
            .execute(&mut conn)
            .await;
            // Another launcher may have created it meanwhile.
            if let Err(e) = created {
                let duplicate = e
                    .as_database_error()
                    .and_then(|d| d.code())
                    .is_some_and(|c| c == "42P04" || c == "23505");
                if !duplicate {
                    return Err(e).with_context(|| format!("creating database {name}"));
                }
            }
        }
        if superuser {
            hand_over(
                config,
                &mut conn,
                &name,
                &owner,
                &database_role(config, service),
            )
            .await?;
        }
    }
    Ok(superuser.then_some(passwords))
}

/// Makes `owner` the owner of database `name` and of everything in it that the superuser
/// owns (a database made before roles were), and lets only `owner` and `runtime` connect.
async fn hand_over(
    config: &StackConfig,
    conn: &mut sqlx::PgConnection,
    name: &str,
    owner: &str,
    runtime: &str,
) -> anyhow::Result<()> {
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "ALTER DATABASE \"{name}\" OWNER TO \"{owner}\";
         REVOKE CONNECT, TEMPORARY ON DATABASE \"{name}\" FROM PUBLIC;
         GRANT CONNECT ON DATABASE \"{name}\" TO \"{runtime}\""
    )))
    .execute(&mut *conn)
    .await
    .with_context(|| format!("handing database {name} to {owner}"))?;
    let mut db = sqlx::PgConnection::connect(&format!("{}/{name}", config.postgres_url)).await?;
    // Objects a superuser made in this database before it had an owner role.
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DO $$
         DECLARE r record;
         BEGIN
           FOR r IN SELECT nspname FROM pg_namespace
                    WHERE nspowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)
                      AND nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' LOOP
             EXECUTE format('ALTER SCHEMA %I OWNER TO \"{owner}\"', r.nspname);
           END LOOP;
           FOR r IN SELECT n.nspname, c.relname FROM pg_class c
                    JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE c.relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)
                      AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
                      AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema' LOOP
             EXECUTE format('ALTER TABLE %I.%I OWNER TO \"{owner}\"', r.nspname, r.relname);
           END LOOP;
           FOR r IN SELECT n.nspname, c.relname FROM pg_class c
                    JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE c.relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)
                      AND c.relkind = 'S'
                      AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema' LOOP
             EXECUTE format('ALTER SEQUENCE %I.%I OWNER TO \"{owner}\"', r.nspname, r.relname);
           END LOOP;
           FOR r IN SELECT p.oid::regprocedure AS f FROM pg_proc p
                    JOIN pg_namespace n ON n.oid = p.pronamespace
                    WHERE p.proowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)
                      AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema' LOOP
             EXECUTE format('ALTER FUNCTION %s OWNER TO \"{owner}\"', r.f);
           END LOOP;
         END $$"
    )))
    .execute(&mut db)
    .await
    .with_context(|| format!("handing the objects of {name} to {owner}"))?;
    Ok(())
}

/// The role's password from `dir/<role>.password`, made (random, 0600) if missing.
/// The SCRAM-SHA-256 verifier Postgres keeps for `password` (RFC 5802/7677):
/// `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, each part base64. Given
/// to `ALTER ROLE … PASSWORD`, Postgres stores it as it is.
pub fn scram_verifier(password: &str, salt: &[u8], iterations: u32) -> anyhow::Result<String> {
    use base64::Engine;
    use hmac::{Hmac, KeyInit, Mac};
    use sha2::{Digest, Sha256};
    let mut salted = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<Sha256>(password.as_bytes(), salt, iterations, &mut salted);
    let hmac = |label: &[u8]| -> anyhow::Result<Vec<u8>> {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&salted)
            .map_err(|_| anyhow::anyhow!("HMAC refused the salted password"))?;
        mac.update(label);
        Ok(mac.finalize().into_bytes().to_vec())
    };
    let stored = Sha256::digest(hmac(b"Client Key")?);
    let server = hmac(b"Server Key")?;
    let b64 = base64::engine::general_purpose::STANDARD;
    Ok(format!(
        "SCRAM-SHA-256${iterations}:{}${}:{}",
        b64.encode(salt),
        b64.encode(stored),
        b64.encode(server)
    ))
}

fn role_password(dir: &Path, role: &str) -> anyhow::Result<String> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let path = dir.join(format!("{role}.password"));
    if !path.exists() {
        let password = uuid::Uuid::new_v4().simple().to_string();
        strongroom_runtime::write_private_file(&path, password.as_bytes())?;
    }
    let password = std::fs::read_to_string(&path)?.trim().to_owned();
    anyhow::ensure!(
        password.chars().all(|c| c.is_ascii_alphanumeric()),
        "{}: a role password here is letters and digits only",
        path.display()
    );
    Ok(password)
}

/// Runs all seven services until `shutdown` or until one of them fails.
pub async fn up(config: StackConfig, shutdown: CancellationToken) -> anyhow::Result<()> {
    keygen(&config.data_dir)?;
    let mut config = config;
    config.database_passwords = ensure_databases(&config).await?;
    let provisioner_password = config
        .nats_password_dir
        .as_ref()
        .map(|dir| dir.join(format!("{}.password", strongroom_events::PROVISIONER)));
    provision_stream(&config, provisioner_password.as_deref()).await?;
    let base = |i| config.base(i);

    let mut services: JoinSet<(&'static str, anyhow::Result<()>)> = JoinSet::new();
    let s = shutdown.clone();
    let identity = config.identity_config();
    services.spawn(async move { ("identity", strongroom_identity::run(identity, s).await) });
    let tenant = strongroom_tenant::Config {
        base: base(1),
        settings_key_file: config.data_dir.join("tenant-settings.key"),
    };
    let s = shutdown.clone();
    services.spawn(async move { ("tenant", strongroom_tenant::run(tenant, s).await) });
    let vault = config.vault_config();
    let s = shutdown.clone();
    services.spawn(async move { ("vault", strongroom_vault::run(vault, s).await) });
    let (b, s) = (base(3), shutdown.clone());
    services.spawn(async move {
        (
            "access",
            strongroom_access::run(strongroom_access::Config { base: b }, s).await,
        )
    });
    let (b, s) = (base(4), shutdown.clone());
    services.spawn(async move {
        (
            "rotation",
            strongroom_rotation::run(strongroom_rotation::Config { base: b }, s).await,
        )
    });
    let (b, s) = (base(5), shutdown.clone());
    services.spawn(async move {
        (
            "audit",
            strongroom_audit::run(strongroom_audit::Config { base: b }, s).await,
        )
    });
    let gateway = config.gateway_config();
    let s = shutdown.clone();
    services.spawn(async move { ("gateway", strongroom_gateway::run(gateway, s).await) });

    let mut failure = None;
    while let Some(joined) = services.join_next().await {
        let (name, result) = joined.context("a service panicked")?;
        if let Err(e) = result {
            tracing::error!(service = name, error = %format!("{e:#}"), "service stopped");
            failure.get_or_insert_with(|| e.context(format!("the {name} service failed")));
        }
        // One service down means the stack is down: stop the others.
        shutdown.cancel();
    }
    failure.map_or(Ok(()), Err)
}

/// One more gateway for a running stack, serving on `listener`: what a second replica
/// behind the load balancer sees (tests of changes that must reach every replica).
pub async fn gateway_replica(
    config: &StackConfig,
    listener: std::net::TcpListener,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let mut gateway = config.gateway_config();
    gateway.http_addr = listener.local_addr()?;
    gateway.http_listener = PreBound::new(listener);
    strongroom_gateway::run(gateway, shutdown).await
}

/// Each gRPC service's caller tables (its own RPCs, health, and provisioning where it
/// serves it): what `CallerPolicy` enforces, for tests that walk every RPC.
pub fn caller_tables(service: Service) -> Vec<strongroom_trust::Callers> {
    use strongroom_runtime::{HEALTH_CALLERS, PROVISIONING_CALLERS};
    let own: Vec<strongroom_trust::Callers> = match service {
        Service::Gateway => return Vec::new(),
        Service::Identity => vec![strongroom_identity::callers::CALLERS],
        Service::Tenant => {
            use strongroom_tenant::callers::{REPLICATION, SETTINGS, TENANT};
            return vec![HEALTH_CALLERS, TENANT, REPLICATION, SETTINGS];
        }
        Service::Vault => vec![strongroom_vault::callers::CALLERS],
        Service::Access => vec![strongroom_access::callers::CALLERS],
        Service::Rotation => Vec::new(),
        Service::Audit => vec![strongroom_audit::callers::CALLERS],
    };
    [HEALTH_CALLERS, PROVISIONING_CALLERS]
        .into_iter()
        .chain(own)
        .collect()
}

/// Creates the event stream, or brings its settings to the configured limits, signed in as
/// the NATS provisioner with the password in `password_file` (anonymously without one, to a
/// server without authorization). No service may: `up` does it before it starts them, and
/// a deployment whose services run apart runs `strongroom provision-stream` as a job.
pub async fn provision_stream(
    config: &StackConfig,
    password_file: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    use strongroom_events::PROVISIONER;
    let base = config.base(0);
    let login = strongroom_events::NatsLogin {
        user: PROVISIONER.into(),
        password: password_file
            .map(strongroom_runtime::read_secret)
            .transpose()?,
    };
    let nats = strongroom_events::connect(&base.nats_url, PROVISIONER, &login).await?;
    strongroom_events::ensure_stream(
        &strongroom_events::async_nats::jetstream::new(nats),
        &base.event_prefix,
        &base.stream_limits(),
    )
    .await
    .context("creating the event stream")?;
    Ok(())
}

/// Every service's NATS user: what it may publish and consume (the gateway uses no NATS).
pub const NATS_USERS: [strongroom_events::NatsUser; 6] = {
    use strongroom_events::NatsUser;
    const fn publisher(service: &'static str) -> NatsUser {
        NatsUser {
            service,
            consumers: &[],
            purges: false,
            listens: &[],
        }
    }
    [
        NatsUser {
            service: "identity",
            consumers: &[strongroom_identity::NATS_CONSUMER],
            purges: false,
            listens: &[],
        },
        publisher("tenant"),
        strongroom_vault::NATS_USER,
        publisher("access"),
        publisher("rotation"),
        strongroom_audit::NATS_USER,
    ]
};

/// Where and how a generated NATS server configuration listens and stores.
pub struct NatsServer<'a> {
    /// The event prefix its permissions are for; `None`: any (tests, a prefix each).
    pub prefix: Option<&'a str>,
    pub listen: &'a str,
    pub http_port: u16,
    pub store_dir: &'a str,
    /// A user with every permission, for a test harness (its password variable).
    pub admin_password_variable: Option<&'a str>,
}

/// A NATS server configuration with JetStream's synchronous writes and every service's
/// user (`strongroom nats-config`): what helm and compose ship and `.ci/services` runs.
pub fn nats_config(server: &NatsServer<'_>) -> String {
    let mut out = format!(
        "# Generated by `strongroom nats-config`; do not edit: the permissions come from the\n\
         # code (NATS_USERS in services/launcher). Each service signs in as its own user, with\n\
         # the password the server reads from STRONGROOM_NATS_<SERVICE>_PASSWORD.\n\n\
         listen: {listen}\n\
         # Monitoring (/healthz, /varz, /jsz).\n\
         http_port: {http}\n\n\
         jetstream {{\n  store_dir: {store}\n\n  \
         # REQUIRED: JetStream fsyncs every write before it acknowledges it. The default only\n  \
         # flushes every two minutes, so a crash would lose events publishers were told are\n  \
         # stored, audit events among them. Do not remove.\n  \
         sync_interval: always\n}}\n\n",
        listen = server.listen,
        http = server.http_port,
        store = server.store_dir,
    );
    out.push_str(&strongroom_events::authorization(
        &NATS_USERS,
        server.prefix,
        server.admin_password_variable,
    ));
    out
}

/// Every process that signs in to Redis: the six services and the gateway.
pub const REDIS_USERS: [&str; 7] = [
    "identity", "tenant", "vault", "access", "rotation", "audit", "gateway",
];

/// The Redis ACL user of `service` in a deployment whose users are named after `base`.
pub fn redis_user(base: &str, service: &str) -> String {
    format!("{base}-{service}")
}

/// A Redis ACL file with one user per service (`strongroom redis-acl`), each password a
/// `CHANGE-ME-<service>` placeholder: what helm and compose ship and `.ci/up` applies.
pub fn redis_acl(base: &str, prefix: &str) -> String {
    let mut out = format!(
        "# Generated by `strongroom redis-acl`; do not edit: the rules come from the code\n\
         # (strongroom_auth::redis_acl_rules). For redis-server --aclfile <path>.\n\
         #\n\
         # - One user per service, {base}-<service> (STRONGROOM_REDIS_USER). Only identity\n\
         #   writes (session revocations, failed-login counters); every other service and\n\
         #   the gateway may only read the revocations.\n\
         # - Replace each >CHANGE-ME-<service> with the redis-password in that service's\n\
         #   credentials Secret.\n\
         # - Every key is under \"{prefix}:\" (the deployment's event prefix); nothing else is\n\
         #   reachable. The default user is off: an unauthenticated connection can do nothing.\n\
         # - Redis before 8.8 rejects '#' lines in an ACL file: strip them before use, e.g.\n\
         #   grep -v '^#' redis-users.acl > users.acl (docker-compose.yml does this).\n\
         user default off\n"
    );
    for service in REDIS_USERS {
        let rules = strongroom_auth::redis_acl_rules(prefix, service);
        out.push_str(&format!(
            "user {} >CHANGE-ME-{service} {}\n",
            redis_user(base, service),
            rules.join(" ")
        ));
    }
    out
}
