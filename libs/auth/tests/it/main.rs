//! Session revocation shared through a real Redis, as separate replicas see it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use strongroom_auth::{Claims, RevocationStore, Signer, Verifier, generate_keypair};
use strongroom_core::{OrgId, Role, UserId};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// A verifier with its own watcher, like one replica of one service.
async fn replica(public: &str, namespace: &str, shutdown: &CancellationToken) -> Arc<Verifier> {
    let verifier = Arc::new(Verifier::from_pem(public.as_bytes()).unwrap());
    RevocationStore::connect(&strongroom_testkit::redis_url(), namespace)
        .await
        .unwrap()
        .watch(verifier.revocations(), shutdown.clone());
    verifier
}

async fn refused_within(verifier: &Verifier, token: &str, limit: Duration) -> Duration {
    let start = Instant::now();
    while verifier.verify(token).is_ok() {
        assert!(start.elapsed() < limit, "still accepted after {limit:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    start.elapsed()
}

#[tokio::test]
async fn a_revoked_session_or_outdated_token_is_refused_by_every_replica_within_a_second() {
    let namespace = strongroom_testkit::unique("rev");
    let shutdown = CancellationToken::new();
    let (private, public) = generate_keypair().unwrap();
    let signer = Signer::from_pem(private.as_bytes()).unwrap();
    let replicas = [
        replica(&public, &namespace, &shutdown).await,
        replica(&public, &namespace, &shutdown).await,
    ];
    let claims = |user: UserId| {
        Claims::for_role(user, OrgId::new(), "u", Role::PasswordUser, 60, "password")
            .with_session(Uuid::now_v7())
    };
    let alice = UserId::new();
    let session = claims(alice);
    let token = signer.sign(&session).unwrap();
    let other_session = signer.sign(&claims(alice)).unwrap();
    let bob = signer.sign(&claims(UserId::new())).unwrap();
    for r in &replicas {
        assert!(r.verify(&token).is_ok());
    }

    let identity = RevocationStore::connect(&strongroom_testkit::redis_url(), &namespace)
        .await
        .unwrap();
    identity.revoke(&[session.sid.unwrap()]).await.unwrap();
    for r in &replicas {
        refused_within(r, &token, Duration::from_secs(1)).await;
        assert!(r.verify(&other_session).is_ok(), "other sessions live on");
    }

    // A new token version voids all the user's older tokens, not newer ones or others'.
    identity.require_version(alice.0, 1).await.unwrap();
    let after = signer.sign(&claims(alice).with_version(1)).unwrap();
    for r in &replicas {
        refused_within(r, &other_session, Duration::from_secs(1)).await;
        assert!(r.verify(&after).is_ok(), "a token issued after the cut-off");
        assert!(r.verify(&bob).is_ok(), "another user");
    }

    // A replica started later learns what was revoked before it started.
    let late = replica(&public, &namespace, &shutdown).await;
    refused_within(&late, &token, Duration::from_secs(1)).await;
    refused_within(&late, &other_session, Duration::from_secs(1)).await;
    // Another deployment (namespace) is not affected.
    let elsewhere = replica(&public, &strongroom_testkit::unique("rev"), &shutdown).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(elsewhere.verify(&token).is_ok());
    shutdown.cancel();
}
