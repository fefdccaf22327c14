//! The files people bring into the vault and take out of it, as pure functions over bytes:
//! no I/O, no database. `import` reads CSV and tab-separated files (plain or inside a
//! password-protected ZIP), KeePass databases and Bitwarden's and Password Manager Pro's
//! CSV exports into [`Entry`]s; `export` writes entries as CSV, KeePass, and an encrypted
//! single-file HTML page for offline use. The vault turns entries into resources and
//! accounts and back.

pub mod entry;
pub mod export;
pub mod import;

pub use entry::{Entry, Field, FieldValue};
