//! The identity service's state and what its use cases share.

use strongroom_auth::{PasswordHasher, RequestContext, RevocationStore, Signer};
use strongroom_core::OrgId;
use strongroom_events::{Actor, Event, Outbox, Target};
use strongroom_proto::tenant::tenant_client::TenantClient;
use strongroom_proto::tenant_settings::org_settings_client::OrgSettingsClient;
use strongroom_proto::vault::vault_client::VaultClient;
use strongroom_runtime::SettingsSealer;
use strongroom_tenancy::{TenantDb, TenantTx};
use tonic::transport::Channel;

use crate::error::IdentityError;
use crate::guard::LoginGuard;

pub const SERVICE: &str = "identity";

pub struct Identity {
    pub db: TenantDb,
    pub outbox: Outbox,
    pub signer: Signer,
    pub hasher: PasswordHasher,
    pub tenant: TenantClient<Channel>,
    /// The org's settings: whether it has a mail server.
    pub settings: OrgSettingsClient<Channel>,
    pub vault: VaultClient<Channel>,
    pub msp_org: OrgId,
    pub token_ttl_secs: i64,
    pub session_ttl_secs: i64,
    pub revocations: RevocationStore,
    pub guard: LoginGuard,
    /// Seals the directory's bind password with the org's data key (through the vault).
    pub sealer: SettingsSealer,
    /// Resolves and checks directory hosts; every directory connection goes through it.
    pub egress: strongroom_egress::Egress,
}

/// Where an unauthenticated request came from, for the audit trail and throttling.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl Identity {
    /// Records `events` in the transaction's outbox and commits.
    pub async fn commit(&self, mut tx: TenantTx, events: &[Event]) -> Result<(), IdentityError> {
        for event in events {
            self.outbox.record(&mut tx, event).await?;
        }
        self.outbox.commit(tx).await?;
        Ok(())
    }

    /// A transaction in `org`, or `unknown` when no such org exists: a public call (a
    /// login, a refresh, an API key) at an org that does not exist is answered as bad
    /// credentials at a real one, so nobody learns which orgs exist.
    pub async fn begin_or(
        &self,
        org: OrgId,
        unknown: IdentityError,
    ) -> Result<TenantTx, IdentityError> {
        match self.db.begin(org).await {
            Ok(tx) => Ok(tx),
            Err(strongroom_tenancy::TenancyError::UnknownOrg(_)) => Err(unknown),
            Err(e) => Err(e.into()),
        }
    }

    /// A public call presenting a credential made by `strongroom_auth::credential` with
    /// `prefix` (a refresh token, an API key): its id and secret, and a transaction in
    /// `org`. A malformed credential, or an org that does not exist, is `refused` as a
    /// wrong one at a real org is.
    pub async fn begin_with_credential<'a>(
        &self,
        org: OrgId,
        prefix: &str,
        credential: &'a str,
        refused: IdentityError,
    ) -> Result<(uuid::Uuid, &'a str, TenantTx), IdentityError> {
        let Some((id, secret)) = strongroom_auth::split_credential(prefix, credential) else {
            return Err(refused);
        };
        let tx = self.begin_or(org, refused).await?;
        Ok((id, secret, tx))
    }
}

/// An event done by the caller.
pub fn event(ctx: &RequestContext, operation: &str, target: Target) -> Event {
    Event::new(
        ctx.org(),
        SERVICE,
        operation,
        strongroom_runtime::actor(ctx),
        target,
    )
}

/// An event done by the system itself (first start, scheduled sync).
pub fn system_event(org: OrgId, operation: &str, target: Target) -> Event {
    Event::new(
        org,
        SERVICE,
        operation,
        Actor {
            username: "system".into(),
            ..Actor::default()
        },
        target,
    )
}

pub use strongroom_auth::{constant_time_eq, random_token};

/// Trims `value` and checks its length; `what` names the field in the error.
pub fn text(what: &str, value: &str, max: usize) -> Result<String, IdentityError> {
    let value = value.trim();
    if value.chars().count() > max {
        return Err(IdentityError::InvalidInput(format!(
            "{what} must have at most {max} characters"
        )));
    }
    Ok(value.to_owned())
}

pub fn required(what: &str, value: &str, max: usize) -> Result<String, IdentityError> {
    let value = text(what, value, max)?;
    if value.is_empty() {
        return Err(IdentityError::InvalidInput(format!("{what} is required")));
    }
    Ok(value)
}

/// Whose items (sessions, API keys) the caller may end: their own, or anyone's in the
/// org with users.manage (`None`), which MSP staff may only where the org lets them
/// manage users.
pub fn own_unless_manager(ctx: &RequestContext) -> Result<Option<uuid::Uuid>, IdentityError> {
    if ctx.can(strongroom_core::Permission::UsersManage) {
        ctx.require_msp_allowed(strongroom_core::MspStaffRight::ManageUsers)?;
        return Ok(None);
    }
    Ok(Some(ctx.user().0))
}
