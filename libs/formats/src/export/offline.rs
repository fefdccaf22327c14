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
mod tests {
    use super::*;
    use crate::Field;

    const PASSPHRASE: &str = "a long offline passphrase";
    /// For tests about the page, not its key: PBKDF2's 600,000 iterations take seconds in a
    /// debug build.
    const FAST: u32 = 1_000;

    fn sample() -> Vec<Entry> {
        vec![
            Entry {
                resource_name: "orders-db-7f3a".into(),
                resource_type: "PostgreSQL".into(),
                host: "orders-db-7f3a.internal".into(),
                url: "postgres://orders-db-7f3a.internal".into(),
                username: "svc_orders_9c1e".into(),
                password: Zeroizing::new("Pw-8d41</script><b>&\"'".into()),
                account_notes: "rotated monthly".into(),
                fields: vec![Field {
                    name: "pin".into(),
                    value: FieldValue::Secret(Zeroizing::new("pin-5521ab".into())),
                }],
                group_path: vec!["Databases".into(), "Production".into()],
                ..Default::default()
            },
            Entry {
                resource_name: "intranet-web-22b8".into(),
                username: "admin_44e0".into(),
                password: Zeroizing::new("Pw-c0ffee-77".into()),
                ..Default::default()
            },
        ]
    }

    /// The text between `<script type="application/json" id="{id}">` and `</script>`.
    fn block<'h>(html: &'h str, id: &str) -> &'h str {
        let start_tag = format!("<script type=\"application/json\" id=\"{id}\">");
        let start = html.find(&start_tag).unwrap() + start_tag.len();
        let end = start + html[start..].find("</script>").unwrap();
        &html[start..end]
    }

    /// Decrypts a page the way its script does, with Rust's PBKDF2 and AES-GCM.
    fn decrypt(html: &str, passphrase: &str) -> Option<serde_json::Value> {
        let params: serde_json::Value =
            serde_json::from_str(block(html, "vault-parameters")).unwrap();
        let data: serde_json::Value = serde_json::from_str(block(html, "vault-data")).unwrap();
        let b64 = |v: &serde_json::Value| BASE64.decode(v.as_str().unwrap()).unwrap();
        let salt = b64(&params["salt"]);
        let nonce = b64(&params["nonce"]);
        assert_eq!((salt.len(), nonce.len()), (16, 12));
        let iterations = u32::try_from(params["iterations"].as_u64().unwrap()).unwrap();
        let key = derive_key(passphrase, &salt, iterations);
        let nonce = <&Nonce<Aes256Gcm>>::try_from(nonce.as_slice()).unwrap();
        let plain = Aes256Gcm::new((&*key).into())
            .decrypt(nonce, b64(&data["ciphertext"]).as_slice())
            .ok()?;
        Some(serde_json::from_slice(&plain).unwrap())
    }

    #[test]
    fn the_ciphertext_decrypts_with_the_stated_parameters_to_the_entries() {
        let entries = sample();
        let html = offline_html(&entries, PASSPHRASE, "Vault export").unwrap();
        let params: serde_json::Value =
            serde_json::from_str(block(&html, "vault-parameters")).unwrap();
        assert_eq!(params["kdf"], "PBKDF2-HMAC-SHA256");
        assert_eq!(params["iterations"], 600_000);
        assert_eq!(params["cipher"], "AES-256-GCM");
        assert_eq!(params["tag_bits"], 128);
        assert_eq!(params["format"], FORMAT);
        let json = decrypt(&html, PASSPHRASE).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "version": 1,
                "entries": [
                    {
                        "resource": "orders-db-7f3a", "type": "PostgreSQL",
                        "host": "orders-db-7f3a.internal",
                        "url": "postgres://orders-db-7f3a.internal",
                        "department": "", "location": "", "description": "", "resource_notes": "",
                        "username": "svc_orders_9c1e", "password": "Pw-8d41</script><b>&\"'",
                        "account_notes": "rotated monthly",
                        "fields": [{ "name": "pin", "value": "pin-5521ab", "secret": true }],
                        "group": ["Databases", "Production"],
                    },
                    {
                        "resource": "intranet-web-22b8", "type": "", "host": "", "url": "",
                        "department": "", "location": "", "description": "", "resource_notes": "",
                        "username": "admin_44e0", "password": "Pw-c0ffee-77", "account_notes": "",
                        "fields": [], "group": [],
                    },
                ],
            })
        );
        assert!(decrypt(&html, "another passphrase!").is_none());
    }

    #[test]
    fn no_secret_or_entry_text_appears_in_the_page_and_exports_differ() {
        let entries = sample();
        let first = offline_html(&entries, PASSPHRASE, "Vault export").unwrap();
        for needle in [
            "orders-db-7f3a",
            "svc_orders_9c1e",
            "Pw-8d41",
            "pin-5521ab",
            "admin_44e0",
            "Pw-c0ffee-77",
            "intranet-web-22b8",
            "rotated monthly",
            PASSPHRASE,
        ] {
            assert!(!first.contains(needle), "{needle} is in the page");
        }
        let second = offline_html(&entries, PASSPHRASE, "Vault export").unwrap();
        assert_ne!(first, second);
        let params = |html: &str| -> serde_json::Value {
            serde_json::from_str(block(html, "vault-parameters")).unwrap()
        };
        assert_ne!(params(&first)["salt"], params(&second)["salt"]);
        assert_ne!(params(&first)["nonce"], params(&second)["nonce"]);
        assert_ne!(block(&first, "vault-data"), block(&second, "vault-data"));
    }

    #[test]
    fn the_page_is_self_contained_and_its_policy_allows_exactly_its_script_and_style() {
        let html = offline_html_with(&[], PASSPHRASE, "Empty", FAST).unwrap();
        let csp_start = html.find("content=\"default-src 'none'").unwrap();
        let csp = &html[csp_start..csp_start + html[csp_start..].find('>').unwrap()];
        let script_hash = format!(
            "script-src 'sha256-{}'",
            BASE64.encode(Sha256::digest(SCRIPT.as_bytes()))
        );
        assert!(csp.contains(&script_hash), "{csp}");
        assert!(csp.contains(&format!(
            "style-src 'sha256-{}'",
            BASE64.encode(Sha256::digest(STYLE.as_bytes()))
        )));
        for directive in [
            "connect-src 'none'",
            "form-action 'none'",
            "base-uri 'none'",
        ] {
            assert!(csp.contains(directive), "{directive}");
        }
        // The hashed texts are exactly the element contents.
        assert!(html.contains(&format!("<script>{SCRIPT}</script>")));
        assert!(html.contains(&format!("<style>{STYLE}</style>")));
        // Nothing external: no src, href, url(), @import or network API in the page.
        for forbidden in [
            "src=",
            "href=",
            "url(",
            "@import",
            "fetch(",
            "XMLHttpRequest",
            "innerHTML",
            "http://",
            "https://",
        ] {
            assert!(!html.contains(forbidden), "{forbidden}");
        }
        assert_eq!(html.matches("<script>").count(), 1);
        assert_eq!(html.matches("<style>").count(), 1);
    }

    #[test]
    fn the_title_is_escaped() {
        let html = offline_html_with(
            &[],
            PASSPHRASE,
            "<img src=x onerror=alert(1)> & \"co\"",
            FAST,
        )
        .unwrap();
        assert!(!html.contains("<img"));
        assert!(
            html.contains("<title>&lt;img src=x onerror=alert(1)&gt; &amp; &quot;co&quot;</title>")
        );
    }

    #[test]
    fn short_passphrases_are_refused() {
        assert!(matches!(
            offline_html(&sample(), "elevenchars", "t"),
            Err(ExportError::PassphraseTooShort { min: 12 })
        ));
        // Characters, not bytes: twelve non-ASCII letters are enough.
        assert!(offline_html_with(&[], "ééééééééééee", "t", FAST).is_ok());
    }
}
