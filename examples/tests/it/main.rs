//! End-to-end tests of the SDK: `Client` + Benin carriers + a transport, against the fake
//! QosIc server of `qosic-mock`, over loopback HTTP (`qosic-http`) and in-process.
//!
//! This package depends on every crate of the workspace, so the tests that need all of them
//! live here.

// The helpers live in the package's library (`examples/src/support.rs`); this import keeps
// `crate::support::…` working in every test module.
use qosic_examples::support;

mod bad_input;
mod callbacks;
mod errors;
mod in_process;
mod loadgen;
mod loopback;
mod properties;
