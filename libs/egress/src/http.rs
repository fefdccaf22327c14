//! HTTP(S) to a host an org names (its ticketing system), under the host rule, through the
//! org's proxy when it has one.
//!
//! The client resolves names with [`Egress`], so every address it connects to was checked
//! just before. Through a proxy, the proxy's own address is what this side connects to and
//! checks; the target's name is checked by itself (a loopback or cluster name is refused
//! before anything is sent), and its addresses are the proxy's to resolve.

use std::net::SocketAddr;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use rustls::RootCertStore;
use secrecy::{ExposeSecret, SecretString};

use crate::{Egress, EgressError, literal};

/// An org's outgoing proxy, its password opened for this one call.
pub struct HttpProxy {
    pub host: String,
    pub port: u16,
    pub username: String,
    pub password: Option<SecretString>,
    /// Hosts, domains (`.example.com`, `*.example.com`), networks and `*`, reached directly.
    pub no_proxy: Vec<String>,
    /// The proxy itself may be internal to the deployment.
    pub allow_internal_hosts: bool,
}

impl std::fmt::Debug for HttpProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpProxy")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field("password_set", &self.password.is_some())
            .finish()
    }
}

impl HttpProxy {
    /// Whether `host` is reached without the proxy.
    pub fn bypasses(&self, host: &str) -> bool {
        let host = host.trim_matches(['[', ']']).to_ascii_lowercase();
        let ip = literal(&host);
        self.no_proxy.iter().any(|entry| {
            let entry = entry.to_ascii_lowercase();
            if entry == "*" {
                return true;
            }
            if let Some((network, bits)) = entry.split_once('/') {
                return match (ip, network.parse(), bits.parse::<u8>()) {
                    (Some(ip), Ok(network), Ok(bits)) => in_network(ip, network, bits),
                    _ => false,
                };
            }
            match entry.strip_prefix("*.").or_else(|| entry.strip_prefix('.')) {
                Some(domain) => host.ends_with(&format!(".{domain}")) || host == domain,
                None => host == entry.trim_matches(['[', ']']),
            }
        })
    }
}

fn in_network(ip: std::net::IpAddr, network: std::net::IpAddr, bits: u8) -> bool {
    use std::net::IpAddr::{V4, V6};
    match (ip, network) {
        (V4(ip), V4(net)) if bits <= 32 => {
            let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            u32::from(ip) & mask == u32::from(net) & mask
        }
        (V6(ip), V6(net)) if bits <= 128 => {
            let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            u128::from(ip) & mask == u128::from(net) & mask
        }
        _ => false,
    }
}

/// Resolves for the HTTP client: every address checked against the host rule.
struct Checked {
    egress: Egress,
    allow_internal: bool,
}

impl Resolve for Checked {
    fn resolve(&self, name: Name) -> Resolving {
        let egress = self.egress.clone();
        let allow_internal = self.allow_internal;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addresses = egress.check(&host, allow_internal).await?;
            let addrs: Addrs = Box::new(addresses.into_iter().map(|ip| SocketAddr::new(ip, 0)));
            Ok(addrs)
        })
    }
}

static SYSTEM_ROOTS: LazyLock<Arc<RootCertStore>> = LazyLock::new(|| {
    let found = rustls_native_certs::load_native_certs();
    for e in &found.errors {
        tracing::warn!(error = %e, "could not load a system CA certificate");
    }
    let mut roots = RootCertStore::empty();
    roots.add_parsable_certificates(found.certs);
    Arc::new(roots)
});

impl Egress {
    /// A client for one call to `target_host`: the host rule (`allow_internal`) applies to
    /// the target, and the proxy's own rule to the proxy; `timeout` bounds the whole call.
    /// Redirects are not followed (a redirect could lead anywhere).
    pub fn http_client(
        &self,
        target_host: &str,
        allow_internal: bool,
        proxy: Option<&HttpProxy>,
        timeout: Duration,
    ) -> Result<reqwest::Client, EgressError> {
        Self::check_name(target_host, allow_internal)?;
        let via = proxy.filter(|p| !p.bypasses(target_host));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| EgressError::Connect {
                host: target_host.to_owned(),
                reason: format!("TLS setup: {e}"),
            })?
            .with_root_certificates(SYSTEM_ROOTS.clone())
            .with_no_client_auth();
        let mut builder = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .connect_timeout(timeout)
            .tls_backend_preconfigured(tls)
            .dns_resolver(Arc::new(Checked {
                egress: self.clone(),
                allow_internal: via.map_or(allow_internal, |p| p.allow_internal_hosts),
            }));
        if let Some(p) = via {
            let host = if literal(&p.host).is_some_and(|ip| ip.is_ipv6()) {
                format!("[{}]", p.host.trim_matches(['[', ']']))
            } else {
                p.host.clone()
            };
            let refused = |e: reqwest::Error| EgressError::Connect {
                host: p.host.clone(),
                reason: format!("the proxy's address is not usable: {e}"),
            };
            let mut proxy =
                reqwest::Proxy::all(format!("http://{host}:{}", p.port)).map_err(refused)?;
            if !p.username.is_empty() {
                let password = p.password.as_ref().map(|s| s.expose_secret()).unwrap_or("");
                proxy = proxy.basic_auth(&p.username, password);
            }
            builder = builder.proxy(proxy);
        }
        builder.build().map_err(|e| EgressError::Connect {
            host: target_host.to_owned(),
            reason: e.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxy(no_proxy: &[&str]) -> HttpProxy {
        HttpProxy {
            host: "proxy.acme.test".into(),
            port: 3128,
            username: String::new(),
            password: None,
            no_proxy: no_proxy.iter().map(|s| (*s).to_owned()).collect(),
            allow_internal_hosts: false,
        }
    }

    #[test]
    fn the_proxy_is_bypassed_for_the_hosts_domains_and_networks_listed() {
        let p = proxy(&[
            "tickets.acme.test",
            ".corp.test",
            "*.lab.test",
            "10.0.0.0/8",
            "fd00::/8",
        ]);
        for direct in [
            "tickets.acme.test",
            "TICKETS.acme.test",
            "a.corp.test",
            "corp.test",
            "x.y.lab.test",
            "10.1.2.3",
            "[fd00::5]",
        ] {
            assert!(p.bypasses(direct), "{direct}");
        }
        for proxied in [
            "acme.test",
            "other.acme.test",
            "xcorp.test",
            "11.0.0.1",
            "fe80::1",
        ] {
            assert!(!p.bypasses(proxied), "{proxied}");
        }
        assert!(proxy(&["*"]).bypasses("anything.example.com"));
        assert!(!proxy(&[]).bypasses("anything.example.com"));
    }

    #[test]
    fn debug_output_never_shows_the_proxy_password() {
        let mut p = proxy(&[]);
        p.password = Some(SecretString::from("hunter2-proxy"));
        let shown = format!("{p:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("password_set: true"), "{shown}");
    }
}
