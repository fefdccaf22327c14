use strongroom_core::{ErrorCode, HasErrorCode, OrgId};

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("{0}")]
    InvalidInput(String),
    #[error("{0}")]
    AlreadyExists(String),
    /// The request is sound but the state forbids it (a policy still in use, say).
    #[error("{0}")]
    Conflict(String),
    /// A password that breaks its resource's policy: the message names the rule.
    #[error("{0}")]
    Policy(#[from] crate::password_policy::PolicyViolation),
    /// A policy that cannot be saved: the message names the reason.
    #[error("{0}")]
    BadPolicy(#[from] crate::password_policy::PolicyError),
    #[error(transparent)]
    Auth(#[from] strongroom_auth::AuthError),
    /// Refused for the reason given (an export rule, another service's refusal).
    #[error("{0}")]
    Forbidden(String),
    /// Also returned when the caller may not see the item, so ids leak nothing.
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("org {0} has no data key")]
    MissingDataKey(OrgId),
    #[error(transparent)]
    Crypto(#[from] strongroom_crypto::CryptoError),
    #[error(transparent)]
    Tenancy(#[from] strongroom_tenancy::TenancyError),
    #[error("{}", strongroom_tenancy::refused_input(.0).unwrap_or("database error"))]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Event(#[from] strongroom_events::EventError),
    #[error("access service: {0}")]
    Access(tonic::Status),
    #[error("audit service: {0}")]
    Audit(tonic::Status),
    #[error("identity service: {}", .0.message())]
    Identity(tonic::Status),
    /// The records of a batch of reveals could not be committed, so none of them leaves.
    #[error("the audit trail could not record this; nothing was revealed")]
    Unrecorded(#[source] sqlx::Error),
    /// The batch a request ran in failed as a whole (the cause is logged once).
    #[error("{message}")]
    Batch {
        code: ErrorCode,
        message: &'static str,
    },
}

impl HasErrorCode for VaultError {
    fn code(&self) -> ErrorCode {
        match self {
            VaultError::Database(e) if strongroom_tenancy::refused_input(e).is_some() => {
                ErrorCode::InvalidArgument
            }
            VaultError::InvalidInput(_) => ErrorCode::InvalidArgument,
            VaultError::AlreadyExists(_) => ErrorCode::AlreadyExists,
            VaultError::Conflict(_) => ErrorCode::Conflict,
            VaultError::Policy(_) | VaultError::BadPolicy(_) => ErrorCode::InvalidArgument,
            VaultError::Auth(e) => e.code(),
            VaultError::Forbidden(_) => ErrorCode::PermissionDenied,
            VaultError::NotFound(_) => ErrorCode::NotFound,
            VaultError::Crypto(e) => e.code(),
            VaultError::Tenancy(e) => e.code(),
            VaultError::Event(e) => e.code(),
            VaultError::Access(_)
            | VaultError::Audit(_)
            | VaultError::Identity(_)
            | VaultError::Unrecorded(_) => ErrorCode::Unavailable,
            VaultError::Batch { code, .. } => *code,
            VaultError::MissingDataKey(_) | VaultError::Database(_) => ErrorCode::Internal,
        }
    }
}

pub fn unique_or<E>(e: sqlx::Error, on_unique: E) -> VaultError
where
    E: FnOnce() -> VaultError,
{
    match e.as_database_error() {
        Some(d) if d.kind() == sqlx::error::ErrorKind::UniqueViolation => on_unique(),
        _ => VaultError::Database(e),
    }
}
