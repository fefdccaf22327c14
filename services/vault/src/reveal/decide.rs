//! The access service's decisions on a batch's reveals, in one call.

use std::sync::Arc;

use strongroom_proto::access::access_client::AccessClient;
use strongroom_proto::access::{CheckBatchRequest, CheckItem, CheckRequest, Operation};
use tonic::transport::Channel;

use crate::error::VaultError;
use crate::store::CurrentSecret;

use super::request::Reveal;

/// The access service's answer for one reveal, and whether it was given to the caller as
/// the row's owner (so it holds for every row they own while the org stands unchanged).
#[derive(Clone)]
pub(super) struct Decision {
    pub(super) allowed: bool,
    pub(super) as_owner: bool,
    /// Why the access-control workflow refused it, in the access service's words.
    pub(super) refusal: Option<Arc<str>>,
}

impl Decision {
    /// An owner's allowance the vault already keeps.
    pub(super) const KEPT: Self = Self {
        allowed: true,
        as_owner: false,
        refusal: None,
    };
}

/// The access service's answer for each reveal with a row, in one call (`None` where
/// there is no row).
pub(super) async fn decide(
    access: &AccessClient<Channel>,
    batch: &[Reveal],
    rows: &[Option<&CurrentSecret>],
) -> Result<Vec<Option<Decision>>, VaultError> {
    let items: Vec<CheckItem> = batch
        .iter()
        .zip(rows)
        .filter_map(|(p, s)| {
            let s = (*s)?;
            Some(CheckItem {
                token: p.ctx.token().to_owned(),
                check: Some(CheckRequest {
                    account_id: s.account_id.to_string(),
                    resource_id: s.resource_id.to_string(),
                    owner_id: s.owner_id.to_string(),
                    operation: Operation::Reveal as i32,
                    access_controlled: s.access_controlled,
                    ticket_id: Some(p.showing.ticket_id.clone()),
                }),
            })
        })
        .collect();
    let asked = items.len();
    if asked == 0 {
        return Ok(rows.iter().map(|_| None).collect());
    }
    let answer = access
        .clone()
        .check_batch(CheckBatchRequest { items })
        .await
        .map_err(VaultError::Access)?
        .into_inner();
    if answer.allowed.len() != asked
        || answer.as_owner.len() != asked
        || answer.refusals.len() != asked
    {
        return Err(VaultError::Access(tonic::Status::internal(
            "the access service answered a different number of checks",
        )));
    }
    // Spread the answers back over the batch.
    let mut answers = answer
        .allowed
        .into_iter()
        .zip(answer.as_owner)
        .zip(answer.refusals)
        .map(|((allowed, as_owner), refusal)| Decision {
            allowed,
            as_owner,
            refusal: Some(refusal).filter(|r| !r.is_empty()).map(Arc::from),
        });
    Ok(rows
        .iter()
        .map(|s| s.and_then(|_| answers.next()))
        .collect())
}
