use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use figment::Figment;
use figment::providers::{Env, Serialized};
use serde::{Deserialize, Serialize};

/// Settings every gRPC service shares, read from `STRONGROOM_*` environment variables.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BaseConfig {
    pub grpc_addr: SocketAddr,
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
    pub identity_url: String,
    pub tenant_url: String,
    pub vault_url: String,
    pub access_url: String,
    pub rotation_url: String,
    pub audit_url: String,
}

impl BaseConfig {
    /// Defaults for one machine, given the service's name and gRPC port.
    pub fn local(service: &str, grpc_port: u16) -> Self {
        Self {
            grpc_addr: SocketAddr::from(([127, 0, 0, 1], grpc_port)),
            ops_addr: None,
            database_url: format!("postgres://postgres@127.0.0.1:5432/strongroom_{service}"),
            db_max_connections: 16,
            nats_url: "nats://127.0.0.1:4222".into(),
            redis_url: "redis://127.0.0.1:6379".into(),
            event_prefix: "sr".into(),
            jwt_public_key_file: PathBuf::from("strongroom-data/jwt-public.pem"),
            identity_url: "http://127.0.0.1:7281".into(),
            tenant_url: "http://127.0.0.1:7282".into(),
            vault_url: "http://127.0.0.1:7283".into(),
            access_url: "http://127.0.0.1:7284".into(),
            rotation_url: "http://127.0.0.1:7285".into(),
            audit_url: "http://127.0.0.1:7286".into(),
        }
    }

    /// Reads the base settings from `STRONGROOM_*` variables over the local defaults.
    pub fn from_env(service: &str, grpc_port: u16) -> anyhow::Result<Self> {
        Figment::from(Serialized::defaults(Self::local(service, grpc_port)))
            .merge(Env::prefixed("STRONGROOM_"))
            .extract()
            .context("invalid STRONGROOM_* configuration")
    }
}
