//! What to connect to and how to read users: all attribute names come from here, so the same
//! code serves OpenLDAP, Active Directory and anything in between.

use std::time::Duration;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::DirectoryError;

/// Which directory attribute holds each user field. Optional fields may be left unmapped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributeMap {
    /// The login name, also used to find the user at login (`uid`, `sAMAccountName`, ...).
    pub username: String,
    pub full_name: Option<String>,
    pub email: Option<String>,
    pub department: Option<String>,
    pub location: Option<String>,
    /// Attribute listing the DNs of the user's groups (`memberOf`). `None`: groups are found
    /// by searching for groups whose member attribute names the user (no overlay needed).
    pub member_of: Option<String>,
}

impl AttributeMap {
    /// inetOrgPerson users, with the memberOf overlay.
    pub fn openldap() -> Self {
        Self::new("uid", "cn", "mail", "departmentNumber", "l", "memberOf")
    }

    /// Active Directory users; use `userPrincipalName` as username for `user@domain` logins.
    pub fn active_directory() -> Self {
        Self::new(
            "sAMAccountName",
            "displayName",
            "mail",
            "department",
            "l",
            "memberOf",
        )
    }

    fn new(username: &str, full: &str, mail: &str, dept: &str, loc: &str, member: &str) -> Self {
        Self {
            username: username.to_owned(),
            full_name: Some(full.to_owned()),
            email: Some(mail.to_owned()),
            department: Some(dept.to_owned()),
            location: Some(loc.to_owned()),
            member_of: Some(member.to_owned()),
        }
    }

    /// The attributes to ask the directory for: exactly the mapped ones, never passwords.
    pub(crate) fn requested(&self) -> Vec<String> {
        let optional = [
            &self.full_name,
            &self.email,
            &self.department,
            &self.location,
            &self.member_of,
        ];
        std::iter::once(&self.username)
            .chain(optional.into_iter().flatten())
            .cloned()
            .collect()
    }
}

impl Default for AttributeMap {
    fn default() -> Self {
        Self::openldap()
    }
}

/// How to reach and read one directory. `Debug` shows the bind password as `[REDACTED]`.
#[derive(Debug, Clone)]
pub struct DirectoryConfig {
    /// `ldap://host[:port]` or `ldaps://host[:port]`.
    pub url: String,
    /// Upgrade an `ldap://` connection with StartTLS before binding.
    pub starttls: bool,
    /// The service account used for searches (a DN, or `user@domain` on AD).
    pub bind_dn: String,
    pub bind_password: SecretString,
    /// Users and groups are only read below this DN.
    pub base_dn: String,
    pub user_filter: String,
    pub attributes: AttributeMap,
    pub group_filter: String,
    pub group_name_attribute: String,
    pub group_member_attribute: String,
    /// Bounds every network step: connect, TLS, bind and each search page.
    pub timeout: Duration,
    /// Extra trust anchor (PEM) for ldaps/StartTLS, on top of the system roots.
    pub ca_certificate_pem: Option<String>,
    /// The URL's host may be internal to the deployment (loopback, private, a cluster
    /// name): only an MSPOrg administrator turns this on.
    pub allow_internal_hosts: bool,
}

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

impl DirectoryConfig {
    /// OpenLDAP defaults: inetOrgPerson users, groupOfNames groups, memberOf overlay.
    pub fn openldap(url: &str, bind_dn: &str, bind_password: SecretString, base_dn: &str) -> Self {
        Self {
            url: url.to_owned(),
            starttls: false,
            bind_dn: bind_dn.to_owned(),
            bind_password,
            base_dn: base_dn.to_owned(),
            user_filter: "(objectClass=inetOrgPerson)".to_owned(),
            attributes: AttributeMap::openldap(),
            group_filter: "(objectClass=groupOfNames)".to_owned(),
            group_name_attribute: "cn".to_owned(),
            group_member_attribute: "member".to_owned(),
            timeout: DEFAULT_TIMEOUT,
            ca_certificate_pem: None,
            allow_internal_hosts: false,
        }
    }

    /// Active Directory defaults: enabled person accounts only (disabled ones can't log in).
    pub fn active_directory(
        url: &str,
        bind_dn: &str,
        bind_password: SecretString,
        base_dn: &str,
    ) -> Self {
        Self {
            user_filter: "(&(objectCategory=person)(objectClass=user)\
                          (!(userAccountControl:1.2.840.113556.1.4.803:=2)))"
                .to_owned(),
            attributes: AttributeMap::active_directory(),
            group_filter: "(objectClass=group)".to_owned(),
            ..Self::openldap(url, bind_dn, bind_password, base_dn)
        }
    }

    /// The URL's host (as written, IPv6 in brackets) and port (389, or 636 for ldaps://).
    pub fn host_and_port(&self) -> Result<(String, u16), DirectoryError> {
        let url = self.parsed_url()?;
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| DirectoryError::InvalidConfig("the URL has no host".into()))?;
        let default = if url.scheme() == "ldaps" { 636 } else { 389 };
        Ok((host.to_owned(), url.port().unwrap_or(default)))
    }

    pub(crate) fn parsed_url(&self) -> Result<url::Url, DirectoryError> {
        url::Url::parse(self.url.trim())
            .map_err(|e| DirectoryError::InvalidConfig(format!("the URL: {e}")))
    }

    /// Checks everything that can be checked without the network.
    pub fn validate(&self) -> Result<(), DirectoryError> {
        let invalid = |m: String| Err(DirectoryError::InvalidConfig(m));
        let url = self.url.trim().to_ascii_lowercase();
        let host = match url.split_once("://") {
            Some(("ldap", rest)) | Some(("ldaps", rest)) => rest,
            _ => return invalid("the URL must start with ldap:// or ldaps://".into()),
        };
        if host.is_empty() || host.starts_with('/') {
            return invalid("the URL has no host".into());
        }
        self.host_and_port()?;
        if self.starttls && url.starts_with("ldaps://") {
            return invalid("StartTLS is only for ldap:// URLs; ldaps:// is TLS already".into());
        }
        if self.base_dn.trim().is_empty() {
            return invalid("the base DN is empty".into());
        }
        // An empty password would make an "unauthenticated bind", which some servers accept
        // without checking anything.
        if self.bind_dn.trim().is_empty() || self.bind_password.expose_secret().is_empty() {
            return invalid("the service account needs a bind DN and a password".into());
        }
        check_filter("user filter", &self.user_filter)?;
        check_filter("group filter", &self.group_filter)?;
        let a = &self.attributes;
        let names = [
            ("username", Some(&a.username)),
            ("full name", a.full_name.as_ref()),
            ("email", a.email.as_ref()),
            ("department", a.department.as_ref()),
            ("location", a.location.as_ref()),
            ("member-of", a.member_of.as_ref()),
            ("group name", Some(&self.group_name_attribute)),
            ("group member", Some(&self.group_member_attribute)),
        ];
        for (what, name) in names {
            if let Some(name) = name {
                check_attribute(what, name)?;
            }
        }
        if self.timeout.is_zero() {
            return invalid("the timeout must be above zero".into());
        }
        if let Some(pem) = &self.ca_certificate_pem {
            ca_certificates(pem)?;
        }
        Ok(())
    }
}

/// Filters are pasted into larger filters, so each must be one parenthesised, parseable filter.
fn check_filter(what: &str, filter: &str) -> Result<(), DirectoryError> {
    let f = filter.trim();
    if !(f.starts_with('(') && f.ends_with(')')) || ldap3::parse_filter(f).is_err() {
        return Err(DirectoryError::InvalidConfig(format!(
            "the {what} must be one LDAP filter in parentheses, like (objectClass=person)"
        )));
    }
    Ok(())
}

/// Attribute names end up inside filters: allow only what RFC 4512 allows (name or OID,
/// with options), so a configured name can never inject filter syntax.
fn check_attribute(what: &str, name: &str) -> Result<(), DirectoryError> {
    let ok = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | ';'));
    if !ok {
        return Err(DirectoryError::InvalidConfig(format!(
            "the {what} attribute {name:?} is not a valid attribute name"
        )));
    }
    Ok(())
}

/// Parses the configured CA bundle; at least one certificate is required.
pub(crate) fn ca_certificates(pem: &str) -> Result<Vec<CertificateDer<'static>>, DirectoryError> {
    let certs = CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| DirectoryError::InvalidConfig(format!("the CA certificate: {e}")))?;
    if certs.is_empty() {
        return Err(DirectoryError::InvalidConfig(
            "the CA certificate holds no PEM certificate".into(),
        ));
    }
    Ok(certs)
}
