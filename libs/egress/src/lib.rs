//! Connections the stack makes to hosts an org names (its mail server, proxy, directory;
//! ticketing system; later the targets of password resets).
//!
//! One rule for all of them: a host internal to the deployment (loopback, link-local,
//! private, unspecified, a cloud metadata service, a name of the cluster's) is refused
//! unless the org's `allow_internal_hosts`, which only an MSPOrg administrator can set, is
//! on. Names are resolved here, not by the client library, and every address a name
//! resolves to is checked on every connection: a name that resolved to a public address
//! when the settings were saved and to `10.0.0.5` now (DNS rebinding) is refused now, and
//! the connection goes to an address that was checked.

mod hosts;
mod http;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use hickory_resolver::TokioResolver;
use hickory_resolver::config::{
    LookupIpStrategy, NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts,
};
use hickory_resolver::name_server::TokioConnectionProvider;
use hickory_resolver::proto::xfer::Protocol;
use tokio::net::TcpStream;

pub use hosts::{internal, internal_address, is_host, literal};
pub use http::HttpProxy;

/// Why a host may not be reached.
#[derive(Debug, thiserror::Error)]
pub enum EgressError {
    /// The host, or an address it resolves to, is internal to the deployment.
    #[error(
        "{host:?} is {why}{}: it would reach the deployment itself; an MSPOrg administrator \
         can allow it with allow_internal_hosts: true",
        .address.map(|a| format!(" (it resolves to {a})")).unwrap_or_default()
    )]
    Internal {
        host: String,
        why: &'static str,
        /// The resolved address that is internal, when the name itself is not.
        address: Option<IpAddr>,
    },
    /// The name has no address.
    #[error("{0:?} does not resolve to any address")]
    NoAddress(String),
    /// The resolver did not answer (the name's existence is unknown).
    #[error("{host:?} could not be resolved: {reason}")]
    Resolver { host: String, reason: String },
    /// Every checked address refused or did not answer.
    #[error("could not connect to {host:?}: {reason}")]
    Connect { host: String, reason: String },
}

impl EgressError {
    /// The caller's input is the cause (as opposed to the network).
    pub fn is_refusal(&self) -> bool {
        matches!(self, Self::Internal { .. } | Self::NoAddress(_))
    }
}

/// Resolves and checks hosts, and connects to checked addresses. Cheap to clone.
#[derive(Clone)]
pub struct Egress {
    resolver: Arc<TokioResolver>,
}

impl std::fmt::Debug for Egress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Egress")
    }
}

/// How long one resolution may take, all servers and retries included.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(5);

impl Egress {
    /// Asks `dns_servers` (`ip:port`, comma-separated), or the system's resolvers
    /// (`/etc/resolv.conf`) when it is empty. The hosts file is read either way.
    pub fn new(dns_servers: &str) -> Result<Self, EgressError> {
        let servers = dns_servers
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<SocketAddr>().map_err(|_| EgressError::Resolver {
                    host: s.to_owned(),
                    reason: "a DNS server must be given as ip:port".into(),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut builder = if servers.is_empty() {
            TokioResolver::builder_tokio().map_err(|e| EgressError::Resolver {
                host: "/etc/resolv.conf".into(),
                reason: e.to_string(),
            })?
        } else {
            let mut config = ResolverConfig::new();
            for server in servers {
                config.add_name_server(NameServerConfig::new(server, Protocol::Udp));
                config.add_name_server(NameServerConfig::new(server, Protocol::Tcp));
            }
            TokioResolver::builder_with_config(config, TokioConnectionProvider::default())
        };
        let options: &mut ResolverOpts = builder.options_mut();
        options.timeout = Duration::from_secs(2);
        options.attempts = 2;
        // Org hosts are looked up rarely; every connection asks again.
        options.cache_size = 0;
        options.positive_max_ttl = Some(Duration::ZERO);
        options.negative_max_ttl = Some(Duration::ZERO);
        // The hosts file applies with configured servers too (`localhost`, operators' names).
        options.use_hosts_file = ResolveHosts::Always;
        // Both families: every address the name has is checked, and may be connected to.
        options.ip_strategy = LookupIpStrategy::Ipv4AndIpv6;
        Ok(Self {
            resolver: Arc::new(builder.build()),
        })
    }

    /// Every address `host` resolves to; an IP address stands for itself.
    pub async fn resolve(&self, host: &str) -> Result<Vec<IpAddr>, EgressError> {
        let host = host.trim();
        if let Some(ip) = literal(host) {
            return Ok(vec![ip]);
        }
        let fqdn = format!("{}.", host.trim_end_matches('.'));
        let lookup = tokio::time::timeout(RESOLVE_TIMEOUT, self.resolver.lookup_ip(fqdn))
            .await
            .map_err(|_| EgressError::Resolver {
                host: host.to_owned(),
                reason: format!("no answer within {RESOLVE_TIMEOUT:?}"),
            })?;
        let addresses: Vec<IpAddr> = match lookup {
            Ok(found) => found.iter().collect(),
            Err(e) if e.is_no_records_found() => Vec::new(),
            Err(e) => {
                return Err(EgressError::Resolver {
                    host: host.to_owned(),
                    reason: e.to_string(),
                });
            }
        };
        if addresses.is_empty() {
            return Err(EgressError::NoAddress(host.to_owned()));
        }
        Ok(addresses)
    }

    /// Refuses a host whose name (or the address it spells) is internal by itself, unless
    /// `allow_internal`; what the name resolves to is not asked. For a host reached through
    /// a proxy, which resolves it.
    pub fn check_name(host: &str, allow_internal: bool) -> Result<(), EgressError> {
        match internal(host).filter(|_| !allow_internal) {
            Some(why) => Err(EgressError::Internal {
                host: host.trim().to_owned(),
                why,
                address: None,
            }),
            None => Ok(()),
        }
    }

    /// The addresses of `host`, each checked against the host rule unless `allow_internal`.
    /// A name that is internal by itself is refused before anything is asked of DNS.
    pub async fn check(
        &self,
        host: &str,
        allow_internal: bool,
    ) -> Result<Vec<IpAddr>, EgressError> {
        let refused = |why, address| EgressError::Internal {
            host: host.trim().to_owned(),
            why,
            address,
        };
        Self::check_name(host, allow_internal)?;
        let addresses = self.resolve(host).await?;
        if !allow_internal
            && let Some((address, why)) = addresses
                .iter()
                .find_map(|a| internal_address(*a).map(|why| (*a, why)))
        {
            return Err(refused(why, Some(address)));
        }
        Ok(addresses)
    }

    /// A TCP connection to `host:port` through an address checked just now; `timeout`
    /// bounds resolving and connecting together.
    pub async fn connect(
        &self,
        host: &str,
        port: u16,
        allow_internal: bool,
        timeout: Duration,
    ) -> Result<TcpStream, EgressError> {
        let attempt = async {
            let addresses = self.check(host, allow_internal).await?;
            let mut last = String::new();
            for address in addresses {
                match TcpStream::connect(SocketAddr::new(address, port)).await {
                    Ok(stream) => return Ok(stream),
                    Err(e) => last = e.to_string(),
                }
            }
            Err(EgressError::Connect {
                host: host.to_owned(),
                reason: last,
            })
        };
        tokio::time::timeout(timeout, attempt)
            .await
            .unwrap_or_else(|_| {
                Err(EgressError::Connect {
                    host: host.to_owned(),
                    reason: format!("no answer within {timeout:?}"),
                })
            })
    }
}
