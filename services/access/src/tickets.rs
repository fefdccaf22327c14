//! Ticket checks: before a request, a checkout and a reveal of a password under access
//! control, the org's ticketing system is asked about the ticket given (when the org checks
//! tickets at that stage). The tenant service, which keeps the ticketing settings and their
//! sealed password, makes the call.

use strongroom_auth::{RequestContext, outgoing};
use strongroom_proto::tenant_settings::CheckTicketRequest;

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

impl Access {
    /// Why the ticket does not let the caller on at `stage` (`None`: it does, or the org
    /// checks no ticket there). A ticketing system that cannot be asked refuses too.
    pub(crate) async fn ticket_refusal(
        &self,
        ctx: &RequestContext,
        ticket_id: &str,
        stage: Stage,
    ) -> Result<Option<String>, AccessError> {
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
