//! Runnable examples of the QosIc SDK. This library is empty: the programs are the examples.
//!
//! - `cargo run --example pay`: takes a payment (against an embedded fake QosIc server unless
//!   `QOSIC_BASE_URL` is set) and prints what happens.
//! - `cargo run --release --example loadgen -- --base-url URL --flows N --concurrency C`:
//!   MTN pay flows through the SDK against any QosIc-compatible server.
//! - `cargo xtask bench`: the benchmarks of `docs/BENCHMARKS.md` (`examples/bench.rs`).
#![forbid(unsafe_code)]

pub mod soak;
