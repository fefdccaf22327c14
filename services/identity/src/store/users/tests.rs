use super::*;

#[test]
fn debug_output_never_shows_a_password_hash() {
    let row = UserRow {
        id: Uuid::now_v7(),
        username: "alice".into(),
        full_name: String::new(),
        email: String::new(),
        department: String::new(),
        location: String::new(),
        role: "administrator".into(),
        status: "active".into(),
        source: "local".into(),
        password_hash: Some("$argon2id$v=19$secret-hash".into()),
        password_changed_at: None,
        directory_dn: None,
        token_version: 0,
        created_at: Utc::now(),
        must_change_password: false,
        created_by: None,
        password_set_by: None,
        password_set_at: None,
        last_login_at: None,
        administrator_since: None,
    };
    let text = format!("{row:?}");
    assert!(!text.contains("secret-hash"), "{text}");
    assert!(
        text.contains("alice") && text.contains("<redacted>"),
        "{text}"
    );
}
