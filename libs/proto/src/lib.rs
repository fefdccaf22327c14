//! Generated gRPC contracts, one module per service package.
#![allow(clippy::all, clippy::pedantic)]

pub mod provisioning {
    tonic::include_proto!("strongroom.provisioning.v1");
}
pub mod identity {
    tonic::include_proto!("strongroom.identity.v1");
}
pub mod tenant {
    tonic::include_proto!("strongroom.tenant.v1");
}
pub mod vault {
    tonic::include_proto!("strongroom.vault.v1");
}
pub mod access {
    tonic::include_proto!("strongroom.access.v1");
}
pub mod audit {
    tonic::include_proto!("strongroom.audit.v1");
}
