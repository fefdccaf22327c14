//! Integration tests: helpers here are test code, so they may unwrap and panic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod held;
mod isolation;
mod pipelined;
