//! What is checked of a KeePass file's outer header before the `keepass` crate sees it,
//! field by field: every length the crate reads without checking, and the key derivation's
//! cost (the decrypted XML is checked in `kdbx_xml`).

use super::{
    ImportError, MAX_AES_KDF_ROUNDS, MAX_ARGON2_ITERATIONS, MAX_ARGON2_MEMORY_BYTES,
    MAX_ARGON2_PARALLELISM,
};

const SIGNATURE: [u8; 4] = [0x03, 0xd9, 0xa2, 0x9a];
const KEEPASS_1: u32 = 0xb54b_fb65;
const KEEPASS_2_PRERELEASE: u32 = 0xb54b_fb66;
const KEEPASS_2: u32 = 0xb54b_fb67;

const CIPHERS: [[u8; 16]; 3] = [
    // AES-256, Twofish, ChaCha20
    hex16("31c1f2e6bf714350be5805216afc5aff"),
    hex16("ad68f29f576f4bb9a36ad47af965346c"),
    hex16("d6038a2b8b6f4cb5a524339a31dbb59a"),
];
const KDF_AES_KDBX3: [u8; 16] = hex16("c9d9f39a628a4460bf740d08c18a4fea");
const KDF_AES_KDBX4: [u8; 16] = hex16("7c02bb8279a74ac0927d114a00648238");
const KDF_ARGON2D: [u8; 16] = hex16("ef636ddf8c29444b91f7a9a403e30a0c");
const KDF_ARGON2ID: [u8; 16] = hex16("9e298b1956db4773b23dfc3ec6f0a1e6");

/// 32 hex digits as 16 bytes, at compile time.
const fn hex16(text: &str) -> [u8; 16] {
    const fn digit(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => 0,
        }
    }
    let bytes = text.as_bytes();
    let mut out = [0u8; 16];
    let mut i = 0;
    while i < 16 && 2 * i + 1 < bytes.len() {
        out[i] = digit(bytes[2 * i]) << 4 | digit(bytes[2 * i + 1]);
        i += 1;
    }
    out
}

/// Whether the bytes start like a KeePass file (any version).
pub(super) fn looks_like_keepass(bytes: &[u8]) -> bool {
    bytes.starts_with(&SIGNATURE)
}

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    let b = bytes.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([b[0], b[1]]))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn u64_of(bytes: &[u8]) -> Option<u64> {
    let b: [u8; 8] = bytes.try_into().ok()?;
    Some(u64::from_le_bytes(b))
}

fn u32_of(bytes: &[u8]) -> Option<u32> {
    let b: [u8; 4] = bytes.try_into().ok()?;
    Some(u32::from_le_bytes(b))
}

/// What the outer header says, as far as decrypting the payload needs.
#[derive(Default)]
pub(super) struct Header<'a> {
    /// 3 (KDBX 3.1) or 4.
    pub version: u8,
    pub cipher: Cipher,
    pub gzip: bool,
    pub master_seed: &'a [u8],
    pub iv: &'a [u8],
    pub kdf: Kdf<'a>,
    /// KDBX 3.1: the payload's first 32 bytes once decrypted.
    pub stream_start: &'a [u8],
    /// KDBX 4: the header's length (its SHA-256 and HMAC follow).
    pub header_len: usize,
    /// Where the payload starts.
    pub body: usize,
}

#[derive(Default, Clone, Copy, PartialEq, Eq)]
pub(super) enum Cipher {
    #[default]
    Aes256,
    Twofish,
    ChaCha20,
}

#[derive(Default)]
pub(super) enum Kdf<'a> {
    #[default]
    None,
    Aes {
        seed: &'a [u8],
        rounds: u64,
    },
    Argon2 {
        id: bool,
        version: u32,
        memory_kib: u32,
        iterations: u32,
        parallelism: u32,
        salt: &'a [u8],
    },
}

/// Checks the version and outer header; a file that passes is one the `keepass` crate
/// reads without panicking, and whose key derivation is within the limits.
pub(super) fn check_header(bytes: &[u8]) -> Result<Header<'_>, ImportError> {
    if !looks_like_keepass(bytes) {
        return Err(ImportError::NotKeepass);
    }
    let corrupt = ImportError::KeepassCorrupt;
    let kind = u32_at(bytes, 4).ok_or(ImportError::KeepassCorrupt)?;
    let major = u16_at(bytes, 10).ok_or(ImportError::KeepassCorrupt)?;
    match kind {
        KEEPASS_1 => {
            return Err(ImportError::KeepassUnsupportedVersion {
                version: "KeePass 1 .kdb",
            });
        }
        KEEPASS_2_PRERELEASE => {
            return Err(ImportError::KeepassUnsupportedVersion {
                version: "KeePass 2 pre-release",
            });
        }
        KEEPASS_2 => {}
        _ => return Err(ImportError::NotKeepass),
    }
    match major {
        3 => check_kdbx3(bytes).ok_or(corrupt)?,
        4 => check_kdbx4(bytes).ok_or(corrupt)?,
        _ => Err(ImportError::KeepassUnsupportedVersion {
            version: "an unknown KDBX version",
        }),
    }
}

/// `None` when the header is damaged; `Some(Err)` when it asks for too costly a KDF.
fn check_kdbx3(bytes: &[u8]) -> Option<Result<Header<'_>, ImportError>> {
    let mut pos = 12usize;
    let mut seen = [false; 11];
    let mut header = Header {
        version: 3,
        ..Header::default()
    };
    let mut seed: &[u8] = &[];
    let mut rounds = 0u64;
    loop {
        let kind = *bytes.get(pos)?;
        let len = usize::from(u16_at(bytes, pos + 1)?);
        let data = bytes.get(pos + 3..pos + 3 + len)?;
        pos += 3 + len;
        let ok = match kind {
            0 => break,
            5 => {
                seed = data;
                len == 32
            }
            6 => {
                rounds = u64_of(data)?;
                if rounds > MAX_AES_KDF_ROUNDS {
                    return Some(Err(ImportError::KeepassKdfTooCostly {
                        what: "AES-KDF rounds",
                    }));
                }
                true
            }
            8 => len == 32,
            9 => {
                header.stream_start = data;
                len == 32
            }
            10 => matches!(u32_of(data), Some(0 | 2 | 3)),
            _ => common_field(&mut header, kind, data),
        };
        if !ok {
            return None;
        }
        if let Some(flag) = seen.get_mut(usize::from(kind)) {
            *flag = true;
        }
    }
    header.kdf = Kdf::Aes { seed, rounds };
    header.body = pos;
    // Every field but the comment (1) is required.
    if seen.iter().skip(2).all(|s| *s) {
        // The payload: whole cipher blocks (a truncated file is damaged, not a wrong
        // password), at least one.
        let payload = bytes.len().checked_sub(pos)?;
        let block_cipher = header.cipher != Cipher::ChaCha20;
        (payload >= 16 && (!block_cipher || payload % 16 == 0)).then_some(Ok(header))
    } else {
        None
    }
}

/// A field KDBX 3 and 4 share: the comment (1), cipher (2), compression (3), master seed
/// (4) and IV (7); whether it is sound. Any other field is unknown, and not sound.
fn common_field<'a>(header: &mut Header<'a>, kind: u8, data: &'a [u8]) -> bool {
    match kind {
        1 => true,
        2 => cipher(data).map(|c| header.cipher = c).is_some(),
        3 => compression(data).map(|c| header.gzip = c).is_some(),
        4 => {
            header.master_seed = data;
            data.len() == 32
        }
        7 => {
            header.iv = data;
            data.len() == 16 || data.len() == 12
        }
        _ => false,
    }
}

/// The outer cipher a header field names.
fn cipher(data: &[u8]) -> Option<Cipher> {
    [Cipher::Aes256, Cipher::Twofish, Cipher::ChaCha20]
        .into_iter()
        .zip(CIPHERS)
        .find(|(_, id)| id.as_slice() == data)
        .map(|(cipher, _)| cipher)
}

/// Whether the compression field says gzip.
fn compression(data: &[u8]) -> Option<bool> {
    match u32_of(data)? {
        0 => Some(false),
        1 => Some(true),
        _ => None,
    }
}

fn check_kdbx4(bytes: &[u8]) -> Option<Result<Header<'_>, ImportError>> {
    let mut pos = 12usize;
    let mut seen = [false; 13];
    let mut header = Header {
        version: 4,
        ..Header::default()
    };
    loop {
        let kind = *bytes.get(pos)?;
        let len = usize::try_from(u32_at(bytes, pos + 1)?).ok()?;
        let data = bytes.get(pos + 5..(pos + 5).checked_add(len)?)?;
        pos += 5 + len;
        let ok = match kind {
            0 => break,
            11 => match check_kdf(data)? {
                Ok(kdf) => {
                    header.kdf = kdf;
                    true
                }
                Err(error) => return Some(Err(error)),
            },
            12 => variant_dictionary(data).is_some(),
            _ => common_field(&mut header, kind, data),
        };
        if !ok {
            return None;
        }
        if let Some(flag) = seen.get_mut(usize::from(kind)) {
            *flag = true;
        }
    }
    // Cipher, compression, master seed, IV and KDF parameters are required; then the
    // header's SHA-256 and HMAC.
    let required = [2usize, 3, 4, 7, 11];
    if required
        .iter()
        .all(|k| seen.get(*k).copied().unwrap_or(false))
        && bytes.len() >= pos + 64
    {
        header.header_len = pos;
        header.body = pos + 64;
        Some(Ok(header))
    } else {
        None
    }
}

/// One entry of a variant dictionary: key, value type, value.
type Variant<'a> = (&'a [u8], u8, &'a [u8]);

/// A variant dictionary's entries, every value of the length its type says.
fn variant_dictionary(data: &[u8]) -> Option<Vec<Variant<'_>>> {
    if u16_at(data, 0)? & 0xff00 != 0x0100 {
        return None;
    }
    let mut pos = 2usize;
    let mut entries = Vec::new();
    loop {
        let kind = *data.get(pos)?;
        if kind == 0 {
            // keepass reads the end marker as the last byte only.
            return (pos + 1 == data.len()).then_some(entries);
        }
        let key_len = usize::try_from(u32_at(data, pos + 1)?).ok()?;
        let key = data.get(pos + 5..(pos + 5).checked_add(key_len)?)?;
        pos += 5 + key_len;
        let value_len = usize::try_from(u32_at(data, pos)?).ok()?;
        let value = data.get(pos + 4..(pos + 4).checked_add(value_len)?)?;
        pos += 4 + value_len;
        let ok = match kind {
            0x04 | 0x0c => value_len == 4,
            0x05 | 0x0d => value_len == 8,
            0x08 => value_len == 1,
            0x18 | 0x42 => true,
            _ => false,
        };
        if !ok {
            return None;
        }
        entries.push((key, kind, value));
    }
}

/// The KDF parameters: `None` when damaged, `Some(Err)` when too costly.
fn check_kdf(data: &[u8]) -> Option<Result<Kdf<'_>, ImportError>> {
    let entries = variant_dictionary(data)?;
    let get = |name: &[u8], kind: u8| {
        entries
            .iter()
            .find(|(key, k, _)| *key == name && *k == kind)
            .map(|(_, _, value)| *value)
    };
    let uuid = get(b"$UUID", 0x42)?;
    let too_costly = |what| Some(Err(ImportError::KeepassKdfTooCostly { what }));
    if uuid == KDF_AES_KDBX3 || uuid == KDF_AES_KDBX4 {
        let rounds = u64_of(get(b"R", 0x05)?)?;
        let seed = get(b"S", 0x42)?;
        if seed.len() != 32 {
            return None;
        }
        if rounds > MAX_AES_KDF_ROUNDS {
            return too_costly("AES-KDF rounds");
        }
        Some(Ok(Kdf::Aes { seed, rounds }))
    } else if uuid == KDF_ARGON2D || uuid == KDF_ARGON2ID {
        let memory = u64_of(get(b"M", 0x05)?)?;
        let iterations = u64_of(get(b"I", 0x05)?)?;
        let parallelism = u32_of(get(b"P", 0x04)?)?;
        let version = u32_of(get(b"V", 0x04)?)?;
        let salt = get(b"S", 0x42)?;
        if !matches!(version, 0x10 | 0x13) || salt.len() < 8 || parallelism == 0 {
            return None;
        }
        if memory > MAX_ARGON2_MEMORY_BYTES {
            return too_costly("Argon2 memory");
        }
        if iterations > MAX_ARGON2_ITERATIONS {
            return too_costly("Argon2 iterations");
        }
        if u64::from(parallelism) > MAX_ARGON2_PARALLELISM {
            return too_costly("Argon2 parallelism");
        }
        Some(Ok(Kdf::Argon2 {
            id: uuid == KDF_ARGON2ID,
            version,
            // KiB, as Argon2 counts; within u32 under the limit above.
            memory_kib: u32::try_from(memory / 1024).ok()?,
            iterations: u32::try_from(iterations).ok()?,
            parallelism,
            salt,
        }))
    } else {
        None
    }
}

#[cfg(test)]
mod tests;
