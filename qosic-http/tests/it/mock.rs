//! Against qosic-mock, the fake QosIc server, over plain HTTP: the happy path, connection
//! reuse, and faults whose delivery the transport must report right.

use std::time::Duration;

use qosic_core::{ApiRequest, Delivery, Transport, TransportErrorKind};
use qosic_http::HttpTransport;
use qosic_mock::{Endpoint, Fault, MockQosic, DEFAULT_MTN_CLIENT_ID};

use crate::support::trace_init;

fn payment(mock: &MockQosic, reference: &str) -> ApiRequest {
    let body = format!(
        r#"{{"msisdn":"22997000001","amount":"100","firstname":"Ada","lastname":"Lovelace","transref":"{reference}","clientid":"{DEFAULT_MTN_CLIENT_ID}"}}"#
    );
    ApiRequest::new(
        format!("{}{}", mock.uri(), Endpoint::MtnPayment.path()),
        mock.credentials(),
        body.into_bytes(),
    )
}

fn status(mock: &MockQosic, reference: &str) -> ApiRequest {
    let body = format!(r#"{{"transref":"{reference}","clientid":"{DEFAULT_MTN_CLIENT_ID}"}}"#);
    ApiRequest::new(
        format!("{}{}", mock.uri(), Endpoint::MtnStatus.path()),
        mock.credentials(),
        body.into_bytes(),
    )
}

#[tokio::test]
async fn a_payment_goes_through_the_fake_server() {
    trace_init();
    let mock = MockQosic::start().await;
    let transport = HttpTransport::new().unwrap();

    let accepted = transport.send(payment(&mock, "http-1")).await.unwrap();
    assert_eq!(accepted.status, 202, "{}", accepted.text());
    assert!(accepted.text().contains("PENDING"), "{}", accepted.text());

    let confirmed = transport.send(status(&mock, "http-1")).await.unwrap();
    assert_eq!(confirmed.status, 200, "{}", confirmed.text());
    assert!(
        confirmed.text().contains(r#""responsecode":"00""#),
        "{}",
        confirmed.text()
    );
    mock.assert_debited_once("http-1");
}

#[tokio::test]
async fn bad_credentials_are_an_answer() {
    let mock = MockQosic::start().await;
    let request = payment(&mock, "http-2");
    let request = ApiRequest::new(
        request.url(),
        qosic_core::Credentials::new(qosic_mock::DEFAULT_LOGIN, "wrong"),
        request.body().to_vec(),
    );

    let response = HttpTransport::new().unwrap().send(request).await.unwrap();

    assert_eq!(response.status, 401);
    mock.assert_not_debited("http-2");
}

#[tokio::test]
async fn sequential_calls_from_clones_use_one_connection() {
    let mock = MockQosic::start().await;
    let transport = HttpTransport::new().unwrap();

    for i in 0..10 {
        let reference = format!("seq-{i}");
        // A clone shares the pool.
        let response = transport
            .clone()
            .send(payment(&mock, &reference))
            .await
            .unwrap();
        assert_eq!(response.status, 202);
    }

    assert_eq!(mock.connections(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_calls_reuse_connections() {
    let mock = MockQosic::start().await;
    let transport = HttpTransport::new().unwrap();
    let (rounds, parallel) = (10, 4);

    for round in 0..rounds {
        let calls: Vec<_> = (0..parallel)
            .map(|i| {
                let transport = transport.clone();
                let request = payment(&mock, &format!("par-{round}-{i}"));
                tokio::spawn(async move { transport.send(request).await })
            })
            .collect();
        for call in calls {
            assert_eq!(call.await.unwrap().unwrap().status, 202);
        }
    }

    assert_eq!(mock.transactions().len(), rounds * parallel);
    // HTTP/1.1 needs one connection per call in flight; the pool keeps the total far below
    // one per call.
    assert!(
        mock.connections() <= 2 * parallel,
        "{} connections for {} calls",
        mock.connections(),
        rounds * parallel
    );
}

#[tokio::test]
async fn a_lost_answer_is_reported_as_maybe_sent() {
    let mock = MockQosic::start().await;
    mock.fault(Fault::lost_answer().times(1).on(Endpoint::MtnPayment));

    let error = HttpTransport::new()
        .unwrap()
        .send(payment(&mock, "lost-1"))
        .await
        .unwrap_err();

    assert_eq!(
        error.kind(),
        TransportErrorKind::ConnectionLost,
        "{error:?}"
    );
    assert_eq!(error.delivery(), Delivery::MaybeSent);
    // And indeed the server recorded the payment: re-sending it would charge twice.
    assert_eq!(mock.payment_requests("lost-1"), 1);
    assert!(mock.transaction("lost-1").is_some());
}

#[tokio::test]
async fn a_slow_answer_hits_the_timeout() {
    let mock = MockQosic::start().await;
    mock.fault(Fault::delay(Duration::from_secs(60)).on(Endpoint::MtnPayment));
    let transport = HttpTransport::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();

    let error = transport.send(payment(&mock, "slow-1")).await.unwrap_err();

    assert_eq!(error.kind(), TransportErrorKind::Timeout, "{error:?}");
    assert_eq!(error.delivery(), Delivery::MaybeSent);
}
