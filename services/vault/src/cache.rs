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
//! the org's generation holds, their reveals of rows they own need no access call.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use strongroom_core::OrgId;
use strongroom_tenancy::TenantDb;
use uuid::Uuid;

use crate::store::{CurrentSecret, OrgSecret};

/// Orgs with at most this many accounts are read and kept whole.
pub const WHOLE_ORG_ACCOUNTS: usize = 1_000;

/// A read of one org's secrets that a batch needs.
pub struct OrgRead {
    pub org: OrgId,
    /// The accounts the batch wants that are not kept.
    pub wanted: Vec<Uuid>,
    /// Read every account of the org (up to one more than `limit`), not only the wanted ones.
    pub whole: bool,
    /// A whole read keeps the org whole if it has at most this many accounts.
    pub limit: usize,
}

/// A background load of a large org: how much of the time it may take. A load that took `t`
/// is followed by the org's next one no sooner than `t × LOAD_PAUSE_FACTOR` later, so an org
/// whose generation keeps moving is reloaded at most a tenth of the time.
const LOAD_PAUSE_FACTOR: u32 = 9;

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

    /// The orgs' generations now. An org without one has never had a change here (or was
    /// deleted), so nothing of it is kept.
    pub async fn generations(
        db: &TenantDb,
        orgs: &[OrgId],
    ) -> Result<HashMap<OrgId, i64>, sqlx::Error> {
        let ids: Vec<Uuid> = orgs.iter().map(|o| o.0).collect();
        let rows = crate::store::generations(db.global(), &ids).await?;
        Ok(rows.into_iter().map(|(org, g)| (OrgId(org), g)).collect())
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

    /// Forgets a deleted org: its generation goes, so no replica uses what it kept of the
    /// org, and this one drops it.
    pub async fn forget(&self, db: &TenantDb, org: OrgId) -> Result<(), sqlx::Error> {
        crate::store::delete_generation(db, org.0).await?;
        self.forget_local(org);
        Ok(())
    }

    /// Drops what this process keeps of the org (its rows and owners' allowances).
    pub fn forget_local(&self, org: OrgId) {
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
                    allowed: secret.owner_id == *user && o.owners.contains(user),
                    secret,
                })
            })
            .collect()
    }

    /// Whether `user` owns the account's row kept at the org's current generation and holds
    /// an owner's allowance there.
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
                && o.secrets.get(&account).is_some_and(|s| s.owner_id == user)
        })
    }

    /// Keeps the owners' allowances (org, account, user) the access service gave for rows
    /// current at `generations`, while those orgs stand unchanged.
    pub fn allow(&self, generations: &HashMap<OrgId, i64>, allowances: &[(OrgId, Uuid, Uuid)]) {
        let Ok(mut guard) = self.kept.lock() else {
            return;
        };
        let kept = &mut *guard;
        for (org, account, user) in allowances {
            if kept.allowances >= self.capacity {
                return;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn row(org: OrgId, account: Uuid) -> OrgSecret {
        OrgSecret {
            org_id: org.0,
            secret: Arc::new(CurrentSecret {
                account_id: account,
                username: "root".into(),
                resource_id: Uuid::nil(),
                resource_name: "db".into(),
                owner_id: Uuid::nil(),
                version: 1,
                key_version: 1,
                ciphertext: vec![1, 2, 3],
            }),
        }
    }

    fn ids(found: &[OrgSecret]) -> Vec<Uuid> {
        found.iter().map(|f| f.secret.account_id).collect()
    }

    #[test]
    fn a_small_org_is_kept_whole_until_its_generation_moves() {
        let cache = SecretCache::new(100);
        let org = OrgId::new();
        let (x, y, z) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let at = |g: i64| HashMap::from([(org, g)]);

        let (found, reads) = cache.take(&at(1), vec![(org, vec![x])]);
        assert!(found.is_empty());
        assert!(reads.len() == 1 && reads[0].whole && reads[0].wanted == vec![x]);
        let (found, again) = cache.keep(&at(1), &reads, vec![row(org, x), row(org, y)]);
        assert_eq!((ids(&found), again.len()), (vec![x], 0));

        // Kept whole: a kept account needs no read, nor does one the org does not have.
        let (found, reads) = cache.take(&at(1), vec![(org, vec![y, z])]);
        assert_eq!((ids(&found), reads.len()), (vec![y], 0));

        // A change anywhere in the org: nothing kept of it is used.
        let (found, reads) = cache.take(&at(2), vec![(org, vec![y])]);
        assert!(found.is_empty() && reads.len() == 1 && reads[0].whole);
        // An org without a generation is read, never kept.
        let (found, reads) = cache.take(&HashMap::new(), vec![(org, vec![y])]);
        assert!(found.is_empty() && reads.len() == 1 && !reads[0].whole);
    }

    #[test]
    fn a_large_org_is_read_by_account_after_its_first_read() {
        let cache = SecretCache::new(10_000);
        let org = OrgId::new();
        let at = HashMap::from([(org, 1)]);
        let wanted = Uuid::new_v4();
        let (_, reads) = cache.take(&at, vec![(org, vec![wanted])]);
        assert!(reads[0].whole);
        let first: Vec<OrgSecret> = (0..=WHOLE_ORG_ACCOUNTS)
            .map(|_| row(org, Uuid::new_v4()))
            .collect();
        let (found, again) = cache.keep(&at, &reads, first);
        assert!(found.is_empty());
        assert!(again.len() == 1 && !again[0].whole && again[0].wanted == vec![wanted]);
        let (found, again) = cache.keep(&at, &again, vec![row(org, wanted)]);
        assert_eq!((ids(&found), again.len()), (vec![wanted], 0));

        let other = Uuid::new_v4();
        let (_, reads) = cache.take(&at, vec![(org, vec![other])]);
        assert!(reads.len() == 1 && !reads[0].whole, "read by account only");
    }

    #[test]
    fn the_cache_never_keeps_more_accounts_than_its_capacity() {
        let cache = SecretCache::new(3);
        let (a, b) = (OrgId::new(), OrgId::new());
        let at = HashMap::from([(a, 1), (b, 1)]);
        let (ax, bx) = (Uuid::new_v4(), Uuid::new_v4());
        let (_, reads) = cache.take(&at, vec![(a, vec![ax]), (b, vec![bx])]);
        let rows = vec![
            row(a, ax),
            row(a, Uuid::new_v4()),
            row(b, bx),
            row(b, Uuid::new_v4()),
        ];
        let (found, _) = cache.keep(&at, &reads, rows);
        assert_eq!(found.len(), 2, "what was read is answered either way");
        let kept = cache.kept.lock().unwrap();
        let counted: usize = kept.orgs.values().map(|o| o.secrets.len()).sum();
        assert!(kept.accounts <= 3 && counted == kept.accounts);
    }

    fn owned(org: OrgId, account: Uuid, owner: Uuid) -> OrgSecret {
        let mut r = row(org, account);
        Arc::get_mut(&mut r.secret).unwrap().owner_id = owner;
        r
    }

    #[test]
    fn an_owners_allowance_covers_the_rows_they_own_while_the_org_stands() {
        let cache = SecretCache::new(100);
        let org = OrgId::new();
        let (user, other) = (Uuid::new_v4(), Uuid::new_v4());
        let (x, y, theirs) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let at = |g: i64| HashMap::from([(org, g)]);
        let (_, reads) = cache.take(&at(1), vec![(org, vec![x])]);
        let rows = vec![
            owned(org, x, user),
            owned(org, y, user),
            owned(org, theirs, other),
        ];
        cache.keep(&at(1), &reads, rows);

        // Given at another generation, or for a row the user does not own: not kept.
        cache.allow(&at(2), &[(org, x, user)]);
        cache.allow(&at(1), &[(org, theirs, user)]);
        assert!(!cache.allowed(&at(1), org, x, user));
        cache.allow(&at(1), &[(org, x, user)]);
        assert!(cache.allowed(&at(1), org, x, user));
        assert!(cache.allowed(&at(1), org, y, user), "every row they own");
        assert!(
            !cache.allowed(&at(1), org, theirs, user),
            "not another owner's"
        );
        assert!(!cache.allowed(&at(1), org, x, other), "not another user");
        let peeked = cache.peek(&[
            (org, y, user),
            (org, theirs, user),
            (org, Uuid::new_v4(), user),
        ]);
        assert!(peeked[0].as_ref().is_some_and(|p| p.allowed));
        assert!(peeked[1].as_ref().is_some_and(|p| !p.allowed) && peeked[2].is_none());

        // The org changes: the allowance goes with its rows.
        assert!(!cache.allowed(&at(2), org, x, user));
        cache.take(&at(2), vec![(org, vec![x])]);
        assert!(cache.kept.lock().unwrap().allowances == 0);
    }

    #[test]
    fn a_large_org_is_loaded_in_the_background_once_at_a_time_and_paced() {
        let cache = SecretCache::new(10_000);
        let org = OrgId::new();
        let at = HashMap::from([(org, 1)]);
        assert!(cache.start_load(org).is_none(), "not known to be large yet");
        let (_, reads) = cache.take(&at, vec![(org, vec![Uuid::new_v4()])]);
        let first: Vec<OrgSecret> = (0..=WHOLE_ORG_ACCOUNTS)
            .map(|_| row(org, Uuid::new_v4()))
            .collect();
        cache.keep(&at, &reads, first);

        let load = cache.start_load(org).expect("a load starts");
        assert!(load.whole && load.limit == 10_000);
        assert!(cache.start_load(org).is_none(), "one at a time");
        cache.loaded(org, Duration::from_secs(3600));
        assert!(
            cache.start_load(org).is_none(),
            "paced by the last load's time"
        );

        let all: Vec<OrgSecret> = (0..2_000).map(|_| row(org, Uuid::new_v4())).collect();
        let wanted = all[1_500].secret.account_id;
        cache.keep(&at, std::slice::from_ref(&load), all);
        let (found, reads) = cache.take(&at, vec![(org, vec![wanted, Uuid::new_v4()])]);
        assert_eq!((ids(&found), reads.len()), (vec![wanted], 0), "kept whole");
    }

    #[test]
    fn an_org_larger_than_the_cache_is_never_loaded_again() {
        let cache = SecretCache::new(1_500);
        let org = OrgId::new();
        let at = HashMap::from([(org, 1)]);
        let (_, reads) = cache.take(&at, vec![(org, vec![Uuid::new_v4()])]);
        let first: Vec<OrgSecret> = (0..=WHOLE_ORG_ACCOUNTS)
            .map(|_| row(org, Uuid::new_v4()))
            .collect();
        cache.keep(&at, &reads, first);
        let load = cache.start_load(org).expect("a load starts");
        let all: Vec<OrgSecret> = (0..=1_500).map(|_| row(org, Uuid::new_v4())).collect();
        cache.keep(&at, std::slice::from_ref(&load), all);
        cache.loaded(org, Duration::ZERO);
        assert!(cache.start_load(org).is_none());
    }
}
