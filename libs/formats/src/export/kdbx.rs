//! Entries as a KeePass (KDBX 4) database; the mapping is described in the
//! [module docs](super).

use std::collections::HashMap;

use keepass::config::KdfConfig;
use keepass::db::{GroupId, fields};
use keepass::{Database, DatabaseKey};

use super::{ExportError, check_passphrase};
use crate::{Entry, FieldValue};

/// The custom strings that carry a resource's fields, with the field each comes from.
pub(crate) const RESOURCE_STRINGS: [&str; 6] = [
    "Resource Type",
    "Host",
    "Department",
    "Location",
    "Description",
    "Resource Notes",
];

/// The name of the root group; it is not part of any entry's group path.
pub(crate) const ROOT_GROUP: &str = "Root";

/// Argon2id's cost for deriving a KeePass database's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeepassKdf {
    /// Memory in KiB.
    pub memory_kib: u64,
    /// Passes over the memory.
    pub passes: u64,
    /// Lanes (parallelism).
    pub lanes: u32,
}

/// What [`keepass()`] uses: Argon2id with 64 MiB, 3 passes and 2 lanes (Bitwarden's default
/// memory and passes, above OWASP's minimum of 19 MiB and 2 passes); KeePassXC opens such a
/// file in about a second on a modest machine.
pub const KEEPASS_ARGON2ID: KeepassKdf = KeepassKdf {
    memory_kib: 64 * 1024,
    passes: 3,
    lanes: 2,
};

/// Writes `entries` as a KDBX 4 database locked with `password` (at least
/// [`MIN_PASSPHRASE_CHARS`](super::MIN_PASSPHRASE_CHARS) characters), its key derived with
/// [`KEEPASS_ARGON2ID`].
pub fn keepass(entries: &[Entry], password: &str) -> Result<Vec<u8>, ExportError> {
    keepass_with_kdf(entries, password, KEEPASS_ARGON2ID)
}

/// [`keepass()`] with another Argon2id cost: for tests, which would otherwise spend most of
/// their time deriving keys. Use [`keepass()`] for files that leave the vault.
pub fn keepass_with_kdf(
    entries: &[Entry],
    password: &str,
    kdf: KeepassKdf,
) -> Result<Vec<u8>, ExportError> {
    check_passphrase(password)?;
    for entry in entries {
        check_field_names(entry)?;
    }
    let mut db = Database::new();
    // The library's default is Argon2d; keep its Argon2 version (0x13, the current one) and
    // ask for Argon2id.
    let version = match &db.config.kdf_config {
        KdfConfig::Argon2 { version, .. } | KdfConfig::Argon2id { version, .. } => *version,
        _ => return Err(ExportError::Keepass("unexpected default KDF".into())),
    };
    db.config.kdf_config = KdfConfig::Argon2id {
        iterations: kdf.passes,
        memory: kdf.memory_kib.saturating_mul(1024),
        parallelism: kdf.lanes,
        version,
    };
    db.meta.database_name = Some("Strongroom export".into());
    db.root_mut().name = ROOT_GROUP.into();

    let root = db.root().id();
    let mut groups: HashMap<&[String], GroupId> = HashMap::new();
    for entry in entries {
        let group = group_for(&mut db, &mut groups, root, &entry.group_path)?;
        let mut group = db
            .group_mut(group)
            .ok_or_else(|| ExportError::Keepass("a group just made is missing".into()))?;
        let mut kp = group.add_entry();
        kp.set_unprotected(fields::TITLE, entry.resource_name.as_str());
        kp.set_unprotected(fields::USERNAME, entry.username.as_str());
        kp.set_protected(fields::PASSWORD, entry.password.as_str());
        kp.set_unprotected(fields::URL, entry.url.as_str());
        kp.set_unprotected(fields::NOTES, entry.account_notes.as_str());
        let resource = [
            &entry.resource_type,
            &entry.host,
            &entry.department,
            &entry.location,
            &entry.description,
            &entry.resource_notes,
        ];
        for (name, value) in RESOURCE_STRINGS.iter().zip(resource) {
            if !value.is_empty() {
                kp.set_unprotected(*name, value.as_str());
            }
        }
        for field in &entry.fields {
            match &field.value {
                FieldValue::Text(text) => kp.set_unprotected(field.name.as_str(), text.as_str()),
                FieldValue::Secret(secret) => {
                    kp.set_protected(field.name.as_str(), secret.as_str());
                }
            }
        }
    }

    let mut out = Vec::new();
    db.save(&mut out, DatabaseKey::new().with_password(password))
        .map_err(save_error)?;
    Ok(out)
}

/// The group for `path`, made (with its parents) when it does not exist yet.
fn group_for<'e>(
    db: &mut Database,
    groups: &mut HashMap<&'e [String], GroupId>,
    root: GroupId,
    path: &'e [String],
) -> Result<GroupId, ExportError> {
    let mut parent = root;
    for depth in 1..=path.len() {
        let prefix = &path[..depth];
        if let Some(id) = groups.get(prefix) {
            parent = *id;
            continue;
        }
        let mut parent_group = db
            .group_mut(parent)
            .ok_or_else(|| ExportError::Keepass("a group just made is missing".into()))?;
        let mut group = parent_group.add_group();
        group.name = path[depth - 1].clone();
        let id = group.id();
        groups.insert(prefix, id);
        parent = id;
    }
    Ok(parent)
}

/// Refuses extra fields named like a string the mapping uses, or repeated in one entry.
fn check_field_names(entry: &Entry) -> Result<(), ExportError> {
    for (i, field) in entry.fields.iter().enumerate() {
        let name = field.name.as_str();
        if name.is_empty()
            || fields::KNOWN_FIELDS
                .iter()
                .chain(RESOURCE_STRINGS.iter())
                .any(|reserved| reserved.eq_ignore_ascii_case(name))
        {
            return Err(ExportError::ReservedFieldName { name: name.into() });
        }
        if entry.fields[..i].iter().any(|earlier| earlier.name == name) {
            return Err(ExportError::DuplicateFieldName {
                resource: entry.resource_name.clone(),
                name: name.into(),
            });
        }
    }
    Ok(())
}

/// The library's error, without anything that might quote the database's content.
fn save_error(error: keepass::db::DatabaseSaveError) -> ExportError {
    use keepass::db::DatabaseSaveError as E;
    let what = match error {
        E::Io(e) => format!("I/O: {e}"),
        E::Serialization(_) => "XML serialisation failed".into(),
        E::Key(_) => "the key could not be made".into(),
        E::Cryptography(_) => "encryption failed".into(),
        E::Random(_) => "no randomness".into(),
        E::UnsupportedVersion => "unsupported database version".into(),
        _ => "unknown error".into(),
    };
    ExportError::Keepass(what)
}

#[cfg(test)]
mod tests {
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
        let db =
            Database::open(&mut &bytes[..], DatabaseKey::new().with_password(password)).unwrap();
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
        let db =
            Database::open(&mut &bytes[..], DatabaseKey::new().with_password(PASSWORD)).unwrap();
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
        let db =
            Database::open(&mut &bytes[..], DatabaseKey::new().with_password(PASSWORD)).unwrap();
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
        let db =
            Database::open(&mut &bytes[..], DatabaseKey::new().with_password(PASSWORD)).unwrap();
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
}
