//! What a client org lets MSP staff (its account manager, MSPOrg users with a grant) do in
//! it: reset its users' passwords, take ownership, read its trail, manage its users, change
//! its directory, login, mail, proxy and branding settings. Its own
//! administrators decide; each change is audited in the org and in MSPOrg. The rights an
//! org turns off go into every token MSP staff exchange into it, which the services refuse
//! naming the setting.

use serde::{Deserialize, Serialize};
use strongroom_auth::RequestContext;
use strongroom_core::{MspStaffRight, OrgId};
use strongroom_events::{Event, Target};

use super::{Kind, OrgSettings, SettingsError};
use crate::app::SERVICE;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MspStaff {
    pub reset_passwords: bool,
    pub take_ownership: bool,
    pub view_audit: bool,
    pub manage_users: bool,
    /// Saved before this right existed: on, its default.
    #[serde(default = "allowed_by_default")]
    pub manage_directory_and_login: bool,
}

fn allowed_by_default() -> bool {
    MspStaffRight::ManageDirectoryAndLogin.default_allowed()
}

impl Default for MspStaff {
    fn default() -> Self {
        Self {
            reset_passwords: MspStaffRight::ResetPasswords.default_allowed(),
            take_ownership: MspStaffRight::TakeOwnership.default_allowed(),
            view_audit: MspStaffRight::ViewAudit.default_allowed(),
            manage_users: MspStaffRight::ManageUsers.default_allowed(),
            manage_directory_and_login: allowed_by_default(),
        }
    }
}

impl MspStaff {
    pub fn allows(&self, right: MspStaffRight) -> bool {
        match right {
            MspStaffRight::ResetPasswords => self.reset_passwords,
            MspStaffRight::TakeOwnership => self.take_ownership,
            MspStaffRight::ViewAudit => self.view_audit,
            MspStaffRight::ManageUsers => self.manage_users,
            MspStaffRight::ManageDirectoryAndLogin => self.manage_directory_and_login,
        }
    }

    /// The rights turned off, by name.
    pub fn denied(&self) -> Vec<String> {
        MspStaffRight::ALL
            .into_iter()
            .filter(|r| !self.allows(*r))
            .map(|r| r.as_str().to_owned())
            .collect()
    }
}

impl Kind for MspStaff {
    const KIND: &'static str = "msp_staff";
    const TITLE: &'static str = "MSP staff rights";
}

impl OrgSettings {
    /// The org's rights for MSP staff (the defaults until saved) and when they were saved.
    pub async fn msp_staff(
        &self,
        ctx: &RequestContext,
    ) -> Result<(MspStaff, Option<chrono::DateTime<chrono::Utc>>), SettingsError> {
        Self::authorize(ctx)?;
        self.client_org_only(ctx.org())?;
        Ok(match self.read::<MspStaff>(ctx.org()).await? {
            Some(saved) => (saved.value, Some(saved.updated_at)),
            None => (MspStaff::default(), None),
        })
    }

    /// What the org does not let MSP staff do: put into the tokens they exchange into it.
    pub async fn msp_staff_denied(&self, org: OrgId) -> Result<Vec<String>, SettingsError> {
        let rights = self.read::<MspStaff>(org).await?.map(|s| s.value);
        Ok(rights.unwrap_or_default().denied())
    }

    /// Only the org's own administrators decide; MSP staff see a 403.
    pub async fn save_msp_staff(
        &self,
        ctx: &RequestContext,
        rights: MspStaff,
    ) -> Result<(MspStaff, chrono::DateTime<chrono::Utc>), SettingsError> {
        Self::authorize_change(ctx)?;
        self.client_org_only(ctx.org())?;
        if ctx.claims.home.is_some() {
            return Err(SettingsError::OwnAdministratorsOnly(
                "only the org's own administrators decide what MSP staff may do in it",
            ));
        }
        let saved = self.save(ctx, |_: Option<MspStaff>| Ok(rights)).await?;
        // MSPOrg's trail says so too: its staff's reach into the org changed.
        let mut tx = self.db.begin(self.msp_org).await?;
        let event = Event::new(
            self.msp_org,
            SERVICE,
            "org.msp_staff_rights_changed",
            strongroom_runtime::actor(ctx),
            Target::new("org", ctx.org(), ctx.org().to_string()),
        )
        .with_details(serde_json::json!({
            "org_id": ctx.org(), "denied": rights.denied(),
        }));
        self.outbox.record(&mut tx, &event).await?;
        self.outbox.commit(tx).await?;
        Ok((saved.value, saved.updated_at))
    }

    fn client_org_only(&self, org: OrgId) -> Result<(), SettingsError> {
        if org == self.msp_org {
            return Err(SettingsError::Invalid(
                "MSP staff rights are a client org's setting; MSPOrg's staff are its users".into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_default_only_taking_ownership_is_denied() {
        assert_eq!(MspStaff::default().denied(), ["take_ownership"]);
        let none = MspStaff {
            reset_passwords: false,
            take_ownership: false,
            view_audit: false,
            manage_users: false,
            manage_directory_and_login: false,
        };
        assert_eq!(none.denied().len(), MspStaffRight::ALL.len());
    }
}
