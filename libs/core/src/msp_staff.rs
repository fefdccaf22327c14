//! What a client org lets MSP staff (its account manager and MSPOrg users with a grant)
//! do in it. The org's own administrators switch each on or off; a right that is off is
//! carried in the staff's exchanged token and refused with the setting's name.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MspStaffRight {
    /// Set a client user's password (an administrator's reset).
    ResetPasswords,
    /// Hand a client user's resources to someone (deleting them with `transfer_to`, or
    /// `POST /users/<id>/ownership`).
    TakeOwnership,
    /// Read the org's audit trail.
    ViewAudit,
    /// Add, edit, disable, delete, unlock and import the org's users; change its roles and
    /// user groups; end its users' sessions and revoke their API keys.
    ManageUsers,
    /// Change the org's directory (and test or import from it), its login settings (the
    /// default role among them), and its mail, proxy and branding settings.
    ManageDirectoryAndLogin,
}

impl MspStaffRight {
    pub const ALL: [MspStaffRight; 5] = [
        MspStaffRight::ResetPasswords,
        MspStaffRight::TakeOwnership,
        MspStaffRight::ViewAudit,
        MspStaffRight::ManageUsers,
        MspStaffRight::ManageDirectoryAndLogin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MspStaffRight::ResetPasswords => "reset_passwords",
            MspStaffRight::TakeOwnership => "take_ownership",
            MspStaffRight::ViewAudit => "view_audit",
            MspStaffRight::ManageUsers => "manage_users",
            MspStaffRight::ManageDirectoryAndLogin => "manage_directory_and_login",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == name)
    }

    /// On unless the org turns it off; taking ownership is off unless turned on.
    pub fn default_allowed(self) -> bool {
        !matches!(self, MspStaffRight::TakeOwnership)
    }

    pub fn describe(self) -> &'static str {
        match self {
            MspStaffRight::ResetPasswords => "reset its users' passwords",
            MspStaffRight::TakeOwnership => "hand its users' resources to someone",
            MspStaffRight::ViewAudit => "read its audit trail",
            MspStaffRight::ManageUsers => "manage its users, roles, groups, sessions and API keys",
            MspStaffRight::ManageDirectoryAndLogin => {
                "change its directory, login, mail, proxy and branding settings"
            }
        }
    }
}

impl fmt::Display for MspStaffRight {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_right_has_a_name_that_parses_back_and_only_ownership_is_off_by_default() {
        for right in MspStaffRight::ALL {
            assert_eq!(MspStaffRight::parse(right.as_str()), Some(right));
            assert_eq!(
                right.default_allowed(),
                right != MspStaffRight::TakeOwnership
            );
        }
        assert_eq!(MspStaffRight::parse("delete_org"), None);
    }
}
