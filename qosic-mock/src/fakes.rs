//! Transport fakes for tests that need no server: `qosic_core::test_util` (feature
//! `test-util` of `qosic-core`), re-exported so that `qosic_mock::fakes::…` works (see the
//! crate guide, "Transport fakes"). [`capture_request`] shows the exact request sent and
//! answers it once; [`ReplayTransport`] scripts raw answers, odd ones and lost ones included;
//! [`NeverTransport`] never completes, for the caller's timeouts.

pub use qosic_core::test_util::{
    capture_request, CaptureHandle, CaptureTransport, NeverTransport, ReplayTransport,
};
