//! Shared helpers: clients wired to a fake server.
#![allow(dead_code)] // Each test binary uses a part.

use std::sync::Arc;
use std::time::Duration;

use qosic_carriers_bj::{Celtiis, Moov, Mtn};
use qosic_core::{Client, ClientBuilder, MobileCarrier, PollingPolicy};
use qosic_http::HttpTransport;
use qosic_mock::MockQosic;

/// The Benin carriers with the fake server's client ids, polling under `polling`.
pub(crate) fn carriers(polling: PollingPolicy) -> Vec<Arc<dyn MobileCarrier>> {
    vec![
        Arc::new(
            Mtn::new(qosic_mock::DEFAULT_MTN_CLIENT_ID)
                .unwrap()
                .with_polling(polling),
        ),
        Arc::new(Moov::new(qosic_mock::DEFAULT_MOOV_CLIENT_ID).unwrap()),
        Arc::new(
            Celtiis::new(qosic_mock::DEFAULT_CELTIIS_CLIENT_ID)
                .unwrap()
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
    PollingPolicy::unbounded(Duration::from_millis(5), Duration::from_secs(5)).unwrap()
}

/// A builder with the fake server's credentials and the Benin carriers.
pub(crate) fn builder(mock: &MockQosic, polling: PollingPolicy) -> ClientBuilder {
    Client::builder()
        .base_url(mock.uri())
        .login(qosic_mock::DEFAULT_LOGIN)
        .password(qosic_mock::DEFAULT_PASSWORD)
        .carriers(carriers(polling))
}

/// A client over loopback HTTP.
pub(crate) fn http_client(mock: &MockQosic) -> Client {
    let transport = HttpTransport::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    builder(mock, fast_polling())
        .transport(transport)
        .build()
        .unwrap()
}

/// A client over the in-process transport, with QosIc's default polling.
pub(crate) fn in_process_client(mock: &MockQosic) -> Client {
    builder(mock, default_polling())
        .transport(mock.transport())
        .build()
        .unwrap()
}
