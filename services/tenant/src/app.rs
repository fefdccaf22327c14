//! Tenant use cases.

use strongroom_auth::{RequestContext, outgoing};
use strongroom_core::{OrgId, Permission, UserId};
use strongroom_events::{Event, Outbox, Target};
use strongroom_proto::identity::identity_client::IdentityClient;
use strongroom_proto::provisioning::ProvisionOrgRequest;
use strongroom_proto::provisioning::provisioning_client::ProvisioningClient;
use strongroom_tenancy::TenantDb;
use tonic::transport::Channel;
use uuid::Uuid;

use crate::error::TenantError;
use crate::people::is_active_admin;
use crate::store::{self, Manager, OrgDetails, OrgRow};

pub const SERVICE: &str = "tenant";

pub struct Tenant {
    pub db: TenantDb,
    pub outbox: Outbox,
    pub msp_org: OrgId,
    pub provisioners: Vec<(&'static str, ProvisioningClient<Channel>)>,
    pub identity: IdentityClient<Channel>,
}

impl Tenant {
    /// Adds a client org: registers it, has every service create its schema (the vault
    /// also its data key), then activates it. A failed provisioning can be retried with
    /// the same request.
    pub async fn create_org(
        &self,
        ctx: &RequestContext,
        details: &OrgDetails,
        account_manager: &str,
    ) -> Result<OrgRow, TenantError> {
        self.require_msp_admin(ctx)?;
        let details = checked(details)?;
        let (manager, manager_name) = self.account_manager(ctx, account_manager).await?;
        let slug = details.slug.as_str();
        let global = self.db.global();
        let org = match store::find_org_by_slug(global, slug).await? {
            Some(existing) if existing.status == "provisioning" => OrgId(existing.id),
            Some(_) => {
                return Err(TenantError::AlreadyExists(format!(
                    "an org with slug {slug} already exists"
                )));
            }
            None => {
                let id = OrgId::new();
                let manager = (manager, manager_name.as_str());
                store::create_org(global, id, &details, ctx.user().0, manager, ctx.org())
                    .await
                    .map_err(|e| match e.as_database_error() {
                        Some(d) if d.kind() == sqlx::error::ErrorKind::UniqueViolation => {
                            TenantError::AlreadyExists(format!(
                                "an org with slug {slug} already exists"
                            ))
                        }
                        _ => e.into(),
                    })?;
                id
            }
        };

        self.db.provision(org).await?;
        let calls = self.provisioners.iter().map(|(service, client)| {
            let mut client = client.clone();
            let request = outgoing(
                ctx,
                ProvisionOrgRequest {
                    org_id: org.to_string(),
                },
            );
            async move {
                client
                    .provision_org(request)
                    .await
                    .map_err(|source| TenantError::Provisioning { service, source })
            }
        });
        futures::future::try_join_all(calls).await?;

        store::mark_active(global, org).await?;
        let created = store::find_org(global, org)
            .await?
            .ok_or(TenantError::NotFound)?;
        let mut tx = self.db.begin(self.msp_org).await?;
        let event = Event::new(
            self.msp_org,
            SERVICE,
            "org.created",
            strongroom_runtime::actor(ctx),
            Target::new("org", org, &created.slug),
        )
        .with_details(serde_json::json!({ "name": created.name, "account_manager": manager }));
        self.outbox.record(&mut tx, &event).await?;
        self.outbox.commit(tx).await?;
        Ok(created)
    }

    pub async fn resolve_slug(&self, slug: &str) -> Result<OrgRow, TenantError> {
        match store::find_org_by_slug(self.db.global(), slug).await? {
            Some(org) if org.status == "active" => Ok(org),
            _ => Err(TenantError::NotFound),
        }
    }

    pub async fn msp_org(&self) -> Result<OrgRow, TenantError> {
        store::find_org(self.db.global(), self.msp_org)
            .await?
            .ok_or(TenantError::NotFound)
    }

    /// May the caller, an MSPOrg user, act in `target`? Its account manager may, and so may
    /// whoever an approved grant names (directly or through a user group).
    pub async fn check_org_access(
        &self,
        ctx: &RequestContext,
        target: OrgId,
    ) -> Result<bool, TenantError> {
        if ctx.org() != self.msp_org || ctx.claims.home.is_some() {
            return Ok(false);
        }
        match store::find_org(self.db.global(), target).await? {
            Some(org) if org.status == "active" && !org.is_msp => Ok(org.account_manager_id
                == Some(ctx.user().0)
                || self.has_approved_grant(ctx, target).await?),
            _ => Ok(false),
        }
    }
}

/// MSP-only actions: an MSPOrg user with orgs.manage, in MSPOrg itself.
impl Tenant {
    pub fn require_msp_admin(&self, ctx: &RequestContext) -> Result<(), TenantError> {
        if ctx.org() != self.msp_org
            || ctx.claims.home.is_some()
            || !ctx.can(Permission::OrgsManage)
        {
            return Err(TenantError::PermissionDenied(
                "only MSPOrg administrators may manage client orgs".into(),
            ));
        }
        Ok(())
    }

    /// The named account manager (the caller when empty), who must be an active MSPOrg
    /// administrator: their id and username.
    pub async fn account_manager(
        &self,
        ctx: &RequestContext,
        id: &str,
    ) -> Result<(Uuid, String), TenantError> {
        let id = id.trim();
        if id.is_empty() || id == ctx.user().to_string() {
            return Ok((ctx.user().0, ctx.username().to_owned()));
        }
        let user = UserId::parse(id).map_err(|_| {
            TenantError::InvalidInput("account_manager_id must be a user id".into())
        })?;
        match self.msp_user(ctx, user.0).await? {
            Some(u) if is_active_admin(&u) => Ok((user.0, u.username)),
            Some(u) => Err(TenantError::InvalidInput(format!(
                "the account manager must be an active MSPOrg administrator; {} is not",
                u.username
            ))),
            None => Err(TenantError::InvalidInput(
                "the account manager must be an MSPOrg user; no such user".into(),
            )),
        }
    }

    /// The org selector: orgs the caller manages, or (`mine_only` false) every client org.
    pub async fn list_orgs(
        &self,
        ctx: &RequestContext,
        mine_only: bool,
    ) -> Result<Vec<OrgRow>, TenantError> {
        if ctx.org() != self.msp_org || ctx.claims.home.is_some() {
            // A client org's users cannot learn that other orgs exist.
            return Err(TenantError::NotFound);
        }
        let manager = if mine_only {
            Some(Manager {
                user: ctx.user().0,
                groups: self.own_groups(ctx).await?,
            })
        } else {
            self.require_msp_admin(ctx)?;
            None
        };
        Ok(store::list_client_orgs(self.db.global(), manager.as_ref()).await?)
    }
}

fn checked(d: &OrgDetails) -> Result<OrgDetails, TenantError> {
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
