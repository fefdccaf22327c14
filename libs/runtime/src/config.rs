use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::Context;
use figment::Figment;
use figment::providers::{Env, Serialized};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use strongroom_auth::RedisLogin;
use strongroom_events::{NatsLogin, StreamLimits};
use strongroom_trust::{Service, TlsFiles};

/// Settings every gRPC service shares, read from `STRONGROOM_*` environment variables.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BaseConfig {
    /// Which service this is: the name its certificate must carry.
    pub service: Service,
    pub grpc_addr: SocketAddr,
    /// A listener already bound for `grpc_addr` (the launcher's tests bind port 0 first and
    /// read the port); taken in place of binding.
    #[serde(skip)]
    pub grpc_listener: PreBound,
    /// `/healthz` and `/readyz` over HTTP, for Kubernetes probes.
    pub ops_addr: Option<SocketAddr>,
    /// Without a password when `database_password_file` is set.
    pub database_url: String,
    /// The database role's password, inserted into `database_url`.
    pub database_password_file: Option<PathBuf>,
    /// A separate role that owns the tables and changes their shape (migrations, org
    /// schemas), when the service's own role may not (audit's); same host and database.
    pub migration_database_user: Option<String>,
    pub migration_database_password_file: Option<PathBuf>,
    pub db_max_connections: u32,
    pub nats_url: String,
    /// NATS user (default: the service's name, as the shipped server config names it)
    /// and its password file; without a password the connection is anonymous.
    pub nats_user: Option<String>,
    pub nats_password_file: Option<PathBuf>,
    /// The event stream's limits (the same for every service of a deployment).
    pub event_stream_max_age_secs: u64,
    pub event_stream_max_bytes: i64,
    /// Shared counters and session revocations, namespaced by `event_prefix`.
    pub redis_url: String,
    /// Redis ACL user and its password file (keys limited to `<event_prefix>:*`).
    pub redis_user: Option<String>,
    pub redis_password_file: Option<PathBuf>,
    /// First token of every event subject (`<prefix>.<org>.<service>.<event>`).
    pub event_prefix: String,
    pub jwt_public_key_file: PathBuf,
    /// The deployment CA's certificate, which every peer's certificate must chain to.
    pub tls_ca_file: PathBuf,
    /// This service's certificate (naming the service) and its private key (0600).
    pub tls_cert_file: PathBuf,
    pub tls_key_file: PathBuf,
    /// DNS servers (`ip:port`, comma-separated) for the hosts orgs name: mail, proxy,
    /// directory. Empty: the system's (`/etc/resolv.conf`).
    pub dns_servers: String,
    pub identity_url: String,
    pub tenant_url: String,
    pub vault_url: String,
    pub access_url: String,
    pub rotation_url: String,
    pub audit_url: String,
}

impl BaseConfig {
    /// Defaults for one machine, given the service and its gRPC port.
    pub fn local(service: Service, grpc_port: u16) -> Self {
        let tls = TlsFiles::in_dir(&PathBuf::from("strongroom-data/tls"), service);
        Self {
            service,
            grpc_addr: SocketAddr::from(([127, 0, 0, 1], grpc_port)),
            grpc_listener: PreBound::default(),
            ops_addr: None,
            database_url: format!("postgres://postgres@127.0.0.1:5432/strongroom_{service}"),
            database_password_file: None,
            migration_database_user: None,
            migration_database_password_file: None,
            db_max_connections: 16,
            nats_url: "nats://127.0.0.1:4222".into(),
            nats_user: None,
            nats_password_file: None,
            event_stream_max_age_secs: strongroom_events::DEFAULT_STREAM_MAX_AGE_SECS,
            event_stream_max_bytes: strongroom_events::DEFAULT_STREAM_MAX_BYTES,
            redis_url: "redis://127.0.0.1:6379".into(),
            redis_user: None,
            redis_password_file: None,
            event_prefix: "sr".into(),
            jwt_public_key_file: PathBuf::from("strongroom-data/jwt-public.pem"),
            tls_ca_file: tls.ca,
            tls_cert_file: tls.cert,
            tls_key_file: tls.key,
            dns_servers: String::new(),
            identity_url: "https://127.0.0.1:7281".into(),
            tenant_url: "https://127.0.0.1:7282".into(),
            vault_url: "https://127.0.0.1:7283".into(),
            access_url: "https://127.0.0.1:7284".into(),
            rotation_url: "https://127.0.0.1:7285".into(),
            audit_url: "https://127.0.0.1:7286".into(),
        }
    }

    /// Reads the base settings from `STRONGROOM_*` variables over the local defaults.
    pub fn from_env(service: Service, grpc_port: u16) -> anyhow::Result<Self> {
        let mut config: Self = Figment::from(Serialized::defaults(Self::local(service, grpc_port)))
            .merge(Env::prefixed("STRONGROOM_"))
            .extract()
            .context("invalid STRONGROOM_* configuration")?;
        config.service = service;
        Ok(config)
    }

    /// The database URL with the password from `database_password_file`, if any.
    pub fn database_url(&self) -> anyhow::Result<SecretString> {
        with_password(&self.database_url, self.database_password_file.as_deref())
    }

    /// The owner role's URL, when the service has one apart from its own.
    pub fn migration_database_url(&self) -> anyhow::Result<Option<SecretString>> {
        let Some(user) = &self.migration_database_user else {
            return Ok(None);
        };
        let url = with_user(&self.database_url, user)?;
        with_password(&url, self.migration_database_password_file.as_deref()).map(Some)
    }

    pub fn nats_login(&self) -> anyhow::Result<NatsLogin> {
        Ok(NatsLogin {
            user: self
                .nats_user
                .clone()
                .unwrap_or_else(|| self.service.to_string()),
            password: self
                .nats_password_file
                .as_deref()
                .map(crate::read_secret)
                .transpose()?,
        })
    }

    pub fn redis_login(&self) -> anyhow::Result<RedisLogin> {
        redis_login(
            self.redis_user.as_deref(),
            self.redis_password_file.as_deref(),
        )
    }

    pub fn stream_limits(&self) -> StreamLimits {
        StreamLimits {
            max_age: std::time::Duration::from_secs(self.event_stream_max_age_secs),
            max_bytes: self.event_stream_max_bytes,
        }
    }

    pub fn tls_files(&self) -> TlsFiles {
        TlsFiles {
            ca: self.tls_ca_file.clone(),
            cert: self.tls_cert_file.clone(),
            key: self.tls_key_file.clone(),
        }
    }
}

/// A Redis login from a user name and a password file (either may be absent).
pub fn redis_login(user: Option<&str>, password_file: Option<&Path>) -> anyhow::Result<RedisLogin> {
    Ok(RedisLogin {
        user: user.filter(|u| !u.is_empty()).map(str::to_owned),
        password: password_file.map(crate::read_secret).transpose()?,
    })
}

/// `url` (`postgres://[user[:password]@]host/db`) as `user`, without a password.
pub fn with_user(url: &str, user: &str) -> anyhow::Result<String> {
    let (scheme, rest) = url
        .split_once("://")
        .context("the database URL must look like postgres://user@host/database")?;
    let host = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
    Ok(format!("{scheme}://{user}@{host}"))
}

/// `url` (`postgres://user@host/db`) with the password read from `password_file` put in.
pub fn with_password(url: &str, password_file: Option<&Path>) -> anyhow::Result<SecretString> {
    let Some(path) = password_file else {
        return Ok(SecretString::from(url.to_owned()));
    };
    let password = crate::read_secret(path)?;
    let (scheme, rest) = url
        .split_once("://")
        .context("the database URL must look like postgres://user@host/database")?;
    let (user, host) = rest.split_once('@').context(
        "with a database password file, the database URL must name its user (postgres://user@host/database)",
    )?;
    anyhow::ensure!(
        !user.contains(':'),
        "the database URL already carries a password; remove it or the password file"
    );
    let encoded: String = password
        .expose_secret()
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    Ok(SecretString::from(format!(
        "{scheme}://{user}:{encoded}@{host}"
    )))
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    #[test]
    fn a_password_file_goes_into_the_url_encoded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pw");
        std::fs::write(&path, "p@ss:w/rd\n").unwrap();
        let url = super::with_password("postgres://svc@db:5432/x", Some(&path)).unwrap();
        assert_eq!(
            url.expose_secret(),
            "postgres://svc:p%40ss%3Aw%2Frd@db:5432/x"
        );
        let err = super::with_password("postgres://db:5432/x", Some(&path)).unwrap_err();
        assert!(err.to_string().contains("name its user"), "{err}");
        let plain = super::with_password("postgres://svc@db/x", None).unwrap();
        assert_eq!(plain.expose_secret(), "postgres://svc@db/x");
        assert_eq!(
            super::with_user("postgres://a:pw@db:5432/x", "b").unwrap(),
            "postgres://b@db:5432/x"
        );
        assert_eq!(
            super::with_user("postgres://db/x", "b").unwrap(),
            "postgres://b@db/x"
        );
    }
}

/// A listener bound by whoever starts a service, handed over once.
#[derive(Clone, Default)]
pub struct PreBound(Arc<Mutex<Option<std::net::TcpListener>>>);

impl PreBound {
    pub fn new(listener: std::net::TcpListener) -> Self {
        Self(Arc::new(Mutex::new(Some(listener))))
    }

    /// The listener, or `None` (nothing handed in, or already taken).
    pub fn take(&self) -> Option<std::net::TcpListener> {
        self.0.lock().ok().and_then(|mut l| l.take())
    }

    /// A tokio listener: the one handed in, or a new one bound to `addr`.
    pub async fn bind(&self, addr: SocketAddr) -> anyhow::Result<tokio::net::TcpListener> {
        match self.take() {
            Some(listener) => {
                listener.set_nonblocking(true)?;
                Ok(tokio::net::TcpListener::from_std(listener)?)
            }
            None => tokio::net::TcpListener::bind(addr)
                .await
                .with_context(|| format!("binding {addr}")),
        }
    }
}

impl std::fmt::Debug for PreBound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PreBound")
    }
}
