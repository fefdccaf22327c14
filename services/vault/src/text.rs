//! Text fields as the vault takes them: trimmed, within their length.

use crate::error::VaultError;

/// A required text field, trimmed: 1 to `max` characters.
pub fn required(field: &str, value: &str, max: usize) -> Result<String, VaultError> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > max {
        return Err(VaultError::InvalidInput(format!(
            "{field} must have 1 to {max} characters"
        )));
    }
    Ok(value.to_owned())
}

/// An optional text field, trimmed: at most `max` characters.
pub fn optional(field: &str, value: &str, max: usize) -> Result<String, VaultError> {
    let value = value.trim();
    if value.chars().count() > max {
        return Err(VaultError::InvalidInput(format!(
            "{field} must have at most {max} characters"
        )));
    }
    Ok(value.to_owned())
}
