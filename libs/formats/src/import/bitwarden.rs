//! Bitwarden's CSV export: `folder,favorite,type,name,notes,fields,reprompt,login_uri,
//! login_username,login_password,login_totp` (`collections` for `folder` in an
//! organization's export).

use zeroize::Zeroizing;

use super::columns::normalize;
use super::table::Table;
use super::{ImportError, Parsed, util};
use crate::{Entry, Field, FieldValue};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Col {
    Folder,
    Collections,
    Type,
    Name,
    Notes,
    Fields,
    Uri,
    Username,
    Password,
    Totp,
    Dropped,
    Other,
}

fn column(name: &str) -> Col {
    match normalize(name).as_str() {
        "folder" => Col::Folder,
        "collections" => Col::Collections,
        "type" => Col::Type,
        "name" => Col::Name,
        "notes" => Col::Notes,
        "fields" => Col::Fields,
        "login uri" => Col::Uri,
        "login username" => Col::Username,
        "login password" => Col::Password,
        "login totp" => Col::Totp,
        "favorite" | "reprompt" => Col::Dropped,
        _ => Col::Other,
    }
}

/// Reads every row of a Bitwarden CSV export.
pub(super) fn parse(mut table: Table<'_>) -> Result<Parsed, ImportError> {
    let columns: Vec<Col> = table.header.iter().map(|name| column(name)).collect();
    for (required, name) in [(Col::Name, "name"), (Col::Type, "type")] {
        if !columns.contains(&required) {
            return Err(ImportError::MissingColumn {
                format: "Bitwarden CSV",
                column: name,
            });
        }
    }
    let header = table.header.clone();
    table.parse_rows(|fields| entry(&columns, &header, fields))
}

fn entry(columns: &[Col], header: &[String], fields: &[&str]) -> Result<Entry, String> {
    let get = |wanted: Col| {
        columns
            .iter()
            .position(|c| *c == wanted)
            .and_then(|index| fields.get(index))
            .copied()
            .unwrap_or("")
    };
    let kind = get(Col::Type).trim().to_lowercase();
    let login = match kind.as_str() {
        "login" => true,
        "note" => false,
        "" => return Err("the row has no Bitwarden item type".to_owned()),
        // The value is not shown: in a damaged row it could be any column's content.
        _ => {
            return Err(
                "the Bitwarden item type is not imported (only login and note items are)"
                    .to_owned(),
            );
        }
    };
    let mut entry = Entry {
        resource_name: get(Col::Name).trim().to_owned(),
        ..Default::default()
    };
    if entry.resource_name.is_empty() {
        return Err("the row has no resource name".to_owned());
    }
    let folder = get(Col::Folder);
    let folder = if folder.trim().is_empty() {
        get(Col::Collections).split(',').next().unwrap_or("")
    } else {
        folder
    };
    entry.group_path = util::group_path(folder);
    if login {
        entry.account_notes = get(Col::Notes).to_owned();
        entry.username = get(Col::Username).trim().to_owned();
        entry.password = Zeroizing::new(get(Col::Password).to_owned());
        let uris = uris(get(Col::Uri));
        let mut uris = uris.into_iter();
        entry.url = uris.next().unwrap_or_default();
        entry.host = util::url_host(&entry.url);
        for (index, uri) in uris.enumerate() {
            entry.fields.push(Field {
                name: format!("URI {}", index + 2),
                value: FieldValue::Text(uri),
            });
        }
    } else {
        entry.resource_notes = get(Col::Notes).to_owned();
    }
    custom_fields(get(Col::Fields), &mut entry.fields);
    let totp = get(Col::Totp).trim();
    if login && !totp.is_empty() {
        entry.fields.push(Field {
            name: "TOTP".to_owned(),
            value: FieldValue::Secret(Zeroizing::new(totp.to_owned())),
        });
    }
    for ((col, name), value) in columns.iter().zip(header).zip(fields) {
        if *col == Col::Other && !value.is_empty() {
            entry.fields.push(Field {
                name: name.clone(),
                value: FieldValue::Text((*value).to_owned()),
            });
        }
    }
    Ok(entry)
}

/// The URIs of `login_uri`: one, or several joined with commas when every part is a URL.
fn uris(value: &str) -> Vec<String> {
    let value = value.trim();
    if value.is_empty() {
        return Vec::new();
    }
    let parts: Vec<&str> = value.split(',').map(str::trim).collect();
    if parts.len() > 1 && parts.iter().all(|part| part.contains("://")) {
        parts.into_iter().map(str::to_owned).collect()
    } else {
        vec![value.to_owned()]
    }
}

/// The `fields` column's `name: value` lines; a line with no `: ` continues the previous
/// value (or is a field with no value when it comes first).
fn custom_fields(value: &str, out: &mut Vec<Field>) {
    let start = out.len();
    for line in value.lines() {
        if line.trim().is_empty() {
            continue;
        }
        match line.split_once(": ") {
            Some((name, value)) if !name.trim().is_empty() => out.push(Field {
                name: name.trim().to_owned(),
                value: FieldValue::Text(value.to_owned()),
            }),
            _ => match out.get_mut(start..).and_then(|own| own.last_mut()) {
                Some(Field {
                    value: FieldValue::Text(previous),
                    ..
                }) => {
                    previous.push('\n');
                    previous.push_str(line);
                }
                _ => out.push(Field {
                    name: line.trim().trim_end_matches(':').to_owned(),
                    value: FieldValue::Text(String::new()),
                }),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_lines_become_fields_and_continue_multiline_values() {
        let mut out = Vec::new();
        custom_fields(
            "pin: 1234\nrecovery: line one\nline two\n\nport: 5432",
            &mut out,
        );
        let shown: Vec<(&str, &str)> = out
            .iter()
            .map(|f| match &f.value {
                FieldValue::Text(t) => (f.name.as_str(), t.as_str()),
                FieldValue::Secret(_) => (f.name.as_str(), "secret"),
            })
            .collect();
        assert_eq!(
            shown,
            [
                ("pin", "1234"),
                ("recovery", "line one\nline two"),
                ("port", "5432")
            ]
        );
    }

    #[test]
    fn several_uris_split_only_when_all_are_urls() {
        assert_eq!(uris("https://a.example, https://b.example").len(), 2);
        assert_eq!(
            uris("https://a.example/?q=1,2"),
            ["https://a.example/?q=1,2"]
        );
        assert!(uris(" ").is_empty());
    }
}
