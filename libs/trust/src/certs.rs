//! The deployment's CA and the services' certificates: made by `keygen`, loaded by each
//! service at start-up.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity};
use zeroize::Zeroizing;

use crate::files::{invalid, read_bytes, read_private, read_text, write_file, write_private};
use crate::{DirectChannel, Service, TrustError};

/// How long `keygen` makes the CA valid.
const CA_VALIDITY_DAYS: i64 = 10 * 365;
/// How long `keygen` makes a service certificate valid; it renews one with less than
/// [`RENEW_BEFORE_DAYS`] left when run again.
const SERVICE_VALIDITY_DAYS: i64 = 397;
const RENEW_BEFORE_DAYS: i64 = 30;

/// Where one service's TLS material is: the CA's certificate, the service's certificate and
/// its private key (PEM).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TlsFiles {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl TlsFiles {
    /// The files `keygen` writes for `service` into `dir`.
    pub fn in_dir(dir: &Path, service: Service) -> Self {
        Self {
            ca: dir.join("ca.pem"),
            cert: dir.join(format!("{service}.pem")),
            key: dir.join(format!("{service}-key.pem")),
        }
    }
}

/// Makes what is missing in `dir`: the CA (`ca.pem`, `ca-key.pem`) and, for every service,
/// `<service>.pem` and `<service>-key.pem` (keys 0600). A service certificate that expires
/// within 30 days is made anew. Returns the files written.
pub fn keygen(dir: &Path) -> Result<Vec<PathBuf>, TrustError> {
    std::fs::create_dir_all(dir).map_err(|source| TrustError::Read {
        path: dir.to_owned(),
        source,
    })?;
    let generate = |e: rcgen::Error| TrustError::Generate(e.to_string());
    let mut written = Vec::new();
    let (ca_path, ca_key_path) = (dir.join("ca.pem"), dir.join("ca-key.pem"));
    let now = time::OffsetDateTime::now_utc();
    let issuer = if ca_path.exists() {
        None
    } else {
        let key = KeyPair::generate().map_err(generate)?;
        let mut params = CertificateParams::default();
        let mut name = DistinguishedName::new();
        name.push(DnType::CommonName, "Strongroom internal CA");
        params.distinguished_name = name;
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        params.not_before = now - time::Duration::days(1);
        params.not_after = now + time::Duration::days(CA_VALIDITY_DAYS);
        let cert = params.self_signed(&key).map_err(generate)?;
        write_private(&ca_key_path, key.serialize_pem().as_bytes())?;
        write_file(&ca_path, cert.pem().as_bytes(), false)?;
        written.extend([ca_path.clone(), ca_key_path.clone()]);
        Some(Issuer::new(params, key))
    };
    let mut issuer = issuer;
    for service in Service::ALL {
        let files = TlsFiles::in_dir(dir, service);
        if files.cert.exists() && !expires_within(&files.cert, RENEW_BEFORE_DAYS)? {
            continue;
        }
        if issuer.is_none() {
            issuer = Some(stored_issuer(dir)?);
        }
        let Some(issuer) = issuer.as_ref() else {
            continue;
        };
        let validity = (
            now - time::Duration::days(1),
            now + time::Duration::days(SERVICE_VALIDITY_DAYS),
        );
        issue(issuer, service, validity, &files)?;
        written.extend([files.cert, files.key]);
    }
    Ok(written)
}

/// The CA that `keygen` made in `dir`, to sign with.
fn stored_issuer(dir: &Path) -> Result<Issuer<'static, KeyPair>, TrustError> {
    let (ca_path, ca_key_path) = (dir.join("ca.pem"), dir.join("ca-key.pem"));
    let ca_pem = read_text(&ca_path)?;
    let key_pem = Zeroizing::new(read_text(&ca_key_path)?);
    let key = KeyPair::from_pem(&key_pem).map_err(|e| invalid(&ca_key_path, e))?;
    Issuer::from_ca_cert_pem(&ca_pem, key).map_err(|e| invalid(&ca_path, e))
}

/// Writes a new key and a certificate naming `service`, valid from `.0` to `.1`.
fn issue(
    issuer: &Issuer<'static, KeyPair>,
    service: Service,
    (not_before, not_after): (time::OffsetDateTime, time::OffsetDateTime),
    files: &TlsFiles,
) -> Result<(), TrustError> {
    let generate = |e: rcgen::Error| TrustError::Generate(e.to_string());
    let key = KeyPair::generate().map_err(generate)?;
    let mut params = CertificateParams::new(vec![service.as_str().to_owned()]).map_err(generate)?;
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, service.as_str());
    params.distinguished_name = name;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsagePurpose::ClientAuth,
    ];
    params.not_before = not_before;
    params.not_after = not_after;
    let cert = params.signed_by(&key, issuer).map_err(generate)?;
    let _ = std::fs::remove_file(&files.key);
    write_private(&files.key, key.serialize_pem().as_bytes())?;
    write_file(&files.cert, cert.pem().as_bytes(), true)
}

/// Whether the first certificate in `path` expires within `days` (or has expired).
fn expires_within(path: &Path, days: i64) -> Result<bool, TrustError> {
    let pem = read_bytes(path)?;
    let der = CertificateDer::pem_slice_iter(&pem)
        .next()
        .ok_or_else(|| invalid(path, "no certificate in the file"))?
        .map_err(|e| invalid(path, e))?;
    let left = Validity::of(&der).map_err(|why| invalid(path, why))?.left();
    Ok(left < Duration::from_secs(u64::try_from(days).unwrap_or(0) * 86_400))
}

/// What a certificate says of itself: the service it names and how long it is valid.
struct Validity {
    service_names: Vec<String>,
    not_before: i64,
    not_after: i64,
}

impl Validity {
    fn of(der: &CertificateDer<'_>) -> Result<Self, String> {
        let (_, cert) = x509_parser::parse_x509_certificate(der)
            .map_err(|e| format!("not a certificate: {e}"))?;
        let mut service_names = Vec::new();
        if let Ok(Some(san)) = cert.subject_alternative_name() {
            for name in &san.value.general_names {
                if let x509_parser::extensions::GeneralName::DNSName(dns) = name {
                    service_names.push((*dns).to_owned());
                }
            }
        }
        Ok(Self {
            service_names,
            not_before: cert.validity().not_before.timestamp(),
            not_after: cert.validity().not_after.timestamp(),
        })
    }

    fn left(&self) -> Duration {
        let now = unix_now();
        Duration::from_secs(u64::try_from(self.not_after - now).unwrap_or(0))
    }

    /// The one service the certificate names, if it names exactly one.
    fn service(&self) -> Option<Service> {
        let mut named = self.service_names.iter().filter_map(|n| Service::parse(n));
        let first = named.next()?;
        named.all(|other| other == first).then_some(first)
    }
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// The service a peer's (already verified) certificate names.
pub(crate) fn service_named_by(der: &CertificateDer<'_>) -> Option<Service> {
    Validity::of(der).ok()?.service()
}

/// One service's certificate, key and the CA it trusts: it serves with them and calls
/// other services with them.
#[derive(Clone)]
pub struct ServiceTls {
    service: Service,
    ca_pem: Arc<[u8]>,
    cert_pem: Arc<[u8]>,
    key_pem: Arc<Zeroizing<Vec<u8>>>,
    pub(crate) server: Arc<rustls::ServerConfig>,
    /// For [`Self::direct_channel`]: the same CA, chain and key as `server`.
    client: Arc<rustls::ClientConfig>,
}

impl std::fmt::Debug for ServiceTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceTls")
            .field("service", &self.service)
            .finish_non_exhaustive()
    }
}

impl ServiceTls {
    /// Loads `service`'s material, refusing a certificate that does not name the service,
    /// has expired or is not yet valid, and a key file that others may read.
    pub fn load(service: Service, files: &TlsFiles) -> Result<Self, TrustError> {
        let ca_pem = read_bytes(&files.ca)?;
        let cert_pem = read_bytes(&files.cert)?;
        let key_pem = read_private(&files.key)?;
        let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&cert_pem)
            .collect::<Result<_, _>>()
            .map_err(|e| invalid(&files.cert, e))?;
        let leaf = chain
            .first()
            .ok_or_else(|| invalid(&files.cert, "no certificate in the file"))?;
        let validity = Validity::of(leaf).map_err(|why| invalid(&files.cert, why))?;
        if validity.service() != Some(service) {
            return Err(invalid(
                &files.cert,
                format!(
                    "the certificate names {:?}, not the {service} service",
                    validity.service_names
                ),
            ));
        }
        let now = unix_now();
        if validity.not_after <= now {
            return Err(invalid(
                &files.cert,
                "the certificate has expired; run `strongroom keygen` or renew it",
            ));
        }
        if validity.not_before > now {
            return Err(invalid(&files.cert, "the certificate is not valid yet"));
        }
        if validity.left() < Duration::from_secs(86_400 * 30) {
            tracing::warn!(
                path = %files.cert.display(),
                days_left = validity.left().as_secs() / 86_400,
                "the service certificate expires soon"
            );
        }
        let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| invalid(&files.key, e))?;
        let mut roots = rustls::RootCertStore::empty();
        for ca in CertificateDer::pem_slice_iter(&ca_pem) {
            let ca = ca.map_err(|e| invalid(&files.ca, e))?;
            roots.add(ca).map_err(|e| invalid(&files.ca, e))?;
        }
        if roots.is_empty() {
            return Err(invalid(&files.ca, "no certificate in the file"));
        }
        let roots = Arc::new(roots);
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = |e: rustls::Error| TrustError::Config(e.to_string());
        let clients = rustls::server::WebPkiClientVerifier::builder_with_provider(
            roots.clone(),
            provider.clone(),
        )
        .build()
        .map_err(|e| TrustError::Config(e.to_string()))?;
        let mut server = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(&[&rustls::version::TLS13])
            .map_err(config)?
            .with_client_cert_verifier(clients)
            .with_single_cert(chain.clone(), key.clone_key())
            .map_err(|e| invalid(&files.key, e))?;
        server.alpn_protocols = vec![b"h2".to_vec()];
        let mut client = rustls::ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13])
            .map_err(config)?
            .with_root_certificates(roots)
            .with_client_auth_cert(chain, key)
            .map_err(|e| invalid(&files.key, e))?;
        client.alpn_protocols = vec![b"h2".to_vec()];
        Ok(Self {
            service,
            ca_pem: ca_pem.into(),
            cert_pem: cert_pem.into(),
            key_pem: Arc::new(key_pem),
            server: Arc::new(server),
            client: Arc::new(client),
        })
    }

    pub fn service(&self) -> Service {
        self.service
    }

    /// A lazily connected channel to `target` at `url` (`https://host:port`), which must
    /// present `target`'s certificate; this service presents its own.
    pub fn channel(&self, url: &str, target: Service) -> Result<Channel, TrustError> {
        if !url.starts_with("https://") {
            return Err(TrustError::Config(format!(
                "{url}: services talk over mutual TLS only; give an https:// URL"
            )));
        }
        let tls = ClientTlsConfig::new()
            .ca_certificate(Certificate::from_pem(&*self.ca_pem))
            .identity(Identity::from_pem(&*self.cert_pem, &**self.key_pem))
            .domain_name(target.as_str());
        Ok(Endpoint::from_shared(url.to_owned())
            .map_err(|e| TrustError::Config(format!("{url}: {e}")))?
            .tls_config(tls)
            .map_err(|e| TrustError::Config(format!("{url}: {e}")))?
            .connect_timeout(Duration::from_secs(2))
            .tcp_nodelay(true)
            .connect_lazy())
    }

    /// Like [`Self::channel`], but each call goes straight to the HTTP/2 connection (see
    /// [`DirectChannel`]): for the hottest path only, as it has none of `Channel`'s
    /// buffering.
    pub fn direct_channel(&self, url: &str, target: Service) -> Result<DirectChannel, TrustError> {
        DirectChannel::new(url, target, self.client.clone())
    }
}

#[cfg(test)]
mod tests;
