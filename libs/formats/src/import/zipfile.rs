//! The file inside a (password-protected) ZIP archive, read through a hard size cap.

use std::io::{Cursor, Read};

use zip::ZipArchive;
use zip::result::ZipError;

use super::{Format, ImportError, MAX_ZIP_ENTRY_BYTES, ZipOptions};

/// The bytes of the file `options` pick in the archive `bytes`.
pub(super) fn extract(
    bytes: &[u8],
    options: &ZipOptions,
    format: Format,
) -> Result<Vec<u8>, ImportError> {
    let mut archive = ZipArchive::new(Cursor::new(bytes)).map_err(|_| ImportError::ZipCorrupt)?;
    let index = pick(&archive, options.file_name.as_deref(), format)?;
    let password = options.password.as_deref().map(String::as_bytes);
    let encrypted = archive
        .by_index_raw(index)
        .map_err(|_| ImportError::ZipCorrupt)?
        .encrypted();
    let file = match (encrypted, password) {
        (true, None) => return Err(ImportError::ZipPasswordRequired),
        (true, Some(password)) => archive.by_index_decrypt(index, password),
        (false, _) => archive.by_index(index),
    };
    let file = file.map_err(|error| match error {
        ZipError::InvalidPassword => ImportError::ZipWrongPassword,
        ZipError::UnsupportedArchive(_) | ZipError::CompressionMethodNotSupported(_) => {
            ImportError::ZipUnsupported
        }
        _ => ImportError::ZipCorrupt,
    })?;
    // Never trust the declared size, nor the ratio: read at most one byte past the cap.
    let cap = u64::try_from(MAX_ZIP_ENTRY_BYTES).unwrap_or(u64::MAX);
    let mut out = Vec::new();
    let read = file.take(cap + 1).read_to_end(&mut out);
    if out.len() > MAX_ZIP_ENTRY_BYTES {
        return Err(ImportError::ZipEntryTooLarge {
            limit: MAX_ZIP_ENTRY_BYTES,
        });
    }
    match read {
        Ok(_) => Ok(out),
        // ZipCrypto checks one byte of the password only: a wrong one shows as a damaged
        // stream (bad deflate data or checksum).
        Err(_) if encrypted => Err(ImportError::ZipWrongPassword),
        Err(_) => Err(ImportError::ZipCorrupt),
    }
}

/// The index of the file to read: the one named (by path, or bare name), else the first with
/// one of the format's extensions.
fn pick<R: Read + std::io::Seek>(
    archive: &ZipArchive<R>,
    file_name: Option<&str>,
    format: Format,
) -> Result<usize, ImportError> {
    let (extensions, wanted): (&[&str], &'static str) = match format {
        Format::Keepass => (&[".kdbx"], "KeePass (.kdbx)"),
        _ => (&[".csv", ".tsv", ".txt"], "CSV (.csv, .tsv or .txt)"),
    };
    let names: Vec<(usize, String)> = (0..archive.len())
        .filter_map(|index| {
            let name = archive.name_for_index(index)?.ok()?;
            (!name.ends_with('/')).then(|| (index, name.into_owned()))
        })
        .collect();
    if let Some(wanted_name) = file_name.map(str::trim).filter(|n| !n.is_empty()) {
        let wanted_name = wanted_name.trim_start_matches('/');
        let bare = |name: &str| name.rsplit(['/', '\\']).next().unwrap_or("").to_owned();
        return names
            .iter()
            .find(|(_, name)| name == wanted_name)
            .or_else(|| names.iter().find(|(_, name)| bare(name) == wanted_name))
            .or_else(|| {
                names
                    .iter()
                    .find(|(_, name)| bare(name).eq_ignore_ascii_case(&bare(wanted_name)))
            })
            .map(|(index, _)| *index)
            .ok_or_else(|| ImportError::ZipFileNotFound {
                name: super::util::shown(wanted_name),
            });
    }
    names
        .iter()
        .find(|(_, name)| {
            let lower = name.to_lowercase();
            let bare = lower.rsplit('/').next().unwrap_or("");
            // macOS archives carry `__MACOSX/._name` resource forks: not the file.
            !lower.starts_with("__macosx/")
                && !bare.starts_with("._")
                && extensions.iter().any(|ext| lower.ends_with(ext))
        })
        .map(|(index, _)| *index)
        .ok_or(ImportError::NothingToImportInZip { wanted })
}
