//! Runnable examples of the QosIc SDK, and the helpers they share with the end-to-end tests.
//!
//! - `cargo run --example pay`: takes a payment (against an embedded fake QosIc server unless
//!   `QOSIC_BASE_URL` is set) and prints what happens.
//! - `cargo run --release --example loadgen -- --base-url URL --flows N --concurrency C`:
//!   MTN pay flows through the SDK against any QosIc-compatible server.
//! - `cargo xtask bench`: the benchmarks of `docs/BENCHMARKS.md` (`examples/bench/`).
//!
//! This library holds what more than one of those targets uses: [`flows`], the MTN pay flows
//! of the load generator, the benchmarks and the load generator's test; [`support`], clients
//! wired to the fake server for the tests under `tests/`. It is never published.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod flows;
pub mod soak;
pub mod support;
