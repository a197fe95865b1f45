//! Helpers shared by the end-to-end tests and the benchmarks.

pub mod fault_proxy;
pub mod offline_sync;
