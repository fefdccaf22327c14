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
    let params: serde_json::Value = serde_json::from_str(block(html, "vault-parameters")).unwrap();
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
    let params: serde_json::Value = serde_json::from_str(block(&html, "vault-parameters")).unwrap();
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
