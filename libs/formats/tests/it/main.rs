//! strongroom-formats' integration tests, one binary: the import parsers against files made
//! by other tools (see `tests/fixtures/README.md`), and the offline HTML export in a browser.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod import;
mod offline_html;
mod round_trip;
