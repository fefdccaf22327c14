#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! Integration tests of strongroom-crypto: one binary, one module per area.

mod envelope;
mod kms;
mod local;
mod transit;

use strongroom_core::{AccountId, OrgId};
use uuid::Uuid;

/// Fresh random ids, so tests sharing one OpenBao never collide.
pub fn org() -> OrgId {
    OrgId(Uuid::new_v4())
}

pub fn account() -> AccountId {
    AccountId(Uuid::new_v4())
}
