use std::time::Duration;

use strongroom_directory::{Directory, DirectoryConfig, DirectoryError};

use crate::{config, secret};

fn rejected(config: DirectoryConfig) -> bool {
    matches!(
        Directory::new(config, crate::egress()),
        Err(DirectoryError::InvalidConfig(_))
    )
}

/// One way to spoil a good configuration.
type Change = fn(&mut DirectoryConfig);

#[test]
fn bad_configurations_are_rejected_before_any_connection() {
    let ok = config("ldap://127.0.0.1:389");
    assert!(Directory::new(ok.clone(), crate::egress()).is_ok());

    let cases: &[(&str, Change)] = &[
        ("http URL", |c| c.url = "http://dc.example.com".into()),
        ("no host", |c| c.url = "ldap:///".into()),
        ("StartTLS on ldaps", |c| {
            c.url = "ldaps://dc.example.com".into();
            c.starttls = true;
        }),
        ("empty base", |c| c.base_dn = " ".into()),
        ("empty bind password", |c| c.bind_password = secret("")),
        ("empty bind DN", |c| c.bind_dn = String::new()),
        ("bare filter", |c| {
            c.user_filter = "objectClass=person".into()
        }),
        ("broken filter", |c| c.group_filter = "(|(cn=a)".into()),
        ("two filters", |c| c.user_filter = "(a=b)(c=d)".into()),
        ("filter syntax in an attribute", |c| {
            c.attributes.username = "uid)(x".into();
        }),
        ("empty attribute", |c| {
            c.group_member_attribute = String::new()
        }),
        ("zero timeout", |c| c.timeout = Duration::ZERO),
        ("CA without certificate", |c| {
            c.ca_certificate_pem = Some("hello".into());
        }),
    ];
    for (what, change) in cases {
        let mut config = ok.clone();
        change(&mut config);
        assert!(rejected(config), "{what} was accepted");
    }
}

#[test]
fn the_active_directory_defaults_are_valid() {
    let ad = DirectoryConfig::active_directory(
        "ldaps://dc1.corp.example.com",
        "svc-strongroom@corp.example.com",
        secret("pw"),
        "DC=corp,DC=example,DC=com",
    );
    assert_eq!(ad.attributes.username, "sAMAccountName");
    assert!(Directory::new(ad, crate::egress()).is_ok());
}

#[test]
fn debug_output_never_shows_the_bind_password() {
    let mut config = config("ldap://127.0.0.1:389");
    config.bind_password = secret("s3cr3t-bind-pw");
    let shown = format!(
        "{config:?} {:?}",
        Directory::new(config.clone(), crate::egress()).unwrap()
    );
    assert!(!shown.contains("s3cr3t-bind-pw"), "{shown}");
    assert!(shown.contains("REDACTED"), "{shown}");
}

/// Handlers in axum/tonic need `Send` futures; this fails to compile otherwise.
#[test]
fn calls_can_run_on_any_runtime_thread() {
    fn send<T: Send>(_: &T) {}
    let dir = Directory::new(config("ldap://127.0.0.1:389"), crate::egress()).unwrap();
    send(&dir.test_connection());
    send(&dir.users(&strongroom_directory::ImportScope::Everything));
    send(&dir.authenticate("jdoe", &secret("pw")));
}
