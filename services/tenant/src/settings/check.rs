//! Field checks shared by the settings kinds. Each error names its field.

use std::net::IpAddr;

use strongroom_egress::is_host;

use super::SettingsError;

fn invalid(message: String) -> SettingsError {
    SettingsError::Invalid(message)
}

/// A required host name or IP address, trimmed.
pub fn host(field: &str, value: &str) -> Result<String, SettingsError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(invalid(format!("{field} must not be empty")));
    }
    if !is_host(value) {
        return Err(invalid(format!(
            "{field} must be a host name or an IP address, not {value:?}"
        )));
    }
    Ok(value.to_owned())
}

pub fn port(field: &str, value: u32) -> Result<u16, SettingsError> {
    u16::try_from(value)
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| invalid(format!("{field} must be between 1 and 65535")))
}

/// Text of at most `max` characters, trimmed.
pub fn text(field: &str, value: &str, max: usize) -> Result<String, SettingsError> {
    let value = value.trim();
    if value.chars().count() > max {
        return Err(invalid(format!("{field} must be at most {max} characters")));
    }
    Ok(value.to_owned())
}

/// Text that must be there when `required`.
pub fn required_text(
    field: &str,
    value: &str,
    max: usize,
    required: bool,
    when: &str,
) -> Result<String, SettingsError> {
    let value = text(field, value, max)?;
    if required && value.is_empty() {
        return Err(invalid(format!("{field} must not be empty {when}")));
    }
    Ok(value)
}

/// An email address such as `pmp@example.com`.
pub fn email(field: &str, value: &str) -> Result<String, SettingsError> {
    let value = value.trim();
    let bad = || {
        invalid(format!(
            "{field} must be an email address such as pmp@example.com, not {value:?}"
        ))
    };
    let (local, domain) = value.rsplit_once('@').ok_or_else(bad)?;
    let local_ok = (1..=64).contains(&local.len())
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c))
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..");
    if !local_ok || value.len() > 254 || domain.parse::<IpAddr>().is_ok() || !is_host(domain) {
        return Err(bad());
    }
    Ok(value.to_owned())
}

const MAX_URL_CHARS: usize = 2048;

/// An absolute `http://` or `https://` URL (only https when `https_only`) with a valid host
/// and port, and no user name or password in it.
pub fn url(field: &str, value: &str, https_only: bool) -> Result<String, SettingsError> {
    let value = value.trim();
    let schemes = if https_only {
        "an https://"
    } else {
        "an http:// or https://"
    };
    let bad = || invalid(format!("{field} must be {schemes} URL, not {value:?}"));
    if value.is_empty() {
        return Err(invalid(format!("{field} must not be empty")));
    }
    if value.chars().count() > MAX_URL_CHARS {
        return Err(invalid(format!(
            "{field} must be at most {MAX_URL_CHARS} characters"
        )));
    }
    let lower = value.to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        value.get(8..)
    } else if !https_only && lower.starts_with("http://") {
        value.get(7..)
    } else {
        None
    }
    .ok_or_else(bad)?;
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = rest.get(..end).ok_or_else(bad)?;
    if authority.contains('@') || !authority_ok(authority) {
        return Err(bad());
    }
    Ok(value.to_owned())
}

/// `host`, `host:port`, `[v6]` or `[v6]:port`.
fn authority_ok(authority: &str) -> bool {
    let port_ok = |p: &str| p.parse::<u16>().is_ok_and(|p| p > 0);
    if let Some(bracketed) = authority.strip_prefix('[') {
        let Some((v6, after)) = bracketed.split_once(']') else {
            return false;
        };
        return v6.parse::<std::net::Ipv6Addr>().is_ok()
            && (after.is_empty() || after.strip_prefix(':').is_some_and(port_ok));
    }
    match authority.split_once(':') {
        Some((host, port)) => !host.is_empty() && is_host(host) && port_ok(port),
        None => !authority.is_empty() && is_host(authority),
    }
}

/// A proxy exception: `*`, a host or IP address, a domain (`.example.com`,
/// `*.example.com`) or a network (`10.0.0.0/8`).
pub fn no_proxy_entry(value: &str) -> Result<String, SettingsError> {
    let value = value.trim();
    let network = |text: &str| {
        text.split_once('/').is_some_and(|(ip, bits)| {
            let max = match ip.parse::<IpAddr>() {
                Ok(IpAddr::V4(_)) => 32,
                Ok(IpAddr::V6(_)) => 128,
                Err(_) => return false,
            };
            bits.parse::<u8>().is_ok_and(|b| b <= max)
        })
    };
    let domain = value
        .strip_prefix("*.")
        .or_else(|| value.strip_prefix('.'))
        .unwrap_or(value);
    if value == "*" || network(value) || (!domain.is_empty() && is_host(domain)) {
        Ok(value.to_owned())
    } else {
        Err(invalid(format!(
            "no_proxy entry {value:?} must be a host, an IP address, a domain such as \
             .example.com or *.example.com, or a network such as 10.0.0.0/8"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_emails_and_urls() {
        for ok in [
            "smtp.example.com",
            "localhost",
            "10.0.0.1",
            "::1",
            "mail-1.acme.test",
        ] {
            assert!(host("host", ok).is_ok(), "{ok}");
        }
        // What is a host at all is `strongroom_egress::is_host`'s, tested there.
        for bad in ["", " ", "smtp example.com", "127.1"] {
            assert!(host("host", bad).is_err(), "{bad}");
        }
        for ok in ["pmp@example.com", "a.b+c@mail.acme.test"] {
            assert!(email("sender", ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "pmp",
            "@example.com",
            "pmp@",
            "a b@c.com",
            ".a@b.com",
            "a@1.2.3.4",
        ] {
            assert!(email("sender", bad).is_err(), "{bad}");
        }
        for ok in [
            "https://pmp.acme.test",
            "http://10.0.0.5:7272/",
            "HTTPS://pmp.acme.test/acme?x=1",
            "https://[::1]:8443/x",
        ] {
            assert!(url("access_url", ok, false).is_ok(), "{ok}");
        }
        for bad in [
            "ftp://x.com",
            "pmp.acme.test",
            "https://",
            "https://user:pw@x.com",
            "https://x.com:0",
            "https://x .com",
            "javascript:alert(1)",
        ] {
            assert!(url("access_url", bad, false).is_err(), "{bad}");
        }
        assert!(url("logo", "http://x.com/logo.png", true).is_err());
        let message = port("port", 70_000).unwrap_err().to_string();
        assert!(message.starts_with("port "), "{message}");
    }

    #[test]
    fn no_proxy_entries() {
        for ok in [
            "*",
            "localhost",
            ".acme.test",
            "*.acme.test",
            "10.0.0.0/8",
            "::1",
            "fd00::/8",
        ] {
            assert!(no_proxy_entry(ok).is_ok(), "{ok}");
        }
        for bad in ["", "*.", "a b", "10.0.0.0/33", "http://x"] {
            assert!(no_proxy_entry(bad).is_err(), "{bad}");
        }
    }
}
