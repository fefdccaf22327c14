//! One LDAP connection with every network step bounded by the configured timeout.

use std::future::Future;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use ldap3::adapters::{Adapter, EntriesOnly, PagedResults};
use ldap3::{Ldap, LdapConnAsync, LdapConnSettings, Scope, SearchEntry, SearchOptions, StdStream};
use rustls::RootCertStore;
use strongroom_egress::Egress;

use crate::DirectoryConfig;
use crate::error::{DirectoryError, NO_SUCH_OBJECT, SIZE_LIMIT_EXCEEDED};

/// Entries per page: below Active Directory's default MaxPageSize (1000).
const PAGE_SIZE: i32 = 500;

pub(crate) struct Session {
    ldap: Ldap,
    timeout: Duration,
}

/// How a search over one base ended.
pub(crate) enum Found {
    Entries(Vec<SearchEntry>),
    NoSuchBase,
}

impl Session {
    /// Connects through `egress`: the URL's host is resolved and every address checked
    /// against the host rule now, and ldap3 is handed a connection to a checked address
    /// (it never resolves the name itself; TLS still verifies the certificate for it).
    pub(crate) async fn connect(
        config: &DirectoryConfig,
        egress: &Egress,
    ) -> Result<Self, DirectoryError> {
        let url = config.parsed_url()?;
        let (host, port) = config.host_and_port()?;
        let stream = egress
            .connect(&host, port, config.allow_internal_hosts, config.timeout)
            .await
            .map_err(DirectoryError::from)?
            .into_std()
            .map_err(|e| DirectoryError::Unreachable(format!("I/O error: {e}")))?;
        let mut settings = LdapConnSettings::new()
            .set_conn_timeout(config.timeout)
            .set_starttls(config.starttls)
            .set_std_stream(StdStream::Tcp(stream));
        if config.starttls
            || config
                .url
                .trim()
                .to_ascii_lowercase()
                .starts_with("ldaps://")
        {
            settings = settings.set_config(tls_config(config)?);
        }
        // ldap3's own connect timeout covers StartTLS and the TLS handshake.
        let (conn, ldap) = LdapConnAsync::from_url_with_settings(settings, &url).await?;
        tokio::spawn(async move {
            if let Err(e) = conn.drive().await {
                tracing::debug!(error = %e, "directory connection ended");
            }
        });
        Ok(Self {
            ldap,
            timeout: config.timeout,
        })
    }

    /// A simple bind; returns the LDAP result code (0 = bound, 49 = invalid credentials).
    pub(crate) async fn bind(&mut self, dn: &str, password: &str) -> Result<u32, DirectoryError> {
        let result = timed(self.timeout, self.ldap.simple_bind(dn, password)).await?;
        Ok(result.rc)
    }

    /// An unpaged search for a handful of entries; hitting `limit` is not an error.
    pub(crate) async fn search_few(
        &mut self,
        base: &str,
        scope: Scope,
        filter: &str,
        attrs: &[String],
        limit: i32,
    ) -> Result<Found, DirectoryError> {
        let search = self
            .ldap
            .with_search_options(SearchOptions::new().sizelimit(limit))
            .search(base, scope, filter, attrs);
        let ldap3::SearchResult(entries, res) = timed(self.timeout, search).await?;
        match res.rc {
            0 | SIZE_LIMIT_EXCEEDED => Ok(Found::Entries(
                entries
                    .into_iter()
                    .filter(|e| !e.is_ref() && !e.is_intermediate())
                    .map(SearchEntry::construct)
                    .collect(),
            )),
            NO_SUCH_OBJECT => Ok(Found::NoSuchBase),
            rc => Err(DirectoryError::from_result_code(rc, &res.text)),
        }
    }

    /// A paged search for everything that matches. A server-side size limit is an error: a
    /// silently truncated import would look complete.
    pub(crate) async fn search_all(
        &mut self,
        base: &str,
        filter: &str,
        attrs: &[String],
    ) -> Result<Found, DirectoryError> {
        let adapters: Vec<Box<dyn Adapter<_, _>>> = vec![
            Box::new(EntriesOnly::new()),
            Box::new(PagedResults::new(PAGE_SIZE)),
        ];
        let search =
            self.ldap
                .streaming_search_with(adapters, base, Scope::Subtree, filter, attrs.to_vec());
        let mut stream = timed(self.timeout, search).await?;
        let mut entries = Vec::new();
        // Each entry (and so each page request) gets the full timeout.
        while let Some(entry) = timed(self.timeout, stream.next()).await? {
            entries.push(SearchEntry::construct(entry));
        }
        let res = stream.finish().await;
        match res.rc {
            0 => Ok(Found::Entries(entries)),
            NO_SUCH_OBJECT => Ok(Found::NoSuchBase),
            SIZE_LIMIT_EXCEEDED => Err(DirectoryError::SizeLimit(format!(
                "the directory's size limit stopped the search after {} entries; \
                 raise the limit for the service account or import a smaller scope",
                entries.len()
            ))),
            rc => Err(DirectoryError::from_result_code(rc, &res.text)),
        }
    }

    /// Best-effort goodbye; the connection closes when the session drops anyway.
    pub(crate) async fn close(mut self) {
        let _ = tokio::time::timeout(self.timeout, self.ldap.unbind()).await;
    }
}

async fn timed<T>(
    timeout: Duration,
    f: impl Future<Output = ldap3::result::Result<T>>,
) -> Result<T, DirectoryError> {
    match tokio::time::timeout(timeout, f).await {
        Ok(result) => Ok(result?),
        Err(_) => Err(DirectoryError::TimedOut(format!(
            "no answer within {timeout:?}"
        ))),
    }
}

/// System roots plus the configured CA, with ring named explicitly: rustls cannot pick a
/// provider by itself if another crate in the binary also enables aws-lc-rs.
fn tls_config(config: &DirectoryConfig) -> Result<Arc<rustls::ClientConfig>, DirectoryError> {
    let mut roots = SYSTEM_ROOTS.clone();
    if let Some(pem) = &config.ca_certificate_pem {
        for cert in crate::config::ca_certificates(pem)? {
            roots
                .add(cert)
                .map_err(|e| DirectoryError::InvalidConfig(format!("the CA certificate: {e}")))?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| DirectoryError::InvalidConfig(format!("TLS setup: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(tls))
}

static SYSTEM_ROOTS: LazyLock<RootCertStore> = LazyLock::new(|| {
    let found = rustls_native_certs::load_native_certs();
    for e in &found.errors {
        tracing::warn!(error = %e, "could not load a system CA certificate");
    }
    let mut roots = RootCertStore::empty();
    roots.add_parsable_certificates(found.certs);
    roots
});
