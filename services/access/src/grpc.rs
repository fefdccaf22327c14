//! The edge: checks and scopes parsed, decided in `decide`, answered.

use std::sync::Arc;

use strongroom_auth::{RequestContext, Verifier, grpc_context};
use strongroom_core::UserId;
use strongroom_proto::access::access_server::Access;
use strongroom_proto::access::{
    CheckBatchRequest, CheckBatchResponse, CheckRequest, CheckResponse, Operation, ScopeRequest,
    ScopeResponse,
};
use tonic::{Request, Response, Status};

use crate::decide::{Decision, decide, scope};

pub(crate) struct AccessGrpc {
    pub(crate) verifier: Arc<Verifier>,
}

fn operation(check: &CheckRequest) -> Operation {
    Operation::try_from(check.operation).unwrap_or(Operation::Unspecified)
}

#[tonic::async_trait]
impl Access for AccessGrpc {
    async fn check(
        &self,
        request: Request<CheckRequest>,
    ) -> Result<Response<CheckResponse>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let req = request.get_ref();
        let owner =
            UserId::parse(&req.owner_id).map_err(|e| Status::invalid_argument(e.to_string()))?;
        Ok(Response::new(CheckResponse {
            allowed: decide(&ctx, owner, operation(req)).allowed,
        }))
    }

    async fn check_batch(
        &self,
        request: Request<CheckBatchRequest>,
    ) -> Result<Response<CheckBatchResponse>, Status> {
        let (allowed, as_owner) = request
            .get_ref()
            .items
            .iter()
            .map(|item| {
                let Some(check) = &item.check else {
                    return Decision::REFUSED;
                };
                let Ok(ctx) = RequestContext::verify(&self.verifier, &item.token, None, None)
                else {
                    return Decision::REFUSED;
                };
                UserId::parse(&check.owner_id).map_or(Decision::REFUSED, |owner| {
                    decide(&ctx, owner, operation(check))
                })
            })
            .map(|d| (d.allowed, d.as_owner))
            .unzip();
        Ok(Response::new(CheckBatchResponse { allowed, as_owner }))
    }

    async fn scope(
        &self,
        request: Request<ScopeRequest>,
    ) -> Result<Response<ScopeResponse>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let operation =
            Operation::try_from(request.get_ref().operation).unwrap_or(Operation::Unspecified);
        let scope = scope(&ctx, operation);
        Ok(Response::new(ScopeResponse {
            owner_ids: scope.owners.iter().map(ToString::to_string).collect(),
            resource_ids: Vec::new(),
            account_ids: Vec::new(),
        }))
    }
}
