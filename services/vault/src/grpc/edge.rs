//! What every RPC of the edge shares: the service's state, parsing ids, and answering a use
//! case's error as a status.

use std::sync::Arc;

use strongroom_auth::Verifier;
use strongroom_core::{OrgId, to_status};
use tonic::Status;

use crate::app::Vault;
use crate::error::VaultError;

pub struct VaultGrpc {
    pub app: Arc<Vault>,
    pub verifier: Arc<Verifier>,
}

pub(super) fn org_id(id: &str) -> Result<OrgId, Status> {
    OrgId::parse(id).map_err(|_| Status::invalid_argument("org_id must be an org id"))
}

/// A malformed id is "not found" too: it names nothing the caller may see.
pub(super) fn id<T>(r: Result<T, strongroom_core::InvalidId>, what: &str) -> Result<T, Status> {
    r.map_err(|_| Status::not_found(format!("{what} not found")))
}

/// A use case's result, its error answered as a status.
pub(super) trait OrStatus<T> {
    fn or_status(self) -> Result<T, Status>;
}

impl<T> OrStatus<T> for Result<T, VaultError> {
    fn or_status(self) -> Result<T, Status> {
        self.map_err(|e| to_status(&e))
    }
}
