//! Clients wired to the fake server of `qosic-mock`, for the end-to-end tests of this binary.
//!
//! Every helper uses the fake server's credentials and client ids (`qosic::mock::DEFAULT_*`),
//! so a test only says which transport and which polling policy it wants. They panic on a
//! set-up error: they are for tests, where that is a failure.

use std::sync::Arc;
use std::time::Duration;

use qosic::benin::{Celtiis, Moov, Mtn};
use qosic::carrier::MobileCarrier;
use qosic::http::HttpTransport;
use qosic::mock::MockQosic;
use qosic::{Client, ClientBuilder, PollingPolicy};

/// The Benin carriers with the fake server's client ids, polling under `polling`.
pub(crate) fn carriers(polling: PollingPolicy) -> Vec<Arc<dyn MobileCarrier>> {
    vec![
        Arc::new(
            Mtn::new(qosic::mock::DEFAULT_MTN_CLIENT_ID)
                .expect("the fake server's MTN client id is valid")
                .with_polling(polling),
        ),
        Arc::new(
            Moov::new(qosic::mock::DEFAULT_MOOV_CLIENT_ID)
                .expect("the fake server's MOOV client id is valid"),
        ),
        Arc::new(
            Celtiis::new(qosic::mock::DEFAULT_CELTIIS_CLIENT_ID)
                .expect("the fake server's Celtiis client id is valid")
                .with_polling(polling),
        ),
    ]
}

/// QosIc's default polling (every 10 s for 120 s): for the paused clock.
pub(crate) fn default_polling() -> PollingPolicy {
    PollingPolicy::default()
}

/// A short real-time polling policy for loopback tests (the real clock runs there).
pub(crate) fn fast_polling() -> PollingPolicy {
    PollingPolicy::unbounded(Duration::from_millis(5), Duration::from_secs(5))
        .expect("5 ms steps for 5 s is a positive policy")
}

/// A builder with the fake server's credentials and the Benin carriers.
pub(crate) fn builder(mock: &MockQosic, polling: PollingPolicy) -> ClientBuilder {
    Client::builder()
        .base_url(mock.uri())
        .login(qosic::mock::DEFAULT_LOGIN)
        .password(qosic::mock::DEFAULT_PASSWORD)
        .carriers(carriers(polling))
}

/// A client over loopback HTTP.
pub(crate) fn http_client(mock: &MockQosic) -> Client {
    let transport = HttpTransport::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("the HTTP transport builds");
    builder(mock, fast_polling())
        .transport(transport)
        .build()
        .expect("a client for the fake server builds")
}

/// A client over the in-process transport, with QosIc's default polling.
pub(crate) fn in_process_client(mock: &MockQosic) -> Client {
    builder(mock, default_polling())
        .transport(mock.transport())
        .build()
        .expect("a client for the fake server builds")
}
