//! The one error type of this crate.
//!
//! Messages name what failed and for which org, never key material, plaintext or tokens.

use strongroom_core::{ErrorCode, HasErrorCode, OrgId};

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    /// Authenticated decryption failed: wrong key, wrong associated data, or a tampered or
    /// truncated ciphertext. Deliberately one message for every cause.
    #[error("decryption failed: ciphertext could not be authenticated")]
    Decrypt,

    /// Encryption itself failed (only possible for absurdly large inputs).
    #[error("encryption failed")]
    Encrypt,

    /// The org has no key-encryption key (never created, or destroyed).
    #[error("no key-encryption key for org {0}")]
    UnknownOrgKey(OrgId),

    /// A local key file is missing, malformed, or has unsafe permissions.
    #[error("key file {path}: {reason}")]
    KeyFile { path: String, reason: String },

    /// The KMS backend could not be reached or is temporarily unable to serve.
    #[error("kms unavailable: {0}")]
    KmsUnavailable(String),

    /// The KMS backend rejected the request or failed in a way retrying will not fix.
    #[error("kms error: {0}")]
    Kms(String),

    /// The KMS client is configured wrongly (bad address, mount name, ...).
    #[error("invalid kms configuration: {0}")]
    Config(String),
}

impl CryptoError {
    pub(crate) fn key_file(path: &std::path::Path, reason: impl Into<String>) -> Self {
        CryptoError::KeyFile {
            path: path.display().to_string(),
            reason: reason.into(),
        }
    }
}

impl HasErrorCode for CryptoError {
    fn code(&self) -> ErrorCode {
        match self {
            CryptoError::Decrypt
            | CryptoError::Encrypt
            | CryptoError::KeyFile { .. }
            | CryptoError::Kms(_)
            | CryptoError::Config(_) => ErrorCode::Internal,
            CryptoError::UnknownOrgKey(_) => ErrorCode::NotFound,
            CryptoError::KmsUnavailable(_) => ErrorCode::Unavailable,
        }
    }
}
