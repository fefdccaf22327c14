//! The host rule against a DNS server the test controls (on loopback): names resolving to
//! internal addresses, a name whose answer changes (rebinding), and connections that go
//! only to checked addresses. Nothing here sends traffic beyond 127.0.0.1.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::IpAddr;
use std::time::Duration;

use strongroom_egress::{Egress, EgressError};
use strongroom_testkit::DnsServer;
use tokio::net::TcpListener;

const PUBLIC: &str = "192.0.2.10";

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

fn refused_as(result: Result<Vec<IpAddr>, EgressError>, want: &str, address: Option<&str>) {
    match result {
        Err(EgressError::Internal {
            why, address: a, ..
        }) => {
            assert_eq!(why, want);
            assert_eq!(a, address.map(ip));
        }
        other => panic!("expected a refusal ({want}), got {other:?}"),
    }
}

/// No connection is waiting at `listener`.
async fn nothing_connected(listener: &TcpListener) {
    let accepted = tokio::time::timeout(Duration::from_millis(300), listener.accept()).await;
    assert!(accepted.is_err(), "a connection reached the listener");
}

#[tokio::test]
async fn names_that_resolve_inside_the_deployment_are_refused_unless_allowed() {
    let dns = DnsServer::start().unwrap();
    let egress = Egress::new(&dns.addr().to_string()).unwrap();
    dns.set("db.corp.test", &[ip("10.0.0.5")]);
    dns.set("v6.corp.test", &[ip("fd00::5")]);
    dns.set("meta.corp.test", &[ip("169.254.169.254")]);
    dns.set("mixed.corp.test", &[ip(PUBLIC), ip("127.0.0.1")]);
    dns.set("smtp.corp.test", &[ip(PUBLIC), ip("2001:db8::10")]);

    refused_as(
        egress.check("db.corp.test", false).await,
        "private",
        Some("10.0.0.5"),
    );
    refused_as(
        egress.check("v6.corp.test", false).await,
        "private",
        Some("fd00::5"),
    );
    refused_as(
        egress.check("meta.corp.test", false).await,
        "a cloud metadata service",
        Some("169.254.169.254"),
    );
    // One internal address among public ones is enough.
    refused_as(
        egress.check("mixed.corp.test", false).await,
        "loopback",
        Some("127.0.0.1"),
    );
    let message = egress
        .check("db.corp.test", false)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("10.0.0.5") && message.contains("allow_internal_hosts"),
        "{message}"
    );

    let mut found = egress.check("smtp.corp.test", false).await.unwrap();
    found.sort();
    assert_eq!(found, [ip(PUBLIC), ip("2001:db8::10")]);
    assert_eq!(
        egress.check("db.corp.test", true).await.unwrap(),
        [ip("10.0.0.5")]
    );

    // Names internal by themselves are refused before DNS is asked anything.
    let asked = dns.asked().len();
    for (name, why) in [
        ("vault", "a name inside the deployment's network"),
        (
            "identity.strongroom.svc.cluster.local",
            "a name inside the deployment's network",
        ),
        ("localhost", "loopback"),
        ("metadata.google.internal", "a cloud metadata service"),
    ] {
        refused_as(egress.check(name, false).await, why, None);
    }
    assert_eq!(dns.asked().len(), asked, "{:?}", dns.asked());

    // A name without an address is the caller's mistake, not the network's.
    let missing = egress.check("nowhere.corp.test", false).await.unwrap_err();
    assert!(matches!(missing, EgressError::NoAddress(_)), "{missing:?}");
    assert!(missing.is_refusal());
}

#[tokio::test]
async fn connections_go_only_to_addresses_checked_at_connect_time() {
    let dns = DnsServer::start().unwrap();
    let egress = Egress::new(&dns.addr().to_string()).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let timeout = Duration::from_secs(5);

    // Saved while it pointed elsewhere, the name now points at loopback (rebinding): the
    // connection is refused before it is made.
    dns.set("ldap.flip.test", &[ip(PUBLIC)]);
    assert_eq!(
        egress.check("ldap.flip.test", false).await.unwrap(),
        [ip(PUBLIC)]
    );
    dns.set("ldap.flip.test", &[ip("127.0.0.1")]);
    let refused = egress
        .connect("ldap.flip.test", port, false, timeout)
        .await
        .unwrap_err();
    assert!(
        matches!(
            refused,
            EgressError::Internal {
                why: "loopback",
                ..
            }
        ),
        "{refused:?}"
    );
    nothing_connected(&listener).await;
    for host in ["127.0.0.1", "[::ffff:127.0.0.1]", "localhost"] {
        let refused = egress
            .connect(host, port, false, timeout)
            .await
            .unwrap_err();
        assert!(refused.is_refusal(), "{host}: {refused:?}");
    }
    nothing_connected(&listener).await;

    // Allowed, the same name connects, to the address it resolves to now.
    let stream = egress
        .connect("ldap.flip.test", port, true, timeout)
        .await
        .unwrap();
    let (_, peer) = listener.accept().await.unwrap();
    assert_eq!(stream.local_addr().unwrap(), peer);
    // A port nobody listens on is the network's failure, told apart from a refusal.
    drop(listener);
    let closed = egress
        .connect("ldap.flip.test", port, true, timeout)
        .await
        .unwrap_err();
    assert!(
        matches!(closed, EgressError::Connect { .. }) && !closed.is_refusal(),
        "{closed:?}"
    );
}
