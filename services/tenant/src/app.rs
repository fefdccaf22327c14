//! Tenant use cases.

use strongroom_auth::{RequestContext, outgoing};
use strongroom_core::{OrgId, Permission, UserId};
use strongroom_events::{Event, Outbox, Target};
use strongroom_proto::provisioning::ProvisionOrgRequest;
use strongroom_proto::provisioning::provisioning_client::ProvisioningClient;
use strongroom_tenancy::TenantDb;
use tonic::transport::Channel;

use crate::error::TenantError;
use crate::store::{self, OrgRow};

const SERVICE: &str = "tenant";

/// Words that cannot be org slugs: they are paths of the gateway or could be mistaken for
/// MSPOrg.
const RESERVED_SLUGS: &[&str] = &[
    "api", "static", "healthz", "readyz", "metrics", "docs", "openapi", "login", "logout", "admin",
    "console", "assets", "msp", "msporg", "default",
];

pub struct Tenant {
    pub db: TenantDb,
    pub outbox: Outbox,
    pub msp_org: OrgId,
    pub provisioners: Vec<(&'static str, ProvisioningClient<Channel>)>,
}

impl Tenant {
    /// Adds a client org: registers it, has every service create its schema (the vault
    /// also its data key), then activates it. A failed provisioning can be retried with
    /// the same request.
    pub async fn create_org(
        &self,
        ctx: &RequestContext,
        slug: &str,
        name: &str,
    ) -> Result<OrgRow, TenantError> {
        if ctx.org() != self.msp_org
            || ctx.claims.home.is_some()
            || !ctx.can(Permission::OrgsManage)
        {
            return Err(TenantError::PermissionDenied(
                "only MSPOrg administrators may add client orgs",
            ));
        }
        validate_slug(slug)?;
        let name = name.trim();
        if name.is_empty() || name.len() > 200 {
            return Err(TenantError::InvalidInput(
                "name must have 1 to 200 characters".into(),
            ));
        }
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
                store::create_org(global, id, slug, name, ctx.user().0, ctx.org())
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
        .with_details(serde_json::json!({ "name": created.name, "account_manager": ctx.user() }));
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

    /// May this MSP user act in `target`? Account managers may (grants come later).
    pub async fn check_org_access(
        &self,
        user: UserId,
        home: OrgId,
        target: OrgId,
    ) -> Result<bool, TenantError> {
        if home != self.msp_org {
            return Ok(false);
        }
        Ok(store::is_account_manager(self.db.global(), target, user.0, home).await?)
    }
}

fn validate_slug(slug: &str) -> Result<(), TenantError> {
    if !(2..=32).contains(&slug.len()) || !slug.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(TenantError::InvalidInput(
            "slug must be one word of 2 to 32 letters and digits".into(),
        ));
    }
    if RESERVED_SLUGS.contains(&slug.to_ascii_lowercase().as_str()) {
        return Err(TenantError::InvalidInput(format!(
            "slug {slug} is reserved"
        )));
    }
    Ok(())
}
