use strongroom_core::{ErrorCode, HasErrorCode};

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// Input that does not fit; the message names the field.
    #[error("{0}")]
    Invalid(String),
    /// A host the org named may not be reached, or could not be resolved.
    #[error("{field} {source}")]
    Host {
        field: &'static str,
        source: strongroom_egress::EgressError,
    },
    #[error(transparent)]
    Auth(#[from] strongroom_auth::AuthError),
    /// Only an MSPOrg administrator may do this; the message names the field.
    #[error("{0}")]
    MspAdministratorsOnly(&'static str),
    /// Only the org's own administrators (not MSP staff working in it) may do this.
    #[error("{0}")]
    OwnAdministratorsOnly(&'static str),
    #[error("this org has no {0} settings yet")]
    NotSaved(&'static str),
    #[error(transparent)]
    Tenancy(#[from] strongroom_tenancy::TenancyError),
    #[error("{}", strongroom_tenancy::refused_input(.0).unwrap_or("database error"))]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Event(#[from] strongroom_events::EventError),
    #[error(transparent)]
    Sealed(#[from] strongroom_runtime::SealError),
    #[error("settings could not be encoded")]
    Encode(#[from] serde_json::Error),
    #[error("vault service: {}", .0.message())]
    Vault(tonic::Status),
    /// An org-named server (its ticketing system) did not answer.
    #[error("{0}")]
    Unreachable(String),
    #[error("the stored {0} settings could not be read")]
    Stored(&'static str, #[source] serde_json::Error),
}

impl HasErrorCode for SettingsError {
    fn code(&self) -> ErrorCode {
        match self {
            SettingsError::Database(e) if strongroom_tenancy::refused_input(e).is_some() => {
                ErrorCode::InvalidArgument
            }
            SettingsError::Invalid(_) => ErrorCode::InvalidArgument,
            SettingsError::Host { source, .. } if source.is_refusal() => ErrorCode::InvalidArgument,
            SettingsError::Host { .. } => ErrorCode::Unavailable,
            SettingsError::Auth(e) => e.code(),
            SettingsError::MspAdministratorsOnly(_) | SettingsError::OwnAdministratorsOnly(_) => {
                ErrorCode::PermissionDenied
            }
            SettingsError::NotSaved(_) => ErrorCode::NotFound,
            SettingsError::Tenancy(e) => e.code(),
            SettingsError::Event(e) => e.code(),
            SettingsError::Vault(_) | SettingsError::Unreachable(_) => ErrorCode::Unavailable,
            SettingsError::Sealed(e) => e.code(),
            SettingsError::Database(_) | SettingsError::Encode(_) | SettingsError::Stored(..) => {
                ErrorCode::Internal
            }
        }
    }

    /// An org-named host that cannot be reached: the caller (an administrator of the org,
    /// or a requester) needs to know which and why.
    fn message_is_for_the_caller(&self) -> bool {
        matches!(
            self,
            SettingsError::Unreachable(_) | SettingsError::Host { .. }
        )
    }
}
