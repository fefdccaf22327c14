use zeroize::Zeroizing;

use super::*;
use crate::Field;

/// Cheap enough for a debug build; the real cost is tested once.
const LIGHT: KeepassKdf = KeepassKdf {
    memory_kib: 1024,
    passes: 1,
    lanes: 1,
};
const PASSWORD: &str = "correct horse battery";

fn sample() -> Vec<Entry> {
    vec![
        Entry {
            resource_name: "db1".into(),
            resource_type: "PostgreSQL".into(),
            host: "db1.internal".into(),
            url: "postgres://db1.internal".into(),
            department: "Ops".into(),
            location: "Rack 4".into(),
            description: "primary".into(),
            resource_notes: "resource notes\nline 2".into(),
            username: "postgres".into(),
            password: Zeroizing::new("pg-s3cret-=1".into()),
            account_notes: "account notes".into(),
            fields: vec![
                Field {
                    name: "pin".into(),
                    value: FieldValue::Secret(Zeroizing::new("4321".into())),
                },
                Field {
                    name: "asset tag".into(),
                    value: FieldValue::Text("A-17".into()),
                },
            ],
            group_path: vec!["Databases".into(), "Production".into()],
        },
        Entry {
            resource_name: "db2".into(),
            username: "replica".into(),
            password: Zeroizing::new("r3plica".into()),
            group_path: vec!["Databases".into(), "Production".into()],
            ..Default::default()
        },
        Entry {
            resource_name: "web".into(),
            url: "https://intranet".into(),
            username: "admin".into(),
            password: Zeroizing::new("w3b".into()),
            group_path: vec!["Databases".into()],
            ..Default::default()
        },
        Entry {
            resource_name: "router".into(),
            username: "root".into(),
            password: Zeroizing::new("r0uter/x".into()),
            group_path: vec!["Linux/Unix".into()],
            ..Default::default()
        },
        Entry {
            resource_name: "bare".into(),
            ..Default::default()
        },
    ]
}

/// Reads a database back into entries the way the mapping describes (what an importer
/// does), in the order of a depth-first walk.
fn read_back(bytes: &[u8], password: &str) -> Vec<Entry> {
    let db = Database::open(&mut &bytes[..], DatabaseKey::new().with_password(password)).unwrap();
    assert_eq!(db.root().name, ROOT_GROUP);
    let mut out = Vec::new();
    walk(db.root(), &mut Vec::new(), &mut out);
    out
}

fn walk(group: keepass::db::GroupRef<'_>, path: &mut Vec<String>, out: &mut Vec<Entry>) {
    for kp in group.entries() {
        let get = |name: &str| kp.get(name).unwrap_or_default().to_owned();
        let mut fields: Vec<Field> = kp
            .fields
            .iter()
            .filter(|(name, _)| {
                !fields::KNOWN_FIELDS.contains(&name.as_str())
                    && !RESOURCE_STRINGS.contains(&name.as_str())
            })
            .map(|(name, value)| Field {
                name: name.clone(),
                value: if value.is_protected() {
                    FieldValue::Secret(Zeroizing::new(value.get().clone()))
                } else {
                    FieldValue::Text(value.get().clone())
                },
            })
            .collect();
        fields.sort_by(|a, b| a.name.cmp(&b.name));
        assert!(kp.fields[fields::PASSWORD].is_protected());
        out.push(Entry {
            resource_name: get(fields::TITLE),
            resource_type: get("Resource Type"),
            host: get("Host"),
            url: get(fields::URL),
            department: get("Department"),
            location: get("Location"),
            description: get("Description"),
            resource_notes: get("Resource Notes"),
            username: get(fields::USERNAME),
            password: Zeroizing::new(get(fields::PASSWORD)),
            account_notes: get(fields::NOTES),
            fields,
            group_path: path.clone(),
        });
    }
    for child in group.groups() {
        path.push(child.name.clone());
        walk(child, path, out);
        path.pop();
    }
}

fn sorted_fields(mut entry: Entry) -> Entry {
    entry.fields.sort_by(|a, b| a.name.cmp(&b.name));
    entry
}

#[test]
fn a_written_database_reads_back_as_the_same_entries() {
    let entries = sample();
    let bytes = keepass_with_kdf(&entries, PASSWORD, LIGHT).unwrap();
    let mut back = read_back(&bytes, PASSWORD);
    let mut expected: Vec<Entry> = entries.into_iter().map(sorted_fields).collect();
    let key = |e: &Entry| e.resource_name.clone();
    back.sort_by_key(key);
    expected.sort_by_key(key);
    assert_eq!(back, expected);
}

#[test]
fn groups_are_nested_once_per_path() {
    let bytes = keepass_with_kdf(&sample(), PASSWORD, LIGHT).unwrap();
    let db = Database::open(&mut &bytes[..], DatabaseKey::new().with_password(PASSWORD)).unwrap();
    let top: Vec<String> = db.root().groups().map(|g| g.name.clone()).collect();
    assert_eq!(top, ["Databases", "Linux/Unix"]);
    let root = db.root();
    let databases = root.group_by_name("Databases").unwrap();
    let inner: Vec<String> = databases.groups().map(|g| g.name.clone()).collect();
    assert_eq!(inner, ["Production"]);
    let production = databases.group_by_name("Production").unwrap();
    assert_eq!(production.entries().count(), 2);
    assert_eq!(db.root().entries().count(), 1, "the entry without a group");
    // Resource strings only when set.
    let web = databases.entry_by_name("web").unwrap();
    assert!(web.get("Host").is_none() && web.get("Resource Type").is_none());
}

#[test]
fn the_kdf_is_argon2id_with_the_given_cost_and_a_wrong_password_fails() {
    let bytes = keepass_with_kdf(&sample(), PASSWORD, LIGHT).unwrap();
    let db = Database::open(&mut &bytes[..], DatabaseKey::new().with_password(PASSWORD)).unwrap();
    assert!(matches!(
        db.config.kdf_config,
        KdfConfig::Argon2id {
            iterations: 1,
            memory: 1_048_576,
            parallelism: 1,
            ..
        }
    ));
    assert!(
        Database::open(
            &mut &bytes[..],
            DatabaseKey::new().with_password("wrong password!")
        )
        .is_err()
    );
    // No password in the clear in the file.
    assert!(!bytes.windows(7).any(|w| w == b"r3plica"));
}

#[test]
fn the_default_cost_is_written_and_opens() {
    let started = std::time::Instant::now();
    let bytes = keepass(&sample()[1..2], PASSWORD).unwrap();
    let db = Database::open(&mut &bytes[..], DatabaseKey::new().with_password(PASSWORD)).unwrap();
    assert!(matches!(
        db.config.kdf_config,
        KdfConfig::Argon2id {
            iterations: 3,
            memory: 67_108_864,
            parallelism: 2,
            ..
        }
    ));
    eprintln!("default KDF: written and read in {:?}", started.elapsed());
}

#[test]
fn short_passwords_and_reserved_names_are_refused() {
    assert!(matches!(
        keepass_with_kdf(&sample(), "short", LIGHT),
        Err(ExportError::PassphraseTooShort { min: 12 })
    ));
    for name in ["Password", "title", "Host", "resource notes", ""] {
        let mut e = sample().swap_remove(1);
        e.fields.push(Field {
            name: name.into(),
            value: FieldValue::Text("x".into()),
        });
        assert!(
            matches!(
                keepass_with_kdf(&[e], PASSWORD, LIGHT),
                Err(ExportError::ReservedFieldName { .. })
            ),
            "{name}"
        );
    }
}
