//! The batch itself: reads the generations and the rows not kept, asks the access service,
//! commits the records and opens the secrets.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;

use strongroom_core::{ErrorCode, HasErrorCode, OrgId};
use strongroom_crypto::{SecretAad, open};
use strongroom_proto::access::access_client::AccessClient;
use strongroom_tenancy::TenantDb;
use tonic::transport::Channel;
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::cache::SecretCache;
use crate::error::VaultError;
use crate::keys::{KeyRing, OrgKeys};
use crate::reveal_records::RevealRecords;
use crate::store::{self, CurrentSecret, OrgRead, OrgSecret, RevealRecord};

use super::decide::{Decision, decide};
use super::request::{Call, Reply, Reveal, record, via};

pub struct Revealer {
    pub db: TenantDb,
    pub cache: Arc<SecretCache>,
    pub keys: Arc<OrgKeys>,
    pub access: AccessClient<Channel>,
    pub records: Arc<RevealRecords>,
}

impl Revealer {
    pub(super) async fn run(&self, calls: Vec<Call>) {
        let mut reveals = Vec::new();
        let mut replies = Vec::with_capacity(calls.len());
        for call in calls {
            replies.push((call.reply, call.reveals.len()));
            reveals.extend(call.reveals);
        }
        let mut results = match self.reveal_all(&reveals).await {
            Ok(results) => results,
            Err(e) => {
                tracing::error!(error = %e, reveals = reveals.len(), "reveal batch failed");
                let code = e.code();
                let message = if code == ErrorCode::Unavailable {
                    "service temporarily unavailable"
                } else {
                    "internal error"
                };
                reveals
                    .iter()
                    .map(|_| Err(VaultError::Batch { code, message }))
                    .collect()
            }
        }
        .into_iter();
        for (reply, n) in replies {
            let _ = reply.send(results.by_ref().take(n).collect());
        }
    }

    /// One result per reveal, in order; `Err` fails the whole batch (nothing was revealed).
    async fn reveal_all(&self, batch: &[Reveal]) -> Result<Vec<Reply>, VaultError> {
        // Orgs with a schema here, with their keys.
        let mut rings: HashMap<OrgId, Arc<KeyRing>> = HashMap::new();
        // Orgs whose keys cannot be had now (their KMS key unreachable, say): their reveals
        // fail, the rest of the batch goes on.
        let mut unavailable: HashMap<OrgId, ErrorCode> = HashMap::new();
        let mut wanted: Vec<(OrgId, Vec<Uuid>)> = Vec::new();
        // Each org's place in `wanted`.
        let mut places: HashMap<OrgId, usize> = HashMap::new();
        for pending in batch {
            let org = pending.ctx.org();
            if unavailable.contains_key(&org) {
                continue;
            }
            if let Entry::Vacant(slot) = rings.entry(org) {
                if !self.db.is_provisioned(org).await? {
                    continue;
                }
                match self.keys.ring(org).await {
                    Ok(ring) => slot.insert(ring),
                    Err(e) => {
                        tracing::error!(%org, error = %e, "the org's data keys are unavailable");
                        unavailable.insert(org, e.code());
                        continue;
                    }
                };
                places.insert(org, wanted.len());
                wanted.push((org, Vec::new()));
            }
            if let Some((_, ids)) = places.get(&org).and_then(|&i| wanted.get_mut(i)) {
                ids.push(pending.account.0);
            }
        }
        // A reveal with no secret found: its org's keys were unavailable, or not found.
        let missing = |pending: &Reveal| -> Reply {
            match unavailable.get(&pending.ctx.org()) {
                Some(code) => Err(VaultError::Batch {
                    code: *code,
                    message: "service temporarily unavailable",
                }),
                None => Err(VaultError::NotFound("account")),
            }
        };
        if wanted.is_empty() {
            return Ok(batch.iter().map(missing).collect());
        }
        let orgs: Vec<OrgId> = wanted.iter().map(|(org, _)| *org).collect();
        // The access service is asked about the rows kept now while the generations are
        // read; its answers count only for rows still current afterwards.
        let peeked = self.cache.peek(
            &batch
                .iter()
                .map(|p| (p.ctx.org(), p.account.0, p.ctx.user().0))
                .collect::<Vec<_>>(),
        );
        let early_rows: Vec<Option<&CurrentSecret>> = peeked
            .iter()
            .map(|p| p.as_ref().filter(|p| !p.allowed).map(|p| &*p.secret))
            .collect();
        // A reveal its caller may make as the owner of the row kept now (an owner's allowance
        // kept) has its record committed by the statement that reads the generations. Should
        // the org have changed meanwhile, the reveal is decided again below: allowed, it
        // needs no second record; refused, its refusal is recorded after the early one, and
        // nothing leaves.
        let (early_at, early_records): (Vec<usize>, Vec<RevealRecord>) = batch
            .iter()
            .zip(&peeked)
            .enumerate()
            .filter_map(|(i, (p, k))| {
                let k = k.as_ref().filter(|k| k.allowed)?;
                rings.contains_key(&p.ctx.org()).then(|| {
                    (
                        i,
                        record(&p.ctx, "password.revealed", &k.secret, Some(via(p))),
                    )
                })
            })
            .unzip();
        // Generations first: a row kept or read after them is at least as new as they are.
        let (generations, early) = tokio::try_join!(
            self.records.commit(&early_records, &orgs),
            decide(&self.access, batch, &early_rows),
        )?;
        let recorded_early: HashSet<usize> = early_at.into_iter().collect();
        let (mut found, mut reads) = self.cache.take(&generations, wanted);
        // A second round only for orgs read whole that proved too large to keep whole.
        while !reads.is_empty() {
            let rows = self.read(&reads).await?;
            let (wanted_rows, again) = self.cache.keep(&generations, &reads, rows);
            found.extend(wanted_rows);
            for read in reads.iter().filter(|r| !r.whole) {
                self.load_in_background(read.org);
            }
            reads = again;
        }
        let found: HashMap<(Uuid, Uuid), OrgSecret> = found
            .into_iter()
            .map(|s| ((s.org_id, s.secret.account_id), s))
            .collect();
        let secrets: Vec<Option<&OrgSecret>> = batch
            .iter()
            .map(|p| found.get(&(p.ctx.org().0, p.account.0)))
            .collect();
        // Each found row's answer: an owner's allowance kept, the early one if it was given
        // for this very row, or else one asked now.
        let mut decisions: Vec<Option<Decision>> = (0..batch.len())
            .map(|i| {
                let (p, s) = (&batch[i], secrets[i]?);
                if self
                    .cache
                    .allowed(&generations, p.ctx.org(), p.account.0, p.ctx.user().0)
                {
                    return Some(Decision::KEPT);
                }
                match (&peeked[i], &early[i]) {
                    (Some(k), Some(d)) if Arc::ptr_eq(&k.secret, &s.secret) => Some(d.clone()),
                    _ => None,
                }
            })
            .collect();
        let late_rows: Vec<Option<&CurrentSecret>> = secrets
            .iter()
            .zip(&decisions)
            .map(|(s, d)| s.filter(|_| d.is_none()).map(|s| &*s.secret))
            .collect();
        let late = decide(&self.access, batch, &late_rows).await?;
        for (d, late) in decisions.iter_mut().zip(late) {
            if d.is_none() {
                *d = late;
            }
        }
        let owners: Vec<(OrgId, Uuid, Uuid)> = batch
            .iter()
            .zip(&decisions)
            .filter(|(_, d)| d.as_ref().is_some_and(|d| d.allowed && d.as_owner))
            .map(|(p, _)| (p.ctx.org(), p.account.0, p.ctx.user().0))
            .collect();
        self.cache.allow(&generations, &owners);

        // Each result, and the records that must be committed before any is given.
        let mut records = Vec::new();
        let mut results = Vec::with_capacity(batch.len());
        for (i, ((pending, secret), decision)) in
            batch.iter().zip(&secrets).zip(decisions).enumerate()
        {
            let Some(found) = secret else {
                // Recorded early, and the account went meanwhile: its refusal follows.
                if let Some(kept) = peeked[i].as_ref().filter(|_| recorded_early.contains(&i)) {
                    records.push(record(
                        &pending.ctx,
                        "password.reveal_denied",
                        &kept.secret,
                        None,
                    ));
                }
                results.push(missing(pending));
                continue;
            };
            let ctx = &pending.ctx;
            let refused = match decision {
                Some(d) if d.allowed => None,
                Some(d) => Some(d.refusal),
                None => Some(None),
            };
            if let Some(why) = refused {
                records.push(record(ctx, "password.reveal_denied", &found.secret, None));
                // The workflow's refusal says what to do; any other leaks nothing.
                results.push(Err(match why {
                    Some(why) => VaultError::Forbidden(why.to_string()),
                    None => VaultError::NotFound("account"),
                }));
                continue;
            }
            let result = self.decrypt(&rings, pending, found).await;
            if result.is_ok() && !recorded_early.contains(&i) {
                records.push(record(
                    ctx,
                    "password.revealed",
                    &found.secret,
                    Some(via(pending)),
                ));
            }
            results.push(result);
        }
        self.records.commit(&records, &[]).await?;
        Ok(results)
    }

    async fn read(&self, reads: &[OrgRead]) -> Result<Vec<OrgSecret>, VaultError> {
        read(&self.db, reads).await
    }

    /// Loads a large org's rows whole, in the background, when the cache asks for it.
    fn load_in_background(&self, org: OrgId) {
        let Some(load) = self.cache.start_load(org) else {
            return;
        };
        let (db, cache) = (self.db.clone(), self.cache.clone());
        tokio::spawn(async move {
            let started = Instant::now();
            let loaded = async {
                let generations = store::org_generations(&db, &[org]).await?;
                let rows = read(&db, std::slice::from_ref(&load)).await?;
                cache.keep(&generations, std::slice::from_ref(&load), rows);
                Ok::<_, VaultError>(())
            }
            .await;
            if let Err(e) = loaded {
                tracing::warn!(%org, error = %e, "loading an org's sealed rows failed");
            }
            cache.loaded(org, started.elapsed());
        });
    }

    async fn decrypt(
        &self,
        rings: &HashMap<OrgId, Arc<KeyRing>>,
        pending: &Reveal,
        found: &OrgSecret,
    ) -> Reply {
        let org = pending.ctx.org();
        let s = &found.secret;
        let key = match rings.get(&org).and_then(|r| r.version(s.key_version)) {
            Some(key) => key,
            // A data key newer than this process's copy of the org's keys.
            None => self
                .keys
                .reload(org)
                .await?
                .version(s.key_version)
                .ok_or(VaultError::MissingDataKey(org))?,
        };
        let aad = SecretAad {
            org,
            account: pending.account,
            version: s.version,
        };
        let plaintext = open(&key, &aad, &s.ciphertext)?;
        String::from_utf8(plaintext.to_vec())
            .map(Zeroizing::new)
            .map_err(|_| VaultError::InvalidInput("stored password is not text".into()))
    }
}

/// The rows of these reads, each org's on the connections it always gets.
async fn read(db: &TenantDb, reads: &[OrgRead]) -> Result<Vec<OrgSecret>, VaultError> {
    let orgs: Vec<OrgId> = reads.iter().map(|r| r.org).collect();
    let groups = db.statements_over(&orgs).await?;
    Ok(futures::future::try_join_all(
        groups
            .iter()
            .map(|group| store::find_current_secrets(group, reads)),
    )
    .await?
    .into_iter()
    .flatten()
    .collect())
}
