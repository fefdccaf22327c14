use std::sync::Arc;

use strongroom_auth::{Verifier, grpc_context};
use strongroom_core::{OrgId, to_status};
use strongroom_proto::tenant::tenant_server::Tenant as TenantRpc;
use strongroom_proto::tenant::*;
use tonic::{Request, Response, Status};

use crate::app::Tenant;
use crate::store::{OrgDetails, OrgRow};

pub struct TenantGrpc {
    pub app: Arc<Tenant>,
    pub verifier: Arc<Verifier>,
}

fn to_proto(org: OrgRow) -> Org {
    Org {
        id: org.id.to_string(),
        slug: org.slug,
        name: org.name,
        is_msp: org.is_msp,
        created_at: org.created_at.to_rfc3339(),
        account_manager_id: org
            .account_manager_id
            .map(|u| u.to_string())
            .unwrap_or_default(),
        description: org.description,
        department: org.department,
        location: org.location,
        contact: org.contact,
    }
}

fn parse<T>(r: Result<T, strongroom_core::ids::InvalidId>) -> Result<T, Status> {
    r.map_err(|e| Status::invalid_argument(e.to_string()))
}

#[tonic::async_trait]
impl TenantRpc for TenantGrpc {
    async fn create_org(
        &self,
        request: Request<CreateOrgRequest>,
    ) -> Result<Response<Org>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let req = request.into_inner();
        let details = OrgDetails {
            slug: req.slug,
            name: req.name,
            description: req.description,
            department: req.department,
            location: req.location,
            contact: req.contact,
        };
        self.app
            .create_org(&ctx, &details, &req.account_manager_id)
            .await
            .map(|o| Response::new(to_proto(o)))
            .map_err(|e| to_status(&e))
    }

    async fn list_orgs(
        &self,
        request: Request<ListOrgsRequest>,
    ) -> Result<Response<OrgList>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let orgs = self
            .app
            .list_orgs(&ctx, request.get_ref().mine_only)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(OrgList {
            orgs: orgs.into_iter().map(to_proto).collect(),
        }))
    }

    async fn import_orgs(
        &self,
        request: Request<ImportOrgsRequest>,
    ) -> Result<Response<ImportOrgsResponse>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let lines = self
            .app
            .import_orgs(&ctx, &request.get_ref().text)
            .await
            .map_err(|e| to_status(&e))?;
        let rejected = lines.iter().filter(|l| l.rejected.is_some()).count();
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Ok(Response::new(ImportOrgsResponse {
            created: count(lines.len() - rejected),
            rejected: count(rejected),
            lines: lines
                .into_iter()
                .map(|l| ImportOrgsLine {
                    line: u32::try_from(l.line).unwrap_or(u32::MAX),
                    slug: l.slug,
                    outcome: if l.rejected.is_some() {
                        "rejected"
                    } else {
                        "created"
                    }
                    .into(),
                    reason: l.rejected.unwrap_or_default(),
                })
                .collect(),
        }))
    }

    async fn resolve_slug(
        &self,
        request: Request<ResolveSlugRequest>,
    ) -> Result<Response<Org>, Status> {
        self.app
            .resolve_slug(&request.get_ref().slug)
            .await
            .map(|o| Response::new(to_proto(o)))
            .map_err(|e| to_status(&e))
    }

    async fn get_msp_org(
        &self,
        _request: Request<GetMspOrgRequest>,
    ) -> Result<Response<Org>, Status> {
        self.app
            .msp_org()
            .await
            .map(|o| Response::new(to_proto(o)))
            .map_err(|e| to_status(&e))
    }

    async fn check_org_access(
        &self,
        request: Request<CheckOrgAccessRequest>,
    ) -> Result<Response<CheckOrgAccessResponse>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let target = parse(OrgId::parse(&request.get_ref().target_org_id))?;
        if ctx.claims.home.is_some() {
            // An exchanged token cannot be exchanged again.
            return Ok(Response::new(CheckOrgAccessResponse { allowed: false }));
        }
        let allowed = self
            .app
            .check_org_access(ctx.user(), ctx.org(), target)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(CheckOrgAccessResponse { allowed }))
    }
}
