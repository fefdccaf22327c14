//! All of identity's SQL, by table: users, sessions, API keys, groups, roles, login
//! settings, the directory, ownership transfers, password resets, mailed passwords, the
//! people mail and the workflow name, and replication. Functions on an org's tables take
//! `&mut TenantTx`, so they cannot run outside the org's schema (user creation takes a
//! plain connection, for an import's savepoints); the replication templates are global.
//! Rows come back typed.

mod api_keys;
mod directory;
mod groups;
mod mailed_passwords;
mod policy;
mod recipients;
mod replication;
mod resets;
mod roles;
mod sessions;
mod transfers;
mod users;

pub use api_keys::*;
pub use directory::*;
pub use groups::*;
pub use mailed_passwords::*;
pub use policy::*;
pub use recipients::*;
pub use replication::*;
pub use resets::*;
pub use roles::*;
pub use sessions::*;
pub use transfers::*;
pub use users::*;
