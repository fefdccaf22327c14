use strongroom_core::{ErrorCode, HasErrorCode};

#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    /// Also for unknown, disabled or locked users: the caller learns nothing more.
    #[error("invalid username or password")]
    InvalidCredentials,
    #[error("your password has expired: change it with POST /api/v1/auth/change-password")]
    PasswordExpired,
    #[error(
        "an administrator set your password: choose your own with POST /api/v1/auth/change-password"
    )]
    PasswordSetByAdministrator,
    #[error("invalid or expired refresh token")]
    InvalidRefresh,
    #[error("invalid or expired API key")]
    InvalidApiKey,
    #[error("this API key may not be used from your address")]
    ApiKeyAddressRefused,
    #[error("too many failed logins from your address; try again in {0} seconds")]
    TooManyAttempts(u64),
    #[error("{0}")]
    InvalidInput(String),
    #[error("{0}")]
    AlreadyExists(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PermissionDenied(&'static str),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("you cannot manage {user}: they hold the {permission} permission, which you do not")]
    Outranked {
        user: String,
        permission: strongroom_core::Permission,
    },
    /// The caller sees the kind of failure; the raw cause (its source) goes to the log.
    #[error("{}", .0.category())]
    Directory(#[from] strongroom_directory::DirectoryError),
    #[error(transparent)]
    Tenancy(#[from] strongroom_tenancy::TenancyError),
    #[error("{}", strongroom_tenancy::refused_input(.0).unwrap_or("database error"))]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Auth(#[from] strongroom_auth::AuthError),
    #[error(transparent)]
    Event(#[from] strongroom_events::EventError),
    #[error("login counters unavailable: {0}")]
    Redis(#[from] redis::RedisError),
    #[error(transparent)]
    Sealed(#[from] strongroom_runtime::SealError),
    #[error("tenant service: {0}")]
    Tenant(tonic::Status),
    #[error("vault service: {}", .0.message())]
    Vault(tonic::Status),
    /// The service's own setup (files it writes at start-up).
    #[error("{0}")]
    Config(String),
}

impl HasErrorCode for IdentityError {
    fn code(&self) -> ErrorCode {
        use strongroom_directory::DirectoryError as D;
        match self {
            IdentityError::Database(e) if strongroom_tenancy::refused_input(e).is_some() => {
                ErrorCode::InvalidArgument
            }
            IdentityError::InvalidCredentials
            | IdentityError::PasswordExpired
            | IdentityError::PasswordSetByAdministrator
            | IdentityError::InvalidRefresh
            | IdentityError::InvalidApiKey => ErrorCode::Unauthenticated,
            IdentityError::ApiKeyAddressRefused
            | IdentityError::PermissionDenied(_)
            | IdentityError::Outranked { .. } => ErrorCode::PermissionDenied,
            IdentityError::TooManyAttempts(_) => ErrorCode::TooManyRequests,
            IdentityError::InvalidInput(_) => ErrorCode::InvalidArgument,
            IdentityError::AlreadyExists(_) => ErrorCode::AlreadyExists,
            IdentityError::Conflict(_) => ErrorCode::Conflict,
            IdentityError::NotFound(_) => ErrorCode::NotFound,
            IdentityError::Directory(D::InvalidConfig(_) | D::NotFound(_)) => {
                ErrorCode::InvalidArgument
            }
            IdentityError::Directory(D::BindRejected) => ErrorCode::Conflict,
            IdentityError::Directory(_) => ErrorCode::Unavailable,
            IdentityError::Tenancy(e) => e.code(),
            IdentityError::Auth(e) => e.code(),
            IdentityError::Sealed(e) => e.code(),
            IdentityError::Event(e) => e.code(),
            IdentityError::Vault(s) => ErrorCode::from_grpc(s.code()),
            IdentityError::Tenant(_) | IdentityError::Redis(_) => ErrorCode::Unavailable,
            IdentityError::Database(_) | IdentityError::Config(_) => ErrorCode::Internal,
        }
    }

    fn message_is_for_the_caller(&self) -> bool {
        matches!(self, IdentityError::Directory(_))
    }
}

/// True when the error is a unique-constraint violation.
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .is_some_and(|d| d.kind() == sqlx::error::ErrorKind::UniqueViolation)
}

/// Maps a unique violation to "already exists" with `message`, anything else to itself.
pub fn exists_or(e: sqlx::Error, message: impl FnOnce() -> String) -> IdentityError {
    if is_unique_violation(&e) {
        IdentityError::AlreadyExists(message())
    } else {
        e.into()
    }
}
