//! Envelope encryption for Strongroom secrets.
//!
//! Every org has a key-encryption key (KEK) in a [`Kms`]; the vault keeps each org's 256-bit
//! data key ([`DataKey`]) only in wrapped form ([`Kms::wrap`]) and encrypts each secret with
//! AES-256-GCM under it ([`seal`] / [`open`]), binding org, account and version as associated
//! data ([`SecretAad`]) so a ciphertext moved elsewhere no longer decrypts.
//!
//! Key material and plaintext never appear in errors, `Debug` output or logs.

mod envelope;
mod error;
mod kms;
pub mod personal;
mod setting;

pub use envelope::{
    DataKey, FieldAad, ORG_SEALED_SETTING, SecretAad, SettingAad, open, open_field, open_setting,
    seal, seal_field, seal_setting,
};
pub use error::CryptoError;
pub use kms::{AnyKms, Kms, LocalKms, TransitKms};
pub use setting::SettingsKey;
