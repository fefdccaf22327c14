//! The `Replication` gRPC service: messages in and out of the replication use cases.

use std::sync::Arc;

use strongroom_auth::{Verifier, grpc_context};
use strongroom_core::to_status;
use strongroom_proto::tenant::replication_server::Replication;
use strongroom_proto::tenant::{
    GetReplicationRequest, ReplicationChoice, ReplicationKind, ReplicationSettings,
    SaveReplicationRequest,
};
use tonic::{Request, Response, Status};

use super::kinds::{Choice, KindState};
use crate::app::Tenant;

/// The `Replication` gRPC service.
pub struct ReplicationGrpc {
    pub app: Arc<Tenant>,
    pub verifier: Arc<Verifier>,
}

fn to_proto(states: Vec<KindState>) -> ReplicationSettings {
    ReplicationSettings {
        kinds: states
            .into_iter()
            .map(|s| ReplicationKind {
                kind: s.kind.kind.into(),
                label: s.kind.label.into(),
                available: s.kind.missing.is_none(),
                reason: s.kind.missing.unwrap_or_default().into(),
                enabled: s.enabled,
                version: s.version,
                options_json: s.options.to_string(),
                updated_by: s.updated_by.map(|u| u.to_string()).unwrap_or_default(),
                updated_at: s.updated_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
            })
            .collect(),
    }
}

#[tonic::async_trait]
impl Replication for ReplicationGrpc {
    async fn get(
        &self,
        request: Request<GetReplicationRequest>,
    ) -> Result<Response<ReplicationSettings>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        self.app
            .replication(&ctx)
            .await
            .map(|s| Response::new(to_proto(s)))
            .map_err(|e| to_status(&e))
    }

    async fn save(
        &self,
        request: Request<SaveReplicationRequest>,
    ) -> Result<Response<ReplicationSettings>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let choices: Vec<Choice> = request
            .into_inner()
            .choices
            .into_iter()
            .map(
                |ReplicationChoice {
                     kind,
                     enabled,
                     options_json,
                 }| Choice {
                    kind,
                    enabled,
                    options: options_json,
                },
            )
            .collect();
        self.app
            .save_replication(&ctx, &choices)
            .await
            .map(|s| Response::new(to_proto(s)))
            .map_err(|e| to_status(&e))
    }
}
