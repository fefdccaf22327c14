//! Moving a grant from one status to another with its event and what the decision
//! applies, shared by deciding and revoking.

use serde_json::json;
use strongroom_auth::RequestContext;
use strongroom_core::{OrgId, UserId};
use strongroom_events::{Event, Target};

use crate::app::Tenant;
use crate::error::TenantError;
use crate::ids::GrantId;
use crate::store::{self, GrantRow};

/// What a decision does besides moving the grant's status.
pub enum Apply {
    Nothing,
    /// The designee becomes the org's account manager.
    AccountManager,
    /// These members of the designated group (id, username) may use the grant.
    Members(Vec<(UserId, String)>),
}

/// A move of a grant: from one of `from` to `to`, recorded as `operation`.
pub struct Move<'a> {
    pub from: &'a [&'a str],
    pub to: &'a str,
    pub operation: &'a str,
}

impl Tenant {
    pub async fn grant(&self, id: GrantId) -> Result<GrantRow, TenantError> {
        store::find_grant(self.db.global(), id)
            .await?
            .ok_or(TenantError::Missing("org access grant"))
    }

    /// Moves a grant, with its event and what it `apply`s, unless another decision came
    /// first.
    pub async fn set_status(
        &self,
        ctx: &RequestContext,
        grant: &GrantRow,
        change: Move<'_>,
        note: &str,
        apply: Apply,
    ) -> Result<GrantRow, TenantError> {
        let note = note.trim();
        let id = grant.grant_id();
        let mut tx = self.db.begin(self.msp_org).await?;
        if !store::set_grant_status(&mut tx, id, change.from, change.to, ctx.username(), note)
            .await?
        {
            return Err(TenantError::Conflict(
                "this request was decided meanwhile; reload it".into(),
            ));
        }
        match &apply {
            Apply::Nothing => {}
            Apply::AccountManager => {
                let designee = (UserId(grant.designee_id), grant.designee_name.as_str());
                store::set_account_manager(&mut tx, OrgId(grant.org_id), designee.0, designee.1)
                    .await?;
            }
            Apply::Members(members) => {
                store::mark_members_known(&mut tx, id).await?;
                for (user, username) in members {
                    store::add_member(&mut tx, id, (*user, username), ctx.username()).await?;
                }
            }
        }
        let event = self
            .grant_event(
                ctx,
                change.operation,
                id,
                &grant.org_slug,
                &grant.designee_name,
            )
            .with_details(json!({
                "org_id": grant.org_id, "org": grant.org_slug,
                "designee_kind": grant.designee_kind, "designee_id": grant.designee_id,
                "designee": grant.designee_name, "status": change.to,
            }));
        self.commit_events(tx, &[event]).await?;
        self.grant(id).await
    }

    pub fn grant_event(
        &self,
        ctx: &RequestContext,
        operation: &str,
        id: GrantId,
        org_slug: &str,
        designee: &str,
    ) -> Event {
        self.msp_event(
            ctx,
            operation,
            Target::new("org_access", id.0, format!("{designee} → {org_slug}")),
        )
    }
}
