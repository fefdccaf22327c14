//! The user groups a caller belongs to, as identity says now, kept per replica (`kept`) and
//! forgotten for an org the moment identity changes one of its users or groups.

use std::sync::Arc;

use strongroom_auth::{RequestContext, outgoing};
use strongroom_proto::identity::UserRef;
use strongroom_proto::identity::identity_client::IdentityClient;
use tonic::transport::Channel;
use uuid::Uuid;

use crate::error::AccessError;
use crate::kept::Kept;

pub(crate) struct Memberships {
    identity: IdentityClient<Channel>,
    pub(crate) kept: Arc<Kept<Arc<[Uuid]>>>,
}

impl Memberships {
    pub(crate) fn new(identity: IdentityClient<Channel>) -> Self {
        Self {
            identity,
            kept: Arc::new(Kept::new()),
        }
    }

    /// The caller's user groups in their org now (none for someone who is not a user of
    /// the org, such as MSP staff working in a client org).
    pub(crate) async fn groups_of(&self, ctx: &RequestContext) -> Result<Arc<[Uuid]>, AccessError> {
        if let Some(groups) = self.kept.get(ctx.org(), ctx.user()) {
            return Ok(groups);
        }
        let epoch = self.kept.epoch();
        let answer = self
            .identity
            .clone()
            .list_user_groups(outgoing(
                ctx,
                UserRef {
                    user_id: ctx.user().to_string(),
                },
            ))
            .await;
        let groups: Arc<[Uuid]> = match answer {
            Ok(list) => list
                .into_inner()
                .groups
                .iter()
                .filter_map(|g| Uuid::try_parse(&g.id).ok())
                .collect(),
            Err(status) if status.code() == tonic::Code::NotFound => Arc::from([]),
            Err(status) => return Err(AccessError::Identity(status)),
        };
        self.kept
            .keep(ctx.org(), ctx.user(), groups.clone(), epoch, None);
        Ok(groups)
    }
}
