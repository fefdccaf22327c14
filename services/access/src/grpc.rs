//! The edge: requests parsed into the access service's words, handed to a use case
//! (`check`, `shares`), answered.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use strongroom_auth::{RequestContext, Verifier, grpc_context};
use strongroom_core::{UserId, to_status};
use strongroom_proto::access::access_server::Access as AccessRpc;
use strongroom_proto::access::{
    self as proto, CheckBatchRequest, CheckBatchResponse, CheckRequest, CheckResponse, Operation,
    ScopeRequest, ScopeResponse, ShareList, ShareRequest, SharedWithMeRequest, UnshareRequest,
};
use tonic::{Request, Response, Status};
use uuid::Uuid;

use crate::app::Access;
use crate::check::Question;
use crate::error::AccessError;
use crate::model::{Grantee, GranteeKind, Level, Row, Share, ShareInput, TargetKind, TargetRef};

pub(crate) struct AccessGrpc {
    pub(crate) app: Arc<Access>,
    pub(crate) verifier: Arc<Verifier>,
}

type Rpc<T> = Result<Response<T>, Status>;

fn or_status<T>(r: Result<T, AccessError>) -> Result<T, Status> {
    r.map_err(|e| to_status(&e))
}

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

/// A target named by the caller; a malformed id names nothing.
fn target_ref(target: Option<&proto::TargetRef>) -> Result<TargetRef, Status> {
    let target = target.ok_or_else(|| Status::invalid_argument("target is required"))?;
    let kind = match proto::TargetKind::try_from(target.kind) {
        Ok(proto::TargetKind::Account) => TargetKind::Account,
        Ok(proto::TargetKind::Resource) => TargetKind::Resource,
        Ok(proto::TargetKind::ResourceGroup) => TargetKind::ResourceGroup,
        _ => {
            return Err(Status::invalid_argument(
                "target kind must be account, resource or resource_group",
            ));
        }
    };
    let id = Uuid::try_parse(&target.id)
        .map_err(|_| Status::not_found(format!("{} not found", kind.noun())))?;
    Ok(TargetRef { kind, id })
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
    })
}

fn share_message(s: Share) -> proto::Share {
    proto::Share {
        id: s.id.to_string(),
        target_kind: match s.target.kind {
            TargetKind::Account => proto::TargetKind::Account,
            TargetKind::Resource => proto::TargetKind::Resource,
            TargetKind::ResourceGroup => proto::TargetKind::ResourceGroup,
        } as i32,
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
            ctx,
        })
    }
}

#[tonic::async_trait]
impl AccessRpc for AccessGrpc {
    async fn check(&self, request: Request<CheckRequest>) -> Rpc<CheckResponse> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let question = self.question(ctx, request.get_ref());
        let decided = or_status(self.app.check_all(&[question]).await)?;
        Ok(Response::new(CheckResponse {
            allowed: decided.first().is_some_and(|d| d.allowed),
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
        let (allowed, as_owner) = or_status(self.app.check_all(&questions).await)?
            .into_iter()
            .map(|d| (d.allowed, d.as_owner))
            .unzip();
        Ok(Response::new(CheckBatchResponse { allowed, as_owner }))
    }

    async fn scope(&self, request: Request<ScopeRequest>) -> Rpc<ScopeResponse> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let scope = or_status(
            self.app
                .scope(&ctx, operation(request.get_ref().operation))
                .await,
        )?;
        Ok(Response::new(ScopeResponse {
            owner_ids: scope.owners.iter().map(ToString::to_string).collect(),
            resource_ids: scope.resources.iter().map(ToString::to_string).collect(),
            account_ids: scope.accounts.iter().map(ToString::to_string).collect(),
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
}
