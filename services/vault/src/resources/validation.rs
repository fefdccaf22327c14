//! The rules of a resource's own fields: lengths, a host name or address, an absolute URL.

use crate::app::{optional, required};
use crate::error::VaultError;
use crate::store::ResourceFields;

/// Checks and trims a resource's fields.
pub fn validated(fields: ResourceFields) -> Result<ResourceFields, VaultError> {
    let host = optional("host", &fields.host, 253)?;
    if !is_host(&host) {
        return Err(VaultError::InvalidInput(
            "host must be a DNS name or an IP address".into(),
        ));
    }
    let url = optional("url", &fields.url, 2000)?;
    if !url.is_empty() && !is_url(&url) {
        return Err(VaultError::InvalidInput(
            "url must be an absolute URL such as https://host/path".into(),
        ));
    }
    Ok(ResourceFields {
        name: required("name", &fields.name, 200)?,
        resource_type: required("type", &fields.resource_type, 100)?,
        host,
        url,
        department: optional("department", &fields.department, 100)?,
        location: optional("location", &fields.location, 100)?,
        description: optional("description", &fields.description, 1000)?,
        notes: optional("notes", &fields.notes, 10_000)?,
        password_policy: fields.password_policy.trim().to_owned(),
    })
}

/// Empty, an IP address, or a DNS name (labels of letters, digits, `-` and `_`).
pub(super) fn is_host(host: &str) -> bool {
    if host.is_empty() || host.parse::<std::net::IpAddr>().is_ok() {
        return true;
    }
    let name = host.strip_suffix('.').unwrap_or(host);
    !name.is_empty()
        && name.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && label
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// `scheme://rest`, with no white space or control characters.
pub(super) fn is_url(url: &str) -> bool {
    let Some((scheme, rest)) = url.split_once("://") else {
        return false;
    };
    !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !rest.is_empty()
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}
