//! Integration tests: helpers here are test code, so they may unwrap and panic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod api;
mod deploy_files;
mod reveal_batches;
mod slice;
use strongroom_e2e::stack;
