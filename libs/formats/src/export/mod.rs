//! Writing entries out of the vault: CSV, KeePass (KDBX 4) and an encrypted single-file HTML
//! page for offline use. Pure functions from [`Entry`]s to bytes; who may export what, and
//! auditing it, are the vault's.
//!
//! # CSV ([`csv()`])
//!
//! RFC 4180: comma-separated, `\r\n` after every record (the last one too), UTF-8 without a
//! byte-order mark. A cell is put in double quotes when it holds a comma, a double quote, a
//! carriage return or a line feed; a double quote inside it is doubled. The header is
//!
//! ```text
//! Resource Name,Resource Type,Host,URL,Department,Location,Description,Resource Notes,Username,Password,Account Notes,Group
//! ```
//!
//! followed by one column per distinct extra field name ([`Entry::fields`]), in the order the
//! names are first seen going through the entries and their fields. An entry without such a
//! field has an empty cell there, so an empty extra cell means "no such field"; the CSV does
//! not tell text fields from secret ones.
//!
//! **Group** is [`Entry::group_path`] joined with `/`. Inside a group's name a backslash is
//! written `\\` and a slash `\/`: the groups `Linux/Unix` and `C:\` give the cell
//! `Linux\/Unix/C:\\`. To read it, split on each `/` not escaped by a backslash, then read
//! `\x` as `x`. An empty cell is no group.
//!
//! **Formulas are neutralised** (OWASP, "CSV Injection"): every cell, headers and passwords
//! included, whose first character is `=`, `+`, `-`, `@`, a tab, a carriage return, or a
//! single quote `'` gets one more `'` in front of it. So `=1+2` is written `'=1+2`, a password
//! `-x9` is written `'-x9`, and `'abc` is written `''abc` (the quote itself is escaped, so the
//! rule can be undone exactly). An importer undoes it: **a cell that starts with `'` followed
//! by one of `=`, `+`, `-`, `@`, tab, carriage return or `'` loses its first character**;
//! nothing else changes. A spreadsheet shows such a cell as the original text.
//!
//! An extra field with an empty name or named like one of the fixed columns (compared
//! without regard to ASCII case) is refused with [`ExportError::ReservedFieldName`], and
//! two fields of one entry with the same name with [`ExportError::DuplicateFieldName`]: the
//! file could not be read back as it was.
//!
//! # KeePass ([`keepass()`])
//!
//! A KDBX 4 database: AES-256 outer cipher, ChaCha20 for protected values, GZip, key derived
//! with Argon2id, 64 MiB, 3 passes, 2 lanes ([`KEEPASS_ARGON2ID`]; [`keepass_with_kdf`] takes
//! another cost, for tests). The root group is named `Root` and is not part of any entry's group
//! path; [`Entry::group_path`] becomes nested groups under it (one group per distinct path
//! prefix, in first-seen order). Each entry becomes one KeePass entry:
//!
//! | KeePass string       | from                      | protected |
//! |----------------------|---------------------------|-----------|
//! | `Title`              | `resource_name`           | no        |
//! | `UserName`           | `username`                | no        |
//! | `Password`           | `password`                | yes       |
//! | `URL`                | `url`                     | no        |
//! | `Notes`              | `account_notes`           | no        |
//! | `Resource Type`      | `resource_type`           | no        |
//! | `Host`               | `host`                    | no        |
//! | `Department`         | `department`              | no        |
//! | `Location`           | `location`                | no        |
//! | `Description`        | `description`             | no        |
//! | `Resource Notes`     | `resource_notes`          | no        |
//! | any other name       | an extra field            | when [`FieldValue::Secret`] |
//!
//! The five standard strings are always written (possibly empty); the six resource strings only
//! when not empty; every extra field is written as it is. An extra field with an empty name or
//! named like one of the eleven names above (without regard to ASCII case) is refused with
//! [`ExportError::ReservedFieldName`], two fields of one entry with the same name with
//! [`ExportError::DuplicateFieldName`].
//!
//! # Offline HTML ([`offline_html`])
//!
//! One HTML file that opens in a browser with no network and nothing else: no external script,
//! style, font or image, and a `Content-Security-Policy` (`default-src 'none'`, the inline
//! script and style allowed by their SHA-256 hashes, no connections, no form submission) so the
//! page cannot load or send anything. It asks for a passphrase and, with the right one, shows
//! a searchable table of the resources, accounts and passwords.
//!
//! The entries are JSON (see `offline.rs` for its shape), encrypted with AES-256-GCM (128-bit
//! tag, no associated data) under a key derived from the passphrase's UTF-8 bytes with
//! PBKDF2-HMAC-SHA256, [`PBKDF2_ITERATIONS`] (600,000) iterations and a random 16-byte salt;
//! the nonce is a random 12 bytes. PBKDF2 rather than Argon2id because it is what WebCrypto
//! offers in every browser without shipping a KDF in JavaScript; 600,000 iterations is
//! OWASP's current minimum for PBKDF2-HMAC-SHA256. The file states its parameters readably:
//!
//! ```text
//! <script type="application/json" id="vault-parameters">
//! {"format":"strongroom-offline-export","version":1,"kdf":"PBKDF2-HMAC-SHA256",
//!  "iterations":600000,"salt":"<base64, 16 bytes>","cipher":"AES-256-GCM",
//!  "nonce":"<base64, 12 bytes>","tag_bits":128}
//! </script>
//! <script type="application/json" id="vault-data">{"ciphertext":"<base64>"}</script>
//! ```
//!
//! (base64 with padding, standard alphabet; the ciphertext ends with the 16-byte tag, as
//! WebCrypto wants it). The passphrase must have at least [`MIN_PASSPHRASE_CHARS`] characters
//! (the same minimum holds for the KeePass password). Deriving the key takes a few hundred
//! milliseconds of CPU in an optimised build: call these functions off the async executor.

mod kdbx;
mod offline;
mod table;

/// The custom strings of a KeePass entry that carry its resource's fields (the import
/// leaves them out of the account's additional fields).
pub(crate) use kdbx::RESOURCE_STRINGS;
pub use kdbx::{KEEPASS_ARGON2ID, KeepassKdf, keepass, keepass_with_kdf};
pub use offline::{PBKDF2_ITERATIONS, offline_html};
pub use table::{CSV_HEADER, csv};

#[cfg(doc)]
use crate::{Entry, FieldValue};

/// The fewest characters (Unicode scalar values) a passphrase of an encrypted export may have.
pub const MIN_PASSPHRASE_CHARS: usize = 12;

/// Why an export could not be written. Never carries a password, passphrase or key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// The passphrase (or KeePass password) is shorter than [`MIN_PASSPHRASE_CHARS`].
    #[error("the passphrase must have at least {min} characters")]
    PassphraseTooShort { min: usize },
    /// An extra field carries the name of a column or string the format uses itself.
    #[error("the field name {name:?} is reserved in this format")]
    ReservedFieldName { name: String },
    /// One entry has two extra fields of the same name.
    #[error("the resource {resource:?} has two fields named {name:?}")]
    DuplicateFieldName { resource: String, name: String },
    /// Serialising the entries failed.
    #[error("could not serialise the entries: {0}")]
    Serialize(String),
    /// Encrypting failed.
    #[error("could not encrypt the export")]
    Encrypt,
    /// The KeePass library could not write the database.
    #[error("could not write the KeePass database: {0}")]
    Keepass(String),
}

/// Fails when `passphrase` is shorter than [`MIN_PASSPHRASE_CHARS`].
fn check_passphrase(passphrase: &str) -> Result<(), ExportError> {
    if passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(ExportError::PassphraseTooShort {
            min: MIN_PASSPHRASE_CHARS,
        });
    }
    Ok(())
}
