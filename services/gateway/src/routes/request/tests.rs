use super::*;

#[test]
fn an_address_must_decode_to_utf8() {
    for ok in ["/users/abc", "/users/%C3%A9", "name=50%", "a%2Fb", "%zz"] {
        assert!(decodes_to_utf8(ok), "{ok}");
    }
    for bad in ["/users/a%FFb", "name=a%C3", "%80"] {
        assert!(!decodes_to_utf8(bad), "{bad}");
    }
}

#[test]
fn a_bad_text_is_named_by_where_it_is() {
    let long = "x".repeat(MAX_TEXT_CHARS + 1);
    let at = |value: serde_json::Value| bad_text(&value).unwrap_or_default();
    assert!(at(serde_json::json!({"a": {"b": [1, long]}})).starts_with("body.a.b[1] is longer"));
    assert!(
        at(serde_json::json!({"csv": long})).is_empty(),
        "files are exempt"
    );
    assert!(at(serde_json::json!({"n": "a\u{0}b"})).starts_with("body.n holds a NUL"));
    assert!(at(serde_json::json!({"ok": "fine"})).is_empty());
}
