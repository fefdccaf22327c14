//! The grants that reach callers now: their own shares, their groups', and dynamic
//! groups' shares turned into the resources they cover at the time of asking.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;

use strongroom_auth::RequestContext;
use strongroom_core::{OrgId, UserId};
use uuid::Uuid;

use crate::app::Access;
use crate::decide::reaches;
use crate::error::AccessError;
use crate::model::{Covers, Grant, TargetKind, TargetRef};
use crate::store;

impl Access {
    /// The grants that reach the caller now.
    pub(crate) async fn grants_of(&self, ctx: &RequestContext) -> Result<Vec<Grant>, AccessError> {
        Ok(self
            .grants_in(ctx.org(), &[ctx])
            .await?
            .pop()
            .unwrap_or_default())
    }

    /// Turns each dynamic group's grant into the resources it covers now: those matching the
    /// group's criteria that its sharer owns (one call to the vault for all the dynamic
    /// groups of the callers of one org; a group gone covers nothing).
    async fn resolve_dynamic(
        &self,
        ctx: &RequestContext,
        grants: &mut [Vec<Grant>],
    ) -> Result<(), AccessError> {
        let mut groups: Vec<Uuid> = grants
            .iter()
            .flatten()
            .filter_map(|g| match g.covers {
                Covers::DynamicGroup { group, .. } => Some(group),
                _ => None,
            })
            .collect();
        if groups.is_empty() {
            return Ok(());
        }
        groups.sort_unstable();
        groups.dedup();
        let at: Vec<TargetRef> = groups
            .iter()
            .map(|id| TargetRef {
                kind: TargetKind::ResourceGroup,
                id: *id,
            })
            .collect();
        let now: HashMap<Uuid, Vec<(Uuid, UserId)>> = groups
            .into_iter()
            .zip(self.describe(ctx, &at).await?)
            .filter_map(|(id, target)| Some((id, target?.resources)))
            .collect();
        for caller in grants.iter_mut() {
            caller.retain_mut(|grant| {
                let Covers::DynamicGroup { group, sharer } = grant.covers else {
                    return true;
                };
                let Some(resources) = now.get(&group) else {
                    return false;
                };
                grant.covers = Covers::ResourceGroup {
                    group,
                    resources: resources
                        .iter()
                        .filter(|(_, owner)| *owner == sharer)
                        .map(|(id, _)| *id)
                        .collect(),
                };
                true
            });
        }
        Ok(())
    }

    /// For callers of one org, the grants that reach each (theirs and their groups'): kept
    /// ones as they are, the others read in one statement and kept until a share of the
    /// org or a membership changes, or the first of them ends.
    pub(crate) async fn grants_in(
        &self,
        org: OrgId,
        ctxs: &[&RequestContext],
    ) -> Result<Vec<Vec<Grant>>, AccessError> {
        let mut reaching: Vec<Option<Arc<Vec<Grant>>>> = ctxs
            .iter()
            .map(|ctx| self.grants.get(org, ctx.user()))
            .collect();
        let missing: Vec<&RequestContext> = ctxs
            .iter()
            .zip(&reaching)
            .filter(|(_, kept)| kept.is_none())
            .map(|(ctx, _)| *ctx)
            .collect();
        if !missing.is_empty() {
            let epoch = self.grants.epoch();
            let read = self.read_grants(org, &missing).await?;
            let mut read = missing.iter().zip(read);
            for (ctx, kept) in ctxs.iter().zip(reaching.iter_mut()) {
                if kept.is_none()
                    && let Some((_, (grants, ends))) = read.next()
                {
                    let grants = Arc::new(grants);
                    self.grants
                        .keep(org, ctx.user(), grants.clone(), epoch, ends);
                    *kept = Some(grants);
                }
            }
        }
        let mut all: Vec<Vec<Grant>> = reaching
            .into_iter()
            .map(|g| g.map(|g| g.as_ref().clone()).unwrap_or_default())
            .collect();
        if let Some(ctx) = ctxs.first() {
            self.resolve_dynamic(ctx, &mut all).await?;
        }
        Ok(all)
    }

    /// The grants that reach each caller of one org now, read in one statement, and when
    /// the first of each caller's ends.
    async fn read_grants(
        &self,
        org: OrgId,
        ctxs: &[&RequestContext],
    ) -> Result<Vec<(Vec<Grant>, Option<Instant>)>, AccessError> {
        let groups =
            futures::future::try_join_all(ctxs.iter().map(|ctx| self.memberships.groups_of(ctx)))
                .await?;
        let users: Vec<Uuid> = ctxs.iter().map(|c| c.user().0).collect();
        let mut all_groups: Vec<Uuid> = groups.iter().flat_map(|g| g.iter().copied()).collect();
        all_groups.sort_unstable();
        all_groups.dedup();
        let mut tx = self.db.begin(org).await?;
        let mut found = store::grants_to(&mut tx, &users, &all_groups).await?;
        if !store::shares_show_plaintext(&mut tx).await? {
            for (_, grant, _) in &mut found {
                grant.use_only = true;
            }
        }
        tx.commit().await?;
        let now = Utc::now();
        Ok(ctxs
            .iter()
            .zip(&groups)
            .map(|(ctx, groups)| {
                let mine = found
                    .iter()
                    .filter(|(grantee, _, _)| reaches(*grantee, ctx.user(), groups));
                let ends = mine
                    .clone()
                    .filter_map(|(_, _, ends)| *ends)
                    .min()
                    .map(|end| Instant::now() + (end - now).to_std().unwrap_or_default());
                (mine.map(|(_, grant, _)| grant.clone()).collect(), ends)
            })
            .collect())
    }
}
