use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The built-in roles, as Password Manager Pro defines them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Administrator,
    PasswordAdministrator,
    PasswordAuditor,
    PasswordUser,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::Administrator,
        Role::PasswordAdministrator,
        Role::PasswordAuditor,
        Role::PasswordUser,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Administrator => "administrator",
            Role::PasswordAdministrator => "password_administrator",
            Role::PasswordAuditor => "password_auditor",
            Role::PasswordUser => "password_user",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown role {0:?}: expected administrator, password_administrator, password_auditor or password_user"
)]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}
