//! End-to-end tests of the SDK: `Client` + Benin carriers + a transport, against the fake
//! QosIc server of `qosic-mock`, over loopback HTTP (`qosic-http`) and in-process.
//!
//! This package (`qosic-e2e`, never published) depends on every crate of the workspace, so the
//! tests that need all of them live here.

mod bad_input;
mod callbacks;
mod errors;
mod example;
mod in_process;
mod loopback;
mod operations;
mod properties;
mod support;
