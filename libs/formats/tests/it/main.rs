//! strongroom-formats' integration tests: the import parsers against files made by other
//! tools (see `tests/fixtures/README.md`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod import;
