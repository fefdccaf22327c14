//! An imported entry's fields, split between its resource's and its account's.

use std::collections::BTreeMap;

use strongroom_formats::{Entry, FieldValue};
use zeroize::Zeroizing;

use crate::error::VaultError;
use crate::fields::GivenFields;

/// An entry's fields, split between its resource's and its account's; a text field of
/// neither is kept in the notes as `name: value`.
pub(super) struct SplitFields {
    pub(super) resource: GivenFields,
    pub(super) account: GivenFields,
    pub(super) resource_notes: String,
    pub(super) account_notes: String,
}

pub(super) fn split_fields(
    entry: &Entry,
    resource_names: &[String],
    account_names: &[String],
) -> Result<SplitFields, VaultError> {
    let mut split = SplitFields {
        resource: BTreeMap::new(),
        account: BTreeMap::new(),
        resource_notes: entry.resource_notes.clone(),
        account_notes: entry.account_notes.clone(),
    };
    for field in &entry.fields {
        let key = field_key(&field.name);
        let value = match &field.value {
            FieldValue::Text(t) => Zeroizing::new(t.clone()),
            FieldValue::Secret(s) => Zeroizing::new(s.to_string()),
        };
        if resource_names.contains(&key) {
            split.resource.insert(key, value);
        } else if account_names.contains(&key) {
            split.account.insert(key, value);
        } else if let FieldValue::Text(text) = &field.value {
            let notes = if entry.has_account() {
                &mut split.account_notes
            } else {
                &mut split.resource_notes
            };
            if !notes.is_empty() {
                notes.push('\n');
            }
            notes.push_str(&format!("{}: {text}", field.name));
        } else {
            return Err(VaultError::InvalidInput(format!(
                "the secret field {} has nowhere to go: add a password-kind additional field \
                 named {key} first",
                field.name
            )));
        }
    }
    Ok(split)
}

/// A field's name as a field key: lowercase letters, digits and `_`.
pub(super) fn field_key(name: &str) -> String {
    let mut key: String = name
        .trim()
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    while key.contains("__") {
        key = key.replace("__", "_");
    }
    key.trim_matches('_').to_owned()
}
