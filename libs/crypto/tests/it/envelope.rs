use strongroom_core::{ErrorCode, HasErrorCode, OrgId};
use strongroom_crypto::{CryptoError, DataKey, SecretAad, open, seal};
use uuid::Uuid;

use crate::{account, org};

fn aad() -> SecretAad {
    SecretAad {
        org: org(),
        account: account(),
        version: 3,
    }
}

#[test]
fn seal_open_round_trip() {
    let key = DataKey::generate();
    let aad = aad();
    for plaintext in [&b""[..], b"hunter2", &[0xA5; 10_000]] {
        let sealed = seal(&key, &aad, plaintext).unwrap();
        assert_eq!(sealed.len(), 12 + plaintext.len() + 16);
        let opened = open(&key, &aad, &sealed).unwrap();
        assert_eq!(&opened[..], plaintext);
    }
}

#[test]
fn ciphertext_does_not_contain_plaintext() {
    let key = DataKey::generate();
    let plaintext = b"correct horse battery staple";
    let sealed = seal(&key, &aad(), plaintext).unwrap();
    assert!(!sealed.windows(plaintext.len()).any(|w| w == plaintext));
}

#[test]
fn opening_with_another_account_org_or_version_fails() {
    let key = DataKey::generate();
    let aad = aad();
    let sealed = seal(&key, &aad, b"s3cret").unwrap();

    let other_account = SecretAad {
        account: account(),
        ..aad
    };
    let other_org = SecretAad { org: org(), ..aad };
    let other_version = SecretAad {
        version: aad.version + 1,
        ..aad
    };
    let negative_version = SecretAad {
        version: -aad.version,
        ..aad
    };
    for wrong in [other_account, other_org, other_version, negative_version] {
        assert!(matches!(
            open(&key, &wrong, &sealed),
            Err(CryptoError::Decrypt)
        ));
    }
}

#[test]
fn org_and_account_ids_are_not_interchangeable() {
    let key = DataKey::generate();
    let a = Uuid::new_v4();
    let b = Uuid::new_v4();
    let aad = SecretAad {
        org: OrgId(a),
        account: strongroom_core::AccountId(b),
        version: 1,
    };
    let swapped = SecretAad {
        org: OrgId(b),
        account: strongroom_core::AccountId(a),
        version: 1,
    };
    let sealed = seal(&key, &aad, b"x").unwrap();
    assert!(matches!(
        open(&key, &swapped, &sealed),
        Err(CryptoError::Decrypt)
    ));
}

#[test]
fn any_flipped_byte_fails() {
    let key = DataKey::generate();
    let aad = aad();
    let sealed = seal(&key, &aad, b"flip me").unwrap();
    // Every position: nonce, ciphertext and tag.
    for i in 0..sealed.len() {
        let mut tampered = sealed.clone();
        tampered[i] ^= 0x01;
        assert!(
            matches!(open(&key, &aad, &tampered), Err(CryptoError::Decrypt)),
            "flipping byte {i} was not detected"
        );
    }
}

#[test]
fn truncated_or_extended_ciphertext_fails() {
    let key = DataKey::generate();
    let aad = aad();
    let sealed = seal(&key, &aad, b"abc").unwrap();
    for len in [0, 1, 11, 12, 27, sealed.len() - 1] {
        assert!(matches!(
            open(&key, &aad, &sealed[..len]),
            Err(CryptoError::Decrypt)
        ));
    }
    let mut longer = sealed.clone();
    longer.push(0);
    assert!(matches!(
        open(&key, &aad, &longer),
        Err(CryptoError::Decrypt)
    ));
}

#[test]
fn wrong_key_and_wrong_aad_fail_identically() {
    let key = DataKey::generate();
    let aad = aad();
    let sealed = seal(&key, &aad, b"same error").unwrap();
    let wrong_key = open(&DataKey::generate(), &aad, &sealed).unwrap_err();
    let wrong_aad = open(&key, &SecretAad { version: 99, ..aad }, &sealed).unwrap_err();
    assert_eq!(wrong_key.to_string(), wrong_aad.to_string());
    assert_eq!(format!("{wrong_key:?}"), format!("{wrong_aad:?}"));
    assert_eq!(wrong_key.code(), ErrorCode::Internal);
}

#[test]
fn nonces_differ_between_seals() {
    let key = DataKey::generate();
    let aad = aad();
    let a = seal(&key, &aad, b"same plaintext").unwrap();
    let b = seal(&key, &aad, b"same plaintext").unwrap();
    assert_ne!(a[..12], b[..12]);
    assert_ne!(a, b);
}

#[test]
fn generated_keys_differ() {
    let a = DataKey::generate();
    let b = DataKey::generate();
    let aad = aad();
    let sealed = seal(&a, &aad, b"x").unwrap();
    assert!(open(&b, &aad, &sealed).is_err());
}

#[test]
fn data_key_debug_is_redacted() {
    let key = DataKey::generate();
    assert_eq!(format!("{key:?}"), "DataKey(<redacted>)");
    assert_eq!(format!("{key:#?}"), "DataKey(<redacted>)");
}

#[test]
fn aad_encoding_is_stable() {
    let org = OrgId(Uuid::from_u128(1));
    let account = strongroom_core::AccountId(Uuid::from_u128(2));
    let aad = SecretAad {
        org,
        account,
        version: -7,
    };
    assert_eq!(
        String::from_utf8(aad.encode()).unwrap(),
        "strongroom/secret/v1|00000000-0000-0000-0000-000000000001|\
         00000000-0000-0000-0000-000000000002|-7"
    );
}

#[test]
fn error_codes() {
    let org = org();
    let cases = [
        (CryptoError::Decrypt, ErrorCode::Internal),
        (CryptoError::UnknownOrgKey(org), ErrorCode::NotFound),
        (
            CryptoError::KmsUnavailable("down".into()),
            ErrorCode::Unavailable,
        ),
        (CryptoError::Kms("rejected".into()), ErrorCode::Internal),
        (CryptoError::Config("bad".into()), ErrorCode::Internal),
    ];
    for (err, code) in cases {
        assert_eq!(err.code(), code, "{err}");
    }
}
