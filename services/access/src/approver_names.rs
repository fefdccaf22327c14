//! Who may approve a pending request, by name, so the requester knows whom to ask: identity
//! names the active members of the groups the request waits for and the org's
//! administrators, asked once for a whole listing.

use std::collections::HashSet;

use strongroom_auth::{RequestContext, outgoing};
use strongroom_proto::identity::{Approver as Named, NameApproversRequest};
use uuid::Uuid;

use crate::app::Access;
use crate::error::AccessError;
use crate::requests::RequestView;
use crate::workflow::Requirement;

impl Access {
    /// Fills in, for each approval the `views` still need, who may give it now: never the
    /// requester, nor anyone who already decided the request.
    pub(crate) async fn name_approvers(
        &self,
        ctx: &RequestContext,
        views: &mut [RequestView],
    ) -> Result<(), AccessError> {
        let needed = || views.iter().flat_map(|v| v.needed.iter());
        let groups: Vec<Uuid> = needed()
            .filter_map(|n| match n {
                Requirement::Group { id, .. } => Some(*id),
                _ => None,
            })
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let administrators = needed().any(|n| !matches!(n, Requirement::Group { .. }));
        if groups.is_empty() && !administrators {
            return Ok(());
        }
        let asked = NameApproversRequest {
            group_ids: groups.iter().map(ToString::to_string).collect(),
            administrators,
        };
        let named = self
            .recipients
            .clone()
            .name_approvers(outgoing(ctx, asked))
            .await
            .map_err(AccessError::Identity)?
            .into_inner()
            .approvers;
        for view in views.iter_mut() {
            view.approver_names = names_for(view, &named);
        }
        Ok(())
    }
}

/// For each approval `view` still needs, the usernames among `named` who may give it.
fn names_for(view: &RequestView, named: &[Named]) -> Vec<Vec<String>> {
    let request = &view.request;
    let excluded = |n: &Named| {
        n.user_id == request.requester.to_string()
            || request
                .decisions
                .iter()
                .any(|d| d.approver.to_string() == n.user_id)
    };
    view.needed
        .iter()
        .map(|requirement| {
            named
                .iter()
                .filter(|n| !excluded(n))
                .filter(|n| match requirement {
                    Requirement::Group { id, .. } => n.group_ids.contains(&id.to_string()),
                    Requirement::ClientAdmin | Requirement::Administrator => n.administrator,
                })
                .map(|n| n.username.clone())
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use strongroom_core::UserId;

    use super::*;
    use crate::model::{Request, RequestDecision};
    use crate::workflow::{Status, Timeline};

    fn person(id: Uuid, name: &str, groups: &[Uuid], administrator: bool) -> Named {
        Named {
            user_id: id.to_string(),
            username: name.into(),
            group_ids: groups.iter().map(ToString::to_string).collect(),
            administrator,
        }
    }

    #[test]
    fn each_approval_names_those_who_may_give_it_never_the_requester_or_a_decider() {
        let (leads, board) = (Uuid::new_v4(), Uuid::new_v4());
        let (rita, dan, cara, ann) = (
            Uuid::new_v4(),
            Uuid::new_v4(),
            Uuid::new_v4(),
            Uuid::new_v4(),
        );
        let now = Utc::now();
        let view = RequestView {
            request: Request {
                id: Uuid::new_v4(),
                account: Uuid::new_v4(),
                resource: Uuid::new_v4(),
                account_name: "db1/postgres".into(),
                requester: UserId(rita),
                requester_name: "rita".into(),
                msp_staff: false,
                reason: String::new(),
                ticket_id: String::new(),
                starts_at: now,
                created_at: now,
                approver_groups: vec![(leads, "DBA leads".into()), (board, "Board".into())],
                client_admin_required: false,
                timeline: Timeline {
                    decided: None,
                    lapses_at: now,
                    ends_at: now,
                    checked_out_at: None,
                    checked_in_at: None,
                },
                decisions: vec![RequestDecision {
                    approver: UserId(ann),
                    approver_name: "ann".into(),
                    approved: true,
                    counted_for: String::new(),
                    comment: String::new(),
                    at: now,
                }],
            },
            status: Status::Pending,
            needed: vec![
                Requirement::Group {
                    id: leads,
                    name: "DBA leads".into(),
                },
                Requirement::Group {
                    id: board,
                    name: "Board".into(),
                },
                Requirement::Administrator,
            ],
            approver_names: Vec::new(),
            queue_position: 0,
            may_decide: false,
        };
        let named = [
            // The requester is in both groups and an administrator: never named.
            person(rita, "rita", &[leads, board], true),
            person(dan, "dan", &[leads], false),
            person(cara, "cara", &[board], true),
            // Ann already decided: she cannot approve twice.
            person(ann, "ann", &[board], true),
        ];
        assert_eq!(
            names_for(&view, &named),
            vec![
                vec!["dan".to_owned()],
                vec!["cara".into()],
                vec!["cara".into()]
            ]
        );
    }
}
