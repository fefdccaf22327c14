use ldap3::LdapError;

/// What went wrong talking to a directory. Messages never contain passwords.
#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    /// Could not connect, or the connection went away.
    #[error("directory unreachable: {0}")]
    Unreachable(String),
    /// The TLS handshake (ldaps:// or StartTLS) failed: an untrusted certificate, say.
    #[error("TLS with the directory failed: {0}")]
    TlsFailed(String),
    /// The directory did not answer within the configured timeout.
    #[error("the directory did not answer in time: {0}")]
    TimedOut(String),
    /// The directory's size limit stopped a search.
    #[error("{0}")]
    SizeLimit(String),
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

/// A host the rule refuses (or that does not resolve) is the configuration's fault; a
/// resolver or connection failure is the network's.
impl From<strongroom_egress::EgressError> for DirectoryError {
    fn from(e: strongroom_egress::EgressError) -> Self {
        if e.is_refusal() {
            Self::InvalidConfig(format!("the URL's host {e}"))
        } else {
            Self::Unreachable(e.to_string())
        }
    }
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
            LdapError::Rustls { source } => Self::TlsFailed(source.to_string()),
            LdapError::Timeout { elapsed } => Self::TimedOut(format!("after {elapsed:?}")),
            // tokio-rustls reports handshake failures (e.g. an untrusted certificate) as I/O.
            LdapError::Io { source } => {
                match source
                    .get_ref()
                    .and_then(|e| e.downcast_ref::<rustls::Error>())
                {
                    Some(tls) => Self::TlsFailed(tls.to_string()),
                    None => Self::Unreachable(format!("I/O error: {source}")),
                }
            }
            // I/O, timeouts, a connection that went away mid-operation.
            other => Self::Unreachable(other.to_string()),
        }
    }
}

/// What a caller is told when no directory answered over TLS at the configured URL.
pub const UNREACHABLE: &str = "no directory answered at this URL: check the URL and port, \
    the directory's certificate, its CA and the host name (the cause is in the service's log)";

impl DirectoryError {
    /// What a caller may be told: the kind of failure, never the raw cause (an address's
    /// exact I/O error would make a directory test a port scanner). Configuration and scope
    /// errors are about the caller's own input, and say so in full.
    ///
    /// A refused connection, a TLS failure and no answer in time read alike: told apart,
    /// they would say whether something listens at an address and port (a closed port
    /// refuses, another service fails TLS or stays silent).
    pub fn category(&self) -> String {
        match self {
            Self::Unreachable(_) | Self::TlsFailed(_) | Self::TimedOut(_) => UNREACHABLE.into(),
            Self::SizeLimit(_) => "the directory's size limit stopped the search; raise the \
                 limit for the service account or import a smaller scope"
                .into(),
            Self::Search(_) => "the directory refused the search".into(),
            Self::BindRejected | Self::InvalidConfig(_) | Self::NotFound(_) => self.to_string(),
        }
    }

    /// An LDAP result code other than success, from an operation that is not a bind.
    pub(crate) fn from_result_code(rc: u32, text: &str) -> Self {
        match rc {
            // busy, unavailable: the directory is there but not serving.
            51 | 52 => Self::Unreachable(format!("the directory is not serving (result {rc})")),
            _ => Self::Search(format!("LDAP result {rc}: {text}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_caller_learns_the_kind_of_failure_never_its_raw_cause() {
        let raw = "I/O error: Connection refused (os error 111) at 10.0.0.7:389";
        for e in [
            DirectoryError::Unreachable(raw.into()),
            DirectoryError::TlsFailed(raw.into()),
            DirectoryError::TimedOut(raw.into()),
            DirectoryError::SizeLimit(raw.into()),
            DirectoryError::Search(raw.into()),
        ] {
            let told = e.category();
            assert!(
                !told.contains("111") && !told.contains("10.0.0.7"),
                "{told}"
            );
            if matches!(
                e,
                DirectoryError::Unreachable(_)
                    | DirectoryError::TlsFailed(_)
                    | DirectoryError::TimedOut(_)
            ) {
                assert_eq!(told, UNREACHABLE, "a closed port reads as an open one");
            }
            assert!(
                e.to_string().contains("111"),
                "the log keeps the cause: {e}"
            );
        }
        let config = DirectoryError::InvalidConfig("the base DN is empty".into());
        assert_eq!(config.category(), config.to_string());
    }
}
