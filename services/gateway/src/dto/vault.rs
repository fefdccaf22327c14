//! The vault's bodies: resources, their accounts, password versions and revealed
//! passwords, policies, resource types and fields, export rules and data keys.

mod accounts;
mod data_keys;
mod export;
mod fields;
mod passwords;
mod resources;

pub use accounts::*;
pub use data_keys::*;
pub use export::*;
pub use fields::*;
pub use passwords::*;
pub use resources::*;
