//! Deleting a client org takes two MSPOrg administrators. Its account manager (for an org
//! without one, an MSPOrg administrator) asks, repeating the org's slug; administrators
//! holding only a grant to the org may not. A second MSPOrg administrator, one who was
//! already a user when the request was made, approves; only then does every service drop
//! the org's data, the vault destroying its KMS key first, so no copy of its secrets
//! (backups included) can be decrypted again.

use serde_json::json;
use strongroom_auth::{RequestContext, outgoing};
use strongroom_core::OrgId;
use strongroom_events::{Event, Target};
use strongroom_proto::provisioning::DeprovisionOrgRequest;
use strongroom_proto::provisioning::provisioning_client::ProvisioningClient;
use tonic::transport::Channel;

use crate::app::Tenant;
use crate::error::TenantError;
use crate::ids::DeletionId;
use crate::people::is_active_admin;
use crate::store::{self, DeletionRow, OrgRow};

/// What a deletion request's status may be filtered by.
pub const STATUSES: [&str; 5] = ["pending", "approved", "deleted", "rejected", "cancelled"];

impl Tenant {
    /// Asks for the org `id` to be deleted; `confirm` must repeat its slug. Nothing is
    /// dropped until another MSPOrg administrator approves.
    pub async fn request_org_deletion(
        &self,
        ctx: &RequestContext,
        id: OrgId,
        confirm: &str,
    ) -> Result<DeletionRow, TenantError> {
        self.require_msp_admin(ctx)?;
        let org = self.existing_org(id).await?;
        if org.is_msp {
            return Err(TenantError::Conflict(
                "MSPOrg is the MSP's own org; it cannot be deleted".into(),
            ));
        }
        let me = ctx.user();
        // Every MSPOrg administrator sees every client org's name; a grant to the org
        // counts for nothing here.
        if org
            .account_manager_id
            .is_some_and(|manager| manager != me.0)
        {
            return Err(TenantError::PermissionDenied(format!(
                "only {}'s account manager may ask for it to be deleted",
                org.slug
            )));
        }
        if !confirm.trim().eq_ignore_ascii_case(&org.slug) {
            return Err(TenantError::InvalidInput(format!(
                "confirm must repeat the org's slug, {}, to delete it",
                org.slug
            )));
        }
        let mut tx = self.db.begin(self.msp_org).await?;
        let request = store::insert_deletion_request(&mut tx, &org, (me, ctx.username()))
            .await?
            .ok_or_else(|| {
                TenantError::Conflict(format!(
                    "{} already has a deletion request waiting for approval",
                    org.slug
                ))
            })?;
        let event = self.deletion_event(ctx, "org.deletion_requested", &request);
        self.commit_events(tx, &[event]).await?;
        Ok(request)
    }

    /// Approves (and carries out) or rejects a deletion request. Approving needs an active
    /// MSPOrg administrator other than the requester, who was already a user when the
    /// request was made; rejecting, any other administrator, or the requester (who cancels).
    /// A deletion that failed part way is finished by approving it again.
    pub async fn decide_org_deletion(
        &self,
        ctx: &RequestContext,
        id: DeletionId,
        approve: bool,
        note: &str,
    ) -> Result<DeletionRow, TenantError> {
        self.require_msp_admin(ctx)?;
        let request = store::find_deletion_request(self.db.global(), id)
            .await?
            .ok_or(TenantError::Missing("request"))?;
        let me = ctx.user();
        let mine = me.0 == request.requested_by;
        let (from, to, operation) = match (approve, request.status.as_str()) {
            (false, "pending") if mine => ("pending", "cancelled", "org.deletion_cancelled"),
            (false, "pending") => ("pending", "rejected", "org.deletion_rejected"),
            (true, "pending" | "approved") if mine => {
                return Err(TenantError::PermissionDenied(
                    "a second MSPOrg administrator must approve the deletion; the requester \
                     cannot"
                        .into(),
                ));
            }
            (true, "pending") => ("pending", "approved", "org.deletion_approved"),
            (true, "approved") => return self.carry_out(ctx, request).await,
            (_, status) => {
                return Err(TenantError::Conflict(format!(
                    "this request is already {status}"
                )));
            }
        };
        if approve {
            let approver = self
                .people
                .user(ctx, me)
                .await?
                .filter(is_active_admin)
                .ok_or_else(|| {
                    TenantError::PermissionDenied(
                        "only an active MSPOrg administrator may approve a deletion".into(),
                    )
                })?;
            let created = chrono::DateTime::parse_from_rfc3339(&approver.created_at)
                .map_err(|_| TenantError::Identity(tonic::Status::internal("bad created_at")))?;
            if created >= request.requested_at {
                return Err(TenantError::PermissionDenied(
                    "an administrator added after the deletion was requested cannot approve it"
                        .into(),
                ));
            }
        }
        let mut tx = self.db.begin(self.msp_org).await?;
        let decided =
            store::decide_deletion_request(&mut tx, id, from, to, (me, ctx.username()), note)
                .await?
                .ok_or_else(|| {
                    TenantError::Conflict("this request was decided meanwhile".into())
                })?;
        let event = self.deletion_event(ctx, operation, &decided);
        self.commit_events(tx, &[event]).await?;
        if approve {
            self.carry_out(ctx, decided).await
        } else {
            Ok(decided)
        }
    }

    /// Deletion requests (MSPOrg administrators), newest first.
    pub async fn list_org_deletions(
        &self,
        ctx: &RequestContext,
        status: &str,
    ) -> Result<Vec<DeletionRow>, TenantError> {
        self.require_msp_admin(ctx)?;
        let status = status.trim();
        if !status.is_empty() && !STATUSES.contains(&status) {
            return Err(TenantError::InvalidInput(format!(
                "status must be one of {}",
                STATUSES.join(", ")
            )));
        }
        Ok(store::list_deletion_requests(self.db.global(), status).await?)
    }

    /// Whether the org is marked `deleting`: every service asks before it drops an org's
    /// data, so only a deletion this service started drops anything.
    pub async fn is_deleting(&self, id: OrgId) -> Result<bool, TenantError> {
        Ok(store::find_org(self.db.global(), id)
            .await?
            .is_some_and(|o| o.status == "deleting"))
    }

    /// Drops the org of an approved request in every service, then its row. A deletion
    /// that fails part way leaves the org `deleting` (unreachable) and the request
    /// approved, to be approved again.
    async fn carry_out(
        &self,
        ctx: &RequestContext,
        request: DeletionRow,
    ) -> Result<DeletionRow, TenantError> {
        let id = OrgId(request.org_id);
        let org = self.org(id).await?;
        store::mark_deleting(self.db.global(), id).await?;
        // Audit goes last: it purges the org's events from the stream once no other service
        // holds any of the org's data, so no late event of the org follows the purge.
        let deprovision = |(service, client): &(&'static str, ProvisioningClient<Channel>)| {
            let (service, mut client) = (*service, client.clone());
            let request = outgoing(
                ctx,
                DeprovisionOrgRequest {
                    org_id: id.to_string(),
                },
            );
            async move {
                client
                    .deprovision_org(request)
                    .await
                    .map_err(|source| TenantError::Deprovisioning { service, source })
            }
        };
        let (audit, others): (Vec<_>, Vec<_>) =
            self.provisioners.iter().partition(|(s, _)| *s == "audit");
        futures::future::try_join_all(others.into_iter().map(deprovision)).await?;
        futures::future::try_join_all(audit.into_iter().map(deprovision)).await?;
        self.db.deprovision(id).await?;

        let mut tx = self.db.begin(self.msp_org).await?;
        store::delete_org_row(&mut tx, id).await?;
        let done = store::complete_deletion_request(&mut tx, DeletionId(request.id))
            .await?
            .ok_or_else(|| TenantError::Conflict("this request was decided meanwhile".into()))?;
        let event = self.deleted_event(ctx, &org, &done);
        self.commit_events(tx, &[event]).await?;
        Ok(done)
    }

    fn deletion_event(&self, ctx: &RequestContext, operation: &str, r: &DeletionRow) -> Event {
        self.msp_event(ctx, operation, Target::new("org", r.org_id, &r.org_slug))
            .with_details(json!({
                "request": r.id,
                "name": r.org_name,
                "requested_by": r.requested_by_name,
                "note": r.note,
            }))
    }

    fn deleted_event(&self, ctx: &RequestContext, org: &OrgRow, r: &DeletionRow) -> Event {
        self.msp_event(ctx, "org.deleted", Target::new("org", org.id, &org.slug))
            .with_details(json!({
                "name": org.name,
                "account_manager": org.account_manager_id,
                "request": r.id,
                "requested_by": r.requested_by_name,
                "approved_by": r.decided_by_name,
            }))
    }
}
