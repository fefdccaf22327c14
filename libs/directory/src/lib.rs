//! Directory (LDAP / Active Directory) client for the identity service: checking a
//! configuration, importing users with their groups, and directory logins.
//!
//! Every call opens its own connection, binds as the configured service account and is
//! bounded by [`DirectoryConfig::timeout`] per network step. TLS uses rustls with ring.

mod config;
mod directory;
mod entry;
mod error;
mod session;

pub use config::{AttributeMap, DEFAULT_TIMEOUT, DirectoryConfig};
pub use directory::{Directory, ImportScope};
pub use entry::DirectoryUser;
pub use error::{DirectoryError, UNREACHABLE};
