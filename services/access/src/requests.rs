//! Requests for accounts under access control: a user who may see the account asks for it
//! with a reason for a time window; approvers approve or reject; unanswered requests lapse.
//! What follows an approval is in `checkouts`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use strongroom_auth::RequestContext;
use strongroom_core::Role;
use strongroom_events::{Event, Target as EventTarget};
use strongroom_proto::access::Operation;
use uuid::Uuid;

use crate::app::{Access, SERVICE};
use crate::decide::decide;
use crate::error::AccessError;
use crate::model::{Request, RequestDecision, Row, TargetKind, TargetRef};
use crate::store;
use crate::tickets::Stage;
use crate::workflow::{
    Approver, NotYours, Requirement, Status, Timeline, approvers, labels, lapses_at, may_decide,
    status, unmet, window,
};

/// A request as asked for.
#[derive(Debug, Clone)]
pub(crate) struct RequestInput {
    pub(crate) account: Uuid,
    pub(crate) reason: String,
    pub(crate) ticket_id: String,
    pub(crate) starts_at: Option<DateTime<Utc>>,
    pub(crate) ends_at: DateTime<Utc>,
}

/// Which requests to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Listing {
    Mine,
    ToApprove,
}

/// A request as one caller sees it now.
#[derive(Debug, Clone)]
pub(crate) struct RequestView {
    pub(crate) request: Request,
    pub(crate) status: Status,
    /// The approvals still needed (pending requests).
    pub(crate) needed: Vec<Requirement>,
    /// For each of `needed`, who may give it now, by username.
    pub(crate) approver_names: Vec<Vec<String>>,
    /// Approved and waiting while another checkout holds the account: 1 is next.
    pub(crate) queue_position: u32,
    pub(crate) may_decide: bool,
}

impl Access {
    /// Asks for an account under access control.
    pub(crate) async fn request_access(
        &self,
        ctx: &RequestContext,
        input: RequestInput,
    ) -> Result<RequestView, AccessError> {
        let reason = text("reason", &input.reason, 1, 500)?;
        let ticket_id = text("ticket_id", &input.ticket_id, 0, 100)?;
        let at = TargetRef {
            kind: TargetKind::Account,
            id: input.account,
        };
        let target = self.target(ctx, at).await?;
        let resource = target.resource.ok_or(AccessError::NotFound("account"))?;
        let row = Row {
            resource,
            account: Some(at.id),
            owner: target.owner,
        };
        let grants = self.grants_of(ctx).await?;
        if !decide(ctx.user(), &grants, &row, Operation::Reveal).allowed {
            return Err(AccessError::NotFound("account"));
        }
        if target.trashed {
            return Err(AccessError::InvalidInput(
                "the account is in the trash".into(),
            ));
        }
        if !target.access_controlled {
            return Err(AccessError::InvalidInput(
                "the account is not under access control: its password needs no request".into(),
            ));
        }
        if let Some(refusal) = self.ticket_refusal(ctx, &ticket_id, Stage::Request).await? {
            return Err(AccessError::InvalidInput(format!("ticket_id: {refusal}")));
        }
        let mut tx = self.db.begin(ctx.org()).await?;
        let policy = store::policy_for(&mut tx, at.id, resource)
            .await?
            .map(|p| p.policy)
            .unwrap_or_default();
        let now = Utc::now();
        let (starts_at, ends_at) = window(
            input.starts_at,
            input.ends_at,
            now,
            policy.max_checkout_minutes,
        )
        .map_err(AccessError::InvalidInput)?;
        let request = Request {
            id: Uuid::new_v4(),
            account: at.id,
            resource,
            account_name: target.name,
            requester: ctx.user(),
            requester_name: ctx.username().to_owned(),
            msp_staff: ctx.claims.home.is_some(),
            reason,
            ticket_id,
            starts_at,
            created_at: now,
            approver_groups: policy.approver_groups,
            client_admin_required: policy.client_admin_approves_msp_staff,
            timeline: Timeline {
                decided: None,
                lapses_at: lapses_at(now, ends_at, policy.lapse_after_minutes),
                ends_at,
                checked_out_at: None,
                checked_in_at: None,
            },
            decisions: Vec::new(),
        };
        store::create_request(&mut tx, &request, ends_at).await?;
        let asked =
            request_event(ctx, "request.created", &request).with_details(serde_json::json!({
                "request_id": request.id,
                "reason": request.reason,
                "ticket_id": request.ticket_id,
                "starts_at": request.starts_at,
                "ends_at": ends_at,
                // Who may approve, for the notice to them.
                "approvers": approvers(&request.requirements()),
            }));
        self.outbox.record(&mut tx, &asked).await?;
        self.outbox.commit(tx).await?;
        let approver = self.approver(ctx).await?;
        self.view(ctx, &approver, request).await
    }

    /// The caller's requests, or the pending ones they may decide now.
    pub(crate) async fn requests(
        &self,
        ctx: &RequestContext,
        listing: Listing,
    ) -> Result<Vec<RequestView>, AccessError> {
        let mut tx = self.db.begin(ctx.org()).await?;
        let found = match listing {
            Listing::Mine => store::requests_by(&mut tx, ctx.user()).await?,
            Listing::ToApprove => store::pending_requests(&mut tx).await?,
        };
        tx.commit().await?;
        let approver = self.approver(ctx).await?;
        let mut views = self.views(ctx, &approver, found).await?;
        views.retain(|view| listing == Listing::Mine || view.may_decide);
        Ok(views)
    }

    /// One request, for its requester, those who decided it and those who may.
    pub(crate) async fn request(
        &self,
        ctx: &RequestContext,
        id: Uuid,
    ) -> Result<RequestView, AccessError> {
        let mut tx = self.db.begin(ctx.org()).await?;
        let found = store::find_request(&mut tx, id, false).await?;
        tx.commit().await?;
        let request = found.ok_or(AccessError::NotFound("request"))?;
        let approver = self.approver(ctx).await?;
        if !concerns(&approver, &request) {
            return Err(AccessError::NotFound("request"));
        }
        self.view(ctx, &approver, request).await
    }

    /// Approves or rejects a pending request; the last approval needed approves it, any
    /// rejection rejects it.
    pub(crate) async fn decide_request(
        &self,
        ctx: &RequestContext,
        id: Uuid,
        approve: bool,
        comment: &str,
    ) -> Result<RequestView, AccessError> {
        let comment = text("comment", comment, 0, 500)?;
        let approver = self.approver(ctx).await?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let mut request = store::find_request(&mut tx, id, true)
            .await?
            .filter(|r| concerns(&approver, r))
            .ok_or(AccessError::NotFound("request"))?;
        let now = Utc::now();
        match status(&request.timeline, now) {
            Status::Pending => {}
            Status::Lapsed => {
                return Err(AccessError::Conflict(format!(
                    "the request lapsed unanswered at {}",
                    request.timeline.lapses_at.to_rfc3339()
                )));
            }
            other => {
                return Err(AccessError::Conflict(format!(
                    "the request is already {}",
                    other.as_str()
                )));
            }
        }
        let met = may_decide(
            &approver,
            request.requester,
            &request.requirements(),
            &request.given(),
        )
        .map_err(|refusal| match refusal {
            NotYours::OwnRequest => {
                AccessError::Forbidden("nobody approves or rejects their own request".into())
            }
            NotYours::AlreadyDecided => {
                AccessError::Conflict("you have already decided this request".into())
            }
            NotYours::NotAnApprover => AccessError::Forbidden(format!(
                "you may not decide this request: it needs {}",
                labels(&unmet(&request.requirements(), &request.given()))
            )),
        })?;
        let decision = RequestDecision {
            approver: ctx.user(),
            approver_name: ctx.username().to_owned(),
            approved: approve,
            counted_for: met.key(),
            comment,
            at: now,
        };
        request.decisions.push(decision.clone());
        let settle = if !approve {
            Some(false)
        } else if unmet(&request.requirements(), &request.given()).is_empty() {
            Some(true)
        } else {
            None
        };
        store::add_decision(&mut tx, request.id, &decision, settle).await?;
        request.timeline.decided = settle;
        let operation = match settle {
            Some(true) => "request.approved",
            Some(false) => "request.rejected",
            None => "request.approval_given",
        };
        let decided = request_event(ctx, operation, &request).with_details(serde_json::json!({
            "request_id": request.id,
            "requester": request.requester_name,
            "requester_id": request.requester.0,
            "counted_for": met.label(),
            "comment": decision.comment,
        }));
        self.outbox.record(&mut tx, &decided).await?;
        self.outbox.commit(tx).await?;
        self.view(ctx, &approver, request).await
    }

    /// The caller as an approver: their groups and role here.
    pub(crate) async fn approver(&self, ctx: &RequestContext) -> Result<Approver, AccessError> {
        Ok(Approver {
            user: ctx.user(),
            groups: self.memberships.groups_of(ctx).await?.to_vec(),
            administrator: ctx.claims.role == Role::Administrator.as_str(),
            msp_staff: ctx.claims.home.is_some(),
        })
    }

    /// The request as the caller (`approver`) sees it now.
    pub(crate) async fn view(
        &self,
        ctx: &RequestContext,
        approver: &Approver,
        request: Request,
    ) -> Result<RequestView, AccessError> {
        let mut views = self.views(ctx, approver, vec![request]).await?;
        views.pop().ok_or(AccessError::NotFound("request"))
    }

    /// The requests as the caller (`approver`) sees them now, in order; the places in the
    /// queue of those approved are read in one transaction, and who may approve those
    /// pending is asked of identity once.
    pub(crate) async fn views(
        &self,
        ctx: &RequestContext,
        approver: &Approver,
        requests: Vec<Request>,
    ) -> Result<Vec<RequestView>, AccessError> {
        let now = Utc::now();
        let approved: Vec<Uuid> = requests
            .iter()
            .filter(|r| status(&r.timeline, now) == Status::Approved)
            .map(|r| r.account)
            .collect();
        // Per account held by a checkout: the approved requests waiting, first first.
        let mut queues: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
        if !approved.is_empty() {
            let mut tx = self.db.begin(ctx.org()).await?;
            let held: Vec<Uuid> = store::active_checkouts(&mut tx, &approved)
                .await?
                .into_iter()
                .map(|c| c.account)
                .collect();
            if !held.is_empty() {
                for (account, request) in store::waiting(&mut tx, &held).await? {
                    queues.entry(account).or_default().push(request);
                }
            }
            tx.commit().await?;
        }
        let mut views: Vec<RequestView> = requests
            .into_iter()
            .map(|request| {
                let status = status(&request.timeline, now);
                let needed = if status == Status::Pending {
                    unmet(&request.requirements(), &request.given())
                } else {
                    Vec::new()
                };
                let may = status == Status::Pending
                    && may_decide(
                        approver,
                        request.requester,
                        &request.requirements(),
                        &request.given(),
                    )
                    .is_ok();
                let queue_position = match queues.get(&request.account) {
                    Some(waiting) if status == Status::Approved => {
                        let place = waiting.iter().position(|w| *w == request.id).unwrap_or(0) + 1;
                        u32::try_from(place).unwrap_or(u32::MAX)
                    }
                    _ => 0,
                };
                RequestView {
                    request,
                    status,
                    needed,
                    approver_names: Vec::new(),
                    queue_position,
                    may_decide: may,
                }
            })
            .collect();
        self.name_approvers(ctx, &mut views).await?;
        Ok(views)
    }
}

/// Whether the request is the caller's business: theirs, decided by them, or one they
/// qualify to decide.
fn concerns(approver: &Approver, request: &Request) -> bool {
    request.requester == approver.user
        || request
            .decisions
            .iter()
            .any(|d| d.approver == approver.user)
        || !matches!(
            may_decide(approver, request.requester, &request.requirements(), &[]),
            Err(NotYours::NotAnApprover)
        )
}

/// A trimmed text of `min` to `max` characters.
fn text(field: &str, value: &str, min: usize, max: usize) -> Result<String, AccessError> {
    let value = value.trim();
    let n = value.chars().count();
    if n < min || n > max {
        return Err(AccessError::InvalidInput(if min > 0 {
            format!("{field} must have {min} to {max} characters")
        } else {
            format!("{field} must have at most {max} characters")
        }));
    }
    Ok(value.to_owned())
}

/// The access service's event of `operation` on a request, naming its account.
pub(crate) fn request_event(ctx: &RequestContext, operation: &str, request: &Request) -> Event {
    Event::new(
        ctx.org(),
        SERVICE,
        operation,
        strongroom_runtime::actor(ctx),
        EventTarget::new("account", request.account, &request.account_name),
    )
}
