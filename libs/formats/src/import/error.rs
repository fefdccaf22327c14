//! Why a whole file is refused.

/// Why a whole file is refused. Each message is a sentence for the person importing; none
/// holds a password or the file's content, except a column name.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    #[error("The file is empty.")]
    Empty,
    #[error("The file is {size} bytes, more than the limit of {limit} bytes.")]
    FileTooLarge { size: usize, limit: usize },
    #[error("The file is not a {expected} file: it holds binary data.")]
    NotText { expected: &'static str },
    #[error(
        "The file is a ZIP archive: import it as a password-protected ZIP (with its password)."
    )]
    UnexpectedZip,
    #[error("The file is a KeePass database: import it with the KeePass format.")]
    UnexpectedKeepass,
    #[error("The file has no header line.")]
    NoHeader,
    #[error("The header line is not UTF-8 text: save the file as UTF-8.")]
    HeaderNotUtf8,
    #[error("The header has {count} columns, more than the limit of {limit}.")]
    TooManyColumns { count: usize, limit: usize },
    #[error("The header has no {column} column, which a {format} file needs.")]
    MissingColumn {
        format: &'static str,
        column: &'static str,
    },
    #[error("The column mapping names a column \"{column}\" that the file's header does not have.")]
    MappedColumnNotInHeader { column: String },
    #[error("The columns \"{first}\" and \"{second}\" would both fill the {target}.")]
    DuplicateColumn {
        first: String,
        second: String,
        target: &'static str,
    },
    #[error("The file has more than {limit} rows or entries.")]
    TooManyRows { limit: usize },

    #[error("The file is not a ZIP archive, or the archive is damaged or truncated.")]
    ZipCorrupt,
    #[error("The ZIP archive holds no {wanted} file.")]
    NothingToImportInZip { wanted: &'static str },
    #[error("The ZIP archive has no file named \"{name}\".")]
    ZipFileNotFound { name: String },
    #[error("The file in the ZIP archive is encrypted: give the archive's password.")]
    ZipPasswordRequired,
    #[error("The ZIP archive's password is wrong (or the archive is damaged).")]
    ZipWrongPassword,
    #[error(
        "The file in the ZIP archive is larger than {limit} bytes once decompressed, and is refused."
    )]
    ZipEntryTooLarge { limit: usize },
    #[error(
        "The file in the ZIP archive uses a compression or encryption method that is not supported (use deflate, with AES-256 or ZipCrypto)."
    )]
    ZipUnsupported,

    #[error("The file is not a KeePass database.")]
    NotKeepass,
    #[error(
        "This KeePass database format ({version}) is not supported: save it as KDBX 3.1 or KDBX 4."
    )]
    KeepassUnsupportedVersion { version: &'static str },
    #[error("The KeePass database needs its password.")]
    KeepassPasswordRequired,
    #[error("The KeePass password is wrong, or the database needs a key file (not supported).")]
    KeepassWrongPassword,
    #[error(
        "The KeePass database could not be decrypted: the password is wrong, or the file is damaged."
    )]
    KeepassUndecryptable,
    #[error("The KeePass database is damaged or truncated.")]
    KeepassCorrupt,
    #[error(
        "The KeePass database's key derivation is too costly to open here ({what}); lower it in KeePass and export again."
    )]
    KeepassKdfTooCostly { what: &'static str },
    #[error("The KeePass database's content is larger than {limit} bytes, and is refused.")]
    KeepassTooLarge { limit: usize },
    #[error("The KeePass database nests {what} deeper than {limit} levels, and is refused.")]
    KeepassTooDeep { what: &'static str, limit: usize },
    #[error("The KeePass database's XML has a document type declaration, and is refused.")]
    KeepassDoctype,
}
