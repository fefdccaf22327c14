use strongroom_core::{ErrorCode, HasErrorCode};

#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    /// Also for unknown, disabled or locked users: the caller learns nothing more.
    #[error("invalid username or password")]
    InvalidCredentials,
    #[error("invalid or expired API key")]
    InvalidApiKey,
    #[error("{0}")]
    InvalidInput(String),
    #[error("{0}")]
    AlreadyExists(String),
    #[error("{0}")]
    PermissionDenied(&'static str),
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Tenancy(#[from] strongroom_tenancy::TenancyError),
    #[error("database error")]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Auth(#[from] strongroom_auth::AuthError),
    #[error(transparent)]
    Event(#[from] strongroom_events::EventError),
    #[error("tenant service: {0}")]
    Tenant(tonic::Status),
}

impl HasErrorCode for IdentityError {
    fn code(&self) -> ErrorCode {
        match self {
            IdentityError::InvalidCredentials | IdentityError::InvalidApiKey => {
                ErrorCode::Unauthenticated
            }
            IdentityError::InvalidInput(_) => ErrorCode::InvalidArgument,
            IdentityError::AlreadyExists(_) => ErrorCode::AlreadyExists,
            IdentityError::PermissionDenied(_) => ErrorCode::PermissionDenied,
            IdentityError::NotFound => ErrorCode::NotFound,
            IdentityError::Tenancy(e) => e.code(),
            IdentityError::Auth(e) => e.code(),
            IdentityError::Event(e) => e.code(),
            IdentityError::Tenant(_) => ErrorCode::Unavailable,
            IdentityError::Database(_) => ErrorCode::Internal,
        }
    }
}

/// True when the error is a unique-constraint violation.
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .is_some_and(|d| d.kind() == sqlx::error::ErrorKind::UniqueViolation)
}
