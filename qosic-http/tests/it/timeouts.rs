//! Timeouts: a server that stalls far longer than the configured timeout.

use std::time::Duration;

use qosic_core::{Delivery, Transport, TransportErrorKind};
use qosic_http::HttpTransport;

use crate::support::{payment_request, trace_init, Reply, TestServer};

fn short_timeout() -> HttpTransport {
    HttpTransport::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_server_that_never_answers_hits_the_timeout() {
    trace_init();
    let server = TestServer::start(Reply::Stall).await;

    let error = short_timeout()
        .send(payment_request(&server.uri()))
        .await
        .unwrap_err();

    assert_eq!(error.kind(), TransportErrorKind::Timeout, "{error:?}");
    assert!(error.is_timeout());
    assert_eq!(error.delivery(), Delivery::MaybeSent);
    assert_eq!(server.received().len(), 1, "the server did get the request");
}

#[tokio::test]
async fn a_body_that_stalls_hits_the_timeout() {
    let server = TestServer::start(Reply::StallBody).await;

    let error = short_timeout()
        .send(payment_request(&server.uri()))
        .await
        .unwrap_err();

    assert_eq!(error.kind(), TransportErrorKind::Timeout, "{error:?}");
    assert_eq!(error.delivery(), Delivery::MaybeSent);
}

#[tokio::test]
async fn timeouts_are_per_transport() {
    let server = TestServer::start(Reply::Fixed {
        status: 200,
        body: "{}",
    })
    .await;
    let patient = HttpTransport::builder()
        .timeout(Duration::from_secs(120))
        .connect_timeout(Duration::from_secs(3))
        .build()
        .unwrap();
    assert_eq!(patient.timeout(), Duration::from_secs(120));
    assert_eq!(patient.connect_timeout(), Some(Duration::from_secs(3)));
    assert_eq!(
        patient
            .send(payment_request(&server.uri()))
            .await
            .unwrap()
            .status,
        200
    );
    assert_eq!(short_timeout().timeout(), Duration::from_millis(300));
}

/// A request's own timeout (`ApiRequest::with_timeout`, which the client sets on the status
/// checks near the end of a polling window) ends it, although the transport's is 80 s: the
/// client relies on it to keep a wait within its window plus `WINDOW_GRACE`
/// (`Transport::honours_request_timeout`). Both a stalled head and a stalled body.
#[tokio::test]
async fn a_shorter_request_timeout_ends_the_call() {
    let transport = HttpTransport::new().unwrap();
    assert!(transport.honours_request_timeout());
    assert_eq!(transport.timeout(), Duration::from_secs(80));
    for stall in [Reply::Stall, Reply::StallBody] {
        let server = TestServer::start(stall).await;
        let request = payment_request(&server.uri()).with_timeout(Duration::from_millis(300));
        // Were the request's timeout ignored, this would wait for the transport's 80 s: the
        // guard turns that into a failure instead of a hang.
        let error = tokio::time::timeout(Duration::from_secs(40), transport.send(request))
            .await
            .expect("the request's own timeout of 300 ms did not end the call")
            .unwrap_err();
        assert_eq!(error.kind(), TransportErrorKind::Timeout, "{error:?}");
        assert_eq!(error.delivery(), Delivery::MaybeSent);
        assert!(
            error.to_string().contains("300ms"),
            "the reason names the timeout that fired: {error}"
        );
    }
}

/// The documented bound: a call that hits its timeout ends after the limit, never before
/// (tokio's timer fires late by a few milliseconds, never early), measured from the call's
/// start to its error.
#[tokio::test]
async fn the_timeout_never_ends_a_call_before_its_limit() {
    let server = TestServer::start(Reply::StallBody).await;
    let limit = Duration::from_millis(200);
    let transport = HttpTransport::builder().timeout(limit).build().unwrap();

    let started = std::time::Instant::now();
    let error = transport
        .send(payment_request(&server.uri()))
        .await
        .unwrap_err();

    assert_eq!(error.kind(), TransportErrorKind::Timeout, "{error:?}");
    assert!(started.elapsed() >= limit, "{:?}", started.elapsed());
}
