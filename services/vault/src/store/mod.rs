//! All of the vault's SQL, by table: resources, accounts, password versions (`secrets`),
//! the accounts services sign in with (`service_credentials`) and the reveal path's reads
//! and records. Functions on an org's tables take `&mut TenantTx`,
//! so they cannot run outside the org's schema; rows come back typed.

mod accounts;
mod export;
mod fields;
mod groups;
mod imports;
mod keys;
mod notifications;
mod personal;
mod policies;
mod replication;
mod resources;
mod reveals;
mod secrets;
mod service_credentials;

pub use accounts::*;
pub use export::*;
pub use fields::*;
pub use groups::*;
pub use imports::*;
pub use keys::*;
pub use notifications::*;
pub use personal::*;
pub use policies::*;
pub use replication::*;
pub use resources::*;
pub use reveals::*;
pub use secrets::*;
pub use service_credentials::*;

/// A `LIKE` pattern that finds `text` anywhere, its own `%`, `_` and `\` taken literally;
/// empty for empty text (a filter left out).
pub fn contains_pattern(text: &str) -> String {
    let text = text.trim();
    if text.is_empty() {
        return String::new();
    }
    format!("%{}%", like_escaped(text))
}

/// `text` as a `LIKE` pattern that matches itself only.
pub fn like_escaped(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern
}

#[cfg(test)]
mod tests {
    use super::contains_pattern;

    #[test]
    fn a_pattern_takes_wildcards_literally() {
        assert_eq!(contains_pattern("  "), "");
        assert_eq!(contains_pattern("db1"), "%db1%");
        assert_eq!(contains_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
    }
}
