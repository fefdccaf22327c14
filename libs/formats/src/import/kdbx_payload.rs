//! Decrypting a KeePass database's payload, before the `keepass` crate does, to measure
//! it: its decompression goes through a hard cap ([`MAX_KEEPASS_XML_BYTES`]), its KDBX 4
//! inner header is read field by field, and the XML comes out to be measured.

use std::io::Read;

use aes::Aes256;
use aes::cipher::{BlockCipherEncrypt, KeyInit};
use cbc::cipher::{BlockModeDecrypt, KeyIvInit, StreamCipher, block_padding::Pkcs7};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256, Sha512};
use zeroize::Zeroizing;

use super::ImportError;
use super::MAX_KEEPASS_XML_BYTES;
use super::kdbx::{Cipher, Header, Kdf};

/// The XML of the database `bytes` (whose header is `header`), decrypted with `password`.
pub(super) fn decrypt_xml(
    bytes: &[u8],
    header: &Header<'_>,
    password: &str,
) -> Result<Zeroizing<Vec<u8>>, ImportError> {
    if header.version == 4 {
        // The header's SHA-256 first: a damaged header is not a wrong password, and costs
        // no key derivation.
        let digest = Sha256::digest(bytes.get(..header.header_len).unwrap_or(&[]));
        if bytes.get(header.header_len..header.header_len + 32) != Some(digest.as_slice()) {
            return Err(ImportError::KeepassCorrupt);
        }
    }
    let composite = Sha256::digest(Sha256::digest(password.as_bytes()));
    let transformed = Zeroizing::new(transform(&composite, &header.kdf)?);
    let mut master = Sha256::new();
    master.update(header.master_seed);
    master.update(transformed.as_slice());
    let master_key = Zeroizing::new(master.finalize().to_vec());

    let compressed = if header.version == 4 {
        let mut hmac_key = Sha512::new();
        hmac_key.update(header.master_seed);
        hmac_key.update(transformed.as_slice());
        hmac_key.update([1u8]);
        let hmac_key = Zeroizing::new(hmac_key.finalize().to_vec());
        let mut header_key = Sha512::new();
        header_key.update(u64::MAX.to_le_bytes());
        header_key.update(hmac_key.as_slice());
        let header_key = header_key.finalize();
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&header_key).map_err(|_| ImportError::KeepassCorrupt)?;
        mac.update(
            bytes
                .get(..header.header_len)
                .ok_or(ImportError::KeepassCorrupt)?,
        );
        let expected = bytes
            .get(header.header_len + 32..header.header_len + 64)
            .ok_or(ImportError::KeepassCorrupt)?;
        if mac.verify_slice(expected).is_err() {
            return Err(ImportError::KeepassWrongPassword);
        }
        let encrypted = hmac_blocks(bytes.get(header.body..).unwrap_or(&[]))?;
        decrypt(header.cipher, &master_key, header.iv, &encrypted)?
    } else {
        let payload = decrypt(
            header.cipher,
            &master_key,
            header.iv,
            bytes.get(header.body..).unwrap_or(&[]),
        )?;
        if payload.get(..32) != Some(header.stream_start) {
            return Err(ImportError::KeepassWrongPassword);
        }
        hashed_blocks(payload.get(32..).unwrap_or(&[]))?
    };
    let payload = if header.gzip {
        gunzip(&compressed)?
    } else {
        compressed
    };
    if payload.len() > MAX_KEEPASS_XML_BYTES {
        return Err(ImportError::KeepassTooLarge {
            limit: MAX_KEEPASS_XML_BYTES,
        });
    }
    let xml_start = if header.version == 4 {
        inner_header(&payload)?
    } else {
        0
    };
    Ok(Zeroizing::new(
        payload.get(xml_start..).unwrap_or(&[]).to_vec(),
    ))
}

/// The transformed key: AES-KDF or Argon2 over the composite key.
fn transform(composite: &[u8], kdf: &Kdf<'_>) -> Result<[u8; 32], ImportError> {
    match kdf {
        Kdf::None => Err(ImportError::KeepassCorrupt),
        Kdf::Aes { seed, rounds } => {
            let cipher = Aes256::new_from_slice(seed).map_err(|_| ImportError::KeepassCorrupt)?;
            let mut halves = [aes::Block::default(), aes::Block::default()];
            for (half, chunk) in halves.iter_mut().zip(composite.chunks(16)) {
                half.copy_from_slice(chunk);
            }
            for _ in 0..*rounds {
                cipher.encrypt_blocks(&mut halves);
            }
            let mut digest = Sha256::new();
            digest.update(halves[0]);
            digest.update(halves[1]);
            let out: [u8; 32] = digest.finalize().into();
            for half in &mut halves {
                half.fill(0);
            }
            Ok(out)
        }
        Kdf::Argon2 {
            id,
            version,
            memory_kib,
            iterations,
            parallelism,
            salt,
        } => {
            let algorithm = if *id {
                argon2::Algorithm::Argon2id
            } else {
                argon2::Algorithm::Argon2d
            };
            let version = if *version == 0x10 {
                argon2::Version::V0x10
            } else {
                argon2::Version::V0x13
            };
            let params = argon2::Params::new(*memory_kib, *iterations, *parallelism, Some(32))
                .map_err(|_| ImportError::KeepassCorrupt)?;
            let mut out = [0u8; 32];
            argon2::Argon2::new(algorithm, version, params)
                .hash_password_into(composite, salt, &mut out)
                .map_err(|_| ImportError::KeepassCorrupt)?;
            Ok(out)
        }
    }
}

/// The outer cipher's plaintext. A bad CBC padding is a wrong key (KDBX 3.1 has no check
/// before it) or a damaged file.
fn decrypt(cipher: Cipher, key: &[u8], iv: &[u8], data: &[u8]) -> Result<Vec<u8>, ImportError> {
    let undecryptable = |_| ImportError::KeepassUndecryptable;
    match cipher {
        Cipher::Aes256 => cbc::Decryptor::<Aes256>::new_from_slices(key, iv)
            .map_err(|_| ImportError::KeepassCorrupt)?
            .decrypt_padded_vec::<Pkcs7>(data)
            .map_err(undecryptable),
        Cipher::Twofish => cbc::Decryptor::<twofish::Twofish>::new_from_slices(key, iv)
            .map_err(|_| ImportError::KeepassCorrupt)?
            .decrypt_padded_vec::<Pkcs7>(data)
            .map_err(undecryptable),
        Cipher::ChaCha20 => {
            let mut cipher = chacha20::ChaCha20::new_from_slices(key, iv)
                .map_err(|_| ImportError::KeepassCorrupt)?;
            let mut out = data.to_vec();
            cipher.apply_keystream(&mut out);
            Ok(out)
        }
    }
}

/// KDBX 4's HMAC block stream, concatenated (the `keepass` crate checks the HMACs).
fn hmac_blocks(data: &[u8]) -> Result<Vec<u8>, ImportError> {
    // Each block: its HMAC (32 bytes), its size (4), its data.
    blocks(data, 36)
}

/// KDBX 3.1's hashed block stream, concatenated (the `keepass` crate checks the hashes).
fn hashed_blocks(data: &[u8]) -> Result<Vec<u8>, ImportError> {
    // Each block: its index (4 bytes), its hash (32), its size (4), its data.
    blocks(data, 40)
}

/// A block stream's data, concatenated: each block a `head` of bytes ending in its data's
/// little-endian 4-byte size, then the data, up to a block of size 0.
fn blocks(data: &[u8], head: usize) -> Result<Vec<u8>, ImportError> {
    let mut out = Vec::new();
    let mut pos = 0usize;
    loop {
        let size = data
            .get(pos + head - 4..pos + head)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map(u32::from_le_bytes)
            .ok_or(ImportError::KeepassCorrupt)?;
        let size = usize::try_from(size).map_err(|_| ImportError::KeepassCorrupt)?;
        if size == 0 {
            return Ok(out);
        }
        let block = data
            .get(pos + head..(pos + head).saturating_add(size))
            .ok_or(ImportError::KeepassCorrupt)?;
        out.extend_from_slice(block);
        pos += head + size;
    }
}

/// Gzip through the cap: never more than one byte past [`MAX_KEEPASS_XML_BYTES`].
fn gunzip(data: &[u8]) -> Result<Vec<u8>, ImportError> {
    let cap = u64::try_from(MAX_KEEPASS_XML_BYTES).unwrap_or(u64::MAX);
    let mut out = Vec::new();
    let read = flate2::read::GzDecoder::new(data)
        .take(cap + 1)
        .read_to_end(&mut out);
    if out.len() > MAX_KEEPASS_XML_BYTES {
        return Err(ImportError::KeepassTooLarge {
            limit: MAX_KEEPASS_XML_BYTES,
        });
    }
    read.map_err(|_| ImportError::KeepassCorrupt)?;
    Ok(out)
}

/// Checks KDBX 4's inner header field by field (the lengths the `keepass` crate reads
/// unchecked); where the XML starts.
fn inner_header(payload: &[u8]) -> Result<usize, ImportError> {
    let mut pos = 0usize;
    loop {
        let kind = *payload.get(pos).ok_or(ImportError::KeepassCorrupt)?;
        let len = payload
            .get(pos + 1..pos + 5)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map(u32::from_le_bytes)
            .and_then(|len| usize::try_from(len).ok())
            .ok_or(ImportError::KeepassCorrupt)?;
        let data = payload
            .get(pos + 5..(pos + 5).saturating_add(len))
            .ok_or(ImportError::KeepassCorrupt)?;
        pos += 5 + len;
        let ok = match kind {
            0 => return Ok(pos),
            1 => matches!(
                <[u8; 4]>::try_from(data).map(u32::from_le_bytes),
                Ok(0 | 2 | 3)
            ),
            2 => true,
            3 => !data.is_empty(),
            _ => false,
        };
        if !ok {
            return Err(ImportError::KeepassCorrupt);
        }
    }
}
