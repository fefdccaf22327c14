//! Whole-stack harness shared by the end-to-end tests and the benchmark.

pub mod stack;
