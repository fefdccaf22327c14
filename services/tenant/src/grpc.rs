//! The `Tenant` gRPC service, the edge: the caller verified, ids parsed into typed ids (a
//! malformed one is "not found", or "invalid" where the field is the caller's input), the
//! use case called, and its result turned back into messages (`grpc/messages.rs`).

mod messages;

use std::sync::Arc;

use strongroom_auth::{RequestContext, Verifier, grpc_context};
use strongroom_core::{OrgId, UserId, to_status};
use strongroom_proto::tenant::tenant_server::Tenant as TenantRpc;
use strongroom_proto::tenant::*;
use tonic::{Request, Response, Status};

use crate::app::Tenant;
use crate::changes::OrgChanges;
use crate::error::TenantError;
use crate::grants::{Designee, not_a_client_org};
use crate::ids::{DeletionId, GrantId};
use crate::store::{GrantFilter, OrgDetails};

pub struct TenantGrpc {
    pub app: Arc<Tenant>,
    pub settings: Arc<crate::settings::OrgSettings>,
    pub verifier: Arc<Verifier>,
}

type Reply<T> = Result<Response<T>, Status>;

fn reply<T, R>(result: Result<T, TenantError>, shape: impl FnOnce(T) -> R) -> Reply<R> {
    result
        .map(|v| Response::new(shape(v)))
        .map_err(|e| to_status(&e))
}

/// An id that must name something: a malformed one is `missing`.
fn existing<T>(id: Option<T>, missing: TenantError) -> Result<T, Status> {
    id.ok_or_else(|| to_status(&missing))
}

/// An org the caller names: a malformed id is "org not found".
fn named_org(id: &str) -> Result<OrgId, Status> {
    existing(OrgId::parse(id.trim()).ok(), TenantError::NotFound)
}

fn grant_id(id: &str) -> Result<GrantId, Status> {
    existing(GrantId::parse(id), TenantError::Missing("org access grant"))
}

/// A user id the caller types (`what` names the field).
fn user_input(what: &str, id: &str) -> Result<UserId, Status> {
    UserId::parse(id.trim()).map_err(|_| {
        to_status(&TenantError::InvalidInput(format!(
            "{what} must be a user id"
        )))
    })
}

/// The account manager named: the caller when the id is empty.
fn account_manager(ctx: &RequestContext, id: &str) -> Result<UserId, Status> {
    match id.trim() {
        "" => Ok(ctx.user()),
        id => user_input("account_manager_id", id),
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

/// An id another service sends: a malformed one is an invalid argument.
fn org_argument(id: &str) -> Result<OrgId, Status> {
    OrgId::parse(id).map_err(|e| Status::invalid_argument(e.to_string()))
}

#[tonic::async_trait]
impl TenantRpc for TenantGrpc {
    async fn create_org(&self, request: Request<CreateOrgRequest>) -> Reply<Org> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let req = request.into_inner();
        let manager = account_manager(&ctx, &req.account_manager_id)?;
        let details = OrgDetails {
            slug: req.slug,
            name: req.name,
            description: req.description,
            department: req.department,
            location: req.location,
            contact: req.contact,
        };
        reply(
            self.app.create_org(&ctx, &details, manager).await,
            messages::org,
        )
    }

    async fn list_orgs(&self, request: Request<ListOrgsRequest>) -> Reply<OrgList> {
        let ctx = grpc_context(&self.verifier, &request)?;
        reply(
            self.app.list_orgs(&ctx, request.get_ref().mine_only).await,
            |orgs| OrgList {
                orgs: orgs.into_iter().map(messages::org).collect(),
            },
        )
    }

    async fn import_orgs(&self, request: Request<ImportOrgsRequest>) -> Reply<ImportOrgsResponse> {
        let ctx = grpc_context(&self.verifier, &request)?;
        reply(
            self.app.import_orgs(&ctx, &request.get_ref().text).await,
            messages::imported,
        )
    }

    async fn update_org(&self, request: Request<UpdateOrgRequest>) -> Reply<Org> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let r = request.into_inner();
        let org = named_org(&r.org_id)?;
        let changes = OrgChanges {
            account_manager: r
                .account_manager_id
                .map(|id| account_manager(&ctx, &id))
                .transpose()?,
            slug: r.slug,
            name: r.name,
            description: r.description,
            department: r.department,
            location: r.location,
            contact: r.contact,
        };
        reply(self.app.update_org(&ctx, org, changes).await, messages::org)
    }

    async fn delete_org(&self, request: Request<DeleteOrgRequest>) -> Reply<OrgDeletionRequest> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let r = request.get_ref();
        let org = named_org(&r.org_id)?;
        reply(
            self.app.request_org_deletion(&ctx, org, &r.confirm).await,
            messages::deletion,
        )
    }

    async fn decide_org_deletion(
        &self,
        request: Request<DecideOrgDeletionRequest>,
    ) -> Reply<OrgDeletionRequest> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let r = request.get_ref();
        let id = existing(
            DeletionId::parse(&r.request_id),
            TenantError::Missing("request"),
        )?;
        reply(
            self.app
                .decide_org_deletion(&ctx, id, r.approve, r.note.trim())
                .await,
            messages::deletion,
        )
    }

    async fn list_org_deletions(
        &self,
        request: Request<ListOrgDeletionsRequest>,
    ) -> Reply<OrgDeletionRequestList> {
        let ctx = grpc_context(&self.verifier, &request)?;
        reply(
            self.app
                .list_org_deletions(&ctx, &request.get_ref().status)
                .await,
            |list| OrgDeletionRequestList {
                requests: list.into_iter().map(messages::deletion).collect(),
            },
        )
    }

    async fn get_org_report(&self, request: Request<OrgRef>) -> Reply<OrgReport> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let org = named_org(&request.get_ref().org_id)?;
        reply(self.app.org_report(&ctx, org).await, |r| r)
    }

    async fn propose_org_access(
        &self,
        request: Request<ProposeOrgAccessRequest>,
    ) -> Reply<OrgAccessGrantList> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let r = request.get_ref();
        let designee =
            Designee::parse(&r.designee_kind, &r.designee_id).map_err(|e| to_status(&e))?;
        let orgs = r
            .org_ids
            .iter()
            .map(|org| OrgId::parse(org.trim()).map_err(|_| to_status(&not_a_client_org(org))))
            .collect::<Result<Vec<_>, _>>()?;
        let approver = user_input("approver_id", &r.approver_id)?;
        reply(
            self.app
                .propose_org_access(&ctx, designee, &orgs, approver, &r.note)
                .await,
            messages::grants,
        )
    }

    async fn decide_org_access(
        &self,
        request: Request<DecideOrgAccessRequest>,
    ) -> Reply<OrgAccessGrant> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let r = request.get_ref();
        let id = grant_id(&r.grant_id)?;
        reply(
            self.app
                .decide_org_access(&ctx, id, r.approve, &r.note)
                .await,
            messages::grant,
        )
    }

    async fn get_msp_access(&self, request: Request<GetMspAccessRequest>) -> Reply<MspAccess> {
        let ctx = grpc_context(&self.verifier, &request)?;
        reply(self.app.msp_access(&ctx).await, |a| a)
    }

    async fn approve_group_member(
        &self,
        request: Request<GroupMemberApproval>,
    ) -> Reply<OrgAccessGrant> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let r = request.get_ref();
        let id = grant_id(&r.grant_id)?;
        let member = existing(UserId::parse(r.user_id.trim()).ok(), TenantError::NotFound)?;
        reply(
            self.app.approve_group_member(&ctx, id, member).await,
            messages::grant,
        )
    }

    async fn revoke_org_access(
        &self,
        request: Request<RevokeOrgAccessRequest>,
    ) -> Reply<OrgAccessGrant> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let r = request.get_ref();
        let id = grant_id(&r.grant_id)?;
        reply(
            self.app.revoke_org_access(&ctx, id, &r.note).await,
            messages::grant,
        )
    }

    async fn list_org_access(
        &self,
        request: Request<ListOrgAccessRequest>,
    ) -> Reply<OrgAccessGrantList> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let r = request.get_ref();
        let filter = GrantFilter {
            org: id_filter("org_id", &r.org_id)?,
            designee: id_filter("designee_id", &r.designee_id)?,
            status: Some(r.status.trim().to_owned()).filter(|s| !s.is_empty()),
            awaiting_me: r.awaiting_me,
        };
        reply(
            self.app.list_org_access(&ctx, &filter).await,
            messages::grants,
        )
    }

    async fn resolve_slug(&self, request: Request<ResolveSlugRequest>) -> Reply<Org> {
        reply(
            self.app.resolve_slug(&request.get_ref().slug).await,
            messages::org,
        )
    }

    async fn get_msp_org(&self, _request: Request<GetMspOrgRequest>) -> Reply<Org> {
        reply(self.app.msp_org().await, messages::org)
    }

    async fn check_org_access(
        &self,
        request: Request<CheckOrgAccessRequest>,
    ) -> Reply<CheckOrgAccessResponse> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let target = org_argument(&request.get_ref().target_org_id)?;
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

    async fn get_org_deletion(&self, request: Request<OrgRef>) -> Reply<OrgDeletion> {
        let org = org_argument(&request.get_ref().org_id)?;
        reply(self.app.is_deleting(org).await, |deleting| OrgDeletion {
            deleting,
        })
    }
}
