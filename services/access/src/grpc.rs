//! The edge: requests parsed into the access service's words, handed to a use case
//! (`check`, `shares`; the workflow's in `workflow`), answered. `edge` holds what they
//! share.

use chrono::{DateTime, Utc};
use strongroom_auth::{RequestContext, grpc_context};
use strongroom_core::{OrgId, UserId};
use strongroom_proto::access::access_server::Access as AccessRpc;
use strongroom_proto::access::{
    self as proto, AccessControl, AccessDecision, AccessRequestInput, AccessRequestList,
    AccessRequestRef, CheckBatchRequest, CheckBatchResponse, CheckRequest, CheckResponse,
    ListAccessRequestsRequest, MarkedForResetRequest, Operation, ResetMarkList, ScopeRequest,
    ScopeResponse, SetAccessControlRequest, ShareList, ShareRequest, SharedWithMeRequest,
    UnshareRequest,
};
use tonic::{Request, Response, Status};
use uuid::Uuid;

use crate::check::Question;
use crate::model::{Grantee, GranteeKind, Level, Row, Share, ShareInput};

mod edge;
mod workflow;

pub(crate) use edge::AccessGrpc;
use edge::{Rpc, or_status, target_kind, target_ref};

fn operation(value: i32) -> Operation {
    Operation::try_from(value).unwrap_or(Operation::Unspecified)
}

/// The row of a check; `None` when its ids are malformed (refused).
fn row(check: &CheckRequest) -> Option<Row> {
    Some(Row {
        resource: Uuid::try_parse(&check.resource_id).ok()?,
        account: match check.account_id.as_str() {
            "" => None,
            id => Some(Uuid::try_parse(id).ok()?),
        },
        owner: UserId::parse(&check.owner_id).ok()?,
    })
}

fn share_input(req: &ShareRequest) -> Result<ShareInput, Status> {
    let target = target_ref(req.target.as_ref())?;
    let kind = match proto::GranteeKind::try_from(req.grantee_kind) {
        Ok(proto::GranteeKind::User) => GranteeKind::User,
        Ok(proto::GranteeKind::UserGroup) => GranteeKind::UserGroup,
        _ => {
            return Err(Status::invalid_argument(
                "grantee kind must be user or user_group",
            ));
        }
    };
    let id = Uuid::try_parse(&req.grantee_id).map_err(|_| {
        Status::invalid_argument(format!("grantee_id must be a {} id", kind.noun()))
    })?;
    let level = match proto::Level::try_from(req.level) {
        Ok(proto::Level::View) => Level::View,
        Ok(proto::Level::Modify) => Level::Modify,
        Ok(proto::Level::Full) => Level::Full,
        _ => {
            return Err(Status::invalid_argument(
                "level must be view, modify or full",
            ));
        }
    };
    let expires_at = match req.expires_at.trim() {
        "" => None,
        at => Some(
            DateTime::parse_from_rfc3339(at)
                .map_err(|_| Status::invalid_argument("expires_at must be an RFC 3339 time"))?
                .with_timezone(&Utc),
        ),
    };
    Ok(ShareInput {
        target,
        grantee: Grantee { kind, id },
        level,
        expires_at,
        use_only: req.use_without_seeing,
    })
}

fn share_message(s: Share) -> proto::Share {
    proto::Share {
        id: s.id.to_string(),
        target_kind: target_kind(s.target.kind) as i32,
        target_id: s.target.id.to_string(),
        target_name: s.target_name,
        grantee_kind: match s.grantee.kind {
            GranteeKind::User => proto::GranteeKind::User,
            GranteeKind::UserGroup => proto::GranteeKind::UserGroup,
        } as i32,
        grantee_id: s.grantee.id.to_string(),
        grantee_name: s.grantee_name,
        level: match s.level {
            Level::View => proto::Level::View,
            Level::Modify => proto::Level::Modify,
            Level::Full => proto::Level::Full,
        } as i32,
        created_by: s.created_by.to_string(),
        created_at: s.created_at.to_rfc3339(),
        expires_at: s.expires_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
        resource_count: s.resource_count,
        follows_criteria: s.follows_criteria,
        use_without_seeing: s.use_only,
    }
}

fn share_list(shares: Vec<Share>) -> ShareList {
    ShareList {
        shares: shares.into_iter().map(share_message).collect(),
    }
}

impl AccessGrpc {
    fn question(&self, ctx: RequestContext, check: &CheckRequest) -> Option<Question> {
        Some(Question {
            row: row(check)?,
            operation: operation(check.operation),
            controlled: check.access_controlled,
            ticket_id: check.ticket_id.clone(),
            ctx,
        })
    }
}

#[tonic::async_trait]
impl AccessRpc for AccessGrpc {
    async fn check(&self, request: Request<CheckRequest>) -> Rpc<CheckResponse> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let question = self.question(ctx, request.get_ref());
        let answer = or_status(self.app.check_all(&[question]).await)?.pop();
        Ok(Response::new(CheckResponse {
            allowed: answer.as_ref().is_some_and(|a| a.decision.allowed),
            refusal: answer.and_then(|a| a.refusal).unwrap_or_default(),
        }))
    }

    async fn check_batch(&self, request: Request<CheckBatchRequest>) -> Rpc<CheckBatchResponse> {
        let questions: Vec<Option<Question>> = request
            .get_ref()
            .items
            .iter()
            .map(|item| {
                let check = item.check.as_ref()?;
                let ctx = RequestContext::verify(&self.verifier, &item.token, None, None).ok()?;
                self.question(ctx, check)
            })
            .collect();
        let answers = or_status(self.app.check_all(&questions).await)?;
        let mut reply = CheckBatchResponse::default();
        for a in answers {
            reply.allowed.push(a.decision.allowed);
            reply.as_owner.push(a.decision.as_owner);
            reply.refusals.push(a.refusal.unwrap_or_default());
        }
        Ok(Response::new(reply))
    }

    async fn scope(&self, request: Request<ScopeRequest>) -> Rpc<ScopeResponse> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let asked = request.get_ref();
        let scope = or_status(
            self.app
                .scope(&ctx, operation(asked.operation), asked.ticket_id.as_deref())
                .await,
        )?;
        let scope = match scope {
            Ok(scope) => scope,
            Err(refusal) => {
                return Ok(Response::new(ScopeResponse {
                    refusal,
                    ..ScopeResponse::default()
                }));
            }
        };
        Ok(Response::new(ScopeResponse {
            owner_ids: scope.owners.iter().map(ToString::to_string).collect(),
            resource_ids: scope.resources.iter().map(ToString::to_string).collect(),
            account_ids: scope.accounts.iter().map(ToString::to_string).collect(),
            refusal: String::new(),
        }))
    }

    async fn share(&self, request: Request<ShareRequest>) -> Rpc<proto::Share> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let input = share_input(request.get_ref())?;
        let share = or_status(self.app.share(&ctx, input).await)?;
        Ok(Response::new(share_message(share)))
    }

    async fn list_shares(&self, request: Request<proto::TargetRef>) -> Rpc<ShareList> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let target = target_ref(Some(request.get_ref()))?;
        let shares = or_status(self.app.target_shares(&ctx, target).await)?;
        Ok(Response::new(share_list(shares)))
    }

    async fn unshare(&self, request: Request<UnshareRequest>) -> Rpc<proto::Share> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let req = request.get_ref();
        let target = target_ref(req.target.as_ref())?;
        let id =
            Uuid::try_parse(&req.share_id).map_err(|_| Status::not_found("share not found"))?;
        let share = or_status(self.app.unshare(&ctx, target, id).await)?;
        Ok(Response::new(share_message(share)))
    }

    async fn list_shared_with_me(&self, request: Request<SharedWithMeRequest>) -> Rpc<ShareList> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let shares = or_status(self.app.shared_with(&ctx).await)?;
        Ok(Response::new(share_list(shares)))
    }

    async fn list_sharees(&self, request: Request<proto::ShareesRequest>) -> Rpc<proto::Sharees> {
        let req = request.into_inner();
        let org = OrgId::parse(&req.org_id)
            .map_err(|_| Status::invalid_argument("org_id must be an org id (a UUID)"))?;
        let optional = |id: &str| match id {
            "" => Ok(None),
            id => Uuid::try_parse(id)
                .map(Some)
                .map_err(|_| Status::invalid_argument("ids must be UUIDs")),
        };
        let groups = req
            .group_ids
            .iter()
            .map(|g| Uuid::try_parse(g).map_err(|_| Status::invalid_argument("ids must be UUIDs")))
            .collect::<Result<Vec<_>, _>>()?;
        let (users, user_groups) = or_status(
            self.app
                .sharees(
                    org,
                    optional(&req.account_id)?,
                    optional(&req.resource_id)?,
                    &groups,
                )
                .await,
        )?;
        Ok(Response::new(proto::Sharees {
            user_ids: users.iter().map(ToString::to_string).collect(),
            group_ids: user_groups.iter().map(ToString::to_string).collect(),
        }))
    }

    async fn get_sharing_settings(
        &self,
        request: Request<proto::SharingSettingsRequest>,
    ) -> Rpc<proto::SharingSettings> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let shares_show_plaintext = or_status(self.app.sharing_settings(&ctx).await)?;
        Ok(Response::new(proto::SharingSettings {
            shares_show_plaintext,
        }))
    }

    async fn update_sharing_settings(
        &self,
        request: Request<proto::SharingSettings>,
    ) -> Rpc<proto::SharingSettings> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let wanted = request.get_ref().shares_show_plaintext;
        let shares_show_plaintext =
            or_status(self.app.update_sharing_settings(&ctx, wanted).await)?;
        Ok(Response::new(proto::SharingSettings {
            shares_show_plaintext,
        }))
    }

    async fn get_access_control(&self, request: Request<proto::TargetRef>) -> Rpc<AccessControl> {
        workflow::get_access_control(self, request).await
    }

    async fn set_access_control(
        &self,
        request: Request<SetAccessControlRequest>,
    ) -> Rpc<AccessControl> {
        workflow::set_access_control(self, request).await
    }

    async fn remove_access_control(
        &self,
        request: Request<proto::TargetRef>,
    ) -> Rpc<AccessControl> {
        workflow::remove_access_control(self, request).await
    }

    async fn request_access(
        &self,
        request: Request<AccessRequestInput>,
    ) -> Rpc<proto::AccessRequest> {
        workflow::request_access(self, request).await
    }

    async fn list_access_requests(
        &self,
        request: Request<ListAccessRequestsRequest>,
    ) -> Rpc<AccessRequestList> {
        workflow::list_access_requests(self, request).await
    }

    async fn get_access_request(
        &self,
        request: Request<AccessRequestRef>,
    ) -> Rpc<proto::AccessRequest> {
        workflow::get_access_request(self, request).await
    }

    async fn decide_access_request(
        &self,
        request: Request<AccessDecision>,
    ) -> Rpc<proto::AccessRequest> {
        workflow::decide_access_request(self, request).await
    }

    async fn check_out(&self, request: Request<AccessRequestRef>) -> Rpc<proto::AccessRequest> {
        workflow::check_out(self, request).await
    }

    async fn check_in(&self, request: Request<AccessRequestRef>) -> Rpc<proto::AccessRequest> {
        workflow::check_in(self, request).await
    }

    async fn list_marked_for_reset(
        &self,
        request: Request<MarkedForResetRequest>,
    ) -> Rpc<ResetMarkList> {
        workflow::list_marked_for_reset(self, request).await
    }
}
