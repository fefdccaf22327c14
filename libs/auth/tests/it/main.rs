//! Session revocation shared through a real Redis, as separate replicas see it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use strongroom_auth::{
    Claims, RedisLogin, RevocationStore, Signer, Verifier, generate_keypair, redis_acl_rules,
};
use strongroom_core::{OrgId, Role, UserId};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// `service`'s Redis ACL user in deployment `namespace`, made with the shipped rules.
async fn login(namespace: &str, service: &str) -> RedisLogin {
    let file = std::env::temp_dir().join(strongroom_testkit::unique("redis-password"));
    let user = format!("{namespace}-{service}");
    strongroom_testkit::redis_acl_user(&user, &redis_acl_rules(namespace, service), &file)
        .await
        .unwrap();
    let password = std::fs::read_to_string(&file).unwrap();
    std::fs::remove_file(&file).unwrap();
    RedisLogin {
        user: Some(user),
        password: Some(password.into()),
    }
}

/// A verifier with its own watcher, like one replica of one service (signed in as the
/// gateway, which may only read the revocations).
async fn replica(public: &str, namespace: &str, shutdown: &CancellationToken) -> Arc<Verifier> {
    let verifier = Arc::new(Verifier::from_pem(public.as_bytes()).unwrap());
    RevocationStore::connect(
        &strongroom_testkit::redis_url(),
        &login(namespace, &strongroom_testkit::unique("gateway")).await,
        namespace,
    )
    .await
    .unwrap()
    .watch(verifier.revocations(), shutdown.clone())
    .await
    .unwrap();
    verifier
}

/// A TCP relay to Redis that a test can cut and restore: one replica losing Redis while
/// Redis itself (and every other replica) is fine.
struct Relay {
    url: String,
    cut: Arc<std::sync::Mutex<CancellationToken>>,
}

impl Relay {
    async fn start() -> Self {
        let redis_url = strongroom_testkit::redis_url();
        let (scheme_and_credentials, target) = match redis_url.rsplit_once('@') {
            Some((front, host)) => (format!("{front}@"), host.trim_end_matches('/').to_owned()),
            None => (
                "redis://".to_owned(),
                redis_url
                    .trim_start_matches("redis://")
                    .trim_end_matches('/')
                    .to_owned(),
            ),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("{scheme_and_credentials}{}", listener.local_addr().unwrap());
        let cut = Arc::new(std::sync::Mutex::new(CancellationToken::new()));
        let current = cut.clone();
        tokio::spawn(async move {
            loop {
                let (mut client, _) = listener.accept().await.unwrap();
                let gone = current.lock().unwrap().clone();
                if gone.is_cancelled() {
                    continue; // refused: dropped at once
                }
                let target = target.clone();
                tokio::spawn(async move {
                    let Ok(mut server) = tokio::net::TcpStream::connect(&target).await else {
                        return;
                    };
                    tokio::select! {
                        () = gone.cancelled() => {}
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                    }
                });
            }
        });
        Self { url, cut }
    }

    fn cut(&self) {
        self.cut.lock().unwrap().cancel();
    }

    fn restore(&self) {
        *self.cut.lock().unwrap() = CancellationToken::new();
    }
}

#[tokio::test]
async fn a_replica_that_cannot_read_revocations_fails_closed_and_recovers() {
    let namespace = strongroom_testkit::unique("rev");
    let shutdown = CancellationToken::new();
    let (private, public) = generate_keypair().unwrap();
    let signer = Signer::from_pem(private.as_bytes()).unwrap();
    let relay = Relay::start().await;
    let verifier = Arc::new(Verifier::from_pem(public.as_bytes()).unwrap());
    RevocationStore::connect(&relay.url, &login(&namespace, "vault").await, &namespace)
        .await
        .unwrap()
        .watch(verifier.revocations(), shutdown.clone())
        .await
        .unwrap();
    let other = replica(&public, &namespace, &shutdown).await;
    let claims = || {
        Claims::for_role(
            UserId::new(),
            OrgId::new(),
            "u",
            Role::PasswordUser,
            60,
            "password",
        )
        .with_session(Uuid::now_v7())
    };
    let mut old = claims();
    old.iat -= 10;
    let old = signer.sign(&old).unwrap();
    assert!(verifier.verify(&old).is_ok());
    assert!(verifier.revocations().is_fresh());

    relay.cut();
    let start = Instant::now();
    while verifier.revocations().is_fresh() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "never went stale"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    println!("stale after {:?}", start.elapsed());
    // Staleness counts from the last read, up to one poll before the cut.
    assert!(
        start.elapsed() + strongroom_auth::REVOCATIONS_POLL_EVERY
            >= strongroom_auth::REVOCATIONS_STALE_AFTER
    );
    // Refused here, with a reason that is not "bad token"; fine at the replica that reads.
    assert!(matches!(
        verifier.verify(&old),
        Err(strongroom_auth::AuthError::RevocationsUnknown)
    ));
    assert!(other.verify(&old).is_ok());
    // Nor a token issued after the last read: it may have been revoked in what was missed.
    let mut new = claims();
    new.iat += 60;
    let new = signer.sign(&new).unwrap();
    assert!(matches!(
        verifier.verify(&new),
        Err(strongroom_auth::AuthError::RevocationsUnknown)
    ));
    assert!(other.verify(&new).is_ok());

    relay.restore();
    let start = Instant::now();
    while !verifier.revocations().is_fresh() {
        assert!(start.elapsed() < Duration::from_secs(30), "never recovered");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(verifier.verify(&old).is_ok());
    assert!(verifier.verify(&new).is_ok());
    shutdown.cancel();
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

    let identity = RevocationStore::connect(
        &strongroom_testkit::redis_url(),
        &login(&namespace, "identity").await,
        &namespace,
    )
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

/// Identity's pod (the only one that may write to Redis) adds an entry scored far in the future: replicas reading
/// "after the highest score seen" would then never see a later revocation. Each poll reads
/// a window around its own clock instead, and reads everything every few polls, so a later
/// revocation stops its token within a second, and one scored in the past (Redis' clock
/// stepped backwards) within the full read's period.
#[tokio::test]
async fn a_future_scored_entry_hides_no_later_revocation_and_a_past_one_is_found() {
    let namespace = strongroom_testkit::unique("rev");
    let shutdown = CancellationToken::new();
    let (private, public) = generate_keypair().unwrap();
    let signer = Signer::from_pem(private.as_bytes()).unwrap();
    let verifier = replica(&public, &namespace, &shutdown).await;
    let identity = RevocationStore::connect(
        &strongroom_testkit::redis_url(),
        &login(&namespace, "identity").await,
        &namespace,
    )
    .await
    .unwrap();
    let key = format!("{namespace}:revoked-sessions");
    let zadd = |score: i64, member: String| {
        let (mut conn, key) = (identity.connection(), key.clone());
        async move {
            redis::cmd("ZADD")
                .arg(key)
                .arg(score)
                .arg(member)
                .query_async::<i64>(&mut conn)
                .await
                .unwrap();
        }
    };
    let session = || {
        Claims::for_role(
            UserId::new(),
            OrgId::new(),
            "u",
            Role::PasswordUser,
            60,
            "password",
        )
        .with_session(Uuid::now_v7())
    };

    // The forged entry, then a real revocation: refused within a second all the same.
    zadd(9_000_000_000_000_000, Uuid::now_v7().to_string()).await;
    let later = session();
    let token = signer.sign(&later).unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(verifier.verify(&token).is_ok());
    identity.revoke(&[later.sid.unwrap()]).await.unwrap();
    let took = refused_within(&verifier, &token, Duration::from_secs(1)).await;
    println!("refused {took:?} after the revocation, past a far-future entry");

    // An entry scored ten minutes back, as a Redis whose clock stepped back writes it.
    let stepped_back = session();
    let token = signer.sign(&stepped_back).unwrap();
    assert!(verifier.verify(&token).is_ok());
    let ten_minutes_ago = chrono::Utc::now().timestamp_millis() - 600_000;
    zadd(ten_minutes_ago, stepped_back.sid.unwrap().to_string()).await;
    let took = refused_within(&verifier, &token, Duration::from_secs(10)).await;
    println!("refused {took:?} after a revocation scored ten minutes back");
    shutdown.cancel();
}

/// Every service but identity signs in as a user that may read the revocations and do
/// nothing else: a pod of another service can neither forge a revocation, nor delete one,
/// nor touch a failed-login counter. Identity may, within its deployment's keys only.
#[tokio::test]
async fn only_identity_writes_to_redis_and_only_its_deployments_keys() {
    let namespace = strongroom_testkit::unique("rev");
    let key = strongroom_auth::revocations_key(&namespace);
    let lockout = format!("{namespace}:login-failures:org:alice");
    let connect = |login: RedisLogin| async move {
        let client = login.client(&strongroom_testkit::redis_url()).unwrap();
        redis::aio::ConnectionManager::new(client).await.unwrap()
    };
    let mut identity = connect(login(&namespace, "identity").await).await;
    redis::cmd("ZADD")
        .arg(&key)
        .arg(1)
        .arg("x")
        .query_async::<i64>(&mut identity)
        .await
        .unwrap();
    redis::cmd("SET")
        .arg(&lockout)
        .arg(1)
        .query_async::<()>(&mut identity)
        .await
        .unwrap();
    let outside = redis::cmd("SET")
        .arg(format!("{}:x", strongroom_testkit::unique("other")))
        .arg(1)
        .query_async::<()>(&mut identity)
        .await
        .unwrap_err();
    assert_eq!(outside.code(), Some("NOPERM"), "{outside}");

    for service in ["gateway", "tenant", "vault", "access", "rotation", "audit"] {
        let mut reader = connect(login(&namespace, service).await).await;
        let read: Vec<String> = redis::cmd("ZRANGEBYSCORE")
            .arg(&key)
            .arg("-inf")
            .arg("+inf")
            .query_async(&mut reader)
            .await
            .unwrap();
        assert_eq!(read, ["x"], "{service} reads the revocations");
        let mut refused = vec![
            redis::cmd("ZADD")
                .arg(&key)
                .arg(9_000_000_000_000_000_i64)
                .arg("y")
                .clone(),
            redis::cmd("ZREM").arg(&key).arg("x").clone(),
            redis::cmd("DEL").arg(&key).clone(),
            redis::cmd("EVAL")
                .arg("return redis.call('ZADD', KEYS[1], 1, 'z')")
                .arg(1)
                .arg(&key)
                .clone(),
            redis::cmd("GET").arg(&lockout).clone(),
            redis::cmd("DEL").arg(&lockout).clone(),
        ];
        for command in &mut refused {
            let e = command
                .query_async::<redis::Value>(&mut reader)
                .await
                .unwrap_err();
            assert_eq!(e.code(), Some("NOPERM"), "{service}: {e}");
        }
    }
    let read: Vec<String> = redis::cmd("ZRANGEBYSCORE")
        .arg(&key)
        .arg("-inf")
        .arg("+inf")
        .query_async(&mut identity)
        .await
        .unwrap();
    assert_eq!(read, ["x"], "nothing changed");
    let counter: Option<i64> = redis::cmd("GET")
        .arg(&lockout)
        .query_async(&mut identity)
        .await
        .unwrap();
    assert_eq!(counter, Some(1));
    let _: () = redis::cmd("DEL")
        .arg(&key)
        .arg(&lockout)
        .query_async(&mut identity)
        .await
        .unwrap();
}
