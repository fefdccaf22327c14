#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! Integration tests of strongroom-formats: one binary, one module per area.

mod offline_html;
