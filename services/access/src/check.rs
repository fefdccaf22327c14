//! Checks and scopes: the decisions the vault asks for, with the shares that reach each
//! caller read at the time of asking (so a share revoked or ended, or a group left, counts
//! at once).

use std::collections::HashMap;

use strongroom_auth::RequestContext;
use strongroom_core::{OrgId, UserId};
use strongroom_proto::access::Operation;
use uuid::Uuid;

use crate::app::Access;
use crate::decide::{Decision, Scope, decide, scope};
use crate::error::AccessError;
use crate::model::{Checkout, Grant, Row};
use crate::store;
use crate::tickets::Stage;

/// One decision asked for: by whom, on which row, to do what.
pub(crate) struct Question {
    pub(crate) ctx: RequestContext,
    pub(crate) row: Row,
    pub(crate) operation: Operation,
    /// The vault marks the row's account as under access control.
    pub(crate) controlled: bool,
    /// Set when the password is to be shown: the ticket the caller gave (may be empty).
    pub(crate) ticket_id: Option<String>,
}

impl Question {
    /// Whether the access-control workflow has a say: the password of an account under
    /// access control, revealed or changed, by anyone (its owner included).
    fn gated(&self) -> bool {
        self.controlled
            && self.row.account.is_some()
            && matches!(self.operation, Operation::Reveal | Operation::Modify)
    }
}

/// An answer: the decision, and why the workflow refused a caller otherwise allowed.
pub(crate) struct Answer {
    pub(crate) decision: Decision,
    pub(crate) refusal: Option<String>,
}

impl Access {
    /// One answer per question, in order (`None`: refused, a question that could not be
    /// read). Owners are answered at once; everyone else's grants are read per org in one
    /// statement; accounts under access control are allowed only to the holder of their
    /// checkout (one statement per org).
    pub(crate) async fn check_all(
        &self,
        questions: &[Option<Question>],
    ) -> Result<Vec<Answer>, AccessError> {
        let answers = self.decide_all(questions).await?;
        self.gate(questions, answers).await
    }

    /// The workflow's say on the decisions: a gated question is allowed only during the
    /// caller's own checkout (and never as an owner's lasting allowance).
    async fn gate(
        &self,
        questions: &[Option<Question>],
        answers: Vec<Answer>,
    ) -> Result<Vec<Answer>, AccessError> {
        let mut accounts: HashMap<OrgId, Vec<Uuid>> = HashMap::new();
        for (q, a) in questions.iter().zip(&answers) {
            if let Some(q) = q.as_ref().filter(|q| a.decision.allowed && q.gated()) {
                accounts
                    .entry(q.ctx.org())
                    .or_default()
                    .extend(q.row.account);
            }
        }
        let mut held: HashMap<(OrgId, Uuid), Checkout> = HashMap::new();
        for (org, accounts) in accounts {
            let mut tx = self.db.begin(org).await?;
            for checkout in store::active_checkouts(&mut tx, &accounts).await? {
                held.insert((org, checkout.account), checkout);
            }
            tx.commit().await?;
        }
        let mut answers: Vec<Answer> = questions
            .iter()
            .zip(answers)
            .map(|(q, answer)| match q {
                Some(q) if answer.decision.allowed && q.gated() => {
                    let account = q.row.account.unwrap_or_default();
                    match held.get(&(q.ctx.org(), account)) {
                        Some(c) if c.holder == q.ctx.user() => Answer {
                            decision: Decision::SHARED,
                            refusal: None,
                        },
                        Some(c) => Answer {
                            decision: Decision::REFUSED,
                            refusal: Some(format!(
                                "this password is under access control and checked out by {} \
                                 until {}: request access to join the queue",
                                c.holder_name,
                                c.ends_at.to_rfc3339()
                            )),
                        },
                        None => Answer {
                            decision: Decision::REFUSED,
                            refusal: Some(
                                "this password is under access control: request access and \
                                 check it out first"
                                    .into(),
                            ),
                        },
                    }
                }
                _ => answer,
            })
            .collect();
        self.check_reveal_tickets(questions, &mut answers, &held)
            .await;
        Ok(answers)
    }

    /// Where the org checks tickets before reveals, an allowed reveal also needs a valid
    /// ticket: a checkout holder's request's, or the one given with the reveal (a password
    /// not under access control, shown). Such an allowance never rests on ownership alone,
    /// so the vault keeps none. Each ticket is asked about once per batch.
    async fn check_reveal_tickets(
        &self,
        questions: &[Option<Question>],
        answers: &mut [Answer],
        held: &HashMap<(OrgId, Uuid), Checkout>,
    ) {
        let mut checks_reveals: HashMap<OrgId, Result<bool, String>> = HashMap::new();
        let mut verdicts: HashMap<(OrgId, String), Option<String>> = HashMap::new();
        for (q, answer) in questions.iter().zip(answers.iter_mut()) {
            let Some(q) = q.as_ref() else { continue };
            let ticket = match (&q.ticket_id, q.gated()) {
                _ if !answer.decision.allowed || q.operation != Operation::Reveal => continue,
                (_, true) => held
                    .get(&(q.ctx.org(), q.row.account.unwrap_or_default()))
                    .map(|c| c.ticket_id.clone())
                    .unwrap_or_default(),
                (Some(given), false) => given.trim().to_owned(),
                (None, false) => continue,
            };
            let org = q.ctx.org();
            let checks = match checks_reveals.get(&org) {
                Some(checks) => checks.clone(),
                None => {
                    // Not known: refused, as a ticket that cannot be checked is.
                    let checks = self
                        .ticketing_stages(&q.ctx)
                        .await
                        .map(|stages| stages.reveal)
                        .map_err(|e| format!("the ticket could not be checked: {e}"));
                    checks_reveals.insert(org, checks.clone());
                    checks
                }
            };
            let refusal = match checks {
                Ok(false) => continue,
                Err(e) => Some(e),
                Ok(true) => match verdicts.get(&(org, ticket.clone())) {
                    Some(refusal) => refusal.clone(),
                    None => {
                        let refusal =
                            match self.ticket_refusal(&q.ctx, &ticket, Stage::Reveal).await {
                                Ok(refusal) => refusal,
                                Err(e) => Some(format!("the ticket could not be checked: {e}")),
                            };
                        verdicts.insert((org, ticket), refusal.clone());
                        refusal
                    }
                },
            };
            *answer = match refusal {
                Some(refusal) => Answer {
                    decision: Decision::REFUSED,
                    refusal: Some(refusal),
                },
                None => Answer {
                    decision: Decision::SHARED,
                    refusal: None,
                },
            };
        }
    }

    /// The decisions on shares and ownership alone, saying why a person was refused a
    /// password shared with them for use without seeing.
    async fn decide_all(&self, questions: &[Option<Question>]) -> Result<Vec<Answer>, AccessError> {
        // Who needs grants, per org.
        let mut callers: HashMap<OrgId, HashMap<UserId, &RequestContext>> = HashMap::new();
        for q in questions.iter().flatten() {
            if q.row.owner != q.ctx.user() && q.operation != Operation::Unspecified {
                callers
                    .entry(q.ctx.org())
                    .or_default()
                    .insert(q.ctx.user(), &q.ctx);
            }
        }
        let mut grants: HashMap<(OrgId, UserId), Vec<Grant>> = HashMap::new();
        for (org, users) in callers {
            let ctxs: Vec<&RequestContext> = users.into_values().collect();
            for (ctx, reaching) in ctxs.iter().zip(self.grants_in(org, &ctxs).await?) {
                grants.insert((org, ctx.user()), reaching);
            }
        }
        Ok(questions
            .iter()
            .map(|q| match q {
                None => Answer {
                    decision: Decision::REFUSED,
                    refusal: None,
                },
                Some(q) => {
                    let reaching = grants
                        .get(&(q.ctx.org(), q.ctx.user()))
                        .map_or(&[][..], Vec::as_slice);
                    let reaching = as_used_by(&q.ctx, reaching);
                    let decision = decide(q.ctx.user(), &reaching, &q.row, q.operation);
                    let refusal = (!decision.allowed
                        && q.operation == Operation::Reveal
                        && decide(q.ctx.user(), &for_use(&reaching), &q.row, q.operation).allowed)
                        .then(|| {
                            "this password is shared with you to use without seeing it: an \
                             application may fetch it with an API key, nobody sees it here"
                                .to_owned()
                        });
                    Answer { decision, refusal }
                }
            })
            .collect())
    }

    /// The rows the caller may act on with `operation`, as a listing's filter. With
    /// `ticket_id`, the rows whose passwords are to be shown (an export's): where the org
    /// checks tickets before reveals, the ticket must let the caller on (`Err`: why not).
    pub(crate) async fn scope(
        &self,
        ctx: &RequestContext,
        operation: Operation,
        ticket_id: Option<&str>,
    ) -> Result<Result<Scope, String>, AccessError> {
        if let Some(ticket) = ticket_id.filter(|_| operation == Operation::Reveal)
            && let Some(refusal) = self
                .ticket_refusal(ctx, ticket.trim(), Stage::Reveal)
                .await?
        {
            return Ok(Err(refusal));
        }
        let reaching = self.grants_of(ctx).await?;
        Ok(Ok(scope(
            ctx.user(),
            &as_used_by(ctx, &reaching),
            operation,
        )))
    }
}

/// The grants as they count for this caller: an application (an API key) uses what is
/// shared for use without seeing; a person does not see it.
fn as_used_by<'g>(ctx: &RequestContext, grants: &'g [Grant]) -> std::borrow::Cow<'g, [Grant]> {
    if ctx.claims.amr == strongroom_auth::AMR_API_KEY && grants.iter().any(|g| g.use_only) {
        std::borrow::Cow::Owned(for_use(grants))
    } else {
        std::borrow::Cow::Borrowed(grants)
    }
}

/// The grants with "use without seeing" lifted, as an application holds them.
fn for_use(grants: &[Grant]) -> Vec<Grant> {
    grants
        .iter()
        .map(|g| Grant {
            use_only: false,
            ..g.clone()
        })
        .collect()
}
