//! The owners' allowances kept beside each org's rows: kept only while this process hears
//! the orgs' ticketing settings change, forgotten for an org when they do.

use std::collections::HashMap;
use std::time::Instant;

use strongroom_core::OrgId;
use uuid::Uuid;

use super::{ALLOWANCES_PAUSE, SecretCache};

impl SecretCache {
    /// Whether this process hears changes to the orgs' ticketing settings now. Hearing
    /// starts or stops: every allowance kept is forgotten (changes may have been missed).
    pub fn hearing(&self, hearing: bool) {
        if let Ok(mut kept) = self.kept.lock() {
            kept.hearing = hearing;
            for o in kept.orgs.values_mut() {
                o.owners.clear();
            }
            kept.allowances = 0;
        }
    }

    /// Forgets the owners' allowances kept for `org`, and keeps none for
    /// [`ALLOWANCES_PAUSE`]: its ticketing settings changed.
    pub fn forget_allowances(&self, org: OrgId) {
        if let Ok(mut guard) = self.kept.lock() {
            let kept = &mut *guard;
            let now = Instant::now();
            kept.paused.retain(|_, until| *until > now);
            kept.paused.insert(org, now + ALLOWANCES_PAUSE);
            if let Some(o) = kept.orgs.get_mut(&org) {
                kept.allowances -= o.owners.len();
                o.owners.clear();
            }
        }
    }

    /// Whether `user` owns the account's row kept at the org's current generation, the row is
    /// not under access control (whose reveals the access service decides each time), and
    /// the user holds an owner's allowance there.
    pub fn allowed(
        &self,
        generations: &HashMap<OrgId, i64>,
        org: OrgId,
        account: Uuid,
        user: Uuid,
    ) -> bool {
        let Ok(kept) = self.kept.lock() else {
            return false;
        };
        kept.orgs.get(&org).is_some_and(|o| {
            Some(o.generation) == generations.get(&org).copied()
                && o.owners.contains(&user)
                && o.secrets
                    .get(&account)
                    .is_some_and(|s| s.owner_id == user && !s.access_controlled)
        })
    }

    /// Keeps the owners' allowances (org, account, user) the access service gave for rows
    /// current at `generations`, while those orgs stand unchanged.
    pub fn allow(&self, generations: &HashMap<OrgId, i64>, allowances: &[(OrgId, Uuid, Uuid)]) {
        let Ok(mut guard) = self.kept.lock() else {
            return;
        };
        let kept = &mut *guard;
        if !kept.hearing {
            return;
        }
        let now = Instant::now();
        for (org, account, user) in allowances {
            if kept.allowances >= self.capacity {
                return;
            }
            if kept.paused.get(org).is_some_and(|until| *until > now) {
                continue;
            }
            let Some(o) = kept.orgs.get_mut(org) else {
                continue;
            };
            if Some(o.generation) == generations.get(org).copied()
                && o.secrets.get(account).is_some_and(|s| s.owner_id == *user)
                && o.owners.insert(*user)
            {
                kept.allowances += 1;
            }
        }
    }
}
