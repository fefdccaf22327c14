//! Revoking a pending or approved grant; any MSPOrg administrator may.

use strongroom_auth::RequestContext;

use super::status::{Apply, Move};
use crate::app::Tenant;
use crate::error::TenantError;
use crate::ids::GrantId;
use crate::store::GrantRow;

impl Tenant {
    /// Ends a pending or approved grant; any MSPOrg administrator may.
    pub async fn revoke_org_access(
        &self,
        ctx: &RequestContext,
        id: GrantId,
        note: &str,
    ) -> Result<GrantRow, TenantError> {
        self.require_msp_admin(ctx)?;
        let grant = self.grant(id).await?;
        if !matches!(grant.status.as_str(), "pending" | "approved") {
            return Err(TenantError::Conflict(format!(
                "this grant is already {}",
                grant.status
            )));
        }
        if grant.designee_kind == "account_manager" && grant.status == "approved" {
            return Err(TenantError::Conflict(
                "this account manager change was applied; propose another to change it again"
                    .into(),
            ));
        }
        let change = Move {
            from: &["pending", "approved"],
            to: "revoked",
            operation: "org_access.revoked",
        };
        self.set_status(ctx, &grant, change, note, Apply::Nothing)
            .await
    }
}
