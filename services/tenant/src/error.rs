use strongroom_core::{ErrorCode, HasErrorCode};

#[derive(Debug, thiserror::Error)]
pub enum TenantError {
    #[error("{0}")]
    InvalidInput(String),
    #[error("{0}")]
    AlreadyExists(String),
    #[error("{0}")]
    PermissionDenied(String),
    #[error("{0}")]
    Conflict(String),
    #[error("org not found")]
    NotFound,
    #[error("{0} not found")]
    Missing(&'static str),
    #[error("the {service} service could not provision the org; retry the request")]
    Provisioning {
        service: &'static str,
        #[source]
        source: tonic::Status,
    },
    #[error(
        "the {service} service could not delete the org's data; approve the deletion again to finish it"
    )]
    Deprovisioning {
        service: &'static str,
        #[source]
        source: tonic::Status,
    },
    #[error(transparent)]
    Tenancy(#[from] strongroom_tenancy::TenancyError),
    #[error("{}", strongroom_tenancy::refused_input(.0).unwrap_or("database error"))]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Event(#[from] strongroom_events::EventError),
    #[error("identity service: {0}")]
    Identity(tonic::Status),
}

impl HasErrorCode for TenantError {
    fn code(&self) -> ErrorCode {
        match self {
            TenantError::Database(e) if strongroom_tenancy::refused_input(e).is_some() => {
                ErrorCode::InvalidArgument
            }
            TenantError::InvalidInput(_) => ErrorCode::InvalidArgument,
            TenantError::AlreadyExists(_) => ErrorCode::AlreadyExists,
            TenantError::PermissionDenied(_) => ErrorCode::PermissionDenied,
            TenantError::Conflict(_) => ErrorCode::Conflict,
            TenantError::NotFound | TenantError::Missing(_) => ErrorCode::NotFound,
            TenantError::Provisioning { .. }
            | TenantError::Deprovisioning { .. }
            | TenantError::Identity(_) => ErrorCode::Unavailable,
            TenantError::Tenancy(e) => e.code(),
            TenantError::Event(e) => e.code(),
            TenantError::Database(_) => ErrorCode::Internal,
        }
    }
}
