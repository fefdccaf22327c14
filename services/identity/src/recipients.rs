//! The people the workflow and the org's mail name. Who gets a mail: the audit service names
//! users, user groups and "the org's administrators" for a notice, and gets back the active
//! users among them who have a mail address, each once. Who may approve: the access service
//! names the groups (and whether administrators) a request waits for, for the requester.

use strongroom_auth::RequestContext;
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

/// Someone who may approve a request.
pub struct Approver {
    pub user: Uuid,
    pub username: String,
    /// The groups asked about that they are a member of.
    pub groups: Vec<Uuid>,
    pub administrator: bool,
}

impl Identity {
    /// The active members of `groups` and (when `administrators`) the administrators of the
    /// caller's org: whom a request in it waits for. Anyone of the org may know.
    pub async fn approvers(
        &self,
        ctx: &RequestContext,
        groups: &[Uuid],
        administrators: bool,
    ) -> Result<Vec<Approver>, IdentityError> {
        let mut tx = self.db.begin(ctx.org()).await?;
        let found = store::approvers(&mut tx, groups, administrators).await?;
        tx.commit().await?;
        Ok(found
            .into_iter()
            .map(|(user, username, groups, administrator)| Approver {
                user,
                username,
                groups,
                administrator,
            })
            .collect())
    }
}
