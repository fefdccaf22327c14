use std::future::Future;
use std::sync::Arc;

use strongroom_auth::{Verifier, grpc_context};
use strongroom_core::{OrgId, Permission, to_status};
use strongroom_proto::provisioning::provisioning_server::{Provisioning, ProvisioningServer};
use strongroom_proto::provisioning::{
    DeprovisionOrgRequest, DeprovisionOrgResponse, ProvisionOrgRequest, ProvisionOrgResponse,
};
use strongroom_proto::tenant::OrgRef;
use strongroom_proto::tenant::tenant_client::TenantClient;
use strongroom_tenancy::TenantDb;
use strongroom_trust::{Callers, Service};
use tonic::transport::Channel;
use tonic::{Request, Response, Status};

/// Only the tenant service provisions and deletes orgs.
pub const PROVISIONING_CALLERS: Callers = &[
    (
        "/strongroom.provisioning.v1.Provisioning/ProvisionOrg",
        &[Service::Tenant],
    ),
    (
        "/strongroom.provisioning.v1.Provisioning/DeprovisionOrg",
        &[Service::Tenant],
    ),
];

/// A service's own work when an org is provisioned, after its schema exists (the vault
/// creates the org's data key here). Must be idempotent.
pub trait OnProvision: Send + Sync + 'static {
    fn provisioned(&self, org: OrgId) -> impl Future<Output = Result<(), Status>> + Send;

    /// A service's own work when an org is deleted, before its schema is dropped (the
    /// vault destroys the org's KMS key here). Must be idempotent.
    fn deprovisioning(&self, _org: OrgId) -> impl Future<Output = Result<(), Status>> + Send {
        async { Ok(()) }
    }
}

impl OnProvision for () {
    async fn provisioned(&self, _org: OrgId) -> Result<(), Status> {
        Ok(())
    }
}

/// The `Provisioning` gRPC service: only the tenant service may call it (its caller
/// policy), on behalf of an MSPOrg administrator (whose token it forwards), and an org's
/// data is dropped only once the tenant service has marked the org `deleting`.
pub struct Provisioner<H = ()> {
    db: TenantDb,
    verifier: Arc<Verifier>,
    msp_org: OrgId,
    tenant: TenantClient<Channel>,
    hook: H,
}

impl<H: OnProvision> Provisioner<H> {
    pub fn new(
        db: TenantDb,
        verifier: Arc<Verifier>,
        msp_org: OrgId,
        tenant: TenantClient<Channel>,
        hook: H,
    ) -> Self {
        Self {
            db,
            verifier,
            msp_org,
            tenant,
            hook,
        }
    }

    pub fn into_server(self) -> ProvisioningServer<Self> {
        ProvisioningServer::new(self)
    }
}

#[tonic::async_trait]
impl<H: OnProvision> Provisioning for Provisioner<H> {
    async fn provision_org(
        &self,
        request: Request<ProvisionOrgRequest>,
    ) -> Result<Response<ProvisionOrgResponse>, Status> {
        let org = self.org_to_change(&request, &request.get_ref().org_id)?;
        self.db.provision(org).await.map_err(|e| to_status(&e))?;
        self.hook.provisioned(org).await?;
        Ok(Response::new(ProvisionOrgResponse {}))
    }

    async fn deprovision_org(
        &self,
        request: Request<DeprovisionOrgRequest>,
    ) -> Result<Response<DeprovisionOrgResponse>, Status> {
        let org = self.org_to_change(&request, &request.get_ref().org_id)?;
        if org == self.msp_org {
            return Err(Status::failed_precondition("MSPOrg cannot be deleted"));
        }
        let intent = self
            .tenant
            .clone()
            .get_org_deletion(OrgRef {
                org_id: org.to_string(),
            })
            .await?
            .into_inner();
        if !intent.deleting {
            tracing::warn!(%org, "refused to delete an org the tenant service has not marked deleting");
            return Err(Status::failed_precondition(
                "the org is not being deleted; only the tenant service's deletion of an org drops its data",
            ));
        }
        self.hook.deprovisioning(org).await?;
        self.db.deprovision(org).await.map_err(|e| to_status(&e))?;
        Ok(Response::new(DeprovisionOrgResponse {}))
    }
}

impl<H> Provisioner<H> {
    /// The org named in a (de)provisioning request, which the tenant service sends on behalf
    /// of an MSPOrg administrator (their token).
    fn org_to_change<T>(&self, request: &Request<T>, org: &str) -> Result<OrgId, Status> {
        let ctx = grpc_context(&self.verifier, request)?;
        if ctx.org() != self.msp_org
            || ctx.claims.home.is_some()
            || !ctx.can(Permission::OrgsManage)
        {
            return Err(Status::permission_denied(
                "only an MSPOrg administrator may provision or delete orgs",
            ));
        }
        OrgId::parse(org).map_err(|e| Status::invalid_argument(e.to_string()))
    }
}
