//! All of the access service's SQL. Functions on an org's tables take `&mut TenantTx`, so
//! they cannot run outside the org's schema; rows come back typed.

mod policies;
mod requests;
mod resets;
mod shares;

pub(crate) use policies::*;
pub(crate) use requests::*;
pub(crate) use resets::*;
pub(crate) use shares::*;
