//! The host rule: which names and addresses are internal to the deployment.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A DNS name (letters, digits and hyphens in dot-separated labels, the last not a number:
/// no top-level domain is) or an IP address written in full. `127.1`, `2130706433`, `0` or
/// `0x7f.0.0.1` are IP addresses in the short forms resolvers still accept, and would slip
/// past the rule on internal hosts: they are refused.
pub fn is_host(host: &str) -> bool {
    if literal(host).is_some() {
        return true;
    }
    let last = host
        .trim_end_matches('.')
        .rsplit('.')
        .next()
        .unwrap_or_default();
    let numeric =
        last.chars().all(|c| c.is_ascii_digit()) || last.to_ascii_lowercase().starts_with("0x");
    host.len() <= 253
        && !numeric
        && host.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// The IP address `host` spells in full (`[v6]` too), if it is one.
pub fn literal(host: &str) -> Option<IpAddr> {
    host.trim_matches(['[', ']']).parse().ok()
}

/// Why `host`'s name alone makes it internal to the deployment (a loopback name, a cloud
/// metadata name, a name of the cluster's or of a private zone), or why the address it
/// spells is internal. What a name resolves to is checked by [`internal_address`].
pub fn internal(host: &str) -> Option<&'static str> {
    let host = host.trim().trim_end_matches('.').to_ascii_lowercase();
    if let Some(ip) = literal(&host) {
        return internal_address(ip);
    }
    let named = |suffix: &str| host == suffix || host.ends_with(&format!(".{suffix}"));
    if named("localhost") {
        return Some("loopback");
    }
    if host == "metadata.google.internal" || host == "metadata" {
        return Some("a cloud metadata service");
    }
    // A name without a dot resolves through the cluster's search domains (`vault`,
    // `postgres`); these suffixes name the cluster's own services and private zones.
    let private_zone = [
        "svc",
        "cluster.local",
        "internal",
        "local",
        "lan",
        "home.arpa",
    ]
    .iter()
    .any(|suffix| named(suffix));
    if !host.contains('.') || private_zone {
        return Some("a name inside the deployment's network");
    }
    None
}

/// Why `ip` is internal to the deployment: loopback, unspecified, link-local, private
/// (RFC 1918, RFC 6598 shared space, IPv6 unique local) or a cloud metadata address.
pub fn internal_address(ip: IpAddr) -> Option<&'static str> {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    match ip {
        IpAddr::V4(v4) if v4 == Ipv4Addr::new(169, 254, 169, 254) => {
            Some("a cloud metadata service")
        }
        IpAddr::V4(v4) if v4.is_loopback() || v4.is_unspecified() => Some("loopback"),
        IpAddr::V4(v4) if v4.is_link_local() => Some("link-local"),
        // RFC 1918, and RFC 6598's shared space (carrier-grade NAT, some clusters' pods).
        IpAddr::V4(v4)
            if v4.is_private() || (v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64) =>
        {
            Some("private")
        }
        IpAddr::V6(v6) if v6 == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254) => {
            Some("a cloud metadata service")
        }
        IpAddr::V6(v6) if v6.is_loopback() || v6.is_unspecified() => Some("loopback"),
        IpAddr::V6(v6) if v6.is_unicast_link_local() => Some("link-local"),
        IpAddr::V6(v6) if v6.is_unique_local() => Some("private"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_hosts_are_named_with_their_reason() {
        for (host, why) in [
            ("localhost", "loopback"),
            ("mail.localhost.", "loopback"),
            ("127.0.0.1", "loopback"),
            ("127.8.9.10", "loopback"),
            ("0.0.0.0", "loopback"),
            ("::1", "loopback"),
            ("[::1]", "loopback"),
            ("::", "loopback"),
            ("::ffff:127.0.0.1", "loopback"),
            ("169.254.169.254", "a cloud metadata service"),
            ("metadata.google.internal", "a cloud metadata service"),
            ("fd00:ec2::254", "a cloud metadata service"),
            ("169.254.10.1", "link-local"),
            ("fe80::1", "link-local"),
            ("10.0.0.25", "private"),
            ("172.16.4.1", "private"),
            ("192.168.1.5", "private"),
            ("100.64.0.10", "private"),
            ("::ffff:10.1.2.3", "private"),
            ("fd12:3456::1", "private"),
            ("vault", "a name inside the deployment's network"),
            ("postgres.", "a name inside the deployment's network"),
            (
                "identity.strongroom.svc",
                "a name inside the deployment's network",
            ),
            (
                "redis.sr.svc.cluster.local",
                "a name inside the deployment's network",
            ),
            (
                "smtp.corp.internal",
                "a name inside the deployment's network",
            ),
        ] {
            assert_eq!(internal(host), Some(why), "{host}");
        }
        for host in [
            "smtp.example.com",
            "8.8.8.8",
            "100.128.0.1",
            "172.32.0.1",
            "2001:db8::1",
        ] {
            assert_eq!(internal(host), None, "{host}");
        }
    }

    #[test]
    fn short_forms_of_addresses_are_not_hosts() {
        for ok in [
            "smtp.example.com",
            "localhost",
            "10.0.0.1",
            "::1",
            "[::1]",
            "mail-1.acme.test",
        ] {
            assert!(is_host(ok), "{ok}");
        }
        for bad in [
            "",
            "smtp example.com",
            "-a.com",
            "a..b",
            "smtp.example.com:25",
            "127.1",
            "2130706433",
            "0",
            "0x7f.0.0.1",
            "0177.0.0.1",
            "10.1",
        ] {
            assert!(!is_host(bad), "{bad}");
        }
    }
}
