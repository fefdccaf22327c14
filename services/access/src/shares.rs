//! Sharing: an owner, or a holder of Full access, shares an account, resource or resource
//! group with users and user groups of the org, lists its shares and ends them; anyone
//! lists what is shared with them.

use chrono::Utc;
use strongroom_auth::RequestContext;
use strongroom_core::{OrgId, Permission, UserId};
use strongroom_events::{Event, Target as EventTarget};
use strongroom_proto::access::Operation;
use uuid::Uuid;

use crate::app::{Access, SERVICE, event};
use crate::decide::{decide, may_share};
use crate::error::AccessError;
use crate::model::{GranteeKind, Row, Share, ShareInput, Target, TargetKind, TargetRef};
use crate::store;

const SHARE: &str = "share it";

impl Access {
    /// Shares the target, or changes the level or end of the grantee's share of it.
    pub(crate) async fn share(
        &self,
        ctx: &RequestContext,
        input: ShareInput,
    ) -> Result<Share, AccessError> {
        let target = self.managed_target(ctx, input.target, SHARE).await?;
        if target.trashed {
            return Err(AccessError::InvalidInput(format!(
                "the {} is in the trash: restore it first",
                target.at.kind.noun()
            )));
        }
        if input.expires_at.is_some_and(|end| end <= Utc::now()) {
            return Err(AccessError::InvalidInput(
                "expires_at must be in the future".into(),
            ));
        }
        if input.grantee.kind == GranteeKind::User && input.grantee.id == target.owner.0 {
            return Err(AccessError::InvalidInput(format!(
                "the owner of the {} already has full access",
                target.at.kind.noun()
            )));
        }
        // A static group's share covers what it holds now, of what the sharer may share; a
        // dynamic group's follows its criteria at the time of use.
        let snapshot = if target.at.kind == TargetKind::ResourceGroup && !target.dynamic {
            self.shareable_resources(ctx, &target.resources).await?
        } else {
            Vec::new()
        };
        let grantee_name = self.grantee_name(ctx, input.grantee).await?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let (share, replaced) = store::save_share(
            &mut tx,
            &input,
            &target.name,
            target.resource,
            target.dynamic,
            &snapshot,
            &grantee_name,
            ctx.user().0,
        )
        .await?;
        store::mark_share_end(&mut tx, &share).await?;
        let operation = if replaced {
            "share.changed"
        } else {
            "share.created"
        };
        let shared = event(ctx, operation, &target).with_details(details(&share));
        self.outbox.record(&mut tx, &shared).await?;
        self.outbox.commit(tx).await?;
        // Other replicas forget when the event reaches them; this one at once.
        self.grants.forget(Some(ctx.org()));
        Ok(share)
    }

    /// The live shares of the target.
    pub(crate) async fn target_shares(
        &self,
        ctx: &RequestContext,
        at: TargetRef,
    ) -> Result<Vec<Share>, AccessError> {
        let target = self.managed_target(ctx, at, SHARE).await?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let shares = store::target_shares(&mut tx, target.at).await?;
        tx.commit().await?;
        Ok(shares)
    }

    /// Ends one share of the target at once.
    pub(crate) async fn unshare(
        &self,
        ctx: &RequestContext,
        at: TargetRef,
        id: Uuid,
    ) -> Result<Share, AccessError> {
        let target = self.managed_target(ctx, at, SHARE).await?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let share = store::delete_share(&mut tx, target.at, id)
            .await?
            .ok_or(AccessError::NotFound("share"))?;
        store::share_ended_now(&mut tx, share.id).await?;
        let revoked = event(ctx, "share.revoked", &target).with_details(details(&share));
        self.outbox.record(&mut tx, &revoked).await?;
        self.outbox.commit(tx).await?;
        self.grants.forget(Some(ctx.org()));
        Ok(share)
    }

    /// Who holds a live share reaching a password now, for the vault's password-action
    /// notifications: users, and user groups.
    pub(crate) async fn sharees(
        &self,
        org: OrgId,
        account: Option<Uuid>,
        resource: Option<Uuid>,
        groups: &[Uuid],
    ) -> Result<(Vec<Uuid>, Vec<Uuid>), AccessError> {
        let mut tx = self.db.begin(org).await?;
        let found = store::sharees(&mut tx, account, resource, groups).await?;
        tx.commit().await?;
        let of = |kind: GranteeKind| found.iter().filter(move |g| g.kind == kind).map(|g| g.id);
        Ok((
            of(GranteeKind::User).collect(),
            of(GranteeKind::UserGroup).collect(),
        ))
    }

    /// The live shares that reach the caller (theirs and their groups'), with the targets'
    /// names as they are now; targets gone from the vault are left out.
    pub(crate) async fn shared_with(
        &self,
        ctx: &RequestContext,
    ) -> Result<Vec<Share>, AccessError> {
        let groups = self.memberships.groups_of(ctx).await?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let shares = store::shares_to(&mut tx, &[ctx.user().0], &groups).await?;
        tx.commit().await?;
        if shares.is_empty() {
            return Ok(shares);
        }
        let at: Vec<TargetRef> = shares.iter().map(|s| s.target).collect();
        let now = self.describe(ctx, &at).await?;
        Ok(shares
            .into_iter()
            .zip(now)
            .filter_map(|(mut share, target)| {
                let target = target?;
                share.target_name = target.name;
                Some(share)
            })
            .collect())
    }

    /// Whether people see shared passwords in plain text in the caller's org.
    pub(crate) async fn sharing_settings(&self, ctx: &RequestContext) -> Result<bool, AccessError> {
        let mut tx = self.db.begin(ctx.org()).await?;
        let show = store::shares_show_plaintext(&mut tx).await?;
        tx.commit().await?;
        Ok(show)
    }

    /// Lets people see shared passwords in plain text, or makes every share of the org one
    /// for use without seeing; counts from the next decision on every replica.
    pub(crate) async fn update_sharing_settings(
        &self,
        ctx: &RequestContext,
        shares_show_plaintext: bool,
    ) -> Result<bool, AccessError> {
        ctx.require(Permission::VaultSettingsManage)?;
        ctx.require_signed_in()?;
        let mut tx = self.db.begin(ctx.org()).await?;
        store::save_sharing_settings(&mut tx, shares_show_plaintext, ctx.user().0).await?;
        // A `share.*` event, so every replica forgets the grants it keeps for the org.
        let changed = Event::new(
            ctx.org(),
            SERVICE,
            "share.settings_changed",
            strongroom_runtime::actor(ctx),
            EventTarget::new("org", ctx.org().0, "sharing settings"),
        )
        .with_details(serde_json::json!({ "shares_show_plaintext": shares_show_plaintext }));
        self.outbox.record(&mut tx, &changed).await?;
        self.outbox.commit(tx).await?;
        self.grants.forget(Some(ctx.org()));
        Ok(shares_show_plaintext)
    }

    /// Of a resource group's resources, those the caller may share (owns, or holds with Full
    /// access): sharing a group never hands on more than the sharer holds.
    pub(crate) async fn shareable_resources(
        &self,
        ctx: &RequestContext,
        resources: &[(Uuid, UserId)],
    ) -> Result<Vec<Uuid>, AccessError> {
        let grants = self.grants_of(ctx).await?;
        let shareable: Vec<Uuid> = resources
            .iter()
            .filter(|(id, owner)| {
                let resource = Target {
                    at: TargetRef {
                        kind: TargetKind::Resource,
                        id: *id,
                    },
                    owner: *owner,
                    resource: Some(*id),
                    name: String::new(),
                    resources: Vec::new(),
                    trashed: false,
                    dynamic: false,
                    access_controlled: false,
                };
                may_share(ctx.user(), &grants, &resource)
            })
            .map(|(id, _)| *id)
            .collect();
        if shareable.is_empty() && !resources.is_empty() {
            return Err(AccessError::Forbidden(
                "none of the group's resources is yours to share: you need to own them or \
                 hold Full access to them"
                    .into(),
            ));
        }
        Ok(shareable)
    }

    /// The target, if the caller may manage it (share it, configure its access control):
    /// "not found" for someone who may not see it, "forbidden" (saying they may not `what`)
    /// for someone who may see it without Full access.
    pub(crate) async fn managed_target(
        &self,
        ctx: &RequestContext,
        at: TargetRef,
        what: &str,
    ) -> Result<Target, AccessError> {
        let target = self.target(ctx, at).await?;
        let grants = self.grants_of(ctx).await?;
        if may_share(ctx.user(), &grants, &target) {
            return Ok(target);
        }
        let seen = match (at.kind, target.resource) {
            (TargetKind::ResourceGroup, _) | (_, None) => {
                grants.iter().any(|g| g.covers.group() == Some(at.id))
            }
            (kind, Some(resource)) => {
                let row = Row {
                    resource,
                    account: (kind == TargetKind::Account).then_some(at.id),
                    owner: target.owner,
                };
                decide(ctx.user(), &grants, &row, Operation::View).allowed
            }
        };
        if seen {
            Err(AccessError::Forbidden(format!(
                "only the owner of the {} or a user with Full access may {what}",
                at.kind.noun()
            )))
        } else {
            Err(AccessError::NotFound(at.kind.noun()))
        }
    }
}

/// A share as the trail describes it (beside the target the event names).
fn details(share: &Share) -> serde_json::Value {
    serde_json::json!({
        "share_id": share.id,
        "grantee_kind": share.grantee.kind.as_str(),
        "grantee_id": share.grantee.id,
        "grantee_name": share.grantee_name,
        "level": share.level.as_str(),
        "expires_at": share.expires_at,
        "resources": share.resource_count,
        "follows_criteria": share.follows_criteria,
        "use_without_seeing": share.use_only,
    })
}
