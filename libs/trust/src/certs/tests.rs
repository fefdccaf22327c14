use super::*;

#[test]
fn keygen_makes_a_certificate_naming_each_service_and_keeps_it() {
    let dir = tempfile::tempdir().unwrap();
    let written = keygen(dir.path()).unwrap();
    assert_eq!(written.len(), 2 + 2 * Service::ALL.len());
    for service in Service::ALL {
        let tls = ServiceTls::load(service, &TlsFiles::in_dir(dir.path(), service)).unwrap();
        assert_eq!(tls.service(), service);
    }
    assert!(
        keygen(dir.path()).unwrap().is_empty(),
        "nothing is made twice"
    );
}

#[test]
fn a_certificate_of_another_service_or_an_exposed_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    keygen(dir.path()).unwrap();
    let mut files = TlsFiles::in_dir(dir.path(), Service::Vault);
    files.cert = dir.path().join("identity.pem");
    let err = ServiceTls::load(Service::Vault, &files).unwrap_err();
    assert!(err.to_string().contains("not the vault service"), "{err}");

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let files = TlsFiles::in_dir(dir.path(), Service::Audit);
        std::fs::set_permissions(&files.key, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = ServiceTls::load(Service::Audit, &files).unwrap_err();
        assert!(err.to_string().contains("chmod 600"), "{err}");
    }
}

#[test]
fn an_expired_or_early_certificate_is_refused_and_one_about_to_expire_is_renewed() {
    let dir = tempfile::tempdir().unwrap();
    keygen(dir.path()).unwrap();
    let issuer = stored_issuer(dir.path()).unwrap();
    let files = TlsFiles::in_dir(dir.path(), Service::Vault);
    let now = time::OffsetDateTime::now_utc();
    let days = time::Duration::days;

    issue(
        &issuer,
        Service::Vault,
        (now - days(10), now - days(1)),
        &files,
    )
    .unwrap();
    let err = ServiceTls::load(Service::Vault, &files).unwrap_err();
    assert!(err.to_string().contains("expired"), "{err}");
    issue(
        &issuer,
        Service::Vault,
        (now + days(1), now + days(90)),
        &files,
    )
    .unwrap();
    let err = ServiceTls::load(Service::Vault, &files).unwrap_err();
    assert!(err.to_string().contains("not valid yet"), "{err}");

    // Ten days left: it still loads (with a warning), and keygen makes it anew, alone.
    issue(
        &issuer,
        Service::Vault,
        (now - days(1), now + days(10)),
        &files,
    )
    .unwrap();
    ServiceTls::load(Service::Vault, &files).unwrap();
    assert!(expires_within(&files.cert, RENEW_BEFORE_DAYS).unwrap());
    let renewed = keygen(dir.path()).unwrap();
    assert_eq!(renewed, [files.cert.clone(), files.key.clone()]);
    assert!(!expires_within(&files.cert, RENEW_BEFORE_DAYS).unwrap());
    ServiceTls::load(Service::Vault, &files).unwrap();
}

/// Services speak TLS 1.3 only: a client that offers TLS 1.2 alone, with a valid
/// certificate of the deployment's CA, is refused in the handshake.
#[tokio::test]
async fn only_tls_1_3_is_spoken() {
    let dir = tempfile::tempdir().unwrap();
    keygen(dir.path()).unwrap();
    let load = |s| ServiceTls::load(s, &TlsFiles::in_dir(dir.path(), s)).unwrap();
    let (vault, audit) = (load(Service::Vault), load(Service::Audit));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(vault.server.clone());
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                if let Ok(mut tls) = acceptor.accept(stream).await {
                    use tokio::io::AsyncWriteExt;
                    let _ = tls.write_all(b"ok").await;
                }
            });
        }
    });
    let handshake = |config: Arc<rustls::ClientConfig>| async move {
        let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let name = rustls::pki_types::ServerName::try_from("vault").unwrap();
        tokio_rustls::TlsConnector::from(config)
            .connect(name, stream)
            .await
    };
    let tls13 = handshake(audit.client.clone()).await.unwrap();
    assert_eq!(
        tls13.get_ref().1.protocol_version(),
        Some(rustls::ProtocolVersion::TLSv1_3)
    );

    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&audit.cert_pem)
        .collect::<Result<_, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_slice(&audit.key_pem).unwrap();
    let mut roots = rustls::RootCertStore::empty();
    for ca in CertificateDer::pem_slice_iter(&audit.ca_pem) {
        roots.add(ca.unwrap()).unwrap();
    }
    let mut tls12 = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_protocol_versions(&[&rustls::version::TLS12])
    .unwrap()
    .with_root_certificates(roots)
    .with_client_auth_cert(chain, key)
    .unwrap();
    tls12.alpn_protocols = vec![b"h2".to_vec()];
    let refused = handshake(Arc::new(tls12)).await;
    assert!(refused.is_err(), "a TLS 1.2 handshake succeeded");
}

#[test]
fn a_plaintext_url_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    keygen(dir.path()).unwrap();
    let tls = ServiceTls::load(
        Service::Vault,
        &TlsFiles::in_dir(dir.path(), Service::Vault),
    )
    .unwrap();
    let err = tls
        .channel("http://127.0.0.1:1", Service::Audit)
        .unwrap_err();
    assert!(err.to_string().contains("https://"), "{err}");
}
