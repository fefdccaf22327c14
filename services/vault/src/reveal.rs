//! Password reveals, the hottest path: applications fetch passwords far more often than
//! people do. Reveals that arrive together, from any orgs, run as one batch: one read of
//! all their secrets, one call to the access service for all the decisions, one insert of
//! all the audit events and one commit. Each password still leaves only after its own
//! audit event has committed.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Arc;

use strongroom_auth::RequestContext;
use strongroom_core::{AccountId, ErrorCode, HasErrorCode, OrgId};
use strongroom_crypto::{SecretAad, open};
use strongroom_events::{Event, Outbox, Target};
use strongroom_proto::access::access_client::AccessClient;
use strongroom_proto::access::{CheckBatchRequest, CheckItem, CheckRequest, Operation};
use strongroom_tenancy::TenantDb;
use tokio::sync::{mpsc, oneshot};
use tonic::transport::Channel;
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::error::VaultError;
use crate::keys::{KeyRing, OrgKeys};
use crate::store::{self, OrgSecret};

const SERVICE: &str = "vault";
/// Reveals in one batch at most.
const MAX_BATCH: usize = 256;
/// Batches running at once; each holds one database connection.
const BATCHES_IN_FLIGHT: usize = 4;

type Reply = Result<Zeroizing<String>, VaultError>;

struct Pending {
    ctx: RequestContext,
    account: AccountId,
    reply: oneshot::Sender<Reply>,
}

/// Hands reveals to the batching task.
pub struct RevealQueue {
    sender: mpsc::Sender<Pending>,
}

impl RevealQueue {
    pub fn start(revealer: Revealer) -> Self {
        let (sender, receiver) = mpsc::channel(4 * MAX_BATCH);
        let revealer = Arc::new(revealer);
        tokio::spawn(strongroom_runtime::run_batches(
            receiver,
            MAX_BATCH,
            BATCHES_IN_FLIGHT,
            move |batch| {
                let revealer = revealer.clone();
                async move { revealer.run(batch).await }
            },
        ));
        Self { sender }
    }

    pub async fn reveal(&self, ctx: &RequestContext, account: AccountId) -> Reply {
        let stopped = || VaultError::Batch {
            code: ErrorCode::Unavailable,
            message: "the vault is shutting down",
        };
        let (reply, answer) = oneshot::channel();
        let pending = Pending {
            ctx: ctx.clone(),
            account,
            reply,
        };
        self.sender.send(pending).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

pub struct Revealer {
    pub db: TenantDb,
    pub outbox: Outbox,
    pub keys: Arc<OrgKeys>,
    pub access: AccessClient<Channel>,
}

impl Revealer {
    async fn run(&self, batch: Vec<Pending>) {
        match self.reveal_all(&batch).await {
            Ok(results) => {
                for (pending, result) in batch.into_iter().zip(results) {
                    let _ = pending.reply.send(result);
                }
            }
            Err(e) => {
                tracing::error!(error = %e, reveals = batch.len(), "reveal batch failed");
                let code = e.code();
                let message = if code == ErrorCode::Unavailable {
                    "service temporarily unavailable"
                } else {
                    "internal error"
                };
                for pending in batch {
                    let _ = pending.reply.send(Err(VaultError::Batch { code, message }));
                }
            }
        }
    }

    /// One result per reveal, in order; `Err` fails the whole batch (nothing was revealed).
    async fn reveal_all(&self, batch: &[Pending]) -> Result<Vec<Reply>, VaultError> {
        // Orgs with a schema here, with their keys (read before the batch's transaction,
        // so a key miss never needs a second connection inside it).
        let mut rings: HashMap<OrgId, Arc<KeyRing>> = HashMap::new();
        // Orgs whose keys cannot be had now (their KMS key unreachable, say): their reveals
        // fail, the rest of the batch goes on.
        let mut unavailable: HashMap<OrgId, ErrorCode> = HashMap::new();
        let mut wanted: Vec<(OrgId, Vec<Uuid>)> = Vec::new();
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
                wanted.push((org, Vec::new()));
            }
            if let Some((_, ids)) = wanted.iter_mut().find(|(o, _)| *o == org) {
                ids.push(pending.account.0);
            }
        }
        // A reveal with no secret found: its org's keys were unavailable, or not found.
        let missing = |pending: &Pending| -> Reply {
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
        let mut tx = self.db.begin_orgs(&orgs).await?;
        let found: HashMap<(Uuid, Uuid), OrgSecret> = store::find_current_secrets(&mut tx, &wanted)
            .await?
            .into_iter()
            .map(|s| ((s.org_id, s.secret.account_id), s))
            .collect();
        let secrets: Vec<Option<&OrgSecret>> = batch
            .iter()
            .map(|p| found.get(&(p.ctx.org().0, p.account.0)))
            .collect();
        let allowed = self.decide(batch, &secrets).await?;

        let mut events = Vec::new();
        let mut results = Vec::with_capacity(batch.len());
        for ((pending, secret), allowed) in batch.iter().zip(&secrets).zip(allowed) {
            let Some(found) = secret else {
                results.push(missing(pending));
                continue;
            };
            let s = &found.secret;
            let ctx = &pending.ctx;
            let target = Target::new(
                "account",
                s.account_id,
                format!("{}/{}", s.resource_name, s.username),
            );
            if !allowed {
                events.push(event(ctx, "password.reveal_denied", target));
                results.push(Err(VaultError::NotFound("account")));
                continue;
            }
            let result = self.decrypt(&rings, pending, found).await;
            if result.is_ok() {
                events.push(
                    event(ctx, "password.revealed", target)
                        .with_details(serde_json::json!({ "via": ctx.claims.amr })),
                );
            }
            results.push(result);
        }
        let recorded = self.outbox.record_across(&mut tx, &events).await?;
        self.outbox.commit_across(tx, recorded).await?;
        Ok(results)
    }

    /// The access service's decision for each found secret, in one call.
    async fn decide(
        &self,
        batch: &[Pending],
        secrets: &[Option<&OrgSecret>],
    ) -> Result<Vec<bool>, VaultError> {
        let items: Vec<CheckItem> = batch
            .iter()
            .zip(secrets)
            .filter_map(|(p, s)| {
                let s = &(*s)?.secret;
                Some(CheckItem {
                    token: p.ctx.token().to_owned(),
                    check: Some(CheckRequest {
                        account_id: s.account_id.to_string(),
                        resource_id: s.resource_id.to_string(),
                        owner_id: s.owner_id.to_string(),
                        operation: Operation::Reveal as i32,
                    }),
                })
            })
            .collect();
        let asked = items.len();
        let mut answers = if asked == 0 {
            Vec::new()
        } else {
            self.access
                .clone()
                .check_batch(CheckBatchRequest { items })
                .await
                .map_err(VaultError::Access)?
                .into_inner()
                .allowed
        };
        if answers.len() != asked {
            return Err(VaultError::Access(tonic::Status::internal(
                "the access service answered a different number of checks",
            )));
        }
        // Spread the answers back over the batch; reveals with no secret get `false`.
        answers.reverse();
        Ok(secrets
            .iter()
            .map(|s| s.is_some() && answers.pop().unwrap_or(false))
            .collect())
    }

    async fn decrypt(
        &self,
        rings: &HashMap<OrgId, Arc<KeyRing>>,
        pending: &Pending,
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

fn event(ctx: &RequestContext, operation: &str, target: Target) -> Event {
    Event::new(
        ctx.org(),
        SERVICE,
        operation,
        strongroom_runtime::actor(ctx),
        target,
    )
}
