//! An administrator setting a user's login password. It works once: the user chooses
//! their own at the next login, and every session and API key of theirs ends. Resetting
//! the password of a user who owns passwords is signing in as them and revealing what
//! they own, so it waits for a second administrator of the org, as taking their
//! resources does; until then the user's password is unchanged.

use secrecy::SecretString;
use strongroom_auth::RequestContext;
use strongroom_core::{MspStaffRight, Permission, Role, UserId};
use strongroom_events::Target;
use strongroom_tenancy::TenantTx;
use uuid::Uuid;

use crate::app::{Identity, event};
use crate::error::IdentityError;
use crate::ids::ResetId;
use crate::mailed_passwords::{MailedReason, NewPassword, new_password};
use crate::ownership::may_approve;
use crate::people::{existing_user, require_outranks};
use crate::store::{self, ResetRow, UserRow};

pub const PENDING: &str = "pending";
pub const DONE: &str = "done";
pub const REJECTED: &str = "rejected";

impl Identity {
    /// Sets a local user's password (policy and history apply) or, where the org has a mail
    /// server, sends them a one-time password by mail; when the user owns passwords and is
    /// not the caller, asks a second administrator to.
    pub async fn set_user_password(
        &self,
        ctx: &RequestContext,
        id: UserId,
        password: Option<SecretString>,
    ) -> Result<ResetRow, IdentityError> {
        ctx.require(Permission::UsersManage)?;
        ctx.require_signed_in()?;
        ctx.require_msp_allowed(MspStaffRight::ResetPasswords)?;
        let has_mail = self.org_has_mail(ctx).await?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let user = existing_user(&mut tx, id).await?;
        require_outranks(ctx, &mut tx, &user).await?;
        let hash = match new_password(password, has_mail, &user.email)? {
            NewPassword::Chosen(password) => Some(
                self.acceptable_hash(&mut tx, Some(user.id), password)
                    .await?,
            ),
            NewPassword::ByMail => None,
        };
        tx.commit().await?;
        // What the user owns, counted by the vault (nothing moves without a new owner).
        let owned = if user.id == ctx.user().0 {
            0
        } else {
            self.move_resources(ctx, &user, None).await?
        };
        let mut tx = self.db.begin(ctx.org()).await?;
        if owned > 0 {
            let requested = store::insert_reset(
                &mut tx,
                &user,
                (ctx.user().0, ctx.username()),
                hash.as_deref(),
            )
            .await?
            .ok_or_else(|| {
                IdentityError::Conflict(format!(
                    "a reset of {}'s password already waits for approval",
                    user.username
                ))
            })?;
            let event = reset_event(ctx, "user.password_reset_requested", &requested)
                .with_details(serde_json::json!({ "resources_owned": owned }));
            self.commit(tx, &[event]).await?;
            return Ok(requested);
        }
        self.apply_reset(ctx, tx, &user, hash.as_deref(), ctx.user().0, Vec::new())
            .await?;
        Ok(ResetRow {
            id: Uuid::nil(),
            user_id: user.id,
            username: user.username.clone(),
            requested_by: ctx.user().0,
            requested_by_name: ctx.username().to_owned(),
            password_hash: None,
            by_mail: hash.is_none(),
            status: DONE.into(),
            requested_at: chrono::Utc::now(),
            decided_by: None,
            decided_at: None,
        })
    }

    pub async fn list_password_resets(
        &self,
        ctx: &RequestContext,
    ) -> Result<Vec<ResetRow>, IdentityError> {
        ctx.require(Permission::UsersManage)?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let resets = store::list_resets(&mut tx).await?;
        tx.commit().await?;
        Ok(resets)
    }

    /// A second administrator of the org (one before the request, not added by the
    /// requester) applies or rejects a pending reset.
    pub async fn decide_password_reset(
        &self,
        ctx: &RequestContext,
        id: ResetId,
        approve: bool,
    ) -> Result<ResetRow, IdentityError> {
        ctx.require(Permission::UsersManage)?;
        ctx.require_signed_in()?;
        if ctx.claims.home_org() != ctx.org() || ctx.claims.role != Role::Administrator.as_str() {
            return Err(IdentityError::PermissionDenied(
                "only an administrator of this org may decide a password reset",
            ));
        }
        let id = id.0;
        let mut tx = self.db.begin(ctx.org()).await?;
        let pending = store::lock_reset(&mut tx, id)
            .await?
            .ok_or(IdentityError::NotFound("password reset"))?;
        if pending.status != PENDING {
            return Err(IdentityError::Conflict(format!(
                "this password reset was already decided ({})",
                pending.status
            )));
        }
        if pending.requested_by == ctx.user().0 {
            return Err(IdentityError::PermissionDenied(
                "a second administrator must decide a password reset you asked for",
            ));
        }
        if !approve {
            let rejected = store::decide_reset(&mut tx, id, REJECTED, ctx.username()).await?;
            let event = reset_event(ctx, "user.password_reset_rejected", &rejected);
            self.commit(tx, &[event]).await?;
            return Ok(rejected);
        }
        let approver = store::find_user(&mut tx, ctx.user().0).await?.ok_or(
            IdentityError::PermissionDenied(
                "only an administrator of this org may decide a password reset",
            ),
        )?;
        may_approve(&approver, pending.requested_by, pending.requested_at)?;
        let user = existing_user(&mut tx, UserId(pending.user_id)).await?;
        let hash = match (&pending.password_hash, pending.by_mail) {
            (_, true) => None,
            (Some(hash), false) => Some(hash.clone()),
            (None, false) => {
                return Err(IdentityError::Conflict(
                    "this reset holds no password".into(),
                ));
            }
        };
        let done = store::decide_reset(&mut tx, id, DONE, ctx.username()).await?;
        let approved = reset_event(ctx, "user.password_reset_approved", &done);
        let set_by = pending.requested_by;
        self.apply_reset(ctx, tx, &user, hash.as_deref(), set_by, vec![approved])
            .await?;
        Ok(done)
    }

    /// Sets the one-time password `hash` (chosen by `set_by`) or, without one, voids the
    /// user's password and sends them a one-time password by mail; ends every session and
    /// API key of the user, and voids their tokens; `events` are committed with it.
    async fn apply_reset(
        &self,
        ctx: &RequestContext,
        mut tx: TenantTx,
        user: &UserRow,
        hash: Option<&str>,
        set_by: Uuid,
        mut events: Vec<strongroom_events::Event>,
    ) -> Result<(), IdentityError> {
        let mailed = match hash {
            Some(hash) => {
                store::set_password(&mut tx, user.id, hash, true).await?;
                store::require_password_change(&mut tx, user.id, Some(set_by)).await?;
                store::close_mailed_passwords(&mut tx, user.id).await?;
                None
            }
            None => {
                store::void_password(&mut tx, user.id).await?;
                let reason = MailedReason::Reset;
                Some(
                    self.open_mailed_password(&mut tx, user.id, reason, Some(set_by))
                        .await?,
                )
            }
        };
        let sessions = store::revoke_user_sessions(&mut tx, user.id).await?;
        let keys = store::revoke_user_api_keys(&mut tx, user.id).await?;
        let version = store::next_token_version(&mut tx, user.id).await?;
        events.push(
            event(
                ctx,
                "user.password_reset",
                Target::new("user", user.id, &user.username),
            )
            .with_details(serde_json::json!({
                "sessions_ended": sessions.len(),
                "api_keys_revoked": keys.len(),
                "set_by": set_by,
                "mailed_password_id": mailed,
            })),
        );
        self.commit(tx, &events).await?;
        self.revocations.revoke(&[sessions, keys].concat()).await?;
        self.revocations.require_version(user.id, version).await?;
        Ok(())
    }
}

fn reset_event(ctx: &RequestContext, operation: &str, r: &ResetRow) -> strongroom_events::Event {
    event(ctx, operation, Target::new("user", r.user_id, &r.username)).with_details(
        serde_json::json!({
            "reset_id": r.id,
            "requested_by": r.requested_by_name,
        }),
    )
}
