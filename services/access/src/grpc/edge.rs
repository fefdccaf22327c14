//! What the edge's modules share: the server, and the translations of targets and errors.

use std::sync::Arc;

use strongroom_auth::Verifier;
use strongroom_core::to_status;
use strongroom_proto::access as proto;
use tonic::{Response, Status};
use uuid::Uuid;

use crate::app::Access;
use crate::error::AccessError;
use crate::model::{TargetKind, TargetRef};

pub(crate) struct AccessGrpc {
    pub(crate) app: Arc<Access>,
    pub(crate) verifier: Arc<Verifier>,
}

pub(crate) type Rpc<T> = Result<Response<T>, Status>;

pub(crate) fn or_status<T>(r: Result<T, AccessError>) -> Result<T, Status> {
    r.map_err(|e| to_status(&e))
}

/// A target named by the caller; a malformed id names nothing.
pub(crate) fn target_ref(target: Option<&proto::TargetRef>) -> Result<TargetRef, Status> {
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

pub(crate) fn target_kind(kind: TargetKind) -> proto::TargetKind {
    match kind {
        TargetKind::Account => proto::TargetKind::Account,
        TargetKind::Resource => proto::TargetKind::Resource,
        TargetKind::ResourceGroup => proto::TargetKind::ResourceGroup,
    }
}
