//! Changing client orgs. Only an MSPOrg administrator who manages the org (its account
//! manager, or named by an approved grant) may; MSPOrg itself is never renamed. Deleting is
//! in `deletion`.

use serde_json::json;
use strongroom_auth::RequestContext;
use strongroom_core::OrgId;
use strongroom_events::{Event, Target};

use crate::app::{SERVICE, Tenant, checked_details, validate_slug};
use crate::error::TenantError;
use crate::store::{self, OrgDetails, OrgRow};

/// What an org update changes; `None` keeps the field.
#[derive(Debug, Default)]
pub struct OrgChanges {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub department: Option<String>,
    pub location: Option<String>,
    pub contact: Option<String>,
    pub account_manager_id: Option<String>,
}

impl Tenant {
    /// Changes an org's details or slug. A new account manager is proposed and approved
    /// like an access grant instead.
    pub async fn update_org(
        &self,
        ctx: &RequestContext,
        id: &str,
        changes: OrgChanges,
    ) -> Result<OrgRow, TenantError> {
        let org = self.managed_org(ctx, id).await?;
        if org.is_msp && (changes.slug.is_some() || changes.name.is_some()) {
            return Err(TenantError::Conflict(
                "MSPOrg is the MSP's own org; it cannot be renamed".into(),
            ));
        }
        if org.is_msp && changes.account_manager_id.is_some() {
            return Err(TenantError::InvalidInput(
                "MSPOrg has no account manager".into(),
            ));
        }
        let keep = |new: Option<String>, old: &str| new.unwrap_or_else(|| old.to_owned());
        let details = OrgDetails {
            slug: keep(changes.slug, &org.slug),
            name: keep(changes.name, &org.name),
            description: keep(changes.description, &org.description),
            department: keep(changes.department, &org.department),
            location: keep(changes.location, &org.location),
            contact: keep(changes.contact, &org.contact),
        };
        if details.slug != org.slug {
            validate_slug(details.slug.trim())?;
        }
        let details = checked_details(&details)?;
        if let Some(m) = &changes.account_manager_id
            && org.account_manager_id != Some(self.account_manager(ctx, m).await?.0)
        {
            return Err(TenantError::InvalidInput(
                "account_manager_id: a new account manager needs the approval of an \
                 administrator who is neither the proposer nor the new manager: POST \
                 /api/v1/org-access with designee_kind account_manager"
                    .into(),
            ));
        }

        let mut changed = Vec::new();
        for (field, before, after) in [
            ("slug", &org.slug, &details.slug),
            ("name", &org.name, &details.name),
            ("description", &org.description, &details.description),
            ("department", &org.department, &details.department),
            ("location", &org.location, &details.location),
            ("contact", &org.contact, &details.contact),
        ] {
            if before != after {
                changed.push(field);
            }
        }
        if changed.is_empty() {
            return Ok(org);
        }

        let mut tx = self.db.begin(self.msp_org).await?;
        sqlx::query(
            "UPDATE public.orgs SET slug = $2, name = $3, description = $4, department = $5,
                location = $6, contact = $7
             WHERE id = $1",
        )
        .bind(org.id)
        .bind(&details.slug)
        .bind(&details.name)
        .bind(&details.description)
        .bind(&details.department)
        .bind(&details.location)
        .bind(&details.contact)
        .execute(&mut *tx)
        .await
        .map_err(|e| match e.as_database_error() {
            Some(d) if d.kind() == sqlx::error::ErrorKind::UniqueViolation => {
                TenantError::AlreadyExists(format!(
                    "an org with slug {} already exists",
                    details.slug
                ))
            }
            _ => e.into(),
        })?;
        let event = Event::new(
            self.msp_org,
            SERVICE,
            "org.updated",
            strongroom_runtime::actor(ctx),
            Target::new("org", org.id, &details.slug),
        )
        .with_details(json!({ "changed": changed }));
        self.commit_events(tx, &[event]).await?;
        store::find_org(self.db.global(), OrgId(org.id))
            .await?
            .ok_or(TenantError::NotFound)
    }

    /// The org `id`, if the caller, an MSPOrg administrator, manages it (MSPOrg itself is
    /// managed by every MSPOrg administrator).
    pub async fn managed_org(&self, ctx: &RequestContext, id: &str) -> Result<OrgRow, TenantError> {
        self.require_msp_admin(ctx)?;
        let id = OrgId::parse(id.trim()).map_err(|_| TenantError::NotFound)?;
        let org = store::find_org(self.db.global(), id)
            .await?
            .filter(|o| o.status != "provisioning")
            .ok_or(TenantError::NotFound)?;
        if org.is_msp
            || org.account_manager_id == Some(ctx.user().0)
            || self.has_approved_grant(ctx, id).await?
        {
            Ok(org)
        } else {
            Err(TenantError::PermissionDenied(format!(
                "only {}'s account manager or an administrator granted access to it may change \
                 it",
                org.slug
            )))
        }
    }
}
