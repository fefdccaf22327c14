use std::sync::Arc;

use strongroom_auth::{Verifier, grpc_context};
use strongroom_core::{OrgId, to_status};
use strongroom_proto::tenant::tenant_server::Tenant as TenantRpc;
use strongroom_proto::tenant::*;
use tonic::{Request, Response, Status};

use crate::app::Tenant;
use crate::changes::OrgChanges;
use crate::grants::{Designee, GrantFilter, GrantRow};
use crate::store::{DeletionRow, OrgDetails, OrgRow};

pub struct TenantGrpc {
    pub app: Arc<Tenant>,
    pub settings: Arc<crate::settings::OrgSettings>,
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

fn deletion_to_proto(d: DeletionRow) -> OrgDeletionRequest {
    OrgDeletionRequest {
        id: d.id.to_string(),
        org_id: d.org_id.to_string(),
        org_slug: d.org_slug,
        org_name: d.org_name,
        requested_by_id: d.requested_by.to_string(),
        requested_by_name: d.requested_by_name,
        requested_at: d.requested_at.to_rfc3339(),
        status: d.status,
        decided_by_name: d.decided_by_name.unwrap_or_default(),
        decided_at: d.decided_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
        note: d.note,
    }
}

fn grant_to_proto(g: GrantRow) -> OrgAccessGrant {
    OrgAccessGrant {
        id: g.id.to_string(),
        org_id: g.org_id.to_string(),
        org_slug: g.org_slug,
        org_name: g.org_name,
        designee_kind: g.designee_kind,
        designee_id: g.designee_id.to_string(),
        designee_name: g.designee_name,
        proposer_id: g.proposer_id.to_string(),
        proposer_name: g.proposer_name,
        approver_id: g.approver_id.to_string(),
        approver_name: g.approver_name,
        status: g.status,
        proposed_at: g.proposed_at.to_rfc3339(),
        decided_by_name: g.decided_by_name.unwrap_or_default(),
        decided_at: g.decided_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
        note: g.note,
    }
}

fn grants_to_proto(grants: Vec<GrantRow>) -> OrgAccessGrantList {
    OrgAccessGrantList {
        grants: grants.into_iter().map(grant_to_proto).collect(),
    }
}

/// An optional id filter: empty means any; anything else must be an id.
fn id_filter(what: &str, id: &str) -> Result<Option<uuid::Uuid>, Status> {
    match id.trim() {
        "" => Ok(None),
        id => uuid::Uuid::try_parse(id)
            .map(Some)
            .map_err(|_| Status::invalid_argument(format!("{what} must be an id"))),
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

    async fn update_org(
        &self,
        request: Request<UpdateOrgRequest>,
    ) -> Result<Response<Org>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let r = request.into_inner();
        let changes = OrgChanges {
            slug: r.slug,
            name: r.name,
            description: r.description,
            department: r.department,
            location: r.location,
            contact: r.contact,
            account_manager_id: r.account_manager_id,
        };
        self.app
            .update_org(&ctx, &r.org_id, changes)
            .await
            .map(|o| Response::new(to_proto(o)))
            .map_err(|e| to_status(&e))
    }

    async fn delete_org(
        &self,
        request: Request<DeleteOrgRequest>,
    ) -> Result<Response<OrgDeletionRequest>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let r = request.get_ref();
        self.app
            .request_org_deletion(&ctx, &r.org_id, &r.confirm)
            .await
            .map(|d| Response::new(deletion_to_proto(d)))
            .map_err(|e| to_status(&e))
    }

    async fn decide_org_deletion(
        &self,
        request: Request<DecideOrgDeletionRequest>,
    ) -> Result<Response<OrgDeletionRequest>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let r = request.get_ref();
        let id = uuid::Uuid::try_parse(r.request_id.trim())
            .map_err(|_| to_status(&crate::error::TenantError::Missing("request")))?;
        self.app
            .decide_org_deletion(&ctx, id, r.approve, r.note.trim())
            .await
            .map(|d| Response::new(deletion_to_proto(d)))
            .map_err(|e| to_status(&e))
    }

    async fn list_org_deletions(
        &self,
        request: Request<ListOrgDeletionsRequest>,
    ) -> Result<Response<OrgDeletionRequestList>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        self.app
            .list_org_deletions(&ctx, &request.get_ref().status)
            .await
            .map(|list| {
                Response::new(OrgDeletionRequestList {
                    requests: list.into_iter().map(deletion_to_proto).collect(),
                })
            })
            .map_err(|e| to_status(&e))
    }

    async fn get_org_report(
        &self,
        request: Request<OrgRef>,
    ) -> Result<Response<OrgReport>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        self.app
            .org_report(&ctx, &request.get_ref().org_id)
            .await
            .map(Response::new)
            .map_err(|e| to_status(&e))
    }

    async fn propose_org_access(
        &self,
        request: Request<ProposeOrgAccessRequest>,
    ) -> Result<Response<OrgAccessGrantList>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let r = request.get_ref();
        let designee =
            Designee::parse(&r.designee_kind, &r.designee_id).map_err(|e| to_status(&e))?;
        self.app
            .propose_org_access(&ctx, designee, &r.org_ids, &r.approver_id, &r.note)
            .await
            .map(|g| Response::new(grants_to_proto(g)))
            .map_err(|e| to_status(&e))
    }

    async fn decide_org_access(
        &self,
        request: Request<DecideOrgAccessRequest>,
    ) -> Result<Response<OrgAccessGrant>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let r = request.get_ref();
        self.app
            .decide_org_access(&ctx, &r.grant_id, r.approve, &r.note)
            .await
            .map(|g| Response::new(grant_to_proto(g)))
            .map_err(|e| to_status(&e))
    }

    async fn get_msp_access(
        &self,
        request: Request<GetMspAccessRequest>,
    ) -> Result<Response<MspAccess>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        self.app
            .msp_access(&ctx)
            .await
            .map(Response::new)
            .map_err(|e| to_status(&e))
    }

    async fn approve_group_member(
        &self,
        request: Request<GroupMemberApproval>,
    ) -> Result<Response<OrgAccessGrant>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let r = request.get_ref();
        self.app
            .approve_group_member(&ctx, &r.grant_id, &r.user_id)
            .await
            .map(|g| Response::new(grant_to_proto(g)))
            .map_err(|e| to_status(&e))
    }

    async fn revoke_org_access(
        &self,
        request: Request<RevokeOrgAccessRequest>,
    ) -> Result<Response<OrgAccessGrant>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let r = request.get_ref();
        self.app
            .revoke_org_access(&ctx, &r.grant_id, &r.note)
            .await
            .map(|g| Response::new(grant_to_proto(g)))
            .map_err(|e| to_status(&e))
    }

    async fn list_org_access(
        &self,
        request: Request<ListOrgAccessRequest>,
    ) -> Result<Response<OrgAccessGrantList>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let r = request.get_ref();
        let filter = GrantFilter {
            org: id_filter("org_id", &r.org_id)?,
            designee: id_filter("designee_id", &r.designee_id)?,
            status: Some(r.status.trim().to_owned()).filter(|s| !s.is_empty()),
            awaiting_me: r.awaiting_me,
        };
        self.app
            .list_org_access(&ctx, &filter)
            .await
            .map(|g| Response::new(grants_to_proto(g)))
            .map_err(|e| to_status(&e))
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
            return Ok(Response::new(CheckOrgAccessResponse::default()));
        }
        let allowed = self
            .app
            .check_org_access(&ctx, target)
            .await
            .map_err(|e| to_status(&e))?;
        if !allowed {
            return Ok(Response::new(CheckOrgAccessResponse::default()));
        }
        let msp_denied = self
            .settings
            .msp_staff_denied(target)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(CheckOrgAccessResponse {
            allowed,
            msp_denied,
        }))
    }

    async fn get_org_deletion(
        &self,
        request: Request<OrgRef>,
    ) -> Result<Response<OrgDeletion>, Status> {
        let org = parse(OrgId::parse(&request.get_ref().org_id))?;
        let deleting = self.app.is_deleting(org).await.map_err(|e| to_status(&e))?;
        Ok(Response::new(OrgDeletion { deleting }))
    }
}
