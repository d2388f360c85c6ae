//! Transport fakes for tests that need no server: `qosic_core::test_util`, re-exported.
//!
//! - Use [`capture_request`] when you want to see the exact request the code under test
//!   sends (URL, credentials, JSON body) and answer it with one canned response.
//! - Use [`ReplayTransport`] when you want to script a sequence of raw answers, including
//!   ones the fake server would never give (odd codes, typos such as `"Succesfull"`), and
//!   lost answers; it records every request.
//! - Use [`NeverTransport`] when you want a request that never completes, to test the
//!   caller's timeouts (with tokio's paused clock the timeout fires at once).
//! - Use [`crate::MockQosic`] for everything stateful: payments, status checks, refunds,
//!   subscribers, faults.
//!
//! They live in `qosic-core` behind its `test-util` feature, next to the [`Transport`] trait
//! they implement, so that a crate can use them without the fake server; this module keeps
//! `qosic_mock::fakes::…` (and `qosic_mock::ReplayTransport`…) working.
//!
//! [`Transport`]: qosic_core::Transport

pub use qosic_core::test_util::{
    capture_request, CaptureHandle, CaptureTransport, NeverTransport, ReplayTransport,
};
