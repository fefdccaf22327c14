//! The catalogue of settings kinds MSPOrg can replicate, and the checks a save's choices
//! pass.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::error::TenantError;
use crate::store::ReplicationRow;

/// A kind of setting that can be replicated.
#[derive(Debug, PartialEq, Eq)]
pub struct Kind {
    pub kind: &'static str,
    pub label: &'static str,
    /// Why it cannot be replicated yet: the feature that owns it is not built.
    pub missing: Option<&'static str>,
}

/// Every kind, in the order MSP administrators see them.
pub const KINDS: &[Kind] = &[
    Kind {
        kind: "user_groups",
        label: "User groups",
        missing: None,
    },
    Kind {
        kind: "user_group_settings",
        label: "User group settings",
        missing: Some("user group settings are not built yet"),
    },
    Kind {
        kind: "resource_groups",
        label: "Resource groups",
        missing: Some("replicating resource groups is not built yet"),
    },
    Kind {
        kind: "resource_group_shares",
        label: "Resource group to user group shares",
        missing: Some("sharing resource groups with user groups is not built yet"),
    },
    Kind {
        kind: "additional_fields",
        label: "Resource and account additional fields",
        missing: None,
    },
    Kind {
        kind: "user_roles",
        label: "User roles",
        missing: None,
    },
    Kind {
        kind: "resource_types",
        label: "Resource types",
        missing: None,
    },
    Kind {
        kind: "password_policies",
        label: "Password policies",
        missing: None,
    },
    Kind {
        kind: "audit_operations",
        label: "Audit operation type settings",
        missing: Some("choosing which operations are audited is not built yet"),
    },
    Kind {
        kind: "audit_purge",
        label: "Audit purge settings",
        missing: Some("purging the audit trail is not built yet"),
    },
];

const ON_CONFLICT: &str = "on_conflict";
const ON_CONFLICT_CHOICES: &str = "\"overwrite\" (a client org's role of the same name takes \
     MSPOrg's permissions) or \"rename\" (MSPOrg's role is added as \"<name> - MSP\")";

/// One kind's choice as a request states it.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    pub kind: String,
    pub enabled: bool,
    /// A JSON object; empty text means no options.
    pub options: String,
}

/// A choice that passed [`checked`].
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    pub kind: &'static Kind,
    pub enabled: bool,
    pub options: Map<String, Value>,
}

/// Checks a save request: every kind known and named once, enabled only when available,
/// and each kind's options valid. Errors name every offending kind or option.
pub fn checked(choices: &[Choice]) -> Result<Vec<Checked>, TenantError> {
    let unknown: Vec<&str> = choices
        .iter()
        .map(|c| c.kind.as_str())
        .filter(|k| !KINDS.iter().any(|known| known.kind == *k))
        .collect();
    if !unknown.is_empty() {
        let known: Vec<&str> = KINDS.iter().map(|k| k.kind).collect();
        return Err(TenantError::InvalidInput(format!(
            "unknown setting kind(s): {}; the kinds are {}",
            unknown.join(", "),
            known.join(", ")
        )));
    }
    let mut seen = BTreeSet::new();
    for c in choices {
        if !seen.insert(c.kind.as_str()) {
            return Err(TenantError::InvalidInput(format!(
                "{} is named more than once",
                c.kind
            )));
        }
    }
    let unavailable: Vec<String> = choices
        .iter()
        .filter(|c| c.enabled)
        .filter_map(|c| {
            let kind = KINDS.iter().find(|k| k.kind == c.kind)?;
            kind.missing
                .map(|why| format!("{} is not yet available for replication: {why}", kind.kind))
        })
        .collect();
    if !unavailable.is_empty() {
        return Err(TenantError::InvalidInput(unavailable.join("; ")));
    }
    choices
        .iter()
        .filter_map(|c| Some((KINDS.iter().find(|k| k.kind == c.kind)?, c)))
        .map(|(kind, c)| {
            Ok(Checked {
                kind,
                enabled: c.enabled,
                options: options(kind, c.enabled, &c.options)?,
            })
        })
        .collect()
}

/// A kind's options: `user_roles` needs `on_conflict` when enabled; no other kind has any.
fn options(kind: &Kind, enabled: bool, text: &str) -> Result<Map<String, Value>, TenantError> {
    let invalid = |m: String| TenantError::InvalidInput(m);
    let options = if text.trim().is_empty() {
        Map::new()
    } else {
        match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(map)) => map,
            _ => {
                return Err(invalid(format!(
                    "the options of {} must be a JSON object",
                    kind.kind
                )));
            }
        }
    };
    let allowed: &[&str] = if kind.kind == "user_roles" {
        &[ON_CONFLICT]
    } else {
        &[]
    };
    let extra: Vec<&str> = options
        .keys()
        .map(String::as_str)
        .filter(|k| !allowed.contains(k))
        .collect();
    if !extra.is_empty() {
        return Err(invalid(if allowed.is_empty() {
            format!(
                "{} takes no options; remove {}",
                kind.kind,
                extra.join(", ")
            )
        } else {
            format!(
                "unknown option(s) of {}: {}; its options are {}",
                kind.kind,
                extra.join(", "),
                allowed.join(", ")
            )
        }));
    }
    if kind.kind == "user_roles" {
        match options.get(ON_CONFLICT) {
            Some(Value::String(s)) if s == "overwrite" || s == "rename" => {}
            None if !enabled => {}
            None => {
                return Err(invalid(format!(
                    "user_roles needs {ON_CONFLICT}: {ON_CONFLICT_CHOICES}"
                )));
            }
            Some(other) => {
                return Err(invalid(format!(
                    "{ON_CONFLICT} of user_roles cannot be {other}; use {ON_CONFLICT_CHOICES}"
                )));
            }
        }
    }
    Ok(options)
}

/// A kind as stored, with its catalogue entry.
#[derive(Debug, Clone)]
pub struct KindState {
    pub kind: &'static Kind,
    pub enabled: bool,
    pub options: Value,
    pub version: i64,
    pub updated_by: Option<Uuid>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// Every kind of the catalogue, with what is stored for it (never saved: disabled, 0).
pub fn states(rows: Vec<ReplicationRow>) -> Vec<KindState> {
    let mut rows: HashMap<String, ReplicationRow> =
        rows.into_iter().map(|r| (r.kind.clone(), r)).collect();
    KINDS
        .iter()
        .map(|kind| match rows.remove(kind.kind) {
            Some(r) => KindState {
                kind,
                enabled: r.enabled,
                options: r.options,
                version: r.version,
                updated_by: r.updated_by,
                updated_at: Some(r.updated_at),
            },
            None => KindState {
                kind,
                enabled: false,
                options: json!({}),
                version: 0,
                updated_by: None,
                updated_at: None,
            },
        })
        .collect()
}

#[cfg(test)]
mod tests;
