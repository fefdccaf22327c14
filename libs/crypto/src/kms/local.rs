//! The embedded KMS: a master key file in a directory seals one KEK file per org.
//!
//! Layout of the directory:
//! - `master.key`: 32 random bytes, mode 0600 (refused if group/other can access it);
//! - `orgs/<org uuid>.kek`: the org's 32-byte KEK sealed with AES-256-GCM under the master key
//!   (`nonce || ciphertext || tag`), associated data `strongroom/kek/v1|<org uuid>`.
//!
//! Data keys are wrapped with AES-256-GCM under the org KEK, associated data
//! `strongroom/dek/v1|<org uuid>`. Destroying an org deletes its KEK file (after overwriting
//! it), which makes every data key wrapped for that org unrecoverable — provided no copy of
//! the file survives elsewhere (backups of this directory should be handled accordingly).

use std::fmt;
use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use strongroom_core::OrgId;

use super::{Kms, dek_aad};
use crate::envelope::{KEY_LEN, KeyBytes, NONCE_LEN, TAG_LEN, aead_open, aead_seal};
use crate::{CryptoError, DataKey};

const MASTER_FILE: &str = "master.key";
const ORGS_DIR: &str = "orgs";
const KEK_FILE_LEN: usize = NONCE_LEN + KEY_LEN + TAG_LEN;

/// File-backed [`Kms`] for single-node deployments. Cheap to clone (shared state).
#[derive(Clone)]
pub struct LocalKms {
    inner: Arc<Inner>,
}

struct Inner {
    dir: PathBuf,
    orgs_dir: PathBuf,
    master: KeyBytes,
}

impl LocalKms {
    /// Opens (creating if needed, with mode 0700) `dir`, and loads its `master.key`,
    /// generating one with mode 0600 if there is none. Refuses a master key file of the wrong
    /// length or one that group or others may access.
    pub fn open(dir: &Path) -> Result<Self, CryptoError> {
        create_private_dir(dir)?;
        let orgs_dir = dir.join(ORGS_DIR);
        create_private_dir(&orgs_dir)?;
        let master_path = dir.join(MASTER_FILE);
        let master = match load_master_key(&master_path)? {
            Some(key) => key,
            None => {
                let key = KeyBytes::random();
                if create_exclusive(&master_path, key.as_bytes())? {
                    tracing::info!(path = %master_path.display(), "created local kms master key");
                }
                // Load what is on disk: another process may have won the race to create it.
                load_master_key(&master_path)?
                    .ok_or_else(|| CryptoError::key_file(&master_path, "vanished after creation"))?
            }
        };
        Ok(Self {
            inner: Arc::new(Inner {
                dir: dir.to_path_buf(),
                orgs_dir,
                master,
            }),
        })
    }

    /// The directory holding the master key and the org KEKs.
    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }

    async fn load_kek(&self, org: OrgId) -> Result<KeyBytes, CryptoError> {
        let inner = Arc::clone(&self.inner);
        blocking(move || inner.load_kek(org)).await
    }
}

impl fmt::Debug for LocalKms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalKms")
            .field("dir", &self.inner.dir)
            .finish_non_exhaustive()
    }
}

impl Kms for LocalKms {
    async fn ensure_key(&self, org: OrgId) -> Result<(), CryptoError> {
        let inner = Arc::clone(&self.inner);
        blocking(move || inner.ensure_key(org)).await
    }

    async fn wrap(&self, org: OrgId, key: &DataKey) -> Result<Vec<u8>, CryptoError> {
        let kek = self.load_kek(org).await?;
        aead_seal(kek.as_bytes(), dek_aad(org).as_bytes(), key.as_bytes())
    }

    async fn unwrap(&self, org: OrgId, wrapped: &[u8]) -> Result<DataKey, CryptoError> {
        let kek = self.load_kek(org).await?;
        let dek = aead_open(kek.as_bytes(), dek_aad(org).as_bytes(), wrapped)?;
        KeyBytes::from_slice(&dek)
            .map(DataKey::from_key_bytes)
            .ok_or(CryptoError::Decrypt)
    }

    async fn destroy_key(&self, org: OrgId) -> Result<(), CryptoError> {
        let inner = Arc::clone(&self.inner);
        blocking(move || inner.destroy_key(org)).await
    }
}

impl Inner {
    fn kek_path(&self, org: OrgId) -> PathBuf {
        self.orgs_dir.join(format!("{}.kek", org.0.hyphenated()))
    }

    fn load_kek(&self, org: OrgId) -> Result<KeyBytes, CryptoError> {
        let path = self.kek_path(org);
        let sealed = match fs::read(&path) {
            Ok(sealed) => sealed,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(CryptoError::UnknownOrgKey(org));
            }
            Err(e) => return Err(CryptoError::key_file(&path, io_reason("cannot read", &e))),
        };
        if sealed.len() != KEK_FILE_LEN {
            return Err(CryptoError::key_file(
                &path,
                format!(
                    "corrupt: expected {KEK_FILE_LEN} bytes, found {}",
                    sealed.len()
                ),
            ));
        }
        let kek = aead_open(self.master.as_bytes(), kek_aad(org).as_bytes(), &sealed).map_err(
            |_| {
                CryptoError::key_file(
                    &path,
                    "does not authenticate under the master key (wrong master key or tampered file)",
                )
            },
        )?;
        KeyBytes::from_slice(&kek)
            .ok_or_else(|| CryptoError::key_file(&path, "corrupt: wrong key length"))
    }

    fn ensure_key(&self, org: OrgId) -> Result<(), CryptoError> {
        match self.load_kek(org) {
            Ok(_) => return Ok(()),
            Err(CryptoError::UnknownOrgKey(_)) => {}
            Err(e) => return Err(e),
        }
        let kek = KeyBytes::random();
        let sealed = aead_seal(
            self.master.as_bytes(),
            kek_aad(org).as_bytes(),
            kek.as_bytes(),
        )?;
        if create_exclusive(&self.kek_path(org), &sealed)? {
            tracing::info!(%org, "created org key-encryption key");
        }
        Ok(())
    }

    fn destroy_key(&self, org: OrgId) -> Result<(), CryptoError> {
        let path = self.kek_path(org);
        // Overwrite before unlinking, so the sealed KEK does not linger in freed blocks on
        // simple filesystems (no guarantee on copy-on-write or journaling ones).
        match OpenOptions::new().write(true).open(&path) {
            Ok(mut file) => {
                let len = file
                    .metadata()
                    .map(|m| m.len())
                    .unwrap_or(KEK_FILE_LEN as u64);
                let zeros = vec![0u8; usize::try_from(len).unwrap_or(KEK_FILE_LEN)];
                file.write_all(&zeros)
                    .and_then(|()| file.sync_all())
                    .map_err(|e| CryptoError::key_file(&path, io_reason("cannot overwrite", &e)))?;
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(CryptoError::key_file(&path, io_reason("cannot open", &e))),
        }
        match fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(CryptoError::key_file(&path, io_reason("cannot delete", &e))),
        }
        sync_dir(&self.orgs_dir);
        tracing::info!(%org, "destroyed org key-encryption key");
        Ok(())
    }
}

/// Associated data binding a sealed KEK file to its org.
fn kek_aad(org: OrgId) -> String {
    format!("strongroom/kek/v1|{}", org.0.hyphenated())
}

/// Runs blocking file I/O off the async executor.
async fn blocking<T, F>(f: F) -> Result<T, CryptoError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, CryptoError> + Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|_| CryptoError::Kms("local kms worker task failed".to_owned()))?
}

fn io_reason(what: &str, e: &io::Error) -> String {
    format!("{what}: {e}")
}

fn create_private_dir(dir: &Path) -> Result<(), CryptoError> {
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| CryptoError::key_file(dir, io_reason("cannot create directory", &e)))
}

/// Refuses a key file that group or others may access (checked on an open handle's
/// metadata, so the file cannot be swapped between check and read).
pub(crate) fn ensure_owner_only(path: &Path, meta: &std::fs::Metadata) -> Result<(), CryptoError> {
    let mode = meta.mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(CryptoError::key_file(
            path,
            format!("permissions {mode:o} let group or others access it; expected 600"),
        ));
    }
    Ok(())
}

/// Loads the master key; `None` if the file does not exist.
fn load_master_key(path: &Path) -> Result<Option<KeyBytes>, CryptoError> {
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(CryptoError::key_file(path, io_reason("cannot open", &e))),
    };
    // Checked on the open handle, so the file cannot be swapped between check and read.
    let meta = file
        .metadata()
        .map_err(|e| CryptoError::key_file(path, io_reason("cannot stat", &e)))?;
    if !meta.is_file() {
        return Err(CryptoError::key_file(path, "not a regular file"));
    }
    ensure_owner_only(path, &meta)?;
    if meta.len() != KEY_LEN as u64 {
        return Err(CryptoError::key_file(
            path,
            format!("expected {KEY_LEN} bytes, found {}", meta.len()),
        ));
    }
    let mut key = KeyBytes::zeroed();
    file.read_exact(key.as_mut_bytes())
        .map_err(|e| CryptoError::key_file(path, io_reason("cannot read", &e)))?;
    Ok(Some(key))
}

/// Atomically creates `path` with `contents` and mode 0600 unless it already exists.
/// Returns whether this call created it. Readers never see a partially written file, and an
/// existing file is never replaced (two creators racing both end up using the winner's key).
fn create_exclusive(path: &Path, contents: &[u8]) -> Result<bool, CryptoError> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{:016x}.tmp", rand::random::<u64>()));
    let result = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        file.write_all(contents)?;
        file.sync_all()?;
        match fs::hard_link(&tmp, path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
            Err(e) => Err(e),
        }
    })();
    let _ = fs::remove_file(&tmp);
    let created =
        result.map_err(|e| CryptoError::key_file(path, io_reason("cannot create", &e)))?;
    if created {
        sync_dir(dir);
    }
    Ok(created)
}

/// Best-effort fsync of a directory, so a created or deleted entry survives a crash.
fn sync_dir(dir: &Path) {
    if let Err(e) = File::open(dir).and_then(|d| d.sync_all()) {
        tracing::warn!(dir = %dir.display(), error = %e, "could not sync directory");
    }
}
