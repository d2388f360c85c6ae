//! Every operation over loopback HTTP, through the real transport.

use qosic_core::{DepositRequest, Error, Lookup, Operation, PaymentRequest, Status};
use qosic_mock::{Endpoint, MockQosic, Subscriber};

use crate::support::http_client;

#[tokio::test]
async fn mtn_payment_is_confirmed_after_polling() {
    let mock = MockQosic::start().await;
    mock.subscriber("22997000100", Subscriber::approves_after_checks(3));
    mock.expect_requests(Endpoint::MtnPayment, 1);
    let client = http_client(&mock);
    let outcome = client
        .pay(
            PaymentRequest::new("+229 97 00 01 00", 1500)
                .first_name("Ada")
                .last_name("Lovelace"),
        )
        .await
        .unwrap();
    assert_eq!(outcome.status(), Status::Confirmed);
    assert!(outcome.success());
    assert_eq!(outcome.carrier(), "MTN");
    assert_eq!(outcome.status_checks(), 3);
    assert_eq!(outcome.code(), Some("00"));
    let raw = outcome.raw_response().unwrap();
    assert_eq!(raw.status, 200);
    assert!(
        raw.body.contains(outcome.reference().as_str()),
        "{}",
        raw.body
    );
    mock.assert_debited_once(outcome.reference().as_str());
    assert_eq!(mock.ledger().collected, 1500);
    let sent = &mock.requests_to(Endpoint::MtnPayment)[0];
    assert_eq!(sent.field("msisdn"), Some("22997000100"));
    assert_eq!(sent.field("amount"), Some("1500"));
    assert_eq!(sent.field("firstname"), Some("Ada"));
    assert_eq!(
        sent.field("clientid"),
        Some(qosic_mock::DEFAULT_MTN_CLIENT_ID)
    );
}

#[tokio::test]
async fn mtn_decline_ends_polling_at_once() {
    let mock = MockQosic::start().await;
    let client = http_client(&mock);
    let outcome = client
        .pay(PaymentRequest::new("22997000190", 1000))
        .await
        .unwrap();
    assert_eq!(outcome.status(), Status::Failed);
    assert!(!outcome.success());
    assert_eq!(outcome.status_checks(), 1);
    assert_eq!(mock.requests_to(Endpoint::MtnStatus).len(), 1);
    assert_eq!(mock.ledger().collected, 0);
}

#[tokio::test]
async fn insufficient_funds_is_a_failure_with_the_code() {
    let mock = MockQosic::start().await;
    let outcome = http_client(&mock)
        .pay(PaymentRequest::new("2290197000191", 1000))
        .await
        .unwrap();
    assert_eq!(
        (outcome.status(), outcome.code()),
        (Status::Failed, Some("529"))
    );
}

#[tokio::test]
async fn moov_payment_is_synchronous() {
    let mock = MockQosic::start().await;
    let outcome = http_client(&mock)
        .pay(PaymentRequest::new("22995000100", 700))
        .await
        .unwrap();
    assert_eq!(outcome.status(), Status::Confirmed);
    assert_eq!(outcome.carrier(), "MOOV");
    assert_eq!(outcome.status_checks(), 0);
    assert!(mock.requests_to(Endpoint::MoovStatus).is_empty());
    assert_eq!(mock.ledger().collected, 700);
}

#[tokio::test]
async fn moov_refund_is_refused_before_any_request() {
    let mock = MockQosic::start().await;
    let client = http_client(&mock);
    let paid = client
        .pay(PaymentRequest::new("22995000100", 700))
        .await
        .unwrap();
    let before = mock.journal().len();
    let err = client.refund(paid.lookup()).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Unsupported {
                operation: Operation::Refund,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "MOOV does not support the refund operation"
    );
    assert_eq!(mock.journal().len(), before);
}

#[tokio::test]
async fn mtn_refund_gives_the_money_back_once() {
    let mock = MockQosic::start().await;
    let client = http_client(&mock);
    let paid = client
        .pay(PaymentRequest::new("22997000100", 2500))
        .await
        .unwrap();
    assert!(paid.success());
    let refund = client
        .refund(Lookup::parse(paid.reference().as_str(), "22997000100").unwrap())
        .await
        .unwrap();
    assert_eq!(
        (refund.status(), refund.operation()),
        (Status::Confirmed, Operation::Refund)
    );
    let ledger = mock.ledger();
    assert_eq!((ledger.collected, ledger.refunded), (2500, 2500));
    let again = client.refund(paid.lookup()).await.unwrap();
    assert_eq!(again.status(), Status::Failed, "a second refund is refused");
    assert_eq!(mock.ledger().refunded, 2500);
}

#[tokio::test]
async fn refund_of_an_unconfirmed_payment_is_refused() {
    let mock = MockQosic::start().await;
    let client = http_client(&mock);
    let declined = client
        .pay(PaymentRequest::new("22997000190", 100))
        .await
        .unwrap();
    let refund = client.refund(declined.lookup()).await.unwrap();
    assert_eq!(refund.status(), Status::Failed);
    assert_eq!(mock.ledger().refunded, 0);
}

#[tokio::test]
async fn celtiis_payment_is_polled() {
    let mock = MockQosic::start().await;
    let outcome = http_client(&mock)
        .pay(PaymentRequest::new("2290140000100", 300))
        .await
        .unwrap();
    assert_eq!(
        (outcome.status(), outcome.carrier()),
        (Status::Confirmed, "CELTIIS")
    );
    assert_eq!(mock.requests_to(Endpoint::CeltiisStatus).len(), 1);
}

#[tokio::test]
async fn deposits_pay_out() {
    let mock = MockQosic::start().await;
    let client = http_client(&mock);
    let mtn = client
        .deposit(DepositRequest::new("22997000100", 4000))
        .await
        .unwrap();
    assert_eq!(
        (mtn.status(), mtn.operation()),
        (Status::Confirmed, Operation::Deposit)
    );
    let moov = client
        .deposit(DepositRequest::new("22995000100", 1000))
        .await
        .unwrap();
    assert_eq!((moov.status(), moov.carrier()), (Status::Confirmed, "MOOV"));
    assert_eq!(mock.ledger().paid_out, 5000);
    let err = client
        .deposit(DepositRequest::new("2290140000100", 1000))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Unsupported {
                operation: Operation::Deposit,
                ..
            }
        ),
        "{err}"
    );
}

#[tokio::test]
async fn initiate_then_check_status_then_wait() {
    let mock = MockQosic::start().await;
    mock.subscriber("22997000100", Subscriber::approves_after_checks(2));
    let client = http_client(&mock);
    let started = client
        .initiate(PaymentRequest::new("22997000100", 1000))
        .await
        .unwrap();
    assert_eq!(started.status(), Status::Pending);
    let once = client.check_status(started.lookup()).await.unwrap();
    assert_eq!(once.status(), Status::Pending);
    let done = client.wait(started.lookup()).await.unwrap();
    assert_eq!(done.status(), Status::Confirmed);
    assert_eq!(mock.payment_requests(started.reference().as_str()), 1);
}

#[tokio::test]
async fn the_carrier_can_be_named_for_a_ported_number() {
    let mock = MockQosic::start().await;
    // 97 is an MTN prefix; the customer moved to MOOV.
    let outcome = http_client(&mock)
        .pay(PaymentRequest::new("22997000100", 100).carrier("moov"))
        .await
        .unwrap();
    assert_eq!(outcome.carrier(), "MOOV");
    assert_eq!(mock.requests_to(Endpoint::MoovPayment).len(), 1);
}
