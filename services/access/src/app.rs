//! The access service's state, shared by its use cases: `check` (decisions and scopes) and
//! `shares` (who holds what).

use std::sync::Arc;

use strongroom_auth::{RequestContext, outgoing};
use strongroom_core::UserId;
use strongroom_events::{Event, Outbox, Target as EventTarget};
use strongroom_proto::identity::GranteeRef;
use strongroom_proto::identity::identity_client::IdentityClient;
use strongroom_proto::identity::recipients_client::RecipientsClient;
use strongroom_proto::tenant_settings::org_settings_client::OrgSettingsClient;
use strongroom_proto::vault::vault_client::VaultClient;
use strongroom_proto::vault::{DescribeTargetsRequest, TargetToDescribe};
use strongroom_tenancy::TenantDb;
use tonic::transport::Channel;
use uuid::Uuid;

use crate::error::AccessError;
use crate::kept::Kept;
use crate::memberships::Memberships;
use crate::model::{Grant, Grantee, Target, TargetRef};

pub(crate) const SERVICE: &str = "access";

pub(crate) struct Access {
    pub(crate) db: TenantDb,
    pub(crate) outbox: Outbox,
    pub(crate) memberships: Arc<Memberships>,
    /// The grants that reach each caller, kept until a share or membership of the org
    /// changes (on any replica) or the first of them ends.
    pub(crate) grants: Arc<Kept<Arc<Vec<Grant>>>>,
    pub(crate) vault: VaultClient<Channel>,
    pub(crate) identity: IdentityClient<Channel>,
    /// Identity's naming of people: who may approve a request.
    pub(crate) recipients: RecipientsClient<Channel>,
    /// The org's settings: its ticketing system is asked through it.
    pub(crate) settings: OrgSettingsClient<Channel>,
    /// Where each org checks tickets, kept until its ticketing settings change.
    pub(crate) ticketing: Arc<Kept<strongroom_proto::tenant_settings::TicketingStages>>,
}

impl Access {
    /// Each target as the vault describes it now, in order (`None`: not in the org).
    pub(crate) async fn describe(
        &self,
        ctx: &RequestContext,
        targets: &[TargetRef],
    ) -> Result<Vec<Option<Target>>, AccessError> {
        let asked = DescribeTargetsRequest {
            targets: targets
                .iter()
                .map(|t| TargetToDescribe {
                    kind: t.kind.as_str().into(),
                    id: t.id.to_string(),
                })
                .collect(),
        };
        let answer = self
            .vault
            .clone()
            .describe_targets(outgoing(ctx, asked))
            .await
            .map_err(AccessError::Vault)?
            .into_inner();
        if answer.targets.len() != targets.len() {
            return Err(AccessError::Vault(tonic::Status::internal(
                "the vault described a different number of targets",
            )));
        }
        let uuid = |s: &str| Uuid::try_parse(s).ok();
        Ok(targets
            .iter()
            .zip(answer.targets)
            .map(|(at, d)| {
                // A target whose owner cannot be read is none the caller may act on.
                let owner = uuid(&d.owner_id).filter(|_| d.found)?;
                Some(Target {
                    at: *at,
                    owner: UserId(owner),
                    resource: uuid(&d.resource_id),
                    name: d.name,
                    resources: d
                        .resource_ids
                        .iter()
                        .zip(&d.resource_owner_ids)
                        .filter_map(|(r, o)| Some((uuid(r)?, UserId(uuid(o)?))))
                        .collect(),
                    trashed: d.trashed,
                    dynamic: d.dynamic,
                    access_controlled: d.access_controlled,
                })
            })
            .collect())
    }

    /// The target as the vault describes it now; "not found" when it is not in the org.
    pub(crate) async fn target(
        &self,
        ctx: &RequestContext,
        at: TargetRef,
    ) -> Result<Target, AccessError> {
        self.describe(ctx, &[at])
            .await?
            .pop()
            .flatten()
            .ok_or(AccessError::NotFound(at.kind.noun()))
    }

    /// The grantee's name, if it is a user (active) or user group of the caller's org.
    pub(crate) async fn grantee_name(
        &self,
        ctx: &RequestContext,
        grantee: Grantee,
    ) -> Result<String, AccessError> {
        let found = self
            .identity
            .clone()
            .describe_grantee(outgoing(
                ctx,
                GranteeRef {
                    kind: grantee.kind.as_str().into(),
                    id: grantee.id.to_string(),
                },
            ))
            .await
            .map_err(AccessError::Identity)?
            .into_inner();
        if !found.found {
            return Err(AccessError::InvalidInput(format!(
                "no {} with that id in this org",
                grantee.kind.noun()
            )));
        }
        if !found.may_receive {
            return Err(AccessError::InvalidInput(format!(
                "{} is not an active user: enable them first",
                found.name
            )));
        }
        Ok(found.name)
    }
}

/// The access service's event of `operation` by the caller on `target`.
pub(crate) fn event(ctx: &RequestContext, operation: &str, target: &Target) -> Event {
    Event::new(
        ctx.org(),
        SERVICE,
        operation,
        strongroom_runtime::actor(ctx),
        EventTarget::new(target.at.kind.as_str(), target.at.id, &target.name),
    )
}
