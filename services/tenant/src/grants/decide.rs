//! Deciding a pending grant: only its named approver may, never the proposer or the
//! designee (or a member of the designated group).

use strongroom_auth::RequestContext;
use strongroom_core::UserId;
use uuid::Uuid;

use super::status::{Apply, Move};
use crate::app::Tenant;
use crate::error::TenantError;
use crate::ids::{GrantId, GroupId};
use crate::store::GrantRow;

impl Tenant {
    /// Approves (`approve`) or rejects a pending grant; only its named approver may.
    pub async fn decide_org_access(
        &self,
        ctx: &RequestContext,
        id: GrantId,
        approve: bool,
        note: &str,
    ) -> Result<GrantRow, TenantError> {
        self.require_msp_admin(ctx)?;
        let grant = self.grant(id).await?;
        if grant.status != "pending" {
            return Err(TenantError::Conflict(format!(
                "this request is already {}",
                grant.status
            )));
        }
        let me = ctx.user().0;
        if me == grant.proposer_id {
            return Err(TenantError::PermissionDenied(
                "the proposer cannot decide their own request".into(),
            ));
        }
        if grant.designee_kind != "group" && me == grant.designee_id {
            return Err(TenantError::PermissionDenied(
                "the designee cannot decide a request for their own access".into(),
            ));
        }
        if grant.designee_kind == "group"
            && self
                .people
                .own_groups(ctx)
                .await?
                .contains(&grant.designee_id)
        {
            return Err(TenantError::PermissionDenied(format!(
                "members of {} cannot decide a request for that group's access",
                grant.designee_name
            )));
        }
        if me != grant.approver_id {
            return Err(TenantError::PermissionDenied(format!(
                "only the named approver, {}, may decide this request",
                grant.approver_name
            )));
        }
        let from = &["pending"][..];
        if !approve {
            let change = Move {
                from,
                to: "rejected",
                operation: "org_access.rejected",
            };
            return self
                .set_status(ctx, &grant, change, note, Apply::Nothing)
                .await;
        }
        let (operation, apply) = self.approval(ctx, &grant).await?;
        let change = Move {
            from,
            to: "approved",
            operation,
        };
        self.set_status(ctx, &grant, change, note, apply).await
    }

    /// What approving the grant records, and applies besides its status.
    async fn approval(
        &self,
        ctx: &RequestContext,
        grant: &GrantRow,
    ) -> Result<(&'static str, Apply), TenantError> {
        Ok(match grant.designee_kind.as_str() {
            "account_manager" => {
                // Still an active administrator when the change takes effect.
                self.account_manager(ctx, UserId(grant.designee_id)).await?;
                ("org.account_manager_changed", Apply::AccountManager)
            }
            "group" => {
                let group = self
                    .people
                    .group(ctx, GroupId(grant.designee_id))
                    .await?
                    .ok_or(TenantError::Missing("user group"))?;
                // Only those already in the group when the grant was proposed: one added
                // since waits for a third administrator (approve_group_member).
                let members = group
                    .members
                    .into_iter()
                    .filter_map(|m| Some((UserId(Uuid::try_parse(&m.id).ok()?), m.username)))
                    .filter(|(id, _)| {
                        grant
                            .proposed_members
                            .as_ref()
                            .is_none_or(|proposed| proposed.contains(&id.0))
                    })
                    .collect();
                ("org_access.approved", Apply::Members(members))
            }
            _ => ("org_access.approved", Apply::Nothing),
        })
    }
}
