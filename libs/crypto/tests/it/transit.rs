use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use secrecy::SecretString;
use strongroom_core::{ErrorCode, HasErrorCode};
use strongroom_crypto::{AnyKms, CryptoError, DataKey, Kms, TransitKms};

use crate::{kms, org};

fn transit() -> anyhow::Result<TransitKms> {
    let bao = strongroom_testkit::openbao()?;
    Ok(TransitKms::new(
        &bao.addr,
        SecretString::from(bao.token.clone()),
        "transit",
    )?)
}

#[tokio::test]
async fn round_trip() {
    kms::round_trip(&transit().unwrap()).await.unwrap();
}

#[tokio::test]
async fn refuses_other_org() {
    kms::refuses_other_org(&transit().unwrap()).await.unwrap();
}

#[tokio::test]
async fn refuses_tampered() {
    kms::refuses_tampered(&transit().unwrap()).await.unwrap();
}

#[tokio::test]
async fn destroy_shreds() {
    kms::destroy_shreds(&transit().unwrap()).await.unwrap();
}

#[tokio::test]
async fn ensure_key_idempotent() {
    kms::ensure_key_idempotent(&transit().unwrap())
        .await
        .unwrap();
}

#[tokio::test]
async fn any_kms_dispatches() {
    let kms = AnyKms::from(transit().unwrap());
    kms::round_trip(&kms).await.unwrap();
    kms::destroy_shreds(&kms).await.unwrap();
}

#[tokio::test]
async fn wrapped_key_is_a_transit_ciphertext_bound_to_the_org() {
    let bao = strongroom_testkit::openbao().unwrap();
    let kms = transit().unwrap();
    let org = org();
    kms.ensure_key(org).await.unwrap();
    let dek = DataKey::generate();
    let wrapped = kms.wrap(org, &dek).await.unwrap();
    let text = String::from_utf8(wrapped.clone()).unwrap();
    assert!(text.starts_with("vault:v1:"), "{text}");

    // The key exists with the expected name and type.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = vaultrs::client::VaultClient::new(
        vaultrs::client::VaultClientSettingsBuilder::default()
            .address(&bao.addr)
            .token(&bao.token)
            .build()
            .unwrap(),
    )
    .unwrap();
    let name = TransitKms::key_name(org);
    assert_eq!(name, format!("strongroom-org-{}", org.0));
    let info = vaultrs::transit::key::read(&client, "transit", &name)
        .await
        .unwrap();
    assert!(
        matches!(info.key_type, vaultrs::api::transit::KeyType::Aes256Gcm96),
        "{:?}",
        info.key_type
    );

    // Associated data is enforced: decrypting without it, or with another org's, fails.
    let no_aad = vaultrs::transit::data::decrypt(&client, "transit", &name, &text, None).await;
    assert!(no_aad.is_err());
    let mut opts = vaultrs::api::transit::requests::DecryptDataRequest::builder();
    opts.associated_data(BASE64.encode(format!("strongroom/dek/v1|{}", crate::org().0)));
    let other_aad =
        vaultrs::transit::data::decrypt(&client, "transit", &name, &text, Some(&mut opts)).await;
    assert!(other_aad.is_err());
    let mut opts = vaultrs::api::transit::requests::DecryptDataRequest::builder();
    opts.associated_data(BASE64.encode(format!("strongroom/dek/v1|{}", org.0)));
    let right =
        vaultrs::transit::data::decrypt(&client, "transit", &name, &text, Some(&mut opts)).await;
    assert_eq!(BASE64.decode(right.unwrap().plaintext).unwrap().len(), 32);
}

#[tokio::test]
async fn unreachable_server_is_unavailable() {
    // A leased port: reserved for this test, and nothing listens on it.
    let port = strongroom_testkit::lease_port().unwrap();
    let kms = TransitKms::new(
        &format!("http://127.0.0.1:{}", port.port),
        SecretString::from("token"),
        "transit",
    )
    .unwrap();
    let err = kms.ensure_key(org()).await.unwrap_err();
    assert!(matches!(err, CryptoError::KmsUnavailable(_)), "{err:?}");
    assert_eq!(err.code(), ErrorCode::Unavailable);
}

#[tokio::test]
async fn bad_token_is_an_error_without_the_token() {
    let bao = strongroom_testkit::openbao().unwrap();
    let token = "definitely-not-a-valid-token-4711";
    let kms = TransitKms::new(&bao.addr, SecretString::from(token), "transit").unwrap();
    let err = kms.wrap(org(), &DataKey::generate()).await.unwrap_err();
    assert!(matches!(err, CryptoError::Kms(_)), "{err:?}");
    assert!(!err.to_string().contains(token));
    assert!(!format!("{err:?}").contains(token));
}

#[test]
fn invalid_configuration_is_an_error_not_a_panic() {
    for addr in [
        "",
        "127.0.0.1:8200",
        "ftp://host",
        "http://",
        "http://host:notaport",
        "http://host:99999",
        "http://[::1",
        "http://[zz::1]:8200",
        "http://300.1.1.1:8200",
        "http://exa mple.com",
        "http://a..b",
    ] {
        let err = TransitKms::new(addr, SecretString::from("t"), "transit").unwrap_err();
        assert!(matches!(err, CryptoError::Config(_)), "{addr}: {err:?}");
    }
    for addr in [
        "http://127.0.0.1:8200",
        "https://bao.internal:8200/",
        "http://[::1]:8200",
        "https://vault.example.com",
    ] {
        TransitKms::new(addr, SecretString::from("t"), "transit").unwrap();
    }
    assert!(TransitKms::new("http://127.0.0.1:8200", SecretString::from("t"), "").is_err());
    assert!(TransitKms::new("http://127.0.0.1:8200", SecretString::from("t"), "../sys").is_err());
}

#[test]
fn debug_does_not_show_the_token() {
    let token = "s.super-secret-token-0815";
    let kms = TransitKms::new(
        "http://127.0.0.1:8200",
        SecretString::from(token),
        "transit",
    )
    .unwrap();
    let debug = format!("{kms:?}");
    assert!(debug.contains("TransitKms"), "{debug}");
    assert!(!debug.contains(token), "{debug}");
}

#[tokio::test]
async fn wrong_mount_is_not_mistaken_for_a_missing_org_key() {
    let bao = strongroom_testkit::openbao().unwrap();
    let kms = TransitKms::new(
        &bao.addr,
        SecretString::from(bao.token.clone()),
        "no-such-transit",
    )
    .unwrap();
    let err = kms.unwrap(org(), b"vault:v1:AAAA").await.unwrap_err();
    assert!(matches!(err, CryptoError::Kms(_)), "{err:?}");
}
