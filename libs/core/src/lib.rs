//! Types every Strongroom crate shares: ids, roles, error codes, service endpoints.

pub mod error;
pub mod ids;
pub mod msp_staff;
pub mod paths;
pub mod permission;
pub mod role;
pub use ids::InvalidId;

pub use error::{ErrorBody, ErrorCode, HasErrorCode, to_status};
pub use ids::{AccountId, OrgId, ResourceId, UserId};
pub use msp_staff::MspStaffRight;
pub use permission::{Permission, first_not_held, permissions_of, role_allows};
pub use role::Role;
