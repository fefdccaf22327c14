use super::*;

#[test]
fn hex_constants_decode() {
    assert_eq!(KDF_ARGON2D[0], 0xef);
    assert_eq!(KDF_ARGON2D[15], 0x0c);
}

#[test]
fn headers_are_refused_before_any_work() {
    assert!(matches!(
        check_header(b"name,user\n"),
        Err(ImportError::NotKeepass)
    ));
    let mut kdb1 = SIGNATURE.to_vec();
    kdb1.extend_from_slice(&KEEPASS_1.to_le_bytes());
    kdb1.extend_from_slice(&[0; 8]);
    assert!(matches!(
        check_header(&kdb1),
        Err(ImportError::KeepassUnsupportedVersion { .. })
    ));
    let mut v4 = SIGNATURE.to_vec();
    v4.extend_from_slice(&KEEPASS_2.to_le_bytes());
    v4.extend_from_slice(&[1, 0, 4, 0]);
    // A compression field of 1 byte: keepass would read 4 and panic.
    v4.extend_from_slice(&[3, 1, 0, 0, 0, 1]);
    assert!(matches!(
        check_header(&v4),
        Err(ImportError::KeepassCorrupt)
    ));
}
