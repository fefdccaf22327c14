//! The vault's state, and what its use cases share: the access decision, events and field
//! rules. Each use case is a module adding methods to [`Vault`]: `resources`, `accounts`,
//! `history` (password versions), `ownership`, `settings` (sealed settings of other
//! services) and `reveal` (the hot path).

use std::sync::Arc;

use strongroom_auth::{RequestContext, Verifier, outgoing};
use strongroom_core::{OrgId, UserId};
use strongroom_events::{Event, Outbox, Target};
use strongroom_proto::access::access_client::AccessClient;
use strongroom_proto::access::{CheckRequest, CheckResponse, Operation, ScopeRequest};
use strongroom_proto::identity::identity_client::IdentityClient;
use strongroom_tenancy::TenantDb;
use tonic::transport::Channel;
use uuid::Uuid;

use crate::error::VaultError;
use crate::keys::OrgKeys;
use crate::reveal::RevealQueue;
use crate::store::{AccountRow, ResourceRow, VisibleRows};
pub use crate::text::{optional, required};

pub const SERVICE: &str = "vault";

pub struct Vault {
    pub db: TenantDb,
    pub msp_org: OrgId,
    pub outbox: Outbox,
    pub keys: Arc<OrgKeys>,
    pub access: AccessClient<Channel>,
    pub identity: IdentityClient<Channel>,
    pub reveals: RevealQueue,
    /// Checks tokens and identity's signed statements (`Verifier::is_vouched_active_user`).
    pub verifier: Arc<Verifier>,
}

/// A row the access service decides on: its resource, its account (if it is one) and the
/// owner the vault records.
#[derive(Clone, Copy)]
pub struct Row {
    pub resource: Uuid,
    pub account: Option<Uuid>,
    pub owner: Uuid,
    /// An account under access control: its password only during the caller's checkout.
    pub controlled: bool,
}

impl Row {
    /// The resource as the access service decides on it.
    pub fn of_resource(r: &ResourceRow) -> Self {
        Self {
            resource: r.id,
            account: None,
            owner: r.owner_id,
            controlled: false,
        }
    }

    /// The account as the access service decides on it.
    pub fn of_account(a: &AccountRow) -> Self {
        Self {
            resource: a.resource_id,
            account: Some(a.id),
            owner: a.owner_id,
            controlled: a.access_controlled,
        }
    }
}

impl Vault {
    /// Whether the access service allows the caller `operation` on the row.
    pub async fn allowed(
        &self,
        ctx: &RequestContext,
        row: Row,
        operation: Operation,
    ) -> Result<bool, VaultError> {
        Ok(self.check(ctx, row, operation, None).await?.allowed)
    }

    /// The access service's answer, with the workflow's reason when it refuses.
    async fn check(
        &self,
        ctx: &RequestContext,
        row: Row,
        operation: Operation,
        ticket_id: Option<&str>,
    ) -> Result<CheckResponse, VaultError> {
        let check = CheckRequest {
            account_id: row.account.map(|a| a.to_string()).unwrap_or_default(),
            resource_id: row.resource.to_string(),
            owner_id: row.owner.to_string(),
            operation: operation as i32,
            access_controlled: row.controlled,
            ticket_id: ticket_id.map(str::to_owned),
        };
        Ok(self
            .access
            .clone()
            .check(outgoing(ctx, check))
            .await
            .map_err(VaultError::Access)?
            .into_inner())
    }

    /// As [`Vault::allowed`], answering a refusal with "not found" when the caller may not
    /// see the row either (what they may not see, they may not learn of), and with
    /// "forbidden" when they may see it but their share does not reach this far.
    pub async fn require(
        &self,
        ctx: &RequestContext,
        row: Row,
        operation: Operation,
        what: &'static str,
    ) -> Result<(), VaultError> {
        self.require_with(ctx, row, operation, what, None).await
    }

    /// As [`Vault::require`] for showing the row's password (or a password-kind field)
    /// to the caller: the ticket they gave is checked too, where the org checks tickets
    /// before reveals.
    pub async fn require_showing(
        &self,
        ctx: &RequestContext,
        row: Row,
        what: &'static str,
        ticket_id: &str,
    ) -> Result<(), VaultError> {
        self.require_with(ctx, row, Operation::Reveal, what, Some(ticket_id))
            .await
    }

    async fn require_with(
        &self,
        ctx: &RequestContext,
        row: Row,
        operation: Operation,
        what: &'static str,
        ticket_id: Option<&str>,
    ) -> Result<(), VaultError> {
        let answer = self.check(ctx, row, operation, ticket_id).await?;
        if answer.allowed {
            return Ok(());
        }
        if !answer.refusal.is_empty() {
            return Err(VaultError::Forbidden(answer.refusal));
        }
        if operation != Operation::View && self.allowed(ctx, row, Operation::View).await? {
            return Err(VaultError::Forbidden(format!(
                "your access to this {what} does not allow this: {}",
                match operation {
                    Operation::Manage => "it needs Full access",
                    Operation::Modify => "it needs Modify access",
                    _ => "its password may not be shown to you",
                }
            )));
        }
        Err(VaultError::NotFound(what))
    }

    /// The rows the caller may see, as the access service scopes them for a listing.
    pub async fn visible(&self, ctx: &RequestContext) -> Result<VisibleRows, VaultError> {
        self.scope(ctx, Operation::View).await
    }

    /// The rows the access service lets the caller act on with `operation`.
    pub async fn scope(
        &self,
        ctx: &RequestContext,
        operation: Operation,
    ) -> Result<VisibleRows, VaultError> {
        self.scope_with(ctx, operation, None).await
    }

    /// The rows whose passwords the caller may be shown, the ticket they gave checked
    /// where the org checks tickets before reveals.
    pub async fn scope_showing(
        &self,
        ctx: &RequestContext,
        ticket_id: &str,
    ) -> Result<VisibleRows, VaultError> {
        self.scope_with(ctx, Operation::Reveal, Some(ticket_id))
            .await
    }

    async fn scope_with(
        &self,
        ctx: &RequestContext,
        operation: Operation,
        ticket_id: Option<&str>,
    ) -> Result<VisibleRows, VaultError> {
        let scope = self
            .access
            .clone()
            .scope(outgoing(
                ctx,
                ScopeRequest {
                    operation: operation as i32,
                    ticket_id: ticket_id.map(str::to_owned),
                },
            ))
            .await
            .map_err(VaultError::Access)?
            .into_inner();
        if !scope.refusal.is_empty() {
            return Err(VaultError::Forbidden(scope.refusal));
        }
        let ids = |ids: &[String]| -> Result<Vec<Uuid>, VaultError> {
            ids.iter()
                .map(|id| {
                    Uuid::parse_str(id).map_err(|_| {
                        VaultError::Access(tonic::Status::internal("malformed id in a scope"))
                    })
                })
                .collect()
        };
        Ok(VisibleRows {
            owners: ids(&scope.owner_ids)?,
            resources: ids(&scope.resource_ids)?,
            accounts: ids(&scope.account_ids)?,
        })
    }
}

/// The vault's event of `operation` by the caller on `target`.
pub fn event(ctx: &RequestContext, operation: &str, target: Target) -> Event {
    Event::new(
        ctx.org(),
        SERVICE,
        operation,
        strongroom_runtime::actor(ctx),
        target,
    )
}

/// A resource as the audit trail names it.
pub fn resource_target(id: Uuid, name: &str) -> Target {
    Target::new("resource", id, name)
}

/// An account as the audit trail names it: `<resource>/<username>`.
pub fn account_target(id: Uuid, resource_name: &str, username: &str) -> Target {
    Target::new("account", id, format!("{resource_name}/{username}"))
}

/// The caller as the owner of what they create.
pub fn owner(ctx: &RequestContext) -> Uuid {
    let UserId(id) = ctx.user();
    id
}
