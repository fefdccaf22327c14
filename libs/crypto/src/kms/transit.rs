//! OpenBao / Vault transit engine as the KMS.
//!
//! Each org gets an `aes256-gcm96` transit key named `strongroom-org-<org uuid>`. Wrapping is a
//! transit `encrypt` of the base64 data key with associated data
//! `base64("strongroom/dek/v1|<org uuid>")`; the stored wrapped key is the returned
//! `vault:v<n>:...` string as bytes. Destroying allows deletion in the key's config and then
//! deletes the key.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use secrecy::{ExposeSecret, SecretString};
use strongroom_core::OrgId;
use vaultrs::api::transit::KeyType;
use vaultrs::api::transit::requests::{
    CreateKeyRequest, DecryptDataRequest, EncryptDataRequest, UpdateKeyConfigurationRequest,
};
use vaultrs::client::{VaultClient, VaultClientSettingsBuilder};
use vaultrs::error::ClientError;
use zeroize::Zeroizing;

use super::{Kms, dek_aad};
use crate::envelope::KeyBytes;
use crate::{CryptoError, DataKey};

/// Timeout of each request to the transit engine.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// [`Kms`] backed by the transit secrets engine of OpenBao or HashiCorp Vault. Cheap to clone
/// (shared client).
#[derive(Clone)]
pub struct TransitKms {
    inner: Arc<Inner>,
}

struct Inner {
    client: VaultClient,
    addr: String,
    mount: String,
}

impl TransitKms {
    /// A client for the transit engine mounted at `mount` on the server at `addr`
    /// (`http(s)://host[:port]`), authenticating with `token`. No request is made yet.
    pub fn new(addr: &str, token: SecretString, mount: &str) -> Result<Self, CryptoError> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        validate_addr(addr)?;
        let mount = mount.trim_matches('/');
        let valid_segment = |seg: &str| {
            !seg.is_empty()
                && seg != "."
                && seg != ".."
                && seg
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        };
        if !mount.split('/').all(valid_segment) {
            return Err(CryptoError::Config(format!(
                "invalid transit mount {mount:?}"
            )));
        }
        let mut builder = VaultClientSettingsBuilder::default();
        // `address` panics on a URL it cannot parse; `validate_addr` rejects those first and
        // this guard turns any remaining case into an error instead of a crash.
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            builder.address(addr);
        }))
        .map_err(|_| CryptoError::Config(format!("invalid transit address {addr:?}")))?;
        let settings = builder
            .token(token.expose_secret())
            .timeout(Some(REQUEST_TIMEOUT))
            .build()
            .map_err(|e| CryptoError::Config(format!("transit client settings: {e}")))?;
        let client = VaultClient::new(settings)
            .map_err(|e| CryptoError::Config(format!("transit client: {e}")))?;
        Ok(Self {
            inner: Arc::new(Inner {
                client,
                addr: addr.to_owned(),
                mount: mount.to_owned(),
            }),
        })
    }

    /// The transit key name used for `org`.
    pub fn key_name(org: OrgId) -> String {
        format!("strongroom-org-{}", org.0.hyphenated())
    }
}

impl fmt::Debug for TransitKms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransitKms")
            .field("addr", &self.inner.addr)
            .field("mount", &self.inner.mount)
            .finish_non_exhaustive()
    }
}

impl Kms for TransitKms {
    async fn ensure_key(&self, org: OrgId) -> Result<(), CryptoError> {
        // Creating an existing transit key is a no-op that returns the existing key.
        let mut opts = CreateKeyRequest::builder();
        opts.key_type(KeyType::Aes256Gcm96)
            .exportable(false)
            .allow_plaintext_backup(false);
        vaultrs::transit::key::create(
            &self.inner.client,
            &self.inner.mount,
            &Self::key_name(org),
            Some(&mut opts),
        )
        .await
        .map_err(|e| classify("create key", org, e))
    }

    async fn wrap(&self, org: OrgId, key: &DataKey) -> Result<Vec<u8>, CryptoError> {
        let plaintext = Zeroizing::new(BASE64.encode(key.as_bytes()));
        let mut opts = EncryptDataRequest::builder();
        opts.associated_data(BASE64.encode(dek_aad(org)));
        let resp = vaultrs::transit::data::encrypt(
            &self.inner.client,
            &self.inner.mount,
            &Self::key_name(org),
            &plaintext,
            Some(&mut opts),
        )
        .await
        .map_err(|e| classify("encrypt", org, e))?;
        Ok(resp.ciphertext.into_bytes())
    }

    async fn unwrap(&self, org: OrgId, wrapped: &[u8]) -> Result<DataKey, CryptoError> {
        let ciphertext = std::str::from_utf8(wrapped).map_err(|_| CryptoError::Decrypt)?;
        if !ciphertext.starts_with("vault:v") {
            return Err(CryptoError::Decrypt);
        }
        let mut opts = DecryptDataRequest::builder();
        opts.associated_data(BASE64.encode(dek_aad(org)));
        let resp = vaultrs::transit::data::decrypt(
            &self.inner.client,
            &self.inner.mount,
            &Self::key_name(org),
            ciphertext,
            Some(&mut opts),
        )
        .await
        .map_err(|e| classify("decrypt", org, e))?;
        let encoded = Zeroizing::new(resp.plaintext);
        let decoded = Zeroizing::new(
            BASE64
                .decode(encoded.as_bytes())
                .map_err(|_| CryptoError::Decrypt)?,
        );
        KeyBytes::from_slice(&decoded)
            .map(DataKey::from_key_bytes)
            .ok_or(CryptoError::Decrypt)
    }

    async fn destroy_key(&self, org: OrgId) -> Result<(), CryptoError> {
        let name = Self::key_name(org);
        let mut opts = UpdateKeyConfigurationRequest::builder();
        opts.deletion_allowed(true);
        match vaultrs::transit::key::update(
            &self.inner.client,
            &self.inner.mount,
            &name,
            Some(&mut opts),
        )
        .await
        {
            Ok(()) => {}
            Err(e) => match classify("allow key deletion", org, e) {
                CryptoError::UnknownOrgKey(_) => return Ok(()),
                other => return Err(other),
            },
        }
        match vaultrs::transit::key::delete(&self.inner.client, &self.inner.mount, &name).await {
            Ok(()) => {}
            Err(e) => match classify("delete key", org, e) {
                CryptoError::UnknownOrgKey(_) => {}
                other => return Err(other),
            },
        }
        tracing::info!(%org, "destroyed org transit key");
        Ok(())
    }
}

/// How the transit engine says the named key does not exist (decrypt, config update, delete).
/// A missing mount ("no handler for route") is deliberately not among them: that is a
/// misconfiguration, not a missing org key.
const KEY_MISSING: &[&str] = &[
    "encryption key not found",
    "no existing key named",
    "could not delete key; not found",
];

/// Maps a transit failure onto [`CryptoError`]. Server error strings name the failure
/// (authentication failed, key not found, ...), never request data.
fn classify(op: &str, org: OrgId, err: ClientError) -> CryptoError {
    match err {
        ClientError::APIError { code, errors } => {
            let text = errors.join("; ");
            let lower = text.to_ascii_lowercase();
            if lower.contains("message authentication failed")
                || lower.contains("invalid ciphertext")
            {
                CryptoError::Decrypt
            } else if KEY_MISSING.iter().any(|m| lower.contains(m)) {
                CryptoError::UnknownOrgKey(org)
            } else if code == 429 || code >= 500 {
                CryptoError::KmsUnavailable(format!("transit {op}: status {code}: {text}"))
            } else {
                CryptoError::Kms(format!("transit {op}: status {code}: {text}"))
            }
        }
        // Transport failures (connection refused, timeout, TLS) and non-JSON error bodies,
        // which come from proxies or load balancers in front of the server.
        ClientError::RestClientError { source } => {
            CryptoError::KmsUnavailable(format!("transit {op}: {}", chain(&source)))
        }
        other => CryptoError::Kms(format!("transit {op}: {}", chain(&other))),
    }
}

/// An error and its sources, joined with `: `.
fn chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        source = cause.source();
    }
    out
}

/// Rejects addresses the vaultrs settings builder would panic on, conservatively:
/// `http(s)://` followed by a DNS name, IPv4 or bracketed IPv6 host, an optional port and an
/// optional path.
fn validate_addr(addr: &str) -> Result<(), CryptoError> {
    let invalid = || CryptoError::Config(format!("invalid transit address {addr:?}"));
    let rest = addr
        .strip_prefix("http://")
        .or_else(|| addr.strip_prefix("https://"))
        .ok_or_else(invalid)?;
    if rest.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid());
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (ip, after) = v6.split_once(']').ok_or_else(invalid)?;
        ip.parse::<std::net::Ipv6Addr>().map_err(|_| invalid())?;
        let port = match after {
            "" => None,
            _ => Some(after.strip_prefix(':').ok_or_else(invalid)?),
        };
        (None, port)
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (Some(host), Some(port)),
            None => (Some(authority), None),
        }
    };
    if let Some(port) = port
        && port.parse::<u16>().is_err()
    {
        return Err(invalid());
    }
    if let Some(host) = host {
        let labels: Vec<&str> = host.trim_end_matches('.').split('.').collect();
        let valid_label = |l: &&str| {
            !l.is_empty()
                && l.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                && !l.to_ascii_lowercase().starts_with("xn--")
        };
        if !labels.iter().all(valid_label) {
            return Err(invalid());
        }
        // A host whose last label is numeric is parsed as IPv4 and must be a valid one.
        let numeric = |l: &str| {
            l.chars().all(|c| c.is_ascii_digit()) || l.to_ascii_lowercase().starts_with("0x")
        };
        if labels.last().is_some_and(|l| numeric(l))
            && host
                .trim_end_matches('.')
                .parse::<std::net::Ipv4Addr>()
                .is_err()
        {
            return Err(invalid());
        }
    }
    Ok(())
}
