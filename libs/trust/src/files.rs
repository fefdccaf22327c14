//! Reading and writing the TLS material's files: private keys 0600, and refused when group
//! or others may read them.

use std::io::Write;
use std::path::Path;

use zeroize::Zeroizing;

use crate::TrustError;

pub(crate) fn invalid(path: &Path, why: impl std::fmt::Display) -> TrustError {
    TrustError::Invalid {
        path: path.to_owned(),
        why: why.to_string(),
    }
}

pub(crate) fn read_bytes(path: &Path) -> Result<Vec<u8>, TrustError> {
    std::fs::read(path).map_err(|source| TrustError::Read {
        path: path.to_owned(),
        source,
    })
}

pub(crate) fn read_text(path: &Path) -> Result<String, TrustError> {
    String::from_utf8(read_bytes(path)?).map_err(|_| invalid(path, "not a PEM text file"))
}

/// Reads a private key file, refusing one that group or others may read.
pub(crate) fn read_private(path: &Path) -> Result<Zeroizing<Vec<u8>>, TrustError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map_err(|source| TrustError::Read {
                path: path.to_owned(),
                source,
            })?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(TrustError::Exposed {
                path: path.to_owned(),
                mode: mode & 0o777,
            });
        }
    }
    Ok(Zeroizing::new(read_bytes(path)?))
}

pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> Result<(), TrustError> {
    write_file(path, bytes, false)
}

/// Writes a new file (0600 on Unix; `replace` allows an existing one to be replaced).
pub(crate) fn write_file(path: &Path, bytes: &[u8], replace: bool) -> Result<(), TrustError> {
    let failed = |source| TrustError::Read {
        path: path.to_owned(),
        source,
    };
    if replace {
        let _ = std::fs::remove_file(path);
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(failed)?;
    file.write_all(bytes).map_err(failed)
}
