//! `HttpTransport::from_client`: the caller's own `reqwest::Client`, with the SDK's whole-call
//! deadline and body limit still enforced.

use std::time::Duration;

use qosic_core::{Delivery, Transport, TransportErrorKind};
use qosic_http::{reqwest, HttpTransport};
use qosic_mock::MockQosic;

use crate::support::{payment_request, trace_init, Reply, TestServer};

/// A caller's client, with a whole-call timeout of its own far longer than the tests'.
fn callers_client() -> reqwest::Client {
    HttpTransport::builder()
        .reqwest_builder()
        .unwrap()
        .timeout(Duration::from_secs(3600))
        .no_proxy()
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_payment_goes_through_the_callers_client() {
    trace_init();
    let mock = MockQosic::start().await;
    let client = mock
        .client_builder()
        .transport(HttpTransport::from_client(callers_client()))
        .build()
        .unwrap();

    let outcome = client
        .pay(qosic_core::PaymentRequest::new("22997000100", 1000))
        .await
        .unwrap();

    mock.assert_debited_once(outcome.reference().as_str());
    assert!(!mock.journal().is_empty());
}

#[tokio::test]
async fn the_whole_call_deadline_holds_over_the_clients_own_timeout() {
    // The head and a few bytes of the body, then nothing: only a deadline that covers the
    // body ends the call (the client's own timeout is an hour).
    let server = TestServer::start(Reply::StallBody).await;
    let transport = HttpTransport::from_client_with_limits(
        callers_client(),
        Duration::from_millis(300),
        qosic_http::DEFAULT_MAX_RESPONSE_SIZE,
    )
    .unwrap();

    let error = transport
        .send(payment_request(&server.uri()))
        .await
        .unwrap_err();

    assert_eq!(error.kind(), TransportErrorKind::Timeout, "{error:?}");
    assert_eq!(error.delivery(), Delivery::MaybeSent);
    assert!(error.reason().contains("after 300ms"), "{}", error.reason());
}

#[tokio::test]
async fn the_body_limit_holds_for_the_callers_client() {
    let server = TestServer::start(Reply::Large {
        size: 2 * 1024 * 1024,
        content_length: false,
    })
    .await;
    let transport = HttpTransport::from_client(callers_client());

    let error = transport
        .send(payment_request(&server.uri()))
        .await
        .unwrap_err();

    assert_eq!(error.kind(), TransportErrorKind::BodyTooLarge, "{error:?}");
    assert_eq!(
        transport.max_response_size(),
        qosic_http::DEFAULT_MAX_RESPONSE_SIZE
    );
    assert_eq!(transport.connect_timeout(), None);
}

#[test]
fn zero_limits_are_refused() {
    for (timeout, size) in [(Duration::ZERO, 10), (Duration::from_secs(1), 0)] {
        let error =
            HttpTransport::from_client_with_limits(callers_client(), timeout, size).unwrap_err();
        assert!(
            matches!(error, qosic_http::Error::InvalidSetting(_)),
            "{error:?}"
        );
    }
}
