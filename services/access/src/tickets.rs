//! Ticket checks: before a request, a checkout and a reveal (of any password: under access
//! control, with the ticket of the holder's request; otherwise with the ticket given with
//! the reveal, its export's included), the org's ticketing system is asked about the ticket
//! (when the org checks tickets at that stage). The tenant service, which keeps the ticketing settings and their
//! sealed password, makes the call. Where the org checks tickets is kept per replica
//! (`stages`) until the org's ticketing settings change, so a stage that checks nothing
//! costs no call at all.

use strongroom_auth::{RequestContext, outgoing};
use strongroom_core::UserId;
use strongroom_proto::tenant_settings::{CheckTicketRequest, GetSettingsRequest, TicketingStages};

use crate::app::Access;
use crate::error::AccessError;

/// Where in the workflow a ticket is checked.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Stage {
    Request,
    Checkout,
    Reveal,
}

impl Stage {
    fn as_str(self) -> &'static str {
        match self {
            Stage::Request => "request",
            Stage::Checkout => "checkout",
            Stage::Reveal => "reveal",
        }
    }
}

impl Stage {
    fn checked(self, stages: &TicketingStages) -> bool {
        match self {
            Stage::Request => stages.request,
            Stage::Checkout => stages.checkout,
            Stage::Reveal => stages.reveal,
        }
    }
}

impl Access {
    /// Where the caller's org checks tickets, kept until its ticketing settings change.
    pub(crate) async fn ticketing_stages(
        &self,
        ctx: &RequestContext,
    ) -> Result<TicketingStages, AccessError> {
        // Kept per org: under the nil user.
        let org_wide = UserId(uuid::Uuid::nil());
        if let Some(stages) = self.ticketing.get(ctx.org(), org_wide) {
            return Ok(stages);
        }
        let epoch = self.ticketing.epoch();
        let stages = self
            .settings
            .clone()
            .get_ticketing_stages(outgoing(ctx, GetSettingsRequest {}))
            .await
            .map_err(AccessError::Tenant)?
            .into_inner();
        self.ticketing
            .keep(ctx.org(), org_wide, stages, epoch, None);
        Ok(stages)
    }

    /// Why the ticket does not let the caller on at `stage` (`None`: it does, or the org
    /// checks no ticket there). A ticketing system that cannot be asked refuses too.
    pub(crate) async fn ticket_refusal(
        &self,
        ctx: &RequestContext,
        ticket_id: &str,
        stage: Stage,
    ) -> Result<Option<String>, AccessError> {
        if !stage.checked(&self.ticketing_stages(ctx).await?) {
            return Ok(None);
        }
        let answer = self
            .settings
            .clone()
            .check_ticket(outgoing(
                ctx,
                CheckTicketRequest {
                    ticket_id: ticket_id.to_owned(),
                    stage: stage.as_str().into(),
                },
            ))
            .await
            .map_err(AccessError::Tenant)?
            .into_inner();
        Ok((answer.required && !answer.valid).then_some(answer.reason))
    }
}
