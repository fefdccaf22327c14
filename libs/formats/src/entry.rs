//! One account of one resource, as files carry it: the row of a CSV file, the entry of a
//! KeePass database.

use std::fmt;

use zeroize::Zeroizing;

/// One account (or a resource with no account) and where it belongs.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Entry {
    /// The resource's name (KeePass: the entry's title; Bitwarden: the item's name).
    pub resource_name: String,
    /// The resource's type, e.g. `Linux`, `Web Site` (empty when the file says none).
    pub resource_type: String,
    pub host: String,
    pub url: String,
    pub department: String,
    pub location: String,
    pub description: String,
    /// The resource's notes.
    pub resource_notes: String,
    /// The account's username; empty with no password for a resource without accounts.
    pub username: String,
    /// The account's password (wiped on drop, never in `Debug`).
    pub password: Zeroizing<String>,
    /// The account's notes.
    pub account_notes: String,
    /// The account's other fields (KeePass custom strings, Bitwarden custom fields, extra
    /// CSV columns), in file order.
    pub fields: Vec<Field>,
    /// The resource groups it sits in, outermost first (KeePass groups, Bitwarden folders):
    /// `["Databases", "Production"]`.
    pub group_path: Vec<String>,
}

impl Entry {
    /// Whether the entry carries an account (a username or a password).
    pub fn has_account(&self) -> bool {
        !self.username.is_empty() || !self.password.is_empty()
    }
}

impl fmt::Debug for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Entry")
            .field("resource_name", &self.resource_name)
            .field("resource_type", &self.resource_type)
            .field("host", &self.host)
            .field("url", &self.url)
            .field("department", &self.department)
            .field("location", &self.location)
            .field("description", &self.description)
            .field("resource_notes", &self.resource_notes)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("account_notes", &self.account_notes)
            .field("fields", &self.fields)
            .field("group_path", &self.group_path)
            .finish()
    }
}

/// An additional field of an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub value: FieldValue,
}

/// A field's value: text, or a secret kept and shown like a password.
#[derive(Clone, PartialEq, Eq)]
pub enum FieldValue {
    Text(String),
    /// KeePass protected strings, Bitwarden hidden fields.
    Secret(Zeroizing<String>),
}

impl fmt::Debug for FieldValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldValue::Text(text) => f.debug_tuple("Text").field(text).finish(),
            FieldValue::Secret(_) => f.write_str("Secret(<redacted>)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_a_password_or_secret_field() {
        let entry = Entry {
            resource_name: "db1".into(),
            username: "postgres".into(),
            password: Zeroizing::new("pg-secret-1".into()),
            fields: vec![Field {
                name: "pin".into(),
                value: FieldValue::Secret(Zeroizing::new("4321-secret".into())),
            }],
            ..Default::default()
        };
        let shown = format!("{entry:?}");
        assert!(shown.contains("postgres") && shown.contains("pin"));
        assert!(!shown.contains("pg-secret-1") && !shown.contains("4321-secret"));
        assert!(entry.has_account());
        assert!(!Entry::default().has_account());
    }
}
