//! The tenant service's state (`Tenant`) and what its use cases share: who may manage
//! client orgs, the account manager rule, MSPOrg's events, and the org field rules.

use strongroom_auth::RequestContext;
use strongroom_core::{OrgId, Permission, UserId};
use strongroom_events::{Event, Outbox, Target};
use strongroom_proto::provisioning::provisioning_client::ProvisioningClient;
use strongroom_tenancy::{TenantDb, TenantTx};
use tonic::transport::Channel;

use crate::error::TenantError;
use crate::people::{People, is_active_admin};
use crate::store::{self, OrgDetails, OrgRow};

pub const SERVICE: &str = "tenant";

pub struct Tenant {
    pub db: TenantDb,
    pub outbox: Outbox,
    pub msp_org: OrgId,
    pub provisioners: Vec<(&'static str, ProvisioningClient<Channel>)>,
    /// MSPOrg's users and user groups, asked of identity.
    pub people: People,
}

impl Tenant {
    /// Whether the caller is an MSPOrg user acting in MSPOrg itself (not exchanged into a
    /// client org).
    pub fn is_msp_user(&self, ctx: &RequestContext) -> bool {
        ctx.org() == self.msp_org && ctx.claims.home.is_none()
    }

    /// MSP-only actions: an MSPOrg user with orgs.manage, in MSPOrg itself.
    pub fn require_msp_admin(&self, ctx: &RequestContext) -> Result<(), TenantError> {
        if !self.is_msp_user(ctx) || !ctx.can(Permission::OrgsManage) {
            return Err(TenantError::PermissionDenied(
                "only MSPOrg administrators may manage client orgs".into(),
            ));
        }
        Ok(())
    }

    /// The named account manager, who must be an active MSPOrg administrator (the caller
    /// is): their id and username.
    pub async fn account_manager(
        &self,
        ctx: &RequestContext,
        user: UserId,
    ) -> Result<(UserId, String), TenantError> {
        if user == ctx.user() {
            return Ok((user, ctx.username().to_owned()));
        }
        match self.people.user(ctx, user).await? {
            Some(u) if is_active_admin(&u) => Ok((user, u.username)),
            Some(u) => Err(TenantError::InvalidInput(format!(
                "the account manager must be an active MSPOrg administrator; {} is not",
                u.username
            ))),
            None => Err(TenantError::InvalidInput(
                "the account manager must be an MSPOrg user; no such user".into(),
            )),
        }
    }

    /// The org `id` once provisioned (active or being deleted).
    pub async fn existing_org(&self, id: OrgId) -> Result<OrgRow, TenantError> {
        store::find_org(self.db.global(), id)
            .await?
            .filter(|o| o.status != "provisioning")
            .ok_or(TenantError::NotFound)
    }

    /// The org `id` as it is now.
    pub async fn org(&self, id: OrgId) -> Result<OrgRow, TenantError> {
        store::find_org(self.db.global(), id)
            .await?
            .ok_or(TenantError::NotFound)
    }

    /// An event of MSPOrg's trail, done by the caller.
    pub fn msp_event(&self, ctx: &RequestContext, operation: &str, target: Target) -> Event {
        Event::new(
            self.msp_org,
            SERVICE,
            operation,
            strongroom_runtime::actor(ctx),
            target,
        )
    }

    /// Records `events` in MSPOrg's trail and commits them with the change in `tx`.
    pub async fn commit_events(
        &self,
        mut tx: TenantTx,
        events: &[Event],
    ) -> Result<(), TenantError> {
        for event in events {
            self.outbox.record(&mut tx, event).await?;
        }
        self.outbox.commit(tx).await?;
        Ok(())
    }
}

/// Trims and checks every field, the slug included.
pub fn checked(d: &OrgDetails) -> Result<OrgDetails, TenantError> {
    validate_slug(&d.slug)?;
    checked_details(d)
}

/// Trims and checks every field but the slug.
pub fn checked_details(d: &OrgDetails) -> Result<OrgDetails, TenantError> {
    let field = |what: &str, value: &str, min: usize, max: usize| {
        let value = value.trim();
        if (min..=max).contains(&value.chars().count()) {
            Ok(value.to_owned())
        } else {
            Err(TenantError::InvalidInput(format!(
                "{what} must have {min} to {max} characters"
            )))
        }
    };
    Ok(OrgDetails {
        slug: d.slug.trim().to_owned(),
        name: field("name", &d.name, 1, 200)?,
        description: field("description", &d.description, 0, 1000)?,
        department: field("department", &d.department, 0, 200)?,
        location: field("location", &d.location, 0, 200)?,
        contact: field("contact", &d.contact, 0, 500)?,
    })
}

pub fn validate_slug(slug: &str) -> Result<(), TenantError> {
    if !strongroom_core::paths::is_slug_shaped(slug) {
        return Err(TenantError::InvalidInput(
            "slug must be one word of 2 to 32 letters and digits".into(),
        ));
    }
    if strongroom_core::paths::is_reserved(slug) {
        return Err(TenantError::InvalidInput(format!(
            "slug {slug} is reserved"
        )));
    }
    Ok(())
}
