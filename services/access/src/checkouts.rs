//! Checkouts: the approved requester checks the account out (theirs alone while it lasts;
//! others queue) and checks it in, or the window ends it. Either end marks the password for
//! reset, pending until the reset service does it.

use chrono::Utc;
use strongroom_auth::RequestContext;
use strongroom_core::Permission;
use uuid::Uuid;

use crate::app::Access;
use crate::error::AccessError;
use crate::model::ResetMark;
use crate::requests::{RequestView, request_event};
use crate::store;
use crate::tickets::Stage;
use crate::workflow::{Status, labels, status, unmet};

impl Access {
    /// Starts the requester's checkout of an approved request whose window is open, unless
    /// another checkout holds the account (then the requester waits in the queue).
    pub(crate) async fn check_out(
        &self,
        ctx: &RequestContext,
        id: Uuid,
    ) -> Result<RequestView, AccessError> {
        let mut tx = self.db.begin(ctx.org()).await?;
        let asked = store::find_request(&mut tx, id, false)
            .await?
            .filter(|r| r.requester == ctx.user())
            .ok_or(AccessError::NotFound("request"))?;
        tx.commit().await?;
        // The ticket is asked about before the account is locked (the ticketing system may
        // take seconds), and only for a request that could be checked out.
        if matches!(status(&asked.timeline, Utc::now()), Status::Approved)
            && let Some(refusal) = self
                .ticket_refusal(ctx, &asked.ticket_id, Stage::Checkout)
                .await?
        {
            return Err(AccessError::Forbidden(refusal));
        }
        let mut tx = self.db.begin(ctx.org()).await?;
        // One checkout of an account at a time: decided one after the other.
        store::lock_account(&mut tx, asked.account).await?;
        let mut request = store::find_request(&mut tx, id, true)
            .await?
            .ok_or(AccessError::NotFound("request"))?;
        let now = Utc::now();
        match status(&request.timeline, now) {
            Status::Approved => {}
            Status::CheckedOut => {
                return Err(AccessError::Conflict(format!(
                    "the account is already checked out to you until {}",
                    request.timeline.ends_at.to_rfc3339()
                )));
            }
            Status::Pending => {
                return Err(AccessError::Conflict(format!(
                    "the request is not approved yet: it still needs {}",
                    labels(&unmet(&request.requirements(), &request.given()))
                )));
            }
            other => {
                return Err(AccessError::Conflict(format!(
                    "the request is {}: ask again for a new window",
                    other.as_str()
                )));
            }
        }
        if now < request.starts_at {
            return Err(AccessError::Conflict(format!(
                "the window starts at {}",
                request.starts_at.to_rfc3339()
            )));
        }
        if let Some(held) = store::active_checkouts(&mut tx, &[request.account])
            .await?
            .into_iter()
            .next()
        {
            let waiting = store::waiting(&mut tx, &[request.account]).await?;
            let place = waiting
                .iter()
                .position(|(_, w)| *w == request.id)
                .unwrap_or(0)
                + 1;
            return Err(AccessError::Conflict(format!(
                "the account is checked out by {} until {}; you are number {place} in the queue",
                held.holder_name,
                held.ends_at.to_rfc3339()
            )));
        }
        store::check_out(&mut tx, &request, now).await?;
        request.timeline.checked_out_at = Some(now);
        let out = request_event(ctx, "request.checked_out", &request).with_details(
            serde_json::json!({ "request_id": request.id, "until": request.timeline.ends_at }),
        );
        self.outbox.record(&mut tx, &out).await?;
        self.outbox.commit(tx).await?;
        let approver = self.approver(ctx).await?;
        self.view(ctx, &approver, request).await
    }

    /// Ends the requester's checkout now; the password is due for reset.
    pub(crate) async fn check_in(
        &self,
        ctx: &RequestContext,
        id: Uuid,
    ) -> Result<RequestView, AccessError> {
        let mut tx = self.db.begin(ctx.org()).await?;
        let mut request = store::find_request(&mut tx, id, true)
            .await?
            .filter(|r| r.requester == ctx.user())
            .ok_or(AccessError::NotFound("request"))?;
        let now = Utc::now();
        let current = status(&request.timeline, now);
        if current != Status::CheckedOut {
            return Err(AccessError::Conflict(format!(
                "the request is {}, not checked out",
                current.as_str()
            )));
        }
        store::check_in(&mut tx, request.id, now).await?;
        request.timeline.checked_in_at = Some(now);
        let back = request_event(ctx, "request.checked_in", &request).with_details(
            serde_json::json!({ "request_id": request.id, "marked_for_reset": true }),
        );
        self.outbox.record(&mut tx, &back).await?;
        self.outbox.commit(tx).await?;
        let approver = self.approver(ctx).await?;
        self.view(ctx, &approver, request).await
    }

    /// Passwords whose checkout ended and whose reset is still pending.
    pub(crate) async fn marked_for_reset(
        &self,
        ctx: &RequestContext,
    ) -> Result<Vec<ResetMark>, AccessError> {
        ctx.require(Permission::VaultSettingsManage)?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let marks = store::marked_for_reset(&mut tx).await?;
        tx.commit().await?;
        Ok(marks)
    }
}
