//! Ownership transfer: a departing user's resources go to a colleague.

use strongroom_auth::{RequestContext, outgoing};
use strongroom_core::{Permission, UserId};
use strongroom_proto::identity::UserRef;

use crate::app::{Vault, event, resource_target};
use crate::error::VaultError;
use crate::store;

impl Vault {
    /// Hands a departing user's resources to `to`; without `to`, counts them.
    pub async fn transfer_ownership(
        &self,
        ctx: &RequestContext,
        from: UserId,
        to: Option<UserId>,
    ) -> Result<u32, VaultError> {
        ctx.require(Permission::UsersManage)?;
        let Some(to) = to else {
            let mut tx = self.db.begin(ctx.org()).await?;
            let owned = store::count_owned(&mut tx, from.0).await?;
            tx.commit().await?;
            return Ok(u32::try_from(owned).unwrap_or(u32::MAX));
        };
        // Identity names the new owner, but the vault makes nobody an owner on its word
        // alone: they must be an active user of this org, as identity answers for the org
        // of the caller's token.
        let active = self
            .identity
            .clone()
            .check_active_user(outgoing(
                ctx,
                UserRef {
                    user_id: to.to_string(),
                },
            ))
            .await
            .map_err(VaultError::Identity)?
            .into_inner()
            .active;
        if !active || to == from {
            return Err(VaultError::InvalidInput(
                "the new owner must be another, active user of the org".into(),
            ));
        }
        let mut tx = self.db.begin(ctx.org()).await?;
        let moved = store::transfer_owned(&mut tx, from.0, to.0).await?;
        for (id, name) in &moved {
            let event = event(ctx, "resource.owner_changed", resource_target(*id, name))
                .with_details(serde_json::json!({ "from": from.0, "to": to.0 }));
            self.outbox.record(&mut tx, &event).await?;
        }
        self.outbox.commit(tx).await?;
        Ok(u32::try_from(moved.len()).unwrap_or(u32::MAX))
    }
}
