//! All of the tenant service's SQL, a file per table or area: the org registry (`orgs`,
//! with account managers), deletion requests, org access grants, settings replication and
//! each org's own settings. Rows come back typed; writes that commit with an event take the
//! `&mut TenantTx` the event is recorded in, and functions on an org's own tables take the
//! org's `TenantTx`, so they cannot run outside its schema.

mod deletions;
mod grants;
mod orgs;
mod replication;
mod settings;

pub use deletions::*;
pub use grants::*;
pub use orgs::*;
pub use replication::*;
pub use settings::*;

/// Whether `e` is a unique constraint refusing a second row (a taken slug, a grant that
/// exists already).
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .is_some_and(|d| d.kind() == sqlx::error::ErrorKind::UniqueViolation)
}
