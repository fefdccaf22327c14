//! End-to-end tests live in `tests/it`: they start the whole stack and drive it over HTTP.
