use ldap3::LdapError;

/// What went wrong talking to a directory. Messages never contain passwords.
#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    /// Could not connect, TLS failed, or the directory did not answer within the timeout.
    #[error("directory unreachable: {0}")]
    Unreachable(String),
    /// The service account's bind DN or password was refused (LDAP result 49).
    #[error("the directory refused the service account's bind DN or password")]
    BindRejected,
    #[error("invalid directory configuration: {0}")]
    InvalidConfig(String),
    /// The organizational unit or group to import from does not exist.
    #[error("not found in the directory: {0}")]
    NotFound(String),
    /// A search (or other operation) failed, e.g. a size limit or missing access rights.
    #[error("directory search failed: {0}")]
    Search(String),
}

pub(crate) const INVALID_CREDENTIALS: u32 = 49;
pub(crate) const NO_SUCH_OBJECT: u32 = 32;
pub(crate) const SIZE_LIMIT_EXCEEDED: u32 = 4;

impl From<LdapError> for DirectoryError {
    fn from(e: LdapError) -> Self {
        match e {
            LdapError::LdapResult { result } => Self::from_result_code(result.rc, &result.text),
            LdapError::UrlParsing { .. } | LdapError::UnknownScheme(_) => {
                Self::InvalidConfig(e.to_string())
            }
            LdapError::FilterParsing => Self::InvalidConfig("an LDAP filter does not parse".into()),
            LdapError::Rustls { source } => Self::Unreachable(format!("TLS failed: {source}")),
            // tokio-rustls reports handshake failures (e.g. an untrusted certificate) as I/O.
            LdapError::Io { source } => {
                match source
                    .get_ref()
                    .and_then(|e| e.downcast_ref::<rustls::Error>())
                {
                    Some(tls) => Self::Unreachable(format!("TLS failed: {tls}")),
                    None => Self::Unreachable(format!("I/O error: {source}")),
                }
            }
            // I/O, timeouts, a connection that went away mid-operation.
            other => Self::Unreachable(other.to_string()),
        }
    }
}

impl DirectoryError {
    /// An LDAP result code other than success, from an operation that is not a bind.
    pub(crate) fn from_result_code(rc: u32, text: &str) -> Self {
        match rc {
            // busy, unavailable: the directory is there but not serving.
            51 | 52 => Self::Unreachable(format!("the directory is not serving (result {rc})")),
            _ => Self::Search(format!("LDAP result {rc}: {text}")),
        }
    }
}
