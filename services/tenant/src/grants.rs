//! Org access grants: one MSPOrg administrator proposes access to client orgs for an MSPOrg
//! user or user group and names another administrator to decide. Neither the proposer nor
//! the designee may decide, so MSPOrg needs at least three active administrators. A use
//! case a file: `propose`, `decide`, `members` (group members added since approval),
//! `revoke` and `list` (with the access checks built on approved grants); `status` moves a
//! grant and records its event.

mod decide;
mod list;
mod members;
mod propose;
mod revoke;
mod status;

pub use propose::{Designee, not_a_client_org};
