//! Whole-stack harness shared by the end-to-end tests and the benchmark.

pub mod big_org;
pub mod records;
pub mod stack;
