//! `/healthz` and `/readyz`.

use serde::Serialize;
use utoipa::ToSchema;

/// Whether this gateway is ready, and if not, what it waits for.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`; else `starting`, or (`/readyz`) `session revocations unreadable`.
    #[schema(example = "ok")]
    pub status: String,
}

impl Health {
    pub fn new(status: &str) -> Self {
        Self {
            status: status.to_owned(),
        }
    }
}
