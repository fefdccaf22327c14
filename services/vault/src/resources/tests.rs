use super::*;

#[test]
fn hosts_are_names_or_addresses() {
    for ok in [
        "",
        "db1",
        "db1.acme.test",
        "db1.acme.test.",
        "10.0.0.1",
        "::1",
        "a_b.c",
    ] {
        assert!(is_host(ok), "{ok}");
    }
    for bad in [
        "db 1",
        "-db",
        "db-",
        "a..b",
        "http://x",
        "x/y",
        &"a".repeat(64),
    ] {
        assert!(!is_host(bad), "{bad}");
    }
}

#[test]
fn urls_are_absolute_without_spaces() {
    assert!(is_url("https://acme.test/login"));
    assert!(is_url("ssh://db1:22"));
    for bad in [
        "acme.test",
        "https://",
        "://x",
        "https://a b",
        "java script://x",
    ] {
        assert!(!is_url(bad), "{bad}");
    }
}

#[test]
fn fields_are_trimmed_and_bounded() {
    let fields = validated(ResourceFields {
        name: "  db1 ".into(),
        resource_type: "PostgreSQL".into(),
        host: " db1.acme.test ".into(),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(
        (fields.name.as_str(), fields.host.as_str()),
        ("db1", "db1.acme.test")
    );
    let long = ResourceFields {
        name: "x".repeat(201),
        resource_type: "Linux".into(),
        ..Default::default()
    };
    assert!(matches!(validated(long), Err(VaultError::InvalidInput(m)) if m.contains("name")));
}

#[test]
fn only_fields_that_change_are_named() {
    let now = chrono::Utc::now();
    let row = ResourceRow {
        id: uuid::Uuid::nil(),
        name: "db1".into(),
        resource_type: "Linux".into(),
        host: "h".into(),
        url: String::new(),
        department: String::new(),
        location: String::new(),
        description: String::new(),
        notes: String::new(),
        password_policy: String::new(),
        owner_id: uuid::Uuid::nil(),
        created_at: now,
        updated_at: now,
        deleted_at: None,
        accounts: 0,
        favourite: false,
        fields: Vec::new(),
    };
    let (fields, changed) = ResourceChanges {
        name: Some("db1".into()),
        host: Some("h2".into()),
        notes: Some("n".into()),
        ..Default::default()
    }
    .apply(&row);
    assert_eq!(changed, ["host", "notes"]);
    assert_eq!(
        (fields.name.as_str(), fields.resource_type.as_str()),
        ("db1", "Linux")
    );
}
