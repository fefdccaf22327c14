//! Checks and scopes: the decisions the vault asks for, with the shares that reach each
//! caller read at the time of asking (so a share revoked or ended, or a group left, counts
//! at once).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;

use strongroom_auth::RequestContext;
use strongroom_core::{OrgId, UserId};
use strongroom_proto::access::Operation;
use uuid::Uuid;

use crate::app::Access;
use crate::decide::{Decision, Scope, decide, reaches, scope};
use crate::error::AccessError;
use crate::model::{Checkout, Covers, Grant, Row, TargetKind, TargetRef};
use crate::store;
use crate::tickets::Stage;

/// One decision asked for: by whom, on which row, to do what.
pub(crate) struct Question {
    pub(crate) ctx: RequestContext,
    pub(crate) row: Row,
    pub(crate) operation: Operation,
    /// The vault marks the row's account as under access control.
    pub(crate) controlled: bool,
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
        // A holder's reveal also needs their request's ticket to be valid still, where the
        // org checks tickets before reveals.
        for (q, answer) in questions.iter().zip(answers.iter_mut()) {
            let Some(q) = q.as_ref().filter(|q| {
                answer.decision.allowed && q.gated() && q.operation == Operation::Reveal
            }) else {
                continue;
            };
            let ticket = held
                .get(&(q.ctx.org(), q.row.account.unwrap_or_default()))
                .map(|c| c.ticket_id.as_str())
                .unwrap_or_default();
            let refusal = match self.ticket_refusal(&q.ctx, ticket, Stage::Reveal).await {
                Ok(refusal) => refusal,
                Err(e) => Some(format!("the ticket could not be checked: {e}")),
            };
            if let Some(refusal) = refusal {
                *answer = Answer {
                    decision: Decision::REFUSED,
                    refusal: Some(refusal),
                };
            }
        }
        Ok(answers)
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

    /// The rows the caller may act on with `operation`, as a listing's filter.
    pub(crate) async fn scope(
        &self,
        ctx: &RequestContext,
        operation: Operation,
    ) -> Result<Scope, AccessError> {
        let reaching = self.grants_of(ctx).await?;
        Ok(scope(ctx.user(), &as_used_by(ctx, &reaching), operation))
    }

    /// The grants that reach the caller now.
    pub(crate) async fn grants_of(&self, ctx: &RequestContext) -> Result<Vec<Grant>, AccessError> {
        Ok(self
            .grants_in(ctx.org(), &[ctx])
            .await?
            .pop()
            .unwrap_or_default())
    }

    /// Turns each dynamic group's grant into the resources it covers now: those matching the
    /// group's criteria that its sharer owns (one call to the vault for all the dynamic
    /// groups of the callers of one org; a group gone covers nothing).
    async fn resolve_dynamic(
        &self,
        ctx: &RequestContext,
        grants: &mut [Vec<Grant>],
    ) -> Result<(), AccessError> {
        let mut groups: Vec<Uuid> = grants
            .iter()
            .flatten()
            .filter_map(|g| match g.covers {
                Covers::DynamicGroup { group, .. } => Some(group),
                _ => None,
            })
            .collect();
        if groups.is_empty() {
            return Ok(());
        }
        groups.sort_unstable();
        groups.dedup();
        let at: Vec<TargetRef> = groups
            .iter()
            .map(|id| TargetRef {
                kind: TargetKind::ResourceGroup,
                id: *id,
            })
            .collect();
        let now: HashMap<Uuid, Vec<(Uuid, UserId)>> = groups
            .into_iter()
            .zip(self.describe(ctx, &at).await?)
            .filter_map(|(id, target)| Some((id, target?.resources)))
            .collect();
        for caller in grants.iter_mut() {
            caller.retain_mut(|grant| {
                let Covers::DynamicGroup { group, sharer } = grant.covers else {
                    return true;
                };
                let Some(resources) = now.get(&group) else {
                    return false;
                };
                grant.covers = Covers::ResourceGroup {
                    group,
                    resources: resources
                        .iter()
                        .filter(|(_, owner)| *owner == sharer)
                        .map(|(id, _)| *id)
                        .collect(),
                };
                true
            });
        }
        Ok(())
    }

    /// For callers of one org, the grants that reach each (theirs and their groups'): kept
    /// ones as they are, the others read in one statement and kept until a share of the
    /// org or a membership changes, or the first of them ends.
    async fn grants_in(
        &self,
        org: OrgId,
        ctxs: &[&RequestContext],
    ) -> Result<Vec<Vec<Grant>>, AccessError> {
        let mut reaching: Vec<Option<Arc<Vec<Grant>>>> = ctxs
            .iter()
            .map(|ctx| self.grants.get(org, ctx.user()))
            .collect();
        let missing: Vec<&RequestContext> = ctxs
            .iter()
            .zip(&reaching)
            .filter(|(_, kept)| kept.is_none())
            .map(|(ctx, _)| *ctx)
            .collect();
        if !missing.is_empty() {
            let epoch = self.grants.epoch();
            let read = self.read_grants(org, &missing).await?;
            let mut read = missing.iter().zip(read);
            for (ctx, kept) in ctxs.iter().zip(reaching.iter_mut()) {
                if kept.is_none()
                    && let Some((_, (grants, ends))) = read.next()
                {
                    let grants = Arc::new(grants);
                    self.grants
                        .keep(org, ctx.user(), grants.clone(), epoch, ends);
                    *kept = Some(grants);
                }
            }
        }
        let mut all: Vec<Vec<Grant>> = reaching
            .into_iter()
            .map(|g| g.map(|g| g.as_ref().clone()).unwrap_or_default())
            .collect();
        if let Some(ctx) = ctxs.first() {
            self.resolve_dynamic(ctx, &mut all).await?;
        }
        Ok(all)
    }

    /// The grants that reach each caller of one org now, read in one statement, and when
    /// the first of each caller's ends.
    async fn read_grants(
        &self,
        org: OrgId,
        ctxs: &[&RequestContext],
    ) -> Result<Vec<(Vec<Grant>, Option<Instant>)>, AccessError> {
        let groups =
            futures::future::try_join_all(ctxs.iter().map(|ctx| self.memberships.groups_of(ctx)))
                .await?;
        let users: Vec<Uuid> = ctxs.iter().map(|c| c.user().0).collect();
        let mut all_groups: Vec<Uuid> = groups.iter().flat_map(|g| g.iter().copied()).collect();
        all_groups.sort_unstable();
        all_groups.dedup();
        let mut tx = self.db.begin(org).await?;
        let mut found = store::grants_to(&mut tx, &users, &all_groups).await?;
        if !store::shares_show_plaintext(&mut tx).await? {
            for (_, grant, _) in &mut found {
                grant.use_only = true;
            }
        }
        tx.commit().await?;
        let now = Utc::now();
        Ok(ctxs
            .iter()
            .zip(&groups)
            .map(|(ctx, groups)| {
                let mine = found
                    .iter()
                    .filter(|(grantee, _, _)| reaches(*grantee, ctx.user(), groups));
                let ends = mine
                    .clone()
                    .filter_map(|(_, _, ends)| *ends)
                    .min()
                    .map(|end| Instant::now() + (end - now).to_std().unwrap_or_default());
                (mine.map(|(_, grant, _)| grant.clone()).collect(), ends)
            })
            .collect())
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
