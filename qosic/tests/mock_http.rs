//! `mock.http_client()`: the fake server's ready client over real HTTP, in one line.

use qosic::mock::{MockQosic, MockQosicHttp as _, Subscriber};
use qosic::{Error, PaymentRequest, PollingPolicy, Status};
use std::time::Duration;

#[tokio::test]
async fn http_client_pays_over_http_in_one_line() {
    let mock = MockQosic::start().await;
    mock.subscriber("22997000100", Subscriber::approves_after_checks(3));
    let outcome = mock
        .http_client()
        .unwrap()
        .pay(PaymentRequest::new("22997000100", 1000))
        .await
        .unwrap();
    assert_eq!(outcome.status(), Status::Confirmed);
    assert_eq!(outcome.status_checks(), 3);
    mock.assert_debited_once(outcome.reference());
    // Over the socket: the server journaled the payment request and the three status checks.
    assert_eq!(mock.journal().len(), 4);
}

#[test]
fn http_client_of_an_in_process_server_says_what_to_use() {
    let mock = MockQosic::in_process();
    let err = mock.http_client().unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err}");
    let message = err.to_string();
    assert!(message.contains("MockQosic::start().await"), "{message}");
    assert!(message.contains("mock.client()"), "{message}");
}

#[test]
fn the_production_bounds_refusal_names_the_test_policy_and_the_helper() {
    let err = PollingPolicy::new(Duration::from_millis(50), Duration::from_secs(3)).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("between 5 and 30 seconds"), "{message}");
    assert!(message.contains("PollingPolicy::unbounded"), "{message}");
    assert!(message.contains("mock.http_client()"), "{message}");
    let err = PollingPolicy::new(Duration::from_secs(10), Duration::from_secs(3)).unwrap_err();
    assert!(
        err.to_string().contains("PollingPolicy::unbounded"),
        "{err}"
    );
}
