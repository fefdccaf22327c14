//! Behaviour every [`Kms`] backend must have; run against each backend by `local` and
//! `transit`. Helpers return errors instead of unwrapping (they are not `#[test]` functions).

use anyhow::{Result, bail, ensure};
use strongroom_crypto::{CryptoError, DataKey, Kms, SecretAad, open, seal};

use crate::{account, org};

/// The error of a call that must fail.
fn expect_err<T>(result: Result<T, CryptoError>, what: &str) -> Result<CryptoError> {
    match result {
        Ok(_) => bail!("{what} unexpectedly succeeded"),
        Err(e) => Ok(e),
    }
}

/// A DEK wrapped and unwrapped again still opens what it sealed.
pub async fn round_trip(kms: &impl Kms) -> Result<()> {
    let org = org();
    kms.ensure_key(org).await?;
    let dek = DataKey::generate();
    let aad = SecretAad {
        org,
        account: account(),
        version: 1,
    };
    let sealed = seal(&dek, &aad, b"the secret")?;

    let wrapped = kms.wrap(org, &dek).await?;
    ensure!(wrapped.len() > 32);
    let unwrapped = kms.unwrap(org, &wrapped).await?;
    ensure!(&open(&unwrapped, &aad, &sealed)?[..] == b"the secret");

    // Wrapping is randomized.
    let again = kms.wrap(org, &dek).await?;
    ensure!(wrapped != again);
    let unwrapped = kms.unwrap(org, &again).await?;
    ensure!(&open(&unwrapped, &aad, &sealed)?[..] == b"the secret");
    Ok(())
}

/// A DEK wrapped for org A does not unwrap as org B, even when B has a key.
pub async fn refuses_other_org(kms: &impl Kms) -> Result<()> {
    let (a, b) = (org(), org());
    kms.ensure_key(a).await?;
    kms.ensure_key(b).await?;
    let wrapped = kms.wrap(a, &DataKey::generate()).await?;
    let err = expect_err(kms.unwrap(b, &wrapped).await, "unwrap as org B")?;
    ensure!(matches!(err, CryptoError::Decrypt), "{err:?}");
    // And as a third org that has no key at all.
    let err = expect_err(kms.unwrap(org(), &wrapped).await, "unwrap as keyless org")?;
    ensure!(
        matches!(err, CryptoError::UnknownOrgKey(_) | CryptoError::Decrypt),
        "{err:?}"
    );
    // Still fine for the right org.
    kms.unwrap(a, &wrapped).await?;
    Ok(())
}

/// A tampered or truncated wrapped key fails to unwrap.
pub async fn refuses_tampered(kms: &impl Kms) -> Result<()> {
    let org = org();
    kms.ensure_key(org).await?;
    let wrapped = kms.wrap(org, &DataKey::generate()).await?;
    let mut tampered = wrapped.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 0x01;
    expect_err(kms.unwrap(org, &tampered).await, "unwrap tampered")?;
    expect_err(
        kms.unwrap(org, &wrapped[..wrapped.len() - 4]).await,
        "unwrap truncated",
    )?;
    expect_err(kms.unwrap(org, b"").await, "unwrap empty")?;
    Ok(())
}

/// After destroy_key, saved wrapped keys never unwrap again, even once a new key exists.
pub async fn destroy_shreds(kms: &impl Kms) -> Result<()> {
    let org = org();
    kms.ensure_key(org).await?;
    let wrapped = kms.wrap(org, &DataKey::generate()).await?;
    kms.unwrap(org, &wrapped).await?;

    kms.destroy_key(org).await?;
    let err = expect_err(kms.unwrap(org, &wrapped).await, "unwrap after destroy")?;
    ensure!(
        matches!(err, CryptoError::UnknownOrgKey(o) if o == org),
        "{err:?}"
    );

    // Idempotent.
    kms.destroy_key(org).await?;
    // A fresh key for the same org does not bring the old data back.
    kms.ensure_key(org).await?;
    let err = expect_err(kms.unwrap(org, &wrapped).await, "unwrap under new key")?;
    ensure!(matches!(err, CryptoError::Decrypt), "{err:?}");

    // Other orgs are unaffected.
    let other = crate::org();
    kms.ensure_key(other).await?;
    let w = kms.wrap(other, &DataKey::generate()).await?;
    kms.destroy_key(org).await?;
    kms.unwrap(other, &w).await?;
    Ok(())
}

/// ensure_key twice (and concurrently) keeps the first key: earlier wrapped keys still unwrap.
pub async fn ensure_key_idempotent(kms: &impl Kms) -> Result<()> {
    let org = org();
    kms.ensure_key(org).await?;
    let wrapped = kms.wrap(org, &DataKey::generate()).await?;
    kms.ensure_key(org).await?;
    let (x, y) = tokio::join!(kms.ensure_key(org), kms.ensure_key(org));
    x?;
    y?;
    kms.unwrap(org, &wrapped).await?;

    // Concurrent first creation: both succeed and agree on one key.
    let fresh = crate::org();
    let (x, y) = tokio::join!(kms.ensure_key(fresh), kms.ensure_key(fresh));
    x?;
    y?;
    let wrapped = kms.wrap(fresh, &DataKey::generate()).await?;
    kms.ensure_key(fresh).await?;
    kms.unwrap(fresh, &wrapped).await?;
    Ok(())
}
