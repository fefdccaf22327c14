//! Key-encryption keys (one per org) and the wrapping of data keys under them.

pub(crate) mod local;
mod transit;

use std::future::Future;

use strongroom_core::OrgId;

pub use local::LocalKms;
pub use transit::TransitKms;

use crate::{CryptoError, DataKey};

/// A key management service holding one key-encryption key (KEK) per org. The vault stores
/// only the output of [`Kms::wrap`] next to the org's secrets.
pub trait Kms: Send + Sync {
    /// Creates the org's KEK if it does not exist yet. Idempotent, and never replaces an
    /// existing KEK.
    fn ensure_key(&self, org: OrgId) -> impl Future<Output = Result<(), CryptoError>> + Send;

    /// Encrypts `key` under the org's KEK, bound to the org.
    fn wrap(
        &self,
        org: OrgId,
        key: &DataKey,
    ) -> impl Future<Output = Result<Vec<u8>, CryptoError>> + Send;

    /// Recovers a data key wrapped by [`Kms::wrap`] for the same org. A key wrapped for
    /// another org, or tampered with, fails with [`CryptoError::Decrypt`]; a destroyed or
    /// never-created KEK fails with [`CryptoError::UnknownOrgKey`] or [`CryptoError::Decrypt`].
    fn unwrap(
        &self,
        org: OrgId,
        wrapped: &[u8],
    ) -> impl Future<Output = Result<DataKey, CryptoError>> + Send;

    /// Crypto-shredding: deletes the org's KEK, so every data key wrapped under it (and every
    /// secret sealed with those) becomes unrecoverable. Idempotent.
    fn destroy_key(&self, org: OrgId) -> impl Future<Output = Result<(), CryptoError>> + Send;
}

/// The associated data binding a wrapped data key to its org: `strongroom/dek/v1|<org uuid>`.
pub(crate) fn dek_aad(org: OrgId) -> String {
    format!("strongroom/dek/v1|{}", org.0.hyphenated())
}

/// Either backend behind one concrete type, chosen by configuration at startup.
#[derive(Debug)]
pub enum AnyKms {
    Local(LocalKms),
    Transit(TransitKms),
}

impl From<LocalKms> for AnyKms {
    fn from(kms: LocalKms) -> Self {
        AnyKms::Local(kms)
    }
}

impl From<TransitKms> for AnyKms {
    fn from(kms: TransitKms) -> Self {
        AnyKms::Transit(kms)
    }
}

impl Kms for AnyKms {
    async fn ensure_key(&self, org: OrgId) -> Result<(), CryptoError> {
        match self {
            AnyKms::Local(kms) => kms.ensure_key(org).await,
            AnyKms::Transit(kms) => kms.ensure_key(org).await,
        }
    }

    async fn wrap(&self, org: OrgId, key: &DataKey) -> Result<Vec<u8>, CryptoError> {
        match self {
            AnyKms::Local(kms) => kms.wrap(org, key).await,
            AnyKms::Transit(kms) => kms.wrap(org, key).await,
        }
    }

    async fn unwrap(&self, org: OrgId, wrapped: &[u8]) -> Result<DataKey, CryptoError> {
        match self {
            AnyKms::Local(kms) => kms.unwrap(org, wrapped).await,
            AnyKms::Transit(kms) => kms.unwrap(org, wrapped).await,
        }
    }

    async fn destroy_key(&self, org: OrgId) -> Result<(), CryptoError> {
        match self {
            AnyKms::Local(kms) => kms.destroy_key(org).await,
            AnyKms::Transit(kms) => kms.destroy_key(org).await,
        }
    }
}
