use strongroom_core::{ErrorCode, HasErrorCode};

#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    #[error("{0}")]
    InvalidInput(String),
    /// Also returned when the caller may not see the target, so ids leak nothing.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Refused for the reason given.
    #[error("{0}")]
    Forbidden(String),
    /// Not now: the state of the request or account forbids it, for the reason given.
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Auth(#[from] strongroom_auth::AuthError),
    #[error(transparent)]
    Tenancy(#[from] strongroom_tenancy::TenancyError),
    #[error("database error")]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Event(#[from] strongroom_events::EventError),
    #[error("vault service: {}", .0.message())]
    Vault(tonic::Status),
    #[error("identity service: {}", .0.message())]
    Identity(tonic::Status),
    /// The tenant service (ticket checks); its message says what failed.
    #[error("{}", .0.message())]
    Tenant(tonic::Status),
}

impl HasErrorCode for AccessError {
    fn code(&self) -> ErrorCode {
        match self {
            AccessError::InvalidInput(_) => ErrorCode::InvalidArgument,
            AccessError::NotFound(_) => ErrorCode::NotFound,
            AccessError::Forbidden(_) => ErrorCode::PermissionDenied,
            AccessError::Conflict(_) => ErrorCode::Conflict,
            AccessError::Auth(e) => e.code(),
            AccessError::Tenancy(e) => e.code(),
            AccessError::Event(e) => e.code(),
            AccessError::Vault(_) | AccessError::Identity(_) | AccessError::Tenant(_) => {
                ErrorCode::Unavailable
            }
            AccessError::Database(_) => ErrorCode::Internal,
        }
    }

    /// The tenant service's message, already meant for the caller (its ticketing system
    /// did not answer, and why).
    fn message_is_for_the_caller(&self) -> bool {
        matches!(self, AccessError::Tenant(_))
    }
}
