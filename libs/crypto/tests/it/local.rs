use std::fs;
use std::os::unix::fs::PermissionsExt;

use strongroom_core::{ErrorCode, HasErrorCode};
use strongroom_crypto::{AnyKms, CryptoError, DataKey, Kms, LocalKms};
use tempfile::TempDir;

use crate::{kms, org};

fn local() -> anyhow::Result<(TempDir, LocalKms)> {
    let dir = tempfile::tempdir()?;
    let kms = LocalKms::open(dir.path())?;
    Ok((dir, kms))
}

fn mode(path: &std::path::Path) -> anyhow::Result<u32> {
    Ok(fs::metadata(path)?.permissions().mode() & 0o777)
}

#[tokio::test]
async fn round_trip() {
    let (_dir, kms) = local().unwrap();
    kms::round_trip(&kms).await.unwrap();
}

#[tokio::test]
async fn refuses_other_org() {
    let (_dir, kms) = local().unwrap();
    kms::refuses_other_org(&kms).await.unwrap();
}

#[tokio::test]
async fn refuses_tampered() {
    let (_dir, kms) = local().unwrap();
    kms::refuses_tampered(&kms).await.unwrap();
}

#[tokio::test]
async fn destroy_shreds() {
    let (_dir, kms) = local().unwrap();
    kms::destroy_shreds(&kms).await.unwrap();
}

#[tokio::test]
async fn ensure_key_idempotent() {
    let (_dir, kms) = local().unwrap();
    kms::ensure_key_idempotent(&kms).await.unwrap();
}

#[tokio::test]
async fn any_kms_dispatches() {
    let (_dir, kms) = local().unwrap();
    let kms = AnyKms::from(kms);
    kms::round_trip(&kms).await.unwrap();
    kms::destroy_shreds(&kms).await.unwrap();
}

#[tokio::test]
async fn wrap_without_key_is_unknown_org() {
    let (_dir, kms) = local().unwrap();
    let org = org();
    let err = kms.wrap(org, &DataKey::generate()).await.unwrap_err();
    assert!(matches!(err, CryptoError::UnknownOrgKey(o) if o == org));
    assert_eq!(err.code(), ErrorCode::NotFound);
}

#[tokio::test]
async fn creates_private_files_and_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("nested/kms");
    let kms = LocalKms::open(&root).unwrap();
    let master = root.join("master.key");
    assert_eq!(fs::read(&master).unwrap().len(), 32);
    assert_eq!(mode(&master).unwrap(), 0o600);
    assert_eq!(mode(&root).unwrap() & 0o077, 0);

    let org = org();
    kms.ensure_key(org).await.unwrap();
    let kek = root.join("orgs").join(format!("{}.kek", org.0));
    assert_eq!(mode(&kek).unwrap(), 0o600);
    let wrapped = kms.wrap(org, &DataKey::generate()).await.unwrap();
    // No leftover temporary files.
    assert_eq!(fs::read_dir(root.join("orgs")).unwrap().count(), 1);
    assert_eq!(fs::read_dir(&root).unwrap().count(), 2);
    drop(kms);

    let before = fs::read(&master).unwrap();
    let reopened = LocalKms::open(&root).unwrap();
    assert_eq!(
        fs::read(&master).unwrap(),
        before,
        "master key was replaced"
    );
    reopened.unwrap(org, &wrapped).await.unwrap();
}

#[tokio::test]
async fn another_master_key_cannot_read_kek_files() {
    let dir = tempfile::tempdir().unwrap();
    let kms = LocalKms::open(dir.path()).unwrap();
    let org = org();
    kms.ensure_key(org).await.unwrap();
    let wrapped = kms.wrap(org, &DataKey::generate()).await.unwrap();
    drop(kms);

    let master = dir.path().join("master.key");
    fs::write(&master, [7u8; 32]).unwrap();
    let kms = LocalKms::open(dir.path()).unwrap();
    let err = kms.unwrap(org, &wrapped).await.unwrap_err();
    assert!(matches!(err, CryptoError::KeyFile { .. }), "{err:?}");
}

#[tokio::test]
async fn kek_file_is_bound_to_its_org() {
    let dir = tempfile::tempdir().unwrap();
    let kms = LocalKms::open(dir.path()).unwrap();
    let (a, b) = (org(), org());
    kms.ensure_key(a).await.unwrap();
    let wrapped = kms.wrap(a, &DataKey::generate()).await.unwrap();
    // Copy A's KEK file into B's place: it must not be accepted as B's key.
    let orgs = dir.path().join("orgs");
    fs::copy(
        orgs.join(format!("{}.kek", a.0)),
        orgs.join(format!("{}.kek", b.0)),
    )
    .unwrap();
    assert!(matches!(
        kms.unwrap(b, &wrapped).await,
        Err(CryptoError::KeyFile { .. })
    ));
}

#[test]
fn refuses_world_readable_master_key() {
    let dir = tempfile::tempdir().unwrap();
    drop(LocalKms::open(dir.path()).unwrap());
    let master = dir.path().join("master.key");
    for bad in [0o644, 0o604, 0o640, 0o660, 0o666] {
        fs::set_permissions(&master, fs::Permissions::from_mode(bad)).unwrap();
        let err = LocalKms::open(dir.path()).unwrap_err();
        assert!(matches!(err, CryptoError::KeyFile { .. }), "{err:?}");
        assert!(err.to_string().contains("permissions"), "{err}");
    }
    fs::set_permissions(&master, fs::Permissions::from_mode(0o400)).unwrap();
    LocalKms::open(dir.path()).unwrap();
}

#[test]
fn refuses_master_key_of_wrong_length() {
    let dir = tempfile::tempdir().unwrap();
    let master = dir.path().join("master.key");
    for len in [0, 16, 31, 33, 64] {
        fs::write(&master, vec![1u8; len]).unwrap();
        fs::set_permissions(&master, fs::Permissions::from_mode(0o600)).unwrap();
        let err = LocalKms::open(dir.path()).unwrap_err();
        assert!(matches!(err, CryptoError::KeyFile { .. }), "{err:?}");
        assert_eq!(err.code(), ErrorCode::Internal);
    }
}

#[test]
fn errors_and_debug_do_not_leak_the_master_key() {
    let dir = tempfile::tempdir().unwrap();
    let kms = LocalKms::open(dir.path()).unwrap();
    let key = fs::read(dir.path().join("master.key")).unwrap();
    let debug = format!("{kms:?}");
    assert!(debug.contains("LocalKms"));
    let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
    assert!(!debug.contains(&hex));
    assert!(!debug.contains(&format!("{key:?}")));
}

#[test]
fn a_settings_key_others_can_read_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("settings.key");
    strongroom_crypto::SettingsKey::load_or_create(&path).unwrap();
    assert_eq!(mode(&path).unwrap(), 0o600);
    strongroom_crypto::SettingsKey::load_or_create(&path).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
    let err = strongroom_crypto::SettingsKey::load_or_create(&path).unwrap_err();
    assert!(err.to_string().contains("expected 600"), "{err}");
}
