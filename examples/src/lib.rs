//! Runnable examples of the QosIc SDK. This library is empty: the programs are the examples.
//!
//! - `cargo run --example pay`: takes a payment (against an embedded fake QosIc server unless
//!   `QOSIC_BASE_URL` is set) and prints what happens.
#![forbid(unsafe_code)]
