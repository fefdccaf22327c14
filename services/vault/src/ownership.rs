//! Ownership transfer: a departing user's resources go to a colleague.

use strongroom_auth::RequestContext;
use strongroom_core::{Permission, UserId};

use crate::app::{Vault, event, resource_target};
use crate::error::VaultError;
use crate::store;

/// The new owner identity names, with its signed statement that they are an active user
/// of the caller's org.
pub struct Heir {
    pub user: UserId,
    pub statement: String,
}

impl Vault {
    /// Hands a departing user's resources to `to`, whom identity vouches for; without
    /// `to`, counts them.
    pub async fn transfer_ownership(
        &self,
        ctx: &RequestContext,
        from: UserId,
        to: Option<Heir>,
    ) -> Result<u32, VaultError> {
        ctx.require(Permission::UsersManage)?;
        let Some(to) = to else {
            let mut tx = self.db.begin(ctx.org()).await?;
            let owned = store::count_owned(&mut tx, from.0).await?;
            tx.commit().await?;
            return Ok(u32::try_from(owned).unwrap_or(u32::MAX));
        };
        // Nobody becomes an owner on a caller's word alone, not even identity's certificate's:
        // identity, having found the heir an active user of the caller's org, signs a
        // statement saying so, which the vault checks with identity's public key instead of
        // asking identity the same question again.
        let Heir {
            user: to,
            statement,
        } = to;
        if to == from
            || !self
                .verifier
                .is_vouched_active_user(&statement, to, ctx.org())
        {
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
