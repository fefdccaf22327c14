//! The kinds of settings identity replicates, and where MSPOrg's role goes in a client org
//! that has a role of the same name.

use serde_json::Value;

/// Groups and roles that replication created or took over.
pub const SOURCE: &str = "msp";

/// The kinds of replicated settings identity owns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnedKind {
    UserGroups,
    UserRoles,
}

impl OwnedKind {
    pub fn parse(kind: &str) -> Option<Self> {
        match kind {
            "user_groups" => Some(Self::UserGroups),
            "user_roles" => Some(Self::UserRoles),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::UserGroups => "user_groups",
            Self::UserRoles => "user_roles",
        }
    }
}

/// What happens to MSPOrg's role when a client org has its own role of the same name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnConflict {
    /// The client org's role takes MSPOrg's permissions (and becomes MSPOrg's).
    Overwrite,
    /// The client org's role stays as it is; MSPOrg's is added as "<name> - MSP".
    Rename,
}

impl OnConflict {
    /// From a saved choice's options; anything but "overwrite" leaves client roles alone.
    pub fn from_options(options: &Value) -> Self {
        match options.get("on_conflict").and_then(Value::as_str) {
            Some("overwrite") => Self::Overwrite,
            _ => Self::Rename,
        }
    }
}

/// The name MSPOrg's role takes in a client org that has its own role of that name.
pub fn renamed(name: &str) -> String {
    format!("{name} - MSP")
}

/// Where MSPOrg's role `name` goes in a client org whose role of that name (ignoring case)
/// is `existing` (stored name and source), if any.
pub fn role_destination(name: &str, existing: Option<(&str, &str)>, mode: OnConflict) -> String {
    match existing {
        None => name.to_owned(),
        // Replication's own role (or one it took over) is simply brought up to date.
        Some((stored, source)) if source == SOURCE || mode == OnConflict::Overwrite => {
            stored.to_owned()
        }
        Some(_) => renamed(name),
    }
}

#[cfg(test)]
mod tests;
