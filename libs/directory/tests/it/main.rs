//! Integration tests against a real OpenLDAP per test (see strongroom_testkit::Slapd).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod config;
mod failures;
mod import;
mod login;
mod tls;

use std::time::Duration;

use secrecy::SecretString;
use strongroom_directory::{Directory, DirectoryConfig, DirectoryUser};
use strongroom_egress::Egress;
use strongroom_testkit::{SAMPLE_DIRECTORY_LDIF, SAMPLE_READER_DN, SAMPLE_READER_PASSWORD, Slapd};

/// A slapd seeded with the sample company.
fn sample() -> Slapd {
    Slapd::start(SAMPLE_DIRECTORY_LDIF).unwrap()
}

/// OpenLDAP defaults, binding as the sample's (non-admin) service account.
fn config(url: &str) -> DirectoryConfig {
    let mut config = DirectoryConfig::openldap(
        url,
        SAMPLE_READER_DN,
        secret(SAMPLE_READER_PASSWORD),
        "dc=example,dc=com",
    );
    config.timeout = Duration::from_secs(5);
    // The test's slapd listens on loopback.
    config.allow_internal_hosts = true;
    config
}

/// The system's resolver: these tests name directories by IP address only, so nothing is
/// asked of DNS.
fn egress() -> Egress {
    Egress::new("").unwrap()
}

fn directory(slapd: &Slapd) -> Directory {
    Directory::new(config(&slapd.url), crate::egress()).unwrap()
}

fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

fn usernames(users: &[DirectoryUser]) -> Vec<&str> {
    users.iter().map(|u| u.username.as_str()).collect()
}

fn user<'a>(users: &'a [DirectoryUser], username: &str) -> &'a DirectoryUser {
    users.iter().find(|u| u.username == username).unwrap()
}
