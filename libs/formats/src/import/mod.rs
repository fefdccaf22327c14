//! Reading files into [`Entry`]s: bytes in, [`Parsed`] rows or an [`ImportError`] out.
//!
//! [`parse`] is a pure function: no I/O, no database, no clock. The vault turns each parsed
//! row into a resource and an account (created, updated or skipped: its decision, not this
//! module's), and shows the rejected rows with their reasons.
//!
//! # Formats
//!
//! - [`Format::Csv`]: comma- or tab-separated values with a header line. The separator is
//!   read from the header line (more tabs than commas: tab-separated); [`Format::Tsv`] says
//!   tab-separated outright. Quoted fields may hold separators, quotes (`""`) and line
//!   breaks.
//! - [`Format::Bitwarden`]: Bitwarden's CSV export, header
//!   `folder,favorite,type,name,notes,fields,reprompt,login_uri,login_username,login_password,login_totp`
//!   (an organization's export has `collections` in place of `folder`).
//! - [`Format::Pmp`]: Password Manager Pro's resource CSV (its export, and the file its
//!   import wizard reads).
//! - [`Format::Keepass`]: a KeePass database, KDBX 3.1 or KDBX 4, opened with a password
//!   (key files and KeePass 1 `.kdb` files are refused).
//!
//! Any of the CSV formats may come inside a password-protected ZIP archive ([`ZipOptions`]):
//! AES-256 (WinZip AE-1/AE-2) or the old ZipCrypto, stored or deflated. The file read is the
//! one [`ZipOptions::file_name`] names (its full path inside the archive, or its bare name),
//! else the first `.csv`, `.tsv` or `.txt` file in the archive's order (the first `.kdbx`
//! for KeePass).
//!
//! # Column mapping (CSV and tab-separated files)
//!
//! Header names are compared trimmed, case-insensitively, with `_` and `-` read as spaces:
//!
//! | entry field | [`Format::Csv`] header names | [`Format::Pmp`] header names |
//! | --- | --- | --- |
//! | resource name (required) | name, resource, resource name, title | Resource Name |
//! | resource type | type, resource type | Resource Type, OS Type |
//! | host | host, hostname, dns, dns name, ip, ip address, dns name/ip address, address | DNS Name, IP Address, DNS Name/IP Address |
//! | url | url, uri, resource url, website | Resource URL, URL |
//! | department | department | Department |
//! | location | location | Location |
//! | description | description, resource description | Description, Resource Description |
//! | resource notes | notes, note, resource notes | Resource Notes |
//! | username | username, user, user name, user account, account, account name, login | User Account, Account Name, User Name, Username |
//! | password | password, pass | Password |
//! | account notes | account notes | Notes, Account Notes, Account Description |
//! | group path (split on `/`) | group, group name, resource group, folder | Resource Group, Group Name |
//!
//! Every other column becomes a text [`Field`](crate::Field) named by its header (a column
//! with an empty header is named `Column N`). [`Options::column_mapping`] overrides the
//! header names for `Csv`, `Tsv` and `Pmp`: each pair names a file column (matched like the
//! header names) and the [`Column`] it fills ([`Column::Ignore`] drops it).
//!
//! Bitwarden's columns: `name` is the resource name; `folder` (or the first of
//! `collections`) the group path, split on `/`; `type` `login` rows carry an account
//! (`login_username`, `login_password`, `notes` as the account's notes), `note` rows a
//! resource with no account (`notes` as the resource's notes) and other types are
//! rejected; `login_uri` is the URL (and its host the host; more URIs joined with commas
//! become fields `URI 2`, `URI 3`, ...); `login_totp` a secret field `TOTP`; each `fields`
//! line `name: value` a text field (a line with no `: ` continues the previous value);
//! `favorite` and `reprompt` are dropped.
//!
//! KeePass: the entry's title is the resource name (else its URL's host, else `Untitled N`),
//! `UserName`, `Password`, `URL` (and its host) and `Notes` (the account's notes) fill the
//! account, every other string becomes a field (protected strings as secrets), in name
//! order, and the entry's tags a text field `Tags`. The group path is the entry's groups
//! below the root group. Entries in the recycle bin, entry history and attachments are not
//! imported.
//!
//! # Rows
//!
//! Rows keep the file's order. A row's number ([`Row::row`]) is the file line the row
//! starts on (the header is line 1) for CSV files, and the entry's position (from 1, groups
//! before their subgroups) for KeePass. A UTF-8 byte order mark is ignored; blank lines and
//! rows whose every field is empty are skipped. A row is rejected, with a reason and
//! without its content, when it has no resource name, a field over [`MAX_FIELD_BYTES`],
//! more fields than the header, text that is not UTF-8, or (Bitwarden) an item type other
//! than `login` or `note`.
//!
//! # Limits and what is refused
//!
//! The whole file is refused ([`ImportError`], whose message names no password and no
//! content but a column name) when:
//!
//! - it is over [`MAX_FILE_BYTES`] (20 MiB), or empty;
//! - the file inside a ZIP is over [`MAX_ZIP_ENTRY_BYTES`] (50 MiB) once decompressed: the
//!   entry is read through a hard cap while it decompresses, so neither its declared size
//!   nor its compression ratio is trusted, and a ZIP bomb stops at the cap;
//! - it has more than [`MAX_ROWS`] data rows or entries (50,000), or a header of more than
//!   [`MAX_COLUMNS`] columns;
//! - a CSV header lacks a required column, or a mapping names a column the header lacks,
//!   or two columns fill the same entry field;
//! - it is not the declared format (a ZIP or KeePass file given as CSV, binary data, a
//!   damaged or truncated ZIP or KeePass file), or the ZIP or KeePass password is missing
//!   or wrong;
//! - a KeePass database's key derivation costs more than [`MAX_AES_KDF_ROUNDS`] AES rounds,
//!   [`MAX_ARGON2_MEMORY_BYTES`] of Argon2 memory, [`MAX_ARGON2_ITERATIONS`] iterations or
//!   [`MAX_ARGON2_PARALLELISM`] lanes (checked from the header before any work);
//! - its decrypted content is over [`MAX_KEEPASS_XML_BYTES`] (128 MiB), nests XML elements
//!   deeper than [`MAX_XML_DEPTH`] or groups deeper than [`MAX_GROUP_DEPTH`], or has a
//!   document type declaration (KeePass never writes one; refusing it rules out entity
//!   expansion), or a KDBX 4 inner header that is not well formed.
//!
//! How a KeePass file is read: the outer header is parsed here field by field (so that
//! the `keepass` crate, which reads some lengths unchecked, never sees a malformed one),
//! then this module derives the key, decrypts the payload and decompresses it through a
//! hard cap (a gzip bomb behind the right password stops at [`MAX_KEEPASS_XML_BYTES`]),
//! checks the KDBX 4 inner header and measures the XML with a streaming reader; only then
//! does the `keepass` crate open the same bytes (its XML reader, quick-xml's serde
//! deserializer, also stops at 128 levels of recursion and expands no entities but XML's
//! five predefined ones). The key is thus derived twice: the KDF limits bound twice their
//! cost. The crate reads entries whose strings are not contiguous (as pykeepass writes
//! them) by buffering the XML events it skips, a multiple of the XML's size at worst. A
//! panic inside the crate is caught and reported as a damaged file. Twofish-encrypted
//! databases are decrypted but have no test fixture.

mod bitwarden;
mod columns;
mod error;
mod kdbx;
mod kdbx_payload;
mod kdbx_xml;
mod keepass;
mod model;
mod table;
mod util;
mod zipfile;

#[cfg(test)]
mod fuzz_tests;

pub use error::ImportError;
pub use model::{
    Column, Format, MAX_AES_KDF_ROUNDS, MAX_ARGON2_ITERATIONS, MAX_ARGON2_MEMORY_BYTES,
    MAX_ARGON2_PARALLELISM, MAX_COLUMNS, MAX_FIELD_BYTES, MAX_FILE_BYTES, MAX_GROUP_DEPTH,
    MAX_KEEPASS_XML_BYTES, MAX_ROWS, MAX_XML_DEPTH, MAX_ZIP_ENTRY_BYTES, Options, Parsed,
    Rejection, Row, ZipOptions,
};

/// Reads `bytes` as `options` say: every data row or entry, parsed or rejected, or why the
/// whole file is refused.
pub fn parse(bytes: &[u8], options: &Options) -> Result<Parsed, ImportError> {
    if bytes.is_empty() {
        return Err(ImportError::Empty);
    }
    if bytes.len() > MAX_FILE_BYTES {
        return Err(ImportError::FileTooLarge {
            size: bytes.len(),
            limit: MAX_FILE_BYTES,
        });
    }
    match &options.zip {
        Some(zip) => {
            let inner = zipfile::extract(bytes, zip, options.format)?;
            parse_content(&inner, options)
        }
        None => parse_content(bytes, options),
    }
}

/// Parses the file itself (read from a ZIP archive, or as given).
fn parse_content(bytes: &[u8], options: &Options) -> Result<Parsed, ImportError> {
    if bytes.is_empty() {
        return Err(ImportError::Empty);
    }
    match options.format {
        Format::Keepass => keepass::parse(bytes, options.keepass_password.as_deref()),
        Format::Csv | Format::Tsv | Format::Pmp | Format::Bitwarden => {
            if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
                return Err(ImportError::UnexpectedZip);
            }
            if kdbx::looks_like_keepass(bytes) {
                return Err(ImportError::UnexpectedKeepass);
            }
            let table = table::Table::read(bytes, options.format)?;
            match options.format {
                Format::Bitwarden => bitwarden::parse(table),
                _ => columns::parse(table, options),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use zeroize::Zeroizing;

    use super::*;

    #[test]
    fn options_debug_shows_no_password() {
        let options = Options {
            zip: Some(ZipOptions {
                password: Some(Zeroizing::new("zip-pw-123".into())),
                file_name: Some("a.csv".into()),
            }),
            keepass_password: Some(Zeroizing::new("kdbx-pw-456".into())),
            ..Options::new(Format::Keepass)
        };
        let shown = format!("{options:?}");
        assert!(
            shown.contains("a.csv") && shown.contains("<redacted>"),
            "{shown}"
        );
        assert!(!shown.contains("zip-pw-123") && !shown.contains("kdbx-pw-456"));
    }
}
