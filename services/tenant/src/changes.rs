//! Changing client orgs. Only an MSPOrg administrator who manages the org (its account
//! manager, or named by an approved grant) may; MSPOrg itself is never renamed. Deleting is
//! in `deletion`.

use serde_json::json;
use strongroom_auth::RequestContext;
use strongroom_core::{OrgId, UserId};
use strongroom_events::Target;

use crate::app::{Tenant, checked_details, validate_slug};
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
    /// The account manager named (the caller when the request left the id empty).
    pub account_manager: Option<UserId>,
}

impl Tenant {
    /// Changes an org's details or slug. A new account manager is proposed and approved
    /// like an access grant instead.
    pub async fn update_org(
        &self,
        ctx: &RequestContext,
        id: OrgId,
        changes: OrgChanges,
    ) -> Result<OrgRow, TenantError> {
        let org = self.managed_org(ctx, id).await?;
        if org.is_msp && (changes.slug.is_some() || changes.name.is_some()) {
            return Err(TenantError::Conflict(
                "MSPOrg is the MSP's own org; it cannot be renamed".into(),
            ));
        }
        if org.is_msp && changes.account_manager.is_some() {
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
        if let Some(m) = changes.account_manager
            && org.account_manager_id != Some(self.account_manager(ctx, m).await?.0.0)
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
        store::update_org(&mut tx, id, &details)
            .await
            .map_err(|e| {
                if store::is_unique_violation(&e) {
                    TenantError::AlreadyExists(format!(
                        "an org with slug {} already exists",
                        details.slug
                    ))
                } else {
                    e.into()
                }
            })?;
        let event = self
            .msp_event(
                ctx,
                "org.updated",
                Target::new("org", org.id, &details.slug),
            )
            .with_details(json!({ "changed": changed }));
        self.commit_events(tx, &[event]).await?;
        self.org(id).await
    }

    /// The org `id`, if the caller, an MSPOrg administrator, manages it (MSPOrg itself is
    /// managed by every MSPOrg administrator).
    pub async fn managed_org(
        &self,
        ctx: &RequestContext,
        id: OrgId,
    ) -> Result<OrgRow, TenantError> {
        self.require_msp_admin(ctx)?;
        let org = self.existing_org(id).await?;
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
