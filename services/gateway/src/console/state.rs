//! The console's state, which every page is handed.

use std::sync::Arc;

use super::client::ApiClient;
use super::refresher::Refresher;
use crate::Gateway;

/// The largest form the console reads (a CSV import is the largest).
pub(super) const MAX_FORM_BYTES: usize = 16 * 1024 * 1024;

/// How long a revealed password stays on screen before the page hides it again.
pub const DEFAULT_REVEAL_SECONDS: u32 = 30;

/// What every page needs: the API, the gateway's token verifier, and the renewals in
/// flight.
#[derive(Clone)]
pub struct Console(pub(super) Arc<Inner>);

pub struct Inner {
    pub gateway: Gateway,
    pub api: ApiClient,
    pub refresher: Refresher,
    pub reveal_seconds: u32,
}

impl std::ops::Deref for Console {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}
