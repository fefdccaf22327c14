//! Plain CSV / tab-separated files and Password Manager Pro's CSV: header names (or the
//! caller's mapping) say which column fills which entry field.

use zeroize::Zeroizing;

use super::table::Table;
use super::{Column, Format, ImportError, Options, Parsed, util};
use crate::{Entry, Field, FieldValue};

/// A header name as compared: trimmed, lower case, `_` and `-` as spaces, single spaces.
pub(super) fn normalize(name: &str) -> String {
    name.trim()
        .to_lowercase()
        .replace(['_', '-'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The entry field a (normalized) header name means in a plain CSV file.
fn csv_alias(name: &str) -> Option<Column> {
    Some(match name {
        "name" | "resource" | "resource name" | "resourcename" | "title" => Column::ResourceName,
        "type" | "resource type" => Column::ResourceType,
        "host"
        | "hostname"
        | "dns"
        | "dns name"
        | "ip"
        | "ip address"
        | "dns name/ip address"
        | "address" => Column::Host,
        "url" | "uri" | "resource url" | "website" => Column::Url,
        "department" => Column::Department,
        "location" => Column::Location,
        "description" | "resource description" => Column::Description,
        "notes" | "note" | "resource notes" => Column::ResourceNotes,
        "username" | "user" | "user name" | "user account" | "account" | "account name"
        | "login" => Column::Username,
        "password" | "pass" => Column::Password,
        "account notes" => Column::AccountNotes,
        "group" | "group name" | "resource group" | "folder" => Column::GroupPath,
        _ => return None,
    })
}

/// The entry field a (normalized) header name means in Password Manager Pro's CSV, where
/// `Notes` belong to the account and `Description` to the resource.
fn pmp_alias(name: &str) -> Option<Column> {
    Some(match name {
        "resource name" => Column::ResourceName,
        "resource type" | "os type" => Column::ResourceType,
        "dns name" | "ip address" | "dns name/ip address" => Column::Host,
        "resource url" | "url" => Column::Url,
        "department" => Column::Department,
        "location" => Column::Location,
        "description" | "resource description" => Column::Description,
        "resource notes" => Column::ResourceNotes,
        "user account" | "account name" | "user name" | "username" => Column::Username,
        "password" => Column::Password,
        "notes" | "account notes" | "account description" => Column::AccountNotes,
        "resource group" | "group name" => Column::GroupPath,
        _ => return None,
    })
}

/// Each column's entry field, from the header names and the caller's mapping.
fn resolve(header: &[String], options: &Options) -> Result<Vec<Column>, ImportError> {
    let alias = match options.format {
        Format::Pmp => pmp_alias,
        _ => csv_alias,
    };
    let normalized: Vec<String> = header.iter().map(|name| normalize(name)).collect();
    let mut targets: Vec<Column> = header
        .iter()
        .zip(&normalized)
        .map(|(name, key)| alias(key).unwrap_or_else(|| Column::Field(name.clone())))
        .collect();
    for (file_column, column) in &options.column_mapping {
        let key = normalize(file_column);
        let index = normalized
            .iter()
            .position(|name| *name == key)
            .ok_or_else(|| ImportError::MappedColumnNotInHeader {
                column: util::shown(file_column),
            })?;
        let column = match column {
            Column::Field(name) if name.trim().is_empty() => {
                Column::Field(header.get(index).cloned().unwrap_or_default())
            }
            other => other.clone(),
        };
        if let Some(target) = targets.get_mut(index) {
            *target = column;
        }
    }
    for (first, target) in targets.iter().enumerate() {
        if matches!(target, Column::Field(_) | Column::Ignore) {
            continue;
        }
        if let Some(second) = targets
            .iter()
            .skip(first + 1)
            .position(|other| other == target)
        {
            let name = |index: usize| header.get(index).map_or(String::new(), |n| util::shown(n));
            return Err(ImportError::DuplicateColumn {
                first: name(first),
                second: name(first + 1 + second),
                target: target.describe(),
            });
        }
    }
    if !targets.contains(&Column::ResourceName) {
        return Err(ImportError::MissingColumn {
            format: options.format.describe(),
            column: "resource name",
        });
    }
    Ok(targets)
}

/// Reads every row of a plain CSV, tab-separated or Password Manager Pro file.
pub(super) fn parse(mut table: Table<'_>, options: &Options) -> Result<Parsed, ImportError> {
    let header: Vec<String> = table
        .header
        .iter()
        .map(|name| util::unneutralized(name).to_owned())
        .collect();
    let targets = resolve(&header, options)?;
    table.parse_rows(|fields| entry(&targets, fields))
}

/// The entry one row makes, or why it makes none.
fn entry(targets: &[Column], fields: &[&str]) -> Result<Entry, String> {
    let mut entry = Entry::default();
    for (target, value) in targets.iter().zip(fields) {
        let value = &util::unneutralized(value);
        let text = || value.trim().to_owned();
        match target {
            Column::ResourceName => entry.resource_name = text(),
            Column::ResourceType => entry.resource_type = text(),
            Column::Host => entry.host = text(),
            Column::Url => entry.url = text(),
            Column::Department => entry.department = text(),
            Column::Location => entry.location = text(),
            Column::Description => entry.description = (*value).to_owned(),
            Column::ResourceNotes => entry.resource_notes = (*value).to_owned(),
            Column::Username => entry.username = text(),
            Column::Password => entry.password = Zeroizing::new((*value).to_owned()),
            Column::AccountNotes => entry.account_notes = (*value).to_owned(),
            Column::GroupPath => entry.group_path = util::group_path(value),
            Column::Field(name) => {
                if !value.is_empty() {
                    entry.fields.push(Field {
                        name: name.clone(),
                        value: FieldValue::Text((*value).to_owned()),
                    });
                }
            }
            Column::Ignore => {}
        }
    }
    if entry.resource_name.is_empty() {
        return Err("the row has no resource name".to_owned());
    }
    Ok(entry)
}
