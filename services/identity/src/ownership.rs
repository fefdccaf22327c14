//! Handing a user's resources to another user of the org. An administrator who would take
//! them for themselves (directly, or by deleting the owner), or hand them to a user who may
//! be their puppet (one they added or whose password they set in the last 30 days, or one
//! who has never signed in), only asks: a second administrator of the org, one who was an
//! administrator before the request and whom the requester did not add, approves or
//! rejects, so nobody alone turns a colleague's passwords into their own.

use strongroom_auth::{RequestContext, outgoing};
use strongroom_core::{MspStaffRight, Permission, Role, UserId};
use strongroom_events::Target;
use strongroom_proto::vault::TransferOwnershipRequest;
use strongroom_tenancy::TenantTx;
use uuid::Uuid;

use crate::app::{Identity, event};
use crate::error::{IdentityError, exists_or};
use crate::ids::TransferId;
use crate::people::{deleted_event, existing_user, remove_user, require_outranks};
use crate::store::{self, TransferRow, UserRow};

pub const PENDING: &str = "pending";
/// How long a user the requester added, or whose password they set, counts as possibly
/// theirs.
pub const PUPPET_DAYS: i64 = 30;
/// Approved, the resources moving; approving again finishes a move that failed part way.
pub const APPROVED: &str = "approved";
pub const DONE: &str = "done";
pub const REJECTED: &str = "rejected";

impl Identity {
    /// Hands every resource `from` owns to `to`. Naming oneself opens a pending request.
    pub async fn transfer_ownership(
        &self,
        ctx: &RequestContext,
        from: UserId,
        to: UserId,
    ) -> Result<TransferRow, IdentityError> {
        ctx.require(Permission::UsersManage)?;
        ctx.require_signed_in()?;
        ctx.require_msp_allowed(MspStaffRight::TakeOwnership)?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let owner = existing_user(&mut tx, from).await?;
        require_outranks(ctx, &mut tx, &owner).await?;
        let heir = heir(&mut tx, &owner, to).await?;
        if needs_approval(&heir, ctx.user().0, chrono::Utc::now()).is_some() {
            return self.request_transfer(ctx, tx, &owner, &heir, false).await;
        }
        tx.commit().await?;
        let moved = self.move_resources(ctx, &owner, Some(&heir)).await?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let mut done = transfer(ctx, &owner, &heir, false);
        done.status = DONE.into();
        done.resources = i32::try_from(moved).unwrap_or(i32::MAX);
        done.decided_by = Some(ctx.username().to_owned());
        done.decided_at = Some(chrono::Utc::now());
        let done = store::insert_transfer(&mut tx, &done).await?;
        let moved_event = transfer_event(ctx, "user.ownership_transferred", &done);
        self.commit(tx, &[moved_event]).await?;
        Ok(done)
    }

    /// Records a transfer to the caller, to be decided by a second administrator.
    pub(crate) async fn request_transfer(
        &self,
        ctx: &RequestContext,
        mut tx: TenantTx,
        owner: &UserRow,
        heir: &UserRow,
        delete_user: bool,
    ) -> Result<TransferRow, IdentityError> {
        let pending = transfer(ctx, owner, heir, delete_user);
        let why = needs_approval(heir, ctx.user().0, chrono::Utc::now());
        let pending = store::insert_transfer(&mut tx, &pending)
            .await
            .map_err(|e| {
                exists_or(e, || {
                    format!(
                        "a transfer of {}'s resources already waits for approval",
                        owner.username
                    )
                })
            })?;
        let mut requested = transfer_event(ctx, "user.ownership_transfer_requested", &pending);
        requested.details["held_because"] = serde_json::json!(why.unwrap_or_default());
        self.commit(tx, &[requested]).await?;
        Ok(pending)
    }

    pub async fn list_ownership_transfers(
        &self,
        ctx: &RequestContext,
    ) -> Result<Vec<TransferRow>, IdentityError> {
        ctx.require(Permission::UsersManage)?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let transfers = store::list_transfers(&mut tx).await?;
        tx.commit().await?;
        Ok(transfers)
    }

    /// A second administrator of the org approves (the resources move, and the owner is
    /// deleted when that was asked) or rejects a pending transfer.
    pub async fn decide_ownership_transfer(
        &self,
        ctx: &RequestContext,
        id: TransferId,
        approve: bool,
    ) -> Result<TransferRow, IdentityError> {
        ctx.require(Permission::UsersManage)?;
        ctx.require_signed_in()?;
        if ctx.claims.home_org() != ctx.org() || ctx.claims.role != Role::Administrator.as_str() {
            return Err(IdentityError::PermissionDenied(
                "only an administrator of this org may decide a transfer of ownership",
            ));
        }
        let id = id.0;
        let mut tx = self.db.begin(ctx.org()).await?;
        let pending = store::lock_transfer(&mut tx, id)
            .await?
            .ok_or(IdentityError::NotFound("transfer"))?;
        if pending.requested_by == ctx.user().0 {
            return Err(IdentityError::PermissionDenied(
                "a second administrator must decide a transfer you asked for",
            ));
        }
        if approve {
            let approver = store::find_user(&mut tx, ctx.user().0).await?.ok_or(
                IdentityError::PermissionDenied(
                    "only an administrator of this org may decide a transfer of ownership",
                ),
            )?;
            may_approve(&approver, pending.requested_by, pending.requested_at)?;
        }
        match (pending.status.as_str(), approve) {
            (PENDING, false) => {
                let rejected =
                    store::decide_transfer(&mut tx, id, REJECTED, 0, ctx.username()).await?;
                let event = transfer_event(ctx, "user.ownership_transfer_rejected", &rejected);
                self.commit(tx, &[event]).await?;
                return Ok(rejected);
            }
            // Approved before the resources move: a rejection arriving meanwhile finds it
            // decided, so nothing moves under a "rejected" transfer.
            (PENDING, true) => {
                store::decide_transfer(&mut tx, id, APPROVED, 0, ctx.username()).await?;
            }
            (APPROVED, true) => {}
            (status, _) => {
                return Err(IdentityError::Conflict(format!(
                    "this transfer was already decided ({status})"
                )));
            }
        }
        let owner = existing_user(&mut tx, UserId(pending.from_user_id)).await?;
        let heir = heir(&mut tx, &owner, UserId(pending.to_user_id)).await?;
        tx.commit().await?;
        let moved = self.move_resources(ctx, &owner, Some(&heir)).await?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let approved = store::lock_transfer(&mut tx, id)
            .await?
            .ok_or(IdentityError::NotFound("transfer"))?;
        if approved.status != APPROVED {
            // Another approval finished it meanwhile; the resources moved once.
            return Err(IdentityError::Conflict(format!(
                "this transfer was already decided ({})",
                approved.status
            )));
        }
        let resources = i32::try_from(moved).unwrap_or(i32::MAX);
        let done = store::decide_transfer(&mut tx, id, DONE, resources, ctx.username()).await?;
        let mut events = vec![transfer_event(
            ctx,
            "user.ownership_transfer_approved",
            &done,
        )];
        if approved.delete_user {
            let sessions = remove_user(&mut tx, &owner).await?;
            events.push(deleted_event(ctx, &owner, Some(&heir), moved));
            self.commit(tx, &events).await?;
            self.after_removal(&owner, &sessions).await?;
        } else {
            self.commit(tx, &events).await?;
        }
        Ok(done)
    }

    /// Whether `id` is an active user of the caller's org (asked by the vault).
    pub async fn check_active_user(
        &self,
        ctx: &RequestContext,
        id: &str,
    ) -> Result<bool, IdentityError> {
        let Ok(id) = Uuid::try_parse(id) else {
            return Ok(false);
        };
        let mut tx = self.db.begin(ctx.org()).await?;
        let user = store::find_user(&mut tx, id).await?;
        tx.commit().await?;
        Ok(user.is_some_and(|u| u.is_active()))
    }

    /// A user or user group of the caller's org, for the access service before it shares:
    /// its name and whether it may be given access (`None`: no such user or group here).
    pub async fn describe_grantee(
        &self,
        ctx: &RequestContext,
        kind: &str,
        id: &str,
    ) -> Result<Option<(String, bool)>, IdentityError> {
        let Ok(id) = Uuid::try_parse(id) else {
            return Ok(None);
        };
        let mut tx = self.db.begin(ctx.org()).await?;
        let found = match kind {
            "user" => store::find_user(&mut tx, id)
                .await?
                .map(|u| (u.username.clone(), u.is_active())),
            "user_group" => store::find_group(&mut tx, id)
                .await?
                .map(|g| (g.name, true)),
            _ => None,
        };
        tx.commit().await?;
        Ok(found)
    }

    /// Asks the vault to move what `owner` owns to `heir` (or, without one, to count it).
    pub(crate) async fn move_resources(
        &self,
        ctx: &RequestContext,
        owner: &UserRow,
        heir: Option<&UserRow>,
    ) -> Result<u32, IdentityError> {
        // The heir was found an active user of the org (`heir`): the vault gets that as a
        // signed statement, so it need not ask again.
        let heir_statement = match heir {
            Some(h) => self.signer.vouch_active_user(UserId(h.id), ctx.org())?,
            None => String::new(),
        };
        let moved = self
            .vault
            .clone()
            .transfer_ownership(outgoing(
                ctx,
                TransferOwnershipRequest {
                    from_user_id: owner.id.to_string(),
                    to_user_id: heir.map(|h| h.id.to_string()).unwrap_or_default(),
                    heir_statement,
                },
            ))
            .await
            .map_err(IdentityError::Vault)?;
        Ok(moved.into_inner().owned)
    }
}

/// Why a transfer by `requester` to `heir` waits for a second administrator, if it does:
/// the heir is the requester, never signed in, or was added or had their password set by
/// the requester within [`PUPPET_DAYS`].
pub fn needs_approval(
    heir: &UserRow,
    requester: Uuid,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<&'static str> {
    let recent = |at: Option<chrono::DateTime<chrono::Utc>>| {
        at.is_some_and(|at| now - at < chrono::Duration::days(PUPPET_DAYS))
    };
    if heir.id == requester {
        Some("the requester takes the resources")
    } else if heir.last_login_at.is_none() {
        Some("the new owner has never signed in")
    } else if heir.created_by == Some(requester) && recent(Some(heir.created_at)) {
        Some("the requester added the new owner lately")
    } else if heir.password_set_by == Some(requester) && recent(heir.password_set_at) {
        Some("the requester set the new owner's password lately")
    } else {
        None
    }
}

/// Whether `approver` may approve a request `requested_by` made at `requested_at` (a
/// transfer, a password reset): an administrator since before it was asked for, not added
/// by whoever asked.
pub fn may_approve(
    approver: &UserRow,
    requested_by: Uuid,
    requested_at: chrono::DateTime<chrono::Utc>,
) -> Result<(), IdentityError> {
    if approver.created_by == Some(requested_by) {
        return Err(IdentityError::PermissionDenied(
            "an administrator added by the requester cannot approve their request",
        ));
    }
    if approver
        .administrator_since
        .is_none_or(|since| since >= requested_at)
    {
        return Err(IdentityError::PermissionDenied(
            "only an administrator who was one before the request was made may approve it",
        ));
    }
    Ok(())
}

/// The user named to take over `owner`'s resources: another, active user of the org.
pub(crate) async fn heir(
    tx: &mut TenantTx,
    owner: &UserRow,
    to: UserId,
) -> Result<UserRow, IdentityError> {
    let heir = existing_user(tx, to).await.map_err(|e| match e {
        IdentityError::NotFound(_) => not_an_heir(),
        e => e,
    })?;
    if heir.id == owner.id || !heir.is_active() {
        return Err(not_an_heir());
    }
    Ok(heir)
}

/// The answer when the user named to take over is no other, active user of the org (or
/// no user id at all).
pub fn not_an_heir() -> IdentityError {
    IdentityError::InvalidInput("transfer_to must be another, active user".into())
}

fn transfer(
    ctx: &RequestContext,
    owner: &UserRow,
    heir: &UserRow,
    delete_user: bool,
) -> TransferRow {
    TransferRow {
        id: Uuid::new_v4(),
        from_user_id: owner.id,
        from_username: owner.username.clone(),
        to_user_id: heir.id,
        to_username: heir.username.clone(),
        requested_by_name: ctx.username().to_owned(),
        delete_user,
        status: PENDING.into(),
        resources: 0,
        requested_at: chrono::Utc::now(),
        decided_by: None,
        decided_at: None,
        requested_by: ctx.user().0,
    }
}

/// Old and new owner, and who asked, on every step of a transfer.
fn transfer_event(
    ctx: &RequestContext,
    operation: &str,
    t: &TransferRow,
) -> strongroom_events::Event {
    event(
        ctx,
        operation,
        Target::new("user", t.from_user_id, &t.from_username),
    )
    .with_details(serde_json::json!({
        "transfer_id": t.id,
        "from": t.from_username,
        "to": t.to_username,
        "requested_by": t.requested_by_name,
        "delete_user": t.delete_user,
        "resources": t.resources,
    }))
}

#[cfg(test)]
mod tests;
