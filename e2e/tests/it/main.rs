//! Integration tests: helpers here are test code, so they may unwrap and panic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod access_changes;
mod access_control;
mod api;
mod api_keys;
mod console;
mod csv_import;
mod deploy_files;
mod directory;
mod durability;
mod groups_roles;
mod identity_audit;
mod input_limits;
mod least_privilege;
mod login_safety;
mod mail;
mod nats;
mod org_access;
mod org_deletion;
mod org_settings;
mod orgs;
mod permissions;
mod replication;
mod reveal_audit;
mod reveal_batches;
mod sessions;
mod shares;
mod slice;
mod ticketing;
mod trust;
mod users;
mod vault;
use strongroom_e2e::stack;
