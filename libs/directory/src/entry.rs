//! Turning directory entries into users, and the little DN handling that needs.

use std::collections::HashMap;

use ldap3::SearchEntry;
use serde::{Deserialize, Serialize};

use crate::AttributeMap;

/// A user as the directory describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryUser {
    pub dn: String,
    /// As stored in the directory (which may differ in case from what the user typed).
    pub username: String,
    pub full_name: Option<String>,
    pub email: Option<String>,
    pub department: Option<String>,
    pub location: Option<String>,
    /// Names of the groups the user is a direct member of, sorted.
    pub groups: Vec<String>,
}

/// First value of an attribute. Servers may answer in another letter case than asked.
pub(crate) fn first<'a>(entry: &'a SearchEntry, attribute: &str) -> Option<&'a str> {
    values(entry, attribute).first().map(String::as_str)
}

pub(crate) fn values<'a>(entry: &'a SearchEntry, attribute: &str) -> &'a [String] {
    entry
        .attrs
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(attribute))
        .map_or(&[], |(_, v)| v.as_slice())
}

/// Maps an entry to a user; `None` if it lacks the username attribute. Groups come from the
/// member-of attribute when mapped, else from `groups_by_member` (normalized DN -> names).
pub(crate) fn to_user(
    entry: &SearchEntry,
    map: &AttributeMap,
    group_name_attribute: &str,
    groups_by_member: Option<&HashMap<String, Vec<String>>>,
) -> Option<DirectoryUser> {
    let username = first(entry, &map.username).filter(|u| !u.trim().is_empty())?;
    let field = |a: &Option<String>| {
        a.as_deref()
            .and_then(|a| first(entry, a))
            .map(str::to_owned)
    };
    let mut groups: Vec<String> = match (&map.member_of, groups_by_member) {
        (Some(member_of), _) => values(entry, member_of)
            .iter()
            .filter_map(|dn| rdn_value(dn, group_name_attribute))
            .collect(),
        (None, Some(index)) => index
            .get(&normalize_dn(&entry.dn))
            .cloned()
            .unwrap_or_default(),
        (None, None) => Vec::new(),
    };
    groups.sort();
    groups.dedup();
    Some(DirectoryUser {
        dn: entry.dn.clone(),
        username: username.to_owned(),
        full_name: field(&map.full_name),
        email: field(&map.email),
        department: field(&map.department),
        location: field(&map.location),
        groups,
    })
}

/// A DN in a form good enough for comparing: lower case, no spaces around `,` `=` `+`.
/// (Real DN matching is schema-aware; directories return DNs consistently enough for this.)
pub(crate) fn normalize_dn(dn: &str) -> String {
    let mut out = String::with_capacity(dn.len());
    let mut chars = dn.trim().chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                out.push(c);
                if let Some(next) = chars.next() {
                    out.extend(next.to_lowercase());
                }
            }
            ',' | '=' | '+' => {
                while out.ends_with(' ') {
                    out.pop();
                }
                out.push(c);
                while chars.peek() == Some(&' ') {
                    chars.next();
                }
            }
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// Whether `dn` is `base` or below it.
pub(crate) fn is_within(dn: &str, base: &str) -> bool {
    let (dn, base) = (normalize_dn(dn), normalize_dn(base));
    dn == base || dn.ends_with(&format!(",{base}"))
}

/// The value of `attribute` in the first RDN of `dn` (`cn=dba,ou=Groups,...` -> `dba`), or the
/// RDN's first value when that attribute is not in it.
pub(crate) fn rdn_value(dn: &str, attribute: &str) -> Option<String> {
    let rdn = split_unescaped(dn, ',').into_iter().next()?;
    let pairs: Vec<(&str, &str)> = split_unescaped(rdn, '+')
        .into_iter()
        .filter_map(|ava| ava.split_once('='))
        .map(|(t, v)| (t.trim(), v.trim()))
        .collect();
    let (_, value) = pairs
        .iter()
        .find(|(t, _)| t.eq_ignore_ascii_case(attribute))
        .or(pairs.first())?;
    Some(unescape_dn_value(value))
}

fn split_unescaped(s: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut escaped) = (0, false);
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            c if c == sep => {
                parts.push(&s[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

/// RFC 4514 value unescaping: `\,` -> `,` and `\4c` -> byte 0x4c.
fn unescape_dn_value(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' && i + 1 < bytes.len() {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            match hex {
                Some(b) => {
                    out.push(b);
                    i += 3;
                }
                None => {
                    out.push(bytes[i + 1]);
                    i += 2;
                }
            }
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_names_come_from_the_first_rdn() {
        assert_eq!(
            rdn_value("cn=dba,ou=Groups,dc=x", "cn").as_deref(),
            Some("dba")
        );
        assert_eq!(
            rdn_value("CN=Doe\\, John,OU=Groups,DC=x", "cn").as_deref(),
            Some("Doe, John")
        );
        assert_eq!(
            rdn_value("ou=a+cn=b\\2bc,dc=x", "cn").as_deref(),
            Some("b+c")
        );
        assert_eq!(rdn_value("uid=x,dc=y", "cn").as_deref(), Some("x"));
    }

    #[test]
    fn dns_compare_without_case_or_spaces() {
        assert_eq!(
            normalize_dn("CN=Dba, OU=Groups ,DC=Example"),
            "cn=dba,ou=groups,dc=example"
        );
        assert!(is_within(
            "uid=a,ou=People,DC=example,dc=com",
            "dc=Example, dc=com"
        ));
        assert!(!is_within("uid=a,dc=example2,dc=com", "dc=com2"));
        assert!(!is_within(
            "uid=a,ou=x,dc=evil-example,dc=com",
            "dc=example,dc=com"
        ));
    }
}
