//! End-to-end tests of the SDK: `Client` + Benin carriers + a transport, against the fake
//! QosIc server of `qosic-mock`, over loopback HTTP (`qosic-http`) and in-process.
//!
//! This package depends on every crate of the workspace, so the tests that need all of them
//! live here.

mod support;

mod bad_input;
mod errors;
mod in_process;
mod loadgen;
mod loopback;
mod properties;
