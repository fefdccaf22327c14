//! What several use cases need of a user: finding them, the rank check before managing
//! them, and removing them with their sessions (deletion, an approved transfer). Depends
//! on nothing above the store.

use strongroom_auth::RequestContext;
use strongroom_core::UserId;
use strongroom_events::{Event, Target};
use strongroom_tenancy::TenantTx;
use uuid::Uuid;

use crate::app::{Identity, event};
use crate::error::IdentityError;
use crate::store::{self, UserRow};

/// The user `id` of the org, or "user not found".
pub async fn existing_user(tx: &mut TenantTx, id: UserId) -> Result<UserRow, IdentityError> {
    store::find_user(tx, id.0)
        .await?
        .ok_or(IdentityError::NotFound("user"))
}

/// Refuses to manage (edit, delete, set the password of) a user who holds a permission the
/// caller lacks: taking over their account would give the caller that permission.
pub async fn require_outranks(
    ctx: &RequestContext,
    tx: &mut TenantTx,
    user: &UserRow,
) -> Result<(), IdentityError> {
    let theirs = crate::roles::permissions(tx, &user.role).await?;
    match strongroom_core::first_not_held(&ctx.claims.perms, &theirs) {
        Some(permission) => Err(IdentityError::Outranked {
            user: user.username.clone(),
            permission,
        }),
        None => Ok(()),
    }
}

/// Deletes the user's row and ends their sessions, in `tx`; once it commits, call
/// [`Identity::after_removal`].
pub async fn remove_user(tx: &mut TenantTx, user: &UserRow) -> Result<Vec<Uuid>, IdentityError> {
    let sessions = store::revoke_user_sessions(tx, user.id).await?;
    if !store::delete_user(tx, user.id).await? {
        return Err(IdentityError::NotFound("user"));
    }
    Ok(sessions)
}

/// `user.deleted`, with what moved and to whom.
pub fn deleted_event(
    ctx: &RequestContext,
    user: &UserRow,
    heir: Option<&UserRow>,
    moved: u32,
) -> Event {
    event(
        ctx,
        "user.deleted",
        Target::new("user", user.id, &user.username),
    )
    .with_details(serde_json::json!({
        "resources_transferred": moved,
        "transferred_to": heir.map(|h| &h.username),
    }))
}

impl Identity {
    /// Once a removal is committed: its sessions and tokens stop at once.
    pub async fn after_removal(
        &self,
        user: &UserRow,
        sessions: &[Uuid],
    ) -> Result<(), IdentityError> {
        self.revocations.revoke(sessions).await?;
        self.revocations
            .require_version(user.id, user.token_version + 1)
            .await?;
        Ok(())
    }
}
