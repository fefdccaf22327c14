//! Integration tests: helpers here are test code, so they may unwrap and panic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod deleted_orgs;
mod exactly_once;
mod intake;
mod many_orgs;

use strongroom_core::OrgId;
use strongroom_events::{Actor, Event, Target};

/// The event of a password reveal in `org` (each with its own id).
fn reveal(org: OrgId) -> Event {
    Event::new(
        org,
        "vault",
        "password.revealed",
        Actor::default(),
        Target::new("account", 1, "db/root"),
    )
}

/// The audit database as a replica of the service opens it.
async fn audit_db(url: &str, connections: u32) -> strongroom_tenancy::TenantDb {
    let db = strongroom_tenancy::TenantDb::connect(
        url,
        connections,
        &strongroom_audit::TENANT_MIGRATIONS,
    )
    .await
    .unwrap();
    strongroom_tenancy::migrate_global(db.global(), &strongroom_audit::GLOBAL_MIGRATIONS)
        .await
        .unwrap();
    db
}
