//! The console's pages, one module per area, each a client of its API operations.

pub mod access;
pub mod access_control;
pub mod accounts;
pub mod approvals;
pub mod assets;
pub mod audit;
pub mod auth;
pub mod catalogue;
mod chrome;
pub mod dashboard;
pub mod directory;
pub mod export;
pub mod group_members;
pub mod group_notifications;
pub mod group_tree;
pub mod groups;
pub mod imports;
pub mod keys;
pub mod mail_log;
pub mod orgs;
pub mod paths;
pub mod personal;
pub mod policies;
pub mod requests;
pub mod resource_groups;
pub mod resources;
pub mod settings;
pub mod shares;
pub mod ticketing;
pub mod users;

pub use chrome::Chrome;
