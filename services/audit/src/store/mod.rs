//! All of audit's SQL: the trails (`events`) and the intake (`intake`).

mod events;
pub mod intake;

pub use events::{EventFilter, grant_intake_rights, list_events, store_events};
