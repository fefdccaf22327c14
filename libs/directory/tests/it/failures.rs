use std::time::{Duration, Instant};

use strongroom_directory::{Directory, DirectoryError};
use strongroom_testkit::sample_password;

use crate::{config, directory, sample, secret};

#[tokio::test]
async fn a_wrong_service_password_is_bind_rejected() {
    let slapd = sample();
    let mut config = config(&slapd.url);
    config.bind_password = secret("not-the-reader-password");
    let dir = Directory::new(config, crate::egress()).unwrap();

    let err = dir.test_connection().await.unwrap_err();
    assert!(matches!(err, DirectoryError::BindRejected), "{err:?}");
    let pass = secret(&sample_password("jdoe"));
    let err = dir.authenticate("jdoe", &pass).await.unwrap_err();
    assert!(matches!(err, DirectoryError::BindRejected), "{err:?}");
}

#[tokio::test]
async fn a_stopped_directory_is_unreachable_at_once() {
    let mut slapd = sample();
    let dir = directory(&slapd);
    dir.test_connection().await.unwrap();
    slapd.stop();

    let started = Instant::now();
    let err = dir.test_connection().await.unwrap_err();
    assert!(matches!(err, DirectoryError::Unreachable(_)), "{err:?}");
    let pass = secret(&sample_password("jdoe"));
    let err = dir.authenticate("jdoe", &pass).await.unwrap_err();
    assert!(matches!(err, DirectoryError::Unreachable(_)), "{err:?}");
    // Refused connections fail fast, well within the 5 s timeout.
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

/// A directory that accepts connections but never answers must not hang logins.
#[tokio::test]
async fn a_directory_that_never_answers_times_out() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ldap://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let mut config = config(&url);
    config.timeout = Duration::from_millis(300);
    let dir = Directory::new(config, crate::egress()).unwrap();

    let started = Instant::now();
    let pass = secret(&sample_password("jdoe"));
    let err = dir.authenticate("jdoe", &pass).await.unwrap_err();
    assert!(matches!(err, DirectoryError::TimedOut(_)), "{err:?}");
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(300) && elapsed < Duration::from_secs(2),
        "{elapsed:?}"
    );
}

/// A directory on a host internal to the deployment is refused before any connection
/// unless the configuration allows internal hosts; the refusal is the configuration's
/// fault (a 400 for the administrator), not the network's.
#[tokio::test]
async fn an_internal_host_is_refused_without_connecting_unless_allowed() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ldap://{}/", listener.local_addr().unwrap());
    let mut config = config(&url);
    config.allow_internal_hosts = false;
    let dir = Directory::new(config.clone(), crate::egress()).unwrap();

    let err = dir.check_host().await.unwrap_err();
    assert!(
        matches!(&err, DirectoryError::InvalidConfig(m) if m.contains("loopback")),
        "{err:?}"
    );
    let err = dir.test_connection().await.unwrap_err();
    assert!(matches!(err, DirectoryError::InvalidConfig(_)), "{err:?}");
    let pass = secret(&sample_password("jdoe"));
    let err = dir.authenticate("jdoe", &pass).await.unwrap_err();
    assert!(matches!(err, DirectoryError::InvalidConfig(_)), "{err:?}");
    let accepted = tokio::time::timeout(Duration::from_millis(300), listener.accept()).await;
    assert!(accepted.is_err(), "nothing may connect to an internal host");

    config.allow_internal_hosts = true;
    let dir = Directory::new(config, crate::egress()).unwrap();
    dir.check_host().await.unwrap();
}
