//! Password reveals arriving together leave for the vault in one call, each with its own
//! caller's token, so a busy API pays one gRPC round trip for many reveals.

use std::sync::Arc;
use strongroom_auth::RequestContext;
use strongroom_proto::vault::vault_client::VaultClient;
use strongroom_proto::vault::{RevealItem, RevealOutcome, RevealPasswordsRequest};

use strongroom_runtime::{BatchTuning, Batches};
use strongroom_trust::DirectChannel;
use tokio::sync::oneshot;

use crate::dto::vault::RevealQuery;
use crate::error::ApiError;

type Reply = Result<String, ApiError>;

struct Pending {
    item: RevealItem,
    reply: oneshot::Sender<Reply>,
}

#[derive(Clone)]
pub struct RevealBatcher {
    batches: Arc<Batches<Pending>>,
}

impl RevealBatcher {
    pub fn start(vault: DirectChannel, tuning: BatchTuning) -> Self {
        let vault = VaultClient::new(vault);
        let batches = Batches::start(tuning.max, tuning.in_flight, move |batch| {
            send_batch(vault.clone(), batch)
        });
        Self {
            batches: Arc::new(batches),
        }
    }

    /// The account's password, if the vault reveals it to this caller; the reason goes to
    /// the reveal's record, the ticket to the org's ticketing system (if it checks).
    pub async fn reveal(&self, ctx: &RequestContext, account_id: String, q: RevealQuery) -> Reply {
        let stopped = || tonic::Status::unavailable("the gateway is shutting down");
        let (reply, answer) = oneshot::channel();
        let item = RevealItem {
            token: ctx.token().to_owned(),
            account_id,
            ip: ctx.ip.clone().unwrap_or_default(),
            user_agent: ctx.user_agent.clone().unwrap_or_default(),
            reason: q.reason,
            ticket_id: q.ticket_id,
        };
        self.batches
            .submit(Pending { item, reply })
            .await
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

async fn send_batch(mut vault: VaultClient<DirectChannel>, batch: Vec<Pending>) {
    let (items, replies): (Vec<_>, Vec<_>) = batch.into_iter().map(|p| (p.item, p.reply)).unzip();
    let asked = items.len();
    let outcomes = vault
        .reveal_passwords(RevealPasswordsRequest { items })
        .await
        .map(|r| r.into_inner().outcomes)
        .and_then(|outcomes| {
            if outcomes.len() == asked {
                Ok(outcomes)
            } else {
                Err(tonic::Status::internal("the vault answered another count"))
            }
        });
    match outcomes {
        Ok(outcomes) => {
            for (reply, outcome) in replies.into_iter().zip(outcomes) {
                let _ = reply.send(answer(outcome));
            }
        }
        Err(status) => {
            for reply in replies {
                let _ = reply.send(Err(status.clone().into()));
            }
        }
    }
}

fn answer(outcome: RevealOutcome) -> Reply {
    if outcome.code == 0 {
        Ok(outcome.password)
    } else {
        Err(tonic::Status::new(tonic::Code::from(outcome.code), outcome.message).into())
    }
}
