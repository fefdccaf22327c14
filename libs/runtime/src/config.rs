use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use figment::Figment;
use figment::providers::{Env, Serialized};
use serde::{Deserialize, Serialize};
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
    pub database_url: String,
    pub db_max_connections: u32,
    pub nats_url: String,
    /// Shared counters and session revocations, namespaced by `event_prefix`.
    pub redis_url: String,
    /// First token of every event subject (`<prefix>.<org>.<service>.<event>`).
    pub event_prefix: String,
    pub jwt_public_key_file: PathBuf,
    /// The deployment CA's certificate, which every peer's certificate must chain to.
    pub tls_ca_file: PathBuf,
    /// This service's certificate (naming the service) and its private key (0600).
    pub tls_cert_file: PathBuf,
    pub tls_key_file: PathBuf,
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
            db_max_connections: 16,
            nats_url: "nats://127.0.0.1:4222".into(),
            redis_url: "redis://127.0.0.1:6379".into(),
            event_prefix: "sr".into(),
            jwt_public_key_file: PathBuf::from("strongroom-data/jwt-public.pem"),
            tls_ca_file: tls.ca,
            tls_cert_file: tls.cert,
            tls_key_file: tls.key,
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

    pub fn tls_files(&self) -> TlsFiles {
        TlsFiles {
            ca: self.tls_ca_file.clone(),
            cert: self.tls_cert_file.clone(),
            key: self.tls_key_file.clone(),
        }
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
