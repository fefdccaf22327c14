//! Access control on a target: its owner, or a holder of Full access, turns the
//! request-release workflow on for an account, a resource or a resource group's resources,
//! sets who approves, and turns it off. The vault marks the rows (so no reveal of them is
//! taken for granted); this service keeps the policy.

use chrono::Utc;
use strongroom_auth::{RequestContext, outgoing};
use strongroom_proto::vault::AccessControlledRequest;
use uuid::Uuid;

use crate::app::{Access, event};
use crate::error::AccessError;
use crate::model::{Grantee, GranteeKind, PolicyOn, Target, TargetKind, TargetRef};
use crate::store;
use crate::workflow::{MAX_APPROVER_GROUPS, MAX_MINUTES, Policy};

/// A policy as asked for: approver groups by id.
#[derive(Debug, Clone)]
pub(crate) struct PolicyInput {
    pub(crate) approver_groups: Vec<Uuid>,
    pub(crate) client_admin_approves_msp_staff: bool,
    pub(crate) lapse_after_minutes: u32,
    pub(crate) max_checkout_minutes: u32,
}

const MANAGE: &str = "configure its access control";

impl Access {
    /// The target and the policy set on it (`None`: off, or only inherited).
    pub(crate) async fn access_control(
        &self,
        ctx: &RequestContext,
        at: TargetRef,
    ) -> Result<(Target, Option<PolicyOn>), AccessError> {
        let target = self.managed_target(ctx, at, MANAGE).await?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let policy = store::policy_of(&mut tx, target.at).await?;
        tx.commit().await?;
        Ok((target, policy))
    }

    /// Turns access control on for the target, or changes its policy.
    pub(crate) async fn set_access_control(
        &self,
        ctx: &RequestContext,
        at: TargetRef,
        input: PolicyInput,
    ) -> Result<PolicyOn, AccessError> {
        for (name, minutes) in [
            ("lapse_after_minutes", input.lapse_after_minutes),
            ("max_checkout_minutes", input.max_checkout_minutes),
        ] {
            if !(1..=MAX_MINUTES).contains(&minutes) {
                return Err(AccessError::InvalidInput(format!(
                    "{name} must be 1 to {MAX_MINUTES}"
                )));
            }
        }
        let mut groups = input.approver_groups.clone();
        groups.sort_unstable();
        groups.dedup();
        if groups.len() > MAX_APPROVER_GROUPS {
            return Err(AccessError::InvalidInput(format!(
                "at most {MAX_APPROVER_GROUPS} approver groups"
            )));
        }
        let target = self.managed_target(ctx, at, MANAGE).await?;
        if target.trashed {
            return Err(AccessError::InvalidInput(format!(
                "the {} is in the trash: restore it first",
                target.at.kind.noun()
            )));
        }
        let mut approver_groups = Vec::with_capacity(groups.len());
        for id in groups {
            let grantee = Grantee {
                kind: GranteeKind::UserGroup,
                id,
            };
            approver_groups.push((id, self.grantee_name(ctx, grantee).await?));
        }
        let resources = match (target.at.kind, target.resource) {
            (TargetKind::ResourceGroup, _) => {
                self.shareable_resources(ctx, &target.resources).await?
            }
            (_, resource) => resource.into_iter().collect(),
        };
        // The vault marks the rows first: should saving the policy fail after it, they stay
        // under access control with the default policy, never open.
        self.mark(ctx, &target, &resources, true).await?;
        let saved = PolicyOn {
            target: target.at,
            target_name: target.name.clone(),
            resources,
            policy: Policy {
                approver_groups,
                client_admin_approves_msp_staff: input.client_admin_approves_msp_staff,
                lapse_after_minutes: input.lapse_after_minutes,
                max_checkout_minutes: input.max_checkout_minutes,
            },
            updated_by: ctx.user().0,
            updated_at: Utc::now(),
        };
        let mut tx = self.db.begin(ctx.org()).await?;
        store::save_policy(&mut tx, &saved).await?;
        let set = event(ctx, "access_control.set", &target).with_details(details(&saved));
        self.outbox.record(&mut tx, &set).await?;
        self.outbox.commit(tx).await?;
        Ok(saved)
    }

    /// Turns access control off for the target; resources another resource or group
    /// policy covers stay under it. Asked again, it unmarks what a failed attempt left.
    pub(crate) async fn remove_access_control(
        &self,
        ctx: &RequestContext,
        at: TargetRef,
    ) -> Result<(Target, Option<PolicyOn>), AccessError> {
        let target = self.managed_target(ctx, at, MANAGE).await?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let removed = store::delete_policy(&mut tx, target.at).await?;
        let covered: Vec<Uuid> = match (&removed, target.at.kind) {
            (_, TargetKind::Account) => Vec::new(),
            (Some(p), _) => p.resources.clone(),
            (None, TargetKind::Resource) => target.resource.into_iter().collect(),
            (None, TargetKind::ResourceGroup) => {
                target.resources.iter().map(|(id, _)| *id).collect()
            }
        };
        let kept = store::resources_still_covered(&mut tx, &covered).await?;
        if let Some(p) = &removed {
            let off = event(ctx, "access_control.removed", &target).with_details(details(p));
            self.outbox.record(&mut tx, &off).await?;
        }
        self.outbox.commit(tx).await?;
        let unmark: Vec<Uuid> = covered.into_iter().filter(|r| !kept.contains(r)).collect();
        self.mark(ctx, &target, &unmark, false).await?;
        Ok((target, removed))
    }

    /// Marks (or unmarks) in the vault the target's rows: an account itself, or resources.
    async fn mark(
        &self,
        ctx: &RequestContext,
        target: &Target,
        resources: &[Uuid],
        on: bool,
    ) -> Result<(), AccessError> {
        let (resource_ids, account_ids) = match target.at.kind {
            TargetKind::Account => (Vec::new(), vec![target.at.id.to_string()]),
            TargetKind::Resource | TargetKind::ResourceGroup => (
                resources.iter().map(ToString::to_string).collect(),
                Vec::new(),
            ),
        };
        self.vault
            .clone()
            .set_access_controlled(outgoing(
                ctx,
                AccessControlledRequest {
                    resource_ids,
                    account_ids,
                    on,
                },
            ))
            .await
            .map_err(AccessError::Vault)?;
        Ok(())
    }
}

/// A policy as the trail describes it.
fn details(p: &PolicyOn) -> serde_json::Value {
    serde_json::json!({
        "approver_groups": p.policy.approver_groups.iter().map(|(_, name)| name).collect::<Vec<_>>(),
        "client_admin_approves_msp_staff": p.policy.client_admin_approves_msp_staff,
        "lapse_after_minutes": p.policy.lapse_after_minutes,
        "max_checkout_minutes": p.policy.max_checkout_minutes,
        "resources": p.resources.len(),
    })
}
