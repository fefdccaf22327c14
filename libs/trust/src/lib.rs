//! Trust between services: every gRPC connection is mutual TLS under the deployment's own
//! CA, each service proves its name with its certificate, and each RPC names the services
//! that may call it.
//!
//! - [`keygen`] makes the CA and one certificate per service.
//! - [`ServiceTls`] holds one service's certificate: it accepts connections
//!   ([`ServiceTls::incoming`]) and opens channels to other services ([`ServiceTls::channel`]).
//! - [`CallerPolicy`] refuses every call whose peer is not named for the RPC in the serving
//!   service's table, and hands the verified [`Caller`] to the handler.

mod certs;
mod direct;
mod files;
mod incoming;
mod policy;
mod service;

pub use certs::{TlsFiles, keygen};
pub use direct::DirectChannel;
pub use incoming::{Peer, PeerIo};
pub use policy::{Caller, CallerPolicy, Callers, caller_of};
pub use service::Service;

use std::path::PathBuf;

/// Why TLS material could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    #[error("{path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {why}")]
    Invalid { path: PathBuf, why: String },
    #[error(
        "{path} can be read by group or others (mode {mode:o}); make it readable by its owner only (chmod 600)"
    )]
    Exposed { path: PathBuf, mode: u32 },
    #[error("TLS configuration: {0}")]
    Config(String),
    #[error("making certificates: {0}")]
    Generate(String),
}

pub use certs::ServiceTls;
