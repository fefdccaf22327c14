//! All of audit's SQL: the trails (`events`), the intake (`intake`) and the outgoing mail
//! (`mail`).

mod events;
pub mod intake;
pub(crate) mod mail;

pub use events::{EventFilter, grant_intake_rights, list_events, store_events};
