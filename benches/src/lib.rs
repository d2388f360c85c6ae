//! The SDK at volume: what the benchmarks, the fault soak and the load generator share. Never
//! published.
//!
//! - `cargo xtask bench`: the benchmarks of `docs/BENCHMARKS.md` (the `bench` program,
//!   `src/bin/bench/`).
//! - `cargo xtask soak`: the fault soak of `docs/RELIABILITY.md` (the `soak` program, on
//!   [`soak`]); `tests/soak.rs` runs it at CI size.
//! - `cargo run --release -p qosic-bench --bin loadgen -- --base-url URL --flows N
//!   --concurrency C`: MTN pay flows through the SDK against any QosIc-compatible server.
//!
//! [`flows`] holds the MTN pay flows of the load generator, the benchmarks and loadgen's
//! contract test; [`soak`] the fault soak's engine.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod flows;
pub mod soak;
