//! The current secrets that reveals have read (sealed rows, never plaintext), kept in this
//! process so that a batch of reveals from many orgs need not read every org's tables. A kept
//! row is used only while its org's generation is still the one read before the row was (the
//! generation moves with every change to the org's resources, accounts or secrets; see
//! `migrations/vault/global`), and one statement per batch reads the generations of all its
//! orgs. So a reveal sees every change committed before its batch began, as a direct read
//! would, whichever replica made it.
//!
//! An org of up to [`WHOLE_ORG_ACCOUNTS`] accounts is read whole the first time one of its
//! accounts is wanted at a generation: applications fetch many of an org's accounts, and the
//! org's later reveals, found or not, then need no read of its tables at all. A larger org is
//! read by account, and loaded whole in the background (as far as the capacity allows), at
//! most once per generation and spending at most a tenth of the time on it (see [`Load`]).
//!
//! Beside each org's kept rows are the users the access service allowed as owners: while
//! the org's generation holds, their reveals of rows they own need no access call. Such an
//! allowance rests on the org's ticketing settings too (an org that checks tickets before
//! reveals gets none): they are kept only while this process hears those settings change,
//! and an org's are forgotten, and none kept for [`ALLOWANCES_PAUSE`], when they do.
//!
//! The cache holds memory only: the reveal path reads the generations and the rows (see
//! `store::reveals`) and hands them here.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use strongroom_core::OrgId;
use uuid::Uuid;

use crate::store::{CurrentSecret, OrgRead, OrgSecret};

/// Orgs with at most this many accounts are read and kept whole.
pub const WHOLE_ORG_ACCOUNTS: usize = 1_000;

/// A background load of a large org: how much of the time it may take. A load that took `t`
/// is followed by the org's next one no sooner than `t × LOAD_PAUSE_FACTOR` later, so an org
/// whose generation keeps moving is reloaded at most a tenth of the time.
const LOAD_PAUSE_FACTOR: u32 = 9;

/// After an org's ticketing settings change, how long no owner's allowance is kept for it:
/// an answer the access service gave before it heard of the change too may still be on
/// its way (both hear the same event, within milliseconds of each other).
pub const ALLOWANCES_PAUSE: Duration = Duration::from_secs(5);

/// Background loads of one org: whether one runs, and when the next may start.
#[derive(Default)]
struct Load {
    running: bool,
    not_before: Option<Instant>,
}

pub struct SecretCache {
    /// Accounts kept at most, over all orgs.
    capacity: usize,
    kept: Mutex<Kept>,
}

#[derive(Default)]
struct Kept {
    orgs: HashMap<OrgId, OrgSecrets>,
    accounts: usize,
    /// Orgs found to have more than [`WHOLE_ORG_ACCOUNTS`] accounts: read by account, and
    /// loaded whole in the background.
    large: HashSet<OrgId>,
    /// Orgs too large to keep whole at all: never loaded.
    too_large: HashSet<OrgId>,
    loads: HashMap<OrgId, Load>,
    /// Owners' allowances kept, over all orgs (bounded by the capacity too).
    allowances: usize,
    /// Whether this process hears changes to the orgs' ticketing settings: while it does
    /// not, no allowance is kept.
    hearing: bool,
    /// Orgs whose allowances were forgotten lately: none is kept before the instant.
    paused: HashMap<OrgId, Instant>,
}

struct OrgSecrets {
    generation: i64,
    /// Every account of the org is kept: one not kept does not exist.
    whole: bool,
    secrets: HashMap<Uuid, Arc<CurrentSecret>>,
    /// Users the access service allowed as the owner of a row of this org at this
    /// generation: they may reveal every row they own here.
    owners: HashSet<Uuid>,
}

/// A row kept now for a reveal, before its org's generation is read again.
pub struct Peeked {
    pub secret: Arc<CurrentSecret>,
    /// The caller owns it and holds an owner's allowance.
    pub allowed: bool,
}

impl SecretCache {
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            kept: Mutex::default(),
        }
    }

    /// Splits what a batch wants (account ids by org) into the secrets kept at the orgs'
    /// current generations and the reads still needed; an org whose generation moved loses
    /// everything kept of it.
    pub fn take(
        &self,
        generations: &HashMap<OrgId, i64>,
        wanted: Vec<(OrgId, Vec<Uuid>)>,
    ) -> (Vec<OrgSecret>, Vec<OrgRead>) {
        let Ok(mut guard) = self.kept.lock() else {
            let reads = wanted
                .into_iter()
                .map(|(org, wanted)| OrgRead {
                    org,
                    wanted,
                    whole: false,
                    limit: WHOLE_ORG_ACCOUNTS,
                })
                .collect();
            return (Vec::new(), reads);
        };
        let kept = &mut *guard;
        let mut found = Vec::new();
        let mut reads = Vec::new();
        for (org, ids) in wanted {
            let current = generations.get(&org).copied();
            if kept
                .orgs
                .get(&org)
                .is_some_and(|o| Some(o.generation) != current)
            {
                kept.drop_org(org);
            }
            let entry = kept.orgs.get(&org);
            let mut missing = Vec::new();
            for id in ids {
                match entry.and_then(|o| o.secrets.get(&id)) {
                    Some(secret) => found.push(OrgSecret {
                        org_id: org.0,
                        secret: secret.clone(),
                    }),
                    None => missing.push(id),
                }
            }
            if missing.is_empty() || entry.is_some_and(|o| o.whole) {
                continue;
            }
            let whole = entry.is_none()
                && current.is_some()
                && self.capacity > 0
                && !kept.large.contains(&org);
            reads.push(OrgRead {
                org,
                wanted: missing,
                whole,
                limit: WHOLE_ORG_ACCOUNTS,
            });
        }
        (found, reads)
    }

    /// Keeps the rows of `reads`, read after `generations` were, and returns the wanted ones,
    /// with the reads still needed: wanted accounts of an org read whole that proved too
    /// large to keep whole.
    pub fn keep(
        &self,
        generations: &HashMap<OrgId, i64>,
        reads: &[OrgRead],
        rows: Vec<OrgSecret>,
    ) -> (Vec<OrgSecret>, Vec<OrgRead>) {
        let mut by_org: HashMap<Uuid, Vec<OrgSecret>> = HashMap::new();
        for row in rows {
            by_org.entry(row.org_id).or_default().push(row);
        }
        let mut kept = self.kept.lock().ok();
        let mut found = Vec::new();
        let mut again = Vec::new();
        for read in reads {
            let rows = by_org.remove(&read.org.0).unwrap_or_default();
            let whole = read.whole && rows.len() <= read.limit;
            if let (Some(kept), Some(&generation)) =
                (kept.as_deref_mut(), generations.get(&read.org))
            {
                if read.whole && !whole {
                    if read.limit >= self.capacity {
                        kept.too_large.insert(read.org);
                    }
                    kept.large.insert(read.org);
                }
                kept.keep(self.capacity, read.org, generation, whole, &rows);
            }
            let wanted: HashSet<&Uuid> = read.wanted.iter().collect();
            let mine: Vec<OrgSecret> = rows
                .into_iter()
                .filter(|r| wanted.contains(&r.secret.account_id))
                .collect();
            if read.whole && !whole {
                let got: HashSet<Uuid> = mine.iter().map(|r| r.secret.account_id).collect();
                let missing: Vec<Uuid> = read
                    .wanted
                    .iter()
                    .filter(|id| !got.contains(id))
                    .copied()
                    .collect();
                if !missing.is_empty() {
                    again.push(OrgRead {
                        org: read.org,
                        wanted: missing,
                        whole: false,
                        limit: WHOLE_ORG_ACCOUNTS,
                    });
                }
            }
            found.extend(mine);
        }
        (found, again)
    }

    /// Drops what this process keeps of the org (its rows and owners' allowances).
    pub fn forget(&self, org: OrgId) {
        if let Ok(mut kept) = self.kept.lock() {
            kept.drop_org(org);
            kept.large.remove(&org);
            kept.too_large.remove(&org);
            kept.loads.remove(&org);
        }
    }

    /// The rows kept now for these (org, account, user) reveals, whatever their org's
    /// generation: the access service may be asked about them while the generations are
    /// read, and its answer used only if the very same row is still current afterwards.
    pub fn peek(&self, wanted: &[(OrgId, Uuid, Uuid)]) -> Vec<Option<Peeked>> {
        let Ok(kept) = self.kept.lock() else {
            return wanted.iter().map(|_| None).collect();
        };
        wanted
            .iter()
            .map(|(org, account, user)| {
                let o = kept.orgs.get(org)?;
                let secret = o.secrets.get(account)?.clone();
                Some(Peeked {
                    allowed: secret.owner_id == *user
                        && o.owners.contains(user)
                        && !secret.access_controlled,
                    secret,
                })
            })
            .collect()
    }

    /// Whether a background load of this large org should start now (it then counts as
    /// running until [`SecretCache::loaded`]): once per generation, one at a time, and
    /// paced by how long the last one took.
    pub fn start_load(&self, org: OrgId) -> Option<OrgRead> {
        let mut kept = self.kept.lock().ok()?;
        if !kept.large.contains(&org)
            || kept.too_large.contains(&org)
            || kept.orgs.get(&org).is_some_and(|o| o.whole)
        {
            return None;
        }
        let load = kept.loads.entry(org).or_default();
        if load.running || load.not_before.is_some_and(|t| Instant::now() < t) {
            return None;
        }
        load.running = true;
        Some(OrgRead {
            org,
            wanted: Vec::new(),
            whole: true,
            limit: self.capacity,
        })
    }

    /// A background load of `org` ended after `took`.
    pub fn loaded(&self, org: OrgId, took: Duration) {
        if let Ok(mut kept) = self.kept.lock()
            && let Some(load) = kept.loads.get_mut(&org)
        {
            load.running = false;
            load.not_before = Some(Instant::now() + took * LOAD_PAUSE_FACTOR);
        }
    }
}

impl Kept {
    fn drop_org(&mut self, org: OrgId) {
        if let Some(dropped) = self.orgs.remove(&org) {
            self.accounts -= dropped.secrets.len();
            self.allowances -= dropped.owners.len();
        }
    }

    /// Keeps an org's rows read at `generation`, making room by dropping other orgs (whichever
    /// the map yields first); rows that still do not fit are not kept.
    fn keep(
        &mut self,
        capacity: usize,
        org: OrgId,
        generation: i64,
        whole: bool,
        rows: &[OrgSecret],
    ) {
        if self
            .orgs
            .get(&org)
            .is_some_and(|o| o.generation > generation)
        {
            return;
        }
        if self
            .orgs
            .get(&org)
            .is_some_and(|o| o.generation < generation)
        {
            self.drop_org(org);
        }
        while self.accounts + rows.len() > capacity {
            let Some(victim) = self.orgs.keys().find(|o| **o != org).copied() else {
                break;
            };
            self.drop_org(victim);
        }
        let fits = self.accounts + rows.len() <= capacity;
        let entry = self.orgs.entry(org).or_insert_with(|| OrgSecrets {
            generation,
            whole: false,
            secrets: HashMap::new(),
            owners: HashSet::new(),
        });
        // Rows of the same generation never make a whole org partial.
        entry.whole |= whole && fits;
        for row in rows {
            if self.accounts >= capacity {
                break;
            }
            if entry
                .secrets
                .insert(row.secret.account_id, row.secret.clone())
                .is_none()
            {
                self.accounts += 1;
            }
        }
        if entry.secrets.is_empty() && !entry.whole {
            self.drop_org(org);
        }
    }
}

mod allowances;
#[cfg(test)]
mod tests;
