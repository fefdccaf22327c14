//! The org registry's use cases: adding a client org (provisioned in every service),
//! listing and resolving orgs, and whether an MSPOrg user may act in a client org.
//! Changing an org is in `changes`, deleting it in `deletion`.

use strongroom_auth::{RequestContext, outgoing};
use strongroom_core::{OrgId, UserId};
use strongroom_events::Target;
use strongroom_proto::provisioning::ProvisionOrgRequest;

use crate::app::{Tenant, checked};
use crate::error::TenantError;
use crate::store::{self, Manager, OrgDetails, OrgRow};

impl Tenant {
    /// Adds a client org: registers it, has every service create its schema (the vault
    /// also its data key), then activates it. A failed provisioning can be retried with
    /// the same request.
    pub async fn create_org(
        &self,
        ctx: &RequestContext,
        details: &OrgDetails,
        account_manager: UserId,
    ) -> Result<OrgRow, TenantError> {
        self.require_msp_admin(ctx)?;
        let details = checked(details)?;
        let (manager, manager_name) = self.account_manager(ctx, account_manager).await?;
        let slug = details.slug.as_str();
        let taken =
            || TenantError::AlreadyExists(format!("an org with slug {slug} already exists"));
        let global = self.db.global();
        let org = match store::find_org_by_slug(global, slug).await? {
            Some(existing) if existing.status == "provisioning" => OrgId(existing.id),
            Some(_) => return Err(taken()),
            None => {
                let id = OrgId::new();
                let manager = (manager, manager_name.as_str());
                store::create_org(global, id, &details, ctx.user(), manager, ctx.org())
                    .await
                    .map_err(|e| {
                        if store::is_unique_violation(&e) {
                            taken()
                        } else {
                            e.into()
                        }
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
        let created = self.org(org).await?;
        let tx = self.db.begin(self.msp_org).await?;
        let event = self
            .msp_event(ctx, "org.created", Target::new("org", org, &created.slug))
            .with_details(serde_json::json!({ "name": created.name, "account_manager": manager }));
        self.commit_events(tx, &[event]).await?;
        Ok(created)
    }

    pub async fn resolve_slug(&self, slug: &str) -> Result<OrgRow, TenantError> {
        match store::find_org_by_slug(self.db.global(), slug).await? {
            Some(org) if org.status == "active" => Ok(org),
            _ => Err(TenantError::NotFound),
        }
    }

    pub async fn msp_org(&self) -> Result<OrgRow, TenantError> {
        self.org(self.msp_org).await
    }

    /// May the caller, an MSPOrg user, act in `target`? Its account manager may, and so may
    /// whoever an approved grant names (directly or through a user group).
    pub async fn check_org_access(
        &self,
        ctx: &RequestContext,
        target: OrgId,
    ) -> Result<bool, TenantError> {
        if !self.is_msp_user(ctx) {
            return Ok(false);
        }
        match store::find_org(self.db.global(), target).await? {
            Some(org) if org.status == "active" && !org.is_msp => Ok(org.account_manager_id
                == Some(ctx.user().0)
                || self.has_approved_grant(ctx, target).await?),
            _ => Ok(false),
        }
    }

    /// The org selector: orgs the caller manages, or (`mine_only` false) every client org.
    pub async fn list_orgs(
        &self,
        ctx: &RequestContext,
        mine_only: bool,
    ) -> Result<Vec<OrgRow>, TenantError> {
        if !self.is_msp_user(ctx) {
            // A client org's users cannot learn that other orgs exist.
            return Err(TenantError::NotFound);
        }
        let manager = if mine_only {
            Some(Manager {
                user: ctx.user().0,
                groups: self.people.own_groups(ctx).await?,
            })
        } else {
            self.require_msp_admin(ctx)?;
            None
        };
        Ok(store::list_client_orgs(self.db.global(), manager.as_ref()).await?)
    }
}
