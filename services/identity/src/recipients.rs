//! Who gets an org's mail: the audit service names users, user groups and "the org's
//! administrators" for a notice, and gets back the active users among them who have a mail
//! address, each once.

use strongroom_core::OrgId;
use uuid::Uuid;

use crate::app::Identity;
use crate::error::IdentityError;
use crate::store;

/// One person a notice goes to.
pub struct Recipient {
    pub user: Uuid,
    pub username: String,
    pub email: String,
}

impl Identity {
    pub async fn recipients(
        &self,
        org: OrgId,
        users: &[Uuid],
        groups: &[Uuid],
        administrators: bool,
    ) -> Result<Vec<Recipient>, IdentityError> {
        let mut tx = self.db.begin(org).await?;
        let found = store::recipients(&mut tx, users, groups, administrators).await?;
        tx.commit().await?;
        Ok(found
            .into_iter()
            .map(|(user, username, email)| Recipient {
                user,
                username,
                email,
            })
            .collect())
    }
}
