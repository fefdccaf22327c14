//! Authentication shared by every service: asymmetric (EdDSA) access tokens, the request
//! context built only from a verified token, and password hashing off the async runtime.

mod claims;
mod context;
mod memo;
mod password;
mod revocation;
mod secret;
mod token;
mod vouch;

pub use claims::Claims;
pub use context::{RequestContext, grpc_context, outgoing};
pub use password::PasswordHasher;
pub use revocation::{
    REDIS_WRITER, REVOCATION_HORIZON_SECS, REVOCATION_SKEW_ALLOWANCE_MS, REVOCATIONS_POLL_EVERY,
    REVOCATIONS_STALE_AFTER, RedisLogin, RevocationStore, Revocations, redis_acl_rules,
    revocations_key,
};
pub use secret::{constant_time_eq, credential, random_token, split_credential};
pub use token::{Signer, Verifier, generate_keypair};

use strongroom_core::{ErrorCode, HasErrorCode, Permission};

/// How a caller signed in (the token's `amr`) when they used an API key.
pub const AMR_API_KEY: &str = "api_key";

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
    /// Giving someone (a role, a user) a permission the caller does not hold.
    #[error("you cannot give the {0} permission ({desc}): you do not hold it", desc = .0.describe())]
    CannotGrant(Permission),
    /// Credentials do not make credentials: a request signed with an API key may not manage
    /// keys, passwords, sessions or settings.
    #[error("not allowed with an API key: sign in with your password to do this")]
    NotWithApiKey,
    /// MSP staff doing what the client org does not let them do.
    #[error(
        "this org does not let MSP staff {desc} (its setting msp_staff.{0} is off)",
        desc = .0.describe()
    )]
    MspStaffDenied(strongroom_core::MspStaffRight),
    #[error("shared session store unavailable: {0}")]
    Redis(String),
    #[error("session revocations cannot be read just now; try again shortly")]
    RevocationsUnknown,
}

impl HasErrorCode for AuthError {
    fn code(&self) -> ErrorCode {
        match self {
            AuthError::MissingCredentials | AuthError::InvalidToken => ErrorCode::Unauthenticated,
            AuthError::Forbidden(_)
            | AuthError::CannotGrant(_)
            | AuthError::NotWithApiKey
            | AuthError::MspStaffDenied(_) => ErrorCode::PermissionDenied,
            AuthError::Redis(_) | AuthError::RevocationsUnknown => ErrorCode::Unavailable,
            AuthError::Key(_) | AuthError::Hashing => ErrorCode::Internal,
        }
    }
}
