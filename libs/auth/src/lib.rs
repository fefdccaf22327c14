//! Authentication shared by every service: asymmetric (EdDSA) access tokens, the request
//! context built only from a verified token, and password hashing off the async runtime.

mod context;
mod password;
mod revocation;
mod token;

pub use context::{RequestContext, grpc_context, outgoing};
pub use password::PasswordHasher;
pub use revocation::{
    REVOCATION_HORIZON_SECS, REVOCATIONS_POLL_EVERY, REVOCATIONS_STALE_AFTER, RedisLogin,
    RevocationStore, Revocations,
};
pub use token::{Claims, Signer, Verifier, generate_keypair};

use strongroom_core::{ErrorCode, HasErrorCode, Permission};

pub const METADATA_IP: &str = "x-strongroom-client-ip";
pub const METADATA_USER_AGENT: &str = "x-strongroom-user-agent";

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("missing or malformed credentials")]
    MissingCredentials,
    #[error("invalid or expired token")]
    InvalidToken,
    #[error("key material could not be read: {0}")]
    Key(String),
    #[error("password hashing failed")]
    Hashing,
    #[error("you lack the {0} permission ({desc})", desc = .0.describe())]
    Forbidden(Permission),
    #[error("shared session store unavailable: {0}")]
    Redis(String),
    #[error("session revocations cannot be read just now; try again shortly")]
    RevocationsUnknown,
}

impl HasErrorCode for AuthError {
    fn code(&self) -> ErrorCode {
        match self {
            AuthError::MissingCredentials | AuthError::InvalidToken => ErrorCode::Unauthenticated,
            AuthError::Forbidden(_) => ErrorCode::PermissionDenied,
            AuthError::Redis(_) | AuthError::RevocationsUnknown => ErrorCode::Unavailable,
            AuthError::Key(_) | AuthError::Hashing => ErrorCode::Internal,
        }
    }
}
