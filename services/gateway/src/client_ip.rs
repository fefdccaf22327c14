//! The client's address: the TCP peer, or behind trusted proxies the first address in
//! `X-Forwarded-For` (read from the right) that is not one of them. Only this address
//! reaches the services (identity's per-address throttle and API-key address rules).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request};
use ipnet::IpNet;

/// The resolved client address, in every request's extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

/// The proxies whose `X-Forwarded-For` is believed (`STRONGROOM_TRUSTED_PROXIES`).
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Arc<[IpNet]>);

impl TrustedProxies {
    /// Parses comma-separated CIDRs or single addresses; empty means none.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut nets = Vec::new();
        for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let net = entry
                .parse::<IpNet>()
                .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| {
                    format!("STRONGROOM_TRUSTED_PROXIES: {entry:?} is not a CIDR or an address")
                })?;
            nets.push(net);
        }
        Ok(Self(nets.into()))
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client behind `peer`, given the request's `X-Forwarded-For` values in order.
    pub fn client(&self, peer: IpAddr, forwarded_for: &[&str]) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let mut client = peer;
        let hops = forwarded_for.iter().flat_map(|v| v.split(',')).rev();
        for hop in hops {
            match hop.trim().parse::<IpAddr>() {
                Ok(ip) => {
                    client = ip;
                    if !self.trusts(ip) {
                        break;
                    }
                }
                // A hop we cannot read ends what we can believe.
                Err(_) => break,
            }
        }
        client
    }

    /// Puts the request's [`ClientIp`] in its extensions.
    pub fn resolve(&self, mut request: Request) -> Request {
        let Some(peer) = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
        else {
            return request;
        };
        let forwarded: Vec<&str> = request
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        let client = self.client(peer, &forwarded);
        request.extensions_mut().insert(ClientIp(client));
        request
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_counts_only_behind_a_trusted_proxy() {
        let none = TrustedProxies::default();
        assert_eq!(none.client(ip("10.0.0.5"), &["1.2.3.4"]), ip("10.0.0.5"));

        let proxies = TrustedProxies::parse("10.0.0.0/8, 192.168.1.7").unwrap();
        // A direct client cannot claim another address.
        assert_eq!(proxies.client(ip("8.8.8.8"), &["1.2.3.4"]), ip("8.8.8.8"));
        // Behind the proxy, the rightmost address the proxies did not add.
        assert_eq!(
            proxies.client(ip("10.0.0.5"), &["6.6.6.6, 1.2.3.4, 10.0.0.9"]),
            ip("1.2.3.4")
        );
        assert_eq!(
            proxies.client(ip("192.168.1.7"), &["6.6.6.6", "1.2.3.4"]),
            ip("1.2.3.4")
        );
        // No header, or garbage in it: the proxy itself.
        assert_eq!(proxies.client(ip("10.0.0.5"), &[]), ip("10.0.0.5"));
        assert_eq!(
            proxies.client(ip("10.0.0.5"), &["nonsense"]),
            ip("10.0.0.5")
        );
        // Only trusted hops: the leftmost.
        assert_eq!(
            proxies.client(ip("10.0.0.5"), &["10.1.1.1, 10.2.2.2"]),
            ip("10.1.1.1")
        );
    }

    #[test]
    fn a_bad_proxy_list_is_refused_by_name() {
        let err = TrustedProxies::parse("10.0.0.0/8, example.com").unwrap_err();
        assert!(err.contains("example.com"), "{err}");
        assert!(TrustedProxies::parse("").unwrap().0.is_empty());
    }
}
