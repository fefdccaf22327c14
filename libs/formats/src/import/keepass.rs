//! KeePass KDBX 3.1 and 4 databases, opened with a password.

use std::panic::{AssertUnwindSafe, catch_unwind};

use keepass::db::{DatabaseOpenError, Value};
use keepass::error::DatabaseKeyError;
use keepass::{Database, DatabaseKey};
use zeroize::Zeroizing;

use super::{
    ImportError, MAX_FIELD_BYTES, MAX_ROWS, Parsed, Rejection, Row, kdbx, kdbx_payload, kdbx_xml,
    util,
};
use crate::export::RESOURCE_STRINGS;
use crate::{Entry, Field, FieldValue};

const STANDARD: [&str; 5] = ["Title", "UserName", "Password", "URL", "Notes"];

/// Reads every entry of the database `bytes` (not those in its recycle bin).
pub(super) fn parse(bytes: &[u8], password: Option<&String>) -> Result<Parsed, ImportError> {
    let header = kdbx::check_header(bytes)?;
    let password = password.ok_or(ImportError::KeepassPasswordRequired)?;
    let key = || DatabaseKey::new().with_password(password);
    // Decrypt the payload (through the decompression cap) and measure the XML before the
    // crate decrypts it again and parses it.
    let xml = kdbx_payload::decrypt_xml(bytes, &header, password)?;
    kdbx_xml::check_xml(&xml)?;
    drop(xml);
    let database = guarded(|| Database::parse(bytes, key()))?.map_err(open_error)?;
    entries(&database)
}

/// Runs the `keepass` crate: a panic in it is a damaged file, not a crash.
fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, ImportError> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|_| ImportError::KeepassCorrupt)
}

fn open_error(error: DatabaseOpenError) -> ImportError {
    match error {
        DatabaseOpenError::Key(DatabaseKeyError::IncorrectKey) => ImportError::KeepassWrongPassword,
        // KDBX 3.1 has no key check before its payload's CBC padding.
        DatabaseOpenError::Cryptography(_) => ImportError::KeepassUndecryptable,
        DatabaseOpenError::VersionParse(_) => ImportError::NotKeepass,
        DatabaseOpenError::UnsupportedVersion => ImportError::KeepassUnsupportedVersion {
            version: "KeePass 1 .kdb",
        },
        _ => ImportError::KeepassCorrupt,
    }
}

fn entries(database: &Database) -> Result<Parsed, ImportError> {
    let recycle_bin = database
        .meta
        .recyclebin_uuid
        .filter(|_| database.meta.recyclebin_enabled != Some(false));
    let mut parsed = Parsed::default();
    let mut number = 0usize;
    let mut stack = vec![(database.root().id(), Vec::<String>::new())];
    while let Some((id, path)) = stack.pop() {
        let Some(group) = database.group(id) else {
            continue;
        };
        for entry_id in group.entry_ids() {
            let Some(item) = database.entry(entry_id) else {
                continue;
            };
            number += 1;
            if number > MAX_ROWS {
                return Err(ImportError::TooManyRows { limit: MAX_ROWS });
            }
            parsed.rows.push(match entry(&item, number, &path) {
                Ok(entry) => Row::Entry {
                    row: number,
                    entry: Box::new(entry),
                },
                Err(reason) => Row::Rejected(Rejection {
                    row: number,
                    reason,
                }),
            });
        }
        let children: Vec<_> = group.group_ids().collect();
        for child_id in children.into_iter().rev() {
            let Some(child) = database.group(child_id) else {
                continue;
            };
            if Some(child_id.uuid()) == recycle_bin {
                continue;
            }
            let mut child_path = path.clone();
            child_path.push(child.name.clone());
            stack.push((child_id, child_path));
        }
    }
    Ok(parsed)
}

fn entry(item: &keepass::db::Entry, number: usize, path: &[String]) -> Result<Entry, String> {
    for (name, value) in &item.fields {
        if let Some(reason) = util::over_limit(name, value.get().len()) {
            return Err(reason);
        }
    }
    let text = |name: &str| item.get(name).unwrap_or("").to_owned();
    let mut entry = Entry {
        resource_name: text("Title").trim().to_owned(),
        username: text("UserName").trim().to_owned(),
        password: Zeroizing::new(text("Password")),
        url: text("URL").trim().to_owned(),
        account_notes: text("Notes"),
        group_path: path.to_vec(),
        ..Default::default()
    };
    entry.resource_type = text("Resource Type").trim().to_owned();
    entry.host = match text("Host").trim() {
        "" => util::url_host(&entry.url),
        host => host.to_owned(),
    };
    entry.department = text("Department").trim().to_owned();
    entry.location = text("Location").trim().to_owned();
    entry.description = text("Description");
    entry.resource_notes = text("Resource Notes");
    if entry.resource_name.is_empty() {
        entry.resource_name = if entry.host.is_empty() {
            format!("Untitled {number}")
        } else {
            entry.host.clone()
        };
    }
    let mut custom: Vec<(&String, &Value<String>)> = item
        .fields
        .iter()
        .filter(|(name, _)| {
            !STANDARD.contains(&name.as_str()) && !RESOURCE_STRINGS.contains(&name.as_str())
        })
        .collect();
    custom.sort_by(|a, b| a.0.cmp(b.0));
    for (name, value) in custom {
        entry.fields.push(Field {
            name: name.clone(),
            value: if value.is_protected() {
                FieldValue::Secret(Zeroizing::new(value.get().clone()))
            } else {
                FieldValue::Text(value.get().clone())
            },
        });
    }
    if !item.tags.is_empty() {
        let tags = item.tags.join(", ");
        if tags.len() <= MAX_FIELD_BYTES {
            entry.fields.push(Field {
                name: "Tags".to_owned(),
                value: FieldValue::Text(tags),
            });
        }
    }
    Ok(entry)
}
