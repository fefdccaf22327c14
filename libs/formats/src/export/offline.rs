//! Entries as an encrypted single-file HTML page for offline use; the format and its
//! parameters are described in the [module docs](super).
//!
//! The encrypted JSON is
//!
//! ```text
//! {"version":1,"entries":[{"resource":"db1","type":"PostgreSQL","host":"…","url":"…",
//!   "department":"…","location":"…","description":"…","resource_notes":"…",
//!   "username":"postgres","password":"…","account_notes":"…",
//!   "fields":[{"name":"pin","value":"…","secret":true}],"group":["Databases","Production"]}]}
//! ```

use std::io;

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{Aead, KeyInit, Nonce, Payload};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::Serialize;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::{ExportError, check_passphrase};
use crate::{Entry, FieldValue};

/// PBKDF2-HMAC-SHA256 iterations of the offline page's key (OWASP's minimum for this PRF).
pub const PBKDF2_ITERATIONS: u32 = 600_000;
const SALT_LEN: usize = 16;
const NONCE_LEN: usize = 12;
const KEY_LEN: usize = 32;
/// The `format` the parameters block names.
const FORMAT: &str = "strongroom-offline-export";
const VERSION: u32 = 1;

/// The page's only script and style; the Content-Security-Policy allows exactly these.
const SCRIPT: &str = include_str!("offline/page.js");
const STYLE: &str = include_str!("offline/page.css");

/// Writes `entries` as one self-contained HTML page titled `title` that shows them after
/// asking for `passphrase` (at least [`MIN_PASSPHRASE_CHARS`](super::MIN_PASSPHRASE_CHARS)
/// characters). Every call uses a fresh salt and nonce.
///
/// Deriving the key costs [`PBKDF2_ITERATIONS`] iterations of HMAC-SHA256: run it off the
/// async executor.
pub fn offline_html(
    entries: &[Entry],
    passphrase: &str,
    title: &str,
) -> Result<String, ExportError> {
    offline_html_with(entries, passphrase, title, PBKDF2_ITERATIONS)
}

/// [`offline_html`] with another iteration count, for tests about the page rather than its key.
fn offline_html_with(
    entries: &[Entry],
    passphrase: &str,
    title: &str,
    iterations: u32,
) -> Result<String, ExportError> {
    check_passphrase(passphrase)?;
    let salt: [u8; SALT_LEN] = rand::random();
    let nonce: [u8; NONCE_LEN] = rand::random();
    let plaintext = payload_json(entries)?;
    let key = derive_key(passphrase, &salt, iterations);
    let cipher = Aes256Gcm::new((&*key).into());
    let ciphertext = cipher
        .encrypt(
            &Nonce::<Aes256Gcm>::from(nonce),
            Payload {
                msg: &plaintext,
                aad: b"",
            },
        )
        .map_err(|_| ExportError::Encrypt)?;

    let parameters = serde_json::json!({
        "format": FORMAT,
        "version": VERSION,
        "kdf": "PBKDF2-HMAC-SHA256",
        "iterations": iterations,
        "salt": BASE64.encode(salt),
        "cipher": "AES-256-GCM",
        "nonce": BASE64.encode(nonce),
        "tag_bits": 128,
    });
    let data = serde_json::json!({ "ciphertext": BASE64.encode(&ciphertext) });
    Ok(page(
        title,
        iterations,
        &parameters.to_string(),
        &data.to_string(),
    ))
}

/// PBKDF2-HMAC-SHA256 of the passphrase's UTF-8 bytes, as WebCrypto derives it.
pub(crate) fn derive_key(
    passphrase: &str,
    salt: &[u8],
    iterations: u32,
) -> Zeroizing<[u8; KEY_LEN]> {
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    pbkdf2::pbkdf2_hmac::<Sha256>(passphrase.as_bytes(), salt, iterations, &mut key[..]);
    key
}

#[derive(Serialize)]
struct PayloadView<'a> {
    version: u32,
    entries: Vec<EntryView<'a>>,
}

/// An entry as the page's script reads it, borrowing every string (no copies of secrets).
#[derive(Serialize)]
struct EntryView<'a> {
    resource: &'a str,
    #[serde(rename = "type")]
    resource_type: &'a str,
    host: &'a str,
    url: &'a str,
    department: &'a str,
    location: &'a str,
    description: &'a str,
    resource_notes: &'a str,
    username: &'a str,
    password: &'a str,
    account_notes: &'a str,
    fields: Vec<FieldView<'a>>,
    group: &'a [String],
}

#[derive(Serialize)]
struct FieldView<'a> {
    name: &'a str,
    value: &'a str,
    secret: bool,
}

/// The entries as JSON, in a buffer sized in advance (so no reallocation leaves a copy
/// behind) and wiped when dropped.
fn payload_json(entries: &[Entry]) -> Result<Zeroizing<Vec<u8>>, ExportError> {
    let view = PayloadView {
        version: VERSION,
        entries: entries
            .iter()
            .map(|e| EntryView {
                resource: &e.resource_name,
                resource_type: &e.resource_type,
                host: &e.host,
                url: &e.url,
                department: &e.department,
                location: &e.location,
                description: &e.description,
                resource_notes: &e.resource_notes,
                username: &e.username,
                password: &e.password,
                account_notes: &e.account_notes,
                fields: e
                    .fields
                    .iter()
                    .map(|f| match &f.value {
                        FieldValue::Text(text) => FieldView {
                            name: &f.name,
                            value: text,
                            secret: false,
                        },
                        FieldValue::Secret(secret) => FieldView {
                            name: &f.name,
                            value: secret,
                            secret: true,
                        },
                    })
                    .collect(),
                group: &e.group_path,
            })
            .collect(),
    };
    let mut counter = Counter(0);
    serde_json::to_writer(&mut counter, &view)
        .map_err(|e| ExportError::Serialize(e.to_string()))?;
    let mut out = Zeroizing::new(Vec::with_capacity(counter.0));
    serde_json::to_writer(&mut *out, &view).map_err(|e| ExportError::Serialize(e.to_string()))?;
    Ok(out)
}

/// Counts the bytes that would be written.
struct Counter(usize);

impl io::Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// `'sha256-…'` of an inline script or style, for the Content-Security-Policy.
fn csp_hash(text: &str) -> String {
    format!(
        "'sha256-{}'",
        BASE64.encode(Sha256::digest(text.as_bytes()))
    )
}

/// Escapes text for HTML content and attribute values.
fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The whole page. `parameters` and `data` are JSON made here from base64 and numbers only, so
/// they cannot close their `<script>` element.
fn page(title: &str, iterations: u32, parameters: &str, data: &str) -> String {
    let title = escape_html(title);
    let csp = format!(
        "default-src 'none'; script-src {}; style-src {}; img-src 'none'; font-src 'none'; \
         connect-src 'none'; media-src 'none'; object-src 'none'; frame-src 'none'; \
         worker-src 'none'; manifest-src 'none'; form-action 'none'; base-uri 'none'",
        csp_hash(SCRIPT),
        csp_hash(STYLE),
    );
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{STYLE}</style>
</head>
<body>
<h1>{title}</h1>
<noscript><p>This page needs JavaScript to decrypt its content.</p></noscript>
<form id="unlock" autocomplete="off">
<label for="passphrase">Passphrase</label>
<input id="passphrase" type="password" autocomplete="off" required autofocus>
<button id="open" type="submit">Open</button>
</form>
<p id="status" role="status"></p>
<div id="vault" hidden>
<div class="toolbar">
<label for="search">Search</label>
<input id="search" type="search" autocomplete="off">
<span id="count"></span>
</div>
<table id="entries">
<thead><tr><th>Resource</th><th>Type</th><th>Host</th><th>URL</th><th>Username</th><th>Password</th><th>Notes</th><th>Details</th><th>Group</th></tr></thead>
<tbody id="entries-body"></tbody>
</table>
</div>
<footer>Strongroom offline export. The content is encrypted with AES-256-GCM under a key derived from the passphrase with PBKDF2-HMAC-SHA256 ({iterations} iterations); the parameters are in the vault-parameters block of this file. Nothing is loaded from or sent to the network.</footer>
<script type="application/json" id="vault-parameters">{parameters}</script>
<script type="application/json" id="vault-data">{data}</script>
<script>{SCRIPT}</script>
</body>
</html>
"#
    )
}

#[cfg(test)]
mod tests;
