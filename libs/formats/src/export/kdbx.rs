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
mod tests;
