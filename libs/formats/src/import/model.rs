//! What an import reads and returns: the formats, the options, the limits, the rows.

use std::fmt;

use zeroize::Zeroizing;

use crate::Entry;

/// The largest file [`parse`] reads: 20 MiB.
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;
/// The largest file inside a ZIP archive, decompressed: 50 MiB.
pub const MAX_ZIP_ENTRY_BYTES: usize = 50 * 1024 * 1024;
/// The most data rows (CSV) or entries (KeePass) a file may hold.
pub const MAX_ROWS: usize = 50_000;
/// The largest field of a row, in bytes (UTF-8): 64 KiB. A row with a larger one is
/// rejected, not the file.
pub const MAX_FIELD_BYTES: usize = 64 * 1024;
/// The most columns a CSV header may have.
pub const MAX_COLUMNS: usize = 1_000;
/// The deepest nesting of KeePass groups below the root group.
pub const MAX_GROUP_DEPTH: usize = 64;
/// The deepest nesting of elements in a KeePass database's XML.
pub const MAX_XML_DEPTH: usize = 128;
/// The largest decrypted XML of a KeePass database: 128 MiB.
pub const MAX_KEEPASS_XML_BYTES: usize = 128 * 1024 * 1024;
/// The most AES-KDF rounds a KeePass database may ask for.
pub const MAX_AES_KDF_ROUNDS: u64 = 100_000_000;
/// The most memory Argon2 may use to open a KeePass database: 1 GiB.
pub const MAX_ARGON2_MEMORY_BYTES: u64 = 1024 * 1024 * 1024;
/// The most Argon2 iterations a KeePass database may ask for.
pub const MAX_ARGON2_ITERATIONS: u64 = 1_000;
/// The most Argon2 lanes (threads) a KeePass database may ask for.
pub const MAX_ARGON2_PARALLELISM: u64 = 16;

/// What kind of file the bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma- or tab-separated values with a header line (the separator is read from it).
    Csv,
    /// Tab-separated values with a header line.
    Tsv,
    /// Bitwarden's CSV export.
    Bitwarden,
    /// Password Manager Pro's resource CSV.
    Pmp,
    /// A KeePass KDBX 3.1 or 4 database.
    Keepass,
}

impl Format {
    pub(super) fn describe(self) -> &'static str {
        match self {
            Format::Csv => "CSV",
            Format::Tsv => "tab-separated",
            Format::Bitwarden => "Bitwarden CSV",
            Format::Pmp => "Password Manager Pro CSV",
            Format::Keepass => "KeePass",
        }
    }
}

/// How to read the file. `Debug` shows no password.
#[derive(Clone)]
pub struct Options {
    pub format: Format,
    /// For `Csv`, `Tsv` and `Pmp`: (file column, entry field) pairs that override the
    /// header names' meaning. Columns not named keep their header-name meaning.
    pub column_mapping: Vec<(String, Column)>,
    /// The bytes are a ZIP archive holding the file.
    pub zip: Option<ZipOptions>,
    /// The KeePass database's password.
    pub keepass_password: Option<Zeroizing<String>>,
}

impl Options {
    /// Options for `format` with no mapping, no ZIP and no password.
    pub fn new(format: Format) -> Self {
        Options {
            format,
            column_mapping: Vec::new(),
            zip: None,
            keepass_password: None,
        }
    }
}

/// The ZIP archive the file comes in. `Debug` shows no password.
#[derive(Clone, Default)]
pub struct ZipOptions {
    /// The archive's password (AES or ZipCrypto); none for an unencrypted archive.
    pub password: Option<Zeroizing<String>>,
    /// The file to read (its path in the archive, or its bare name); none: the first
    /// `.csv`, `.tsv` or `.txt` file (`.kdbx` for KeePass).
    pub file_name: Option<String>,
}

fn redacted(password: &Option<Zeroizing<String>>) -> &'static str {
    if password.is_some() {
        "Some(<redacted>)"
    } else {
        "None"
    }
}

impl fmt::Debug for Options {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Options")
            .field("format", &self.format)
            .field("column_mapping", &self.column_mapping)
            .field("zip", &self.zip)
            .field("keepass_password", &redacted(&self.keepass_password))
            .finish()
    }
}

impl fmt::Debug for ZipOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ZipOptions")
            .field("password", &redacted(&self.password))
            .field("file_name", &self.file_name)
            .finish()
    }
}

/// The file's rows, in file order.
#[derive(Debug, Default)]
pub struct Parsed {
    pub rows: Vec<Row>,
}

impl Parsed {
    /// The rows that became entries, with their row numbers.
    pub fn entries(&self) -> impl Iterator<Item = (usize, &Entry)> {
        self.rows.iter().filter_map(|row| match row {
            Row::Entry { row, entry } => Some((*row, entry.as_ref())),
            Row::Rejected(_) => None,
        })
    }

    /// The rejected rows.
    pub fn rejections(&self) -> impl Iterator<Item = &Rejection> {
        self.rows.iter().filter_map(|row| match row {
            Row::Entry { .. } => None,
            Row::Rejected(rejection) => Some(rejection),
        })
    }
}

/// One data row or entry of the file.
#[derive(Debug)]
pub enum Row {
    Entry { row: usize, entry: Box<Entry> },
    Rejected(Rejection),
}

impl Row {
    /// The row's number: the line it starts on (CSV; the header is line 1), or the entry's
    /// position from 1 (KeePass).
    pub fn row(&self) -> usize {
        match self {
            Row::Entry { row, .. } => *row,
            Row::Rejected(rejection) => rejection.row,
        }
    }
}

/// A row that cannot become an entry, and why (never with the row's content).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub row: usize,
    pub reason: String,
}

/// The entry field a file column fills.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Column {
    ResourceName,
    ResourceType,
    Host,
    Url,
    Department,
    Location,
    Description,
    ResourceNotes,
    Username,
    Password,
    AccountNotes,
    /// The resource group path, `/`-separated (`Databases/Production`).
    GroupPath,
    /// An additional text field of the account, with this name (empty: the column's
    /// header).
    Field(String),
    /// The column is not imported.
    Ignore,
}

impl Column {
    pub(super) fn describe(&self) -> &'static str {
        match self {
            Column::ResourceName => "resource name",
            Column::ResourceType => "resource type",
            Column::Host => "host",
            Column::Url => "URL",
            Column::Department => "department",
            Column::Location => "location",
            Column::Description => "description",
            Column::ResourceNotes => "resource notes",
            Column::Username => "username",
            Column::Password => "password",
            Column::AccountNotes => "account notes",
            Column::GroupPath => "group path",
            Column::Field(_) => "field",
            Column::Ignore => "nothing",
        }
    }
}
