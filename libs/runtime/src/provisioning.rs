use std::future::Future;
use std::sync::Arc;

use strongroom_auth::{Verifier, grpc_context};
use strongroom_core::{OrgId, Permission, to_status};
use strongroom_proto::provisioning::provisioning_server::{Provisioning, ProvisioningServer};
use strongroom_proto::provisioning::{ProvisionOrgRequest, ProvisionOrgResponse};
use strongroom_tenancy::TenantDb;
use tonic::{Request, Response, Status};

/// A service's own work when an org is provisioned, after its schema exists (the vault
/// creates the org's data key here). Must be idempotent.
pub trait OnProvision: Send + Sync + 'static {
    fn provisioned(&self, org: OrgId) -> impl Future<Output = Result<(), Status>> + Send;
}

impl OnProvision for () {
    async fn provisioned(&self, _org: OrgId) -> Result<(), Status> {
        Ok(())
    }
}

/// The `Provisioning` gRPC service: only an MSPOrg administrator (the tenant service calls
/// it with their token while creating an org) may provision.
pub struct Provisioner<H = ()> {
    db: TenantDb,
    verifier: Arc<Verifier>,
    msp_org: OrgId,
    hook: H,
}

impl<H: OnProvision> Provisioner<H> {
    pub fn new(db: TenantDb, verifier: Arc<Verifier>, msp_org: OrgId, hook: H) -> Self {
        Self {
            db,
            verifier,
            msp_org,
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
        let ctx = grpc_context(&self.verifier, &request)?;
        if ctx.org() != self.msp_org
            || ctx.claims.home.is_some()
            || !ctx.can(Permission::OrgsManage)
        {
            return Err(Status::permission_denied(
                "only an MSPOrg administrator may provision orgs",
            ));
        }
        let org = OrgId::parse(&request.get_ref().org_id)
            .map_err(|e| Status::invalid_argument(e.to_string()))?;
        self.db.provision(org).await.map_err(|e| to_status(&e))?;
        self.hook.provisioned(org).await?;
        Ok(Response::new(ProvisionOrgResponse {}))
    }
}
