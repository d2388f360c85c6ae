//! The blocking client against the fake server, from plain threads (no runtime of our own).

use qosic::blocking::Client;
use qosic::mock::MockQosic;
use qosic::{Delivery, DepositRequest, Error, PaymentRequest, Status};

fn client(mock: &MockQosic) -> Client {
    Client::new(mock.client()).unwrap()
}

#[test]
fn a_payment_is_confirmed_then_refunded() {
    let mock = MockQosic::in_process();
    let client = client(&mock);
    let paid = client
        .pay(PaymentRequest::new("22997000100", 1000))
        .unwrap();
    assert_eq!(paid.status(), Status::Confirmed);
    mock.assert_debited_once(paid.reference());
    let refund = client.refund(paid.lookup()).unwrap();
    assert_eq!(refund.status(), Status::Confirmed);
    assert_eq!(mock.ledger().refunded, 1000);
}

#[test]
fn a_declined_payment_says_why() {
    let mock = MockQosic::in_process();
    let outcome = client(&mock)
        .pay(PaymentRequest::new("22997000190", 1000))
        .unwrap();
    assert_eq!(outcome.status(), Status::Failed);
    assert_eq!(outcome.reason(), Some("TRANSACTION DECLINED"));
    mock.assert_not_debited(outcome.reference());
}

#[test]
fn errors_come_back_as_errors() {
    let mock = MockQosic::in_process();
    let client = client(&mock);
    let err = client
        .pay(PaymentRequest::new("22997000192", 1000))
        .unwrap_err();
    assert!(matches!(err, Error::UserAccountNotFound { .. }), "{err}");
    assert_eq!(err.delivery(), Delivery::Answered);
    let err = client.deposit(DepositRequest::new("12", 5)).unwrap_err();
    assert_eq!(err.delivery(), Delivery::NotSent);
}

#[test]
fn initiate_then_wait_from_another_thread() {
    let mock = MockQosic::in_process();
    let client = client(&mock);
    let started = client
        .initiate(PaymentRequest::new("22997000100", 1000))
        .unwrap();
    let lookup = started.lookup();
    let other = client.clone();
    let done = std::thread::spawn(move || other.wait(lookup))
        .join()
        .unwrap()
        .unwrap();
    assert_eq!(done.status(), Status::Confirmed);
    assert_eq!(
        client.check_status(started.lookup()).unwrap().status(),
        Status::Confirmed
    );
}

#[tokio::test]
async fn calling_it_from_an_async_runtime_panics_with_advice() {
    let mock = MockQosic::in_process();
    let client = client(&mock);
    let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        client.pay(PaymentRequest::new("22997000100", 1000))
    }))
    .unwrap_err();
    let message = panic.downcast_ref::<String>().unwrap();
    assert!(message.contains("inside an async runtime"), "{message}");
    assert!(message.contains("spawn_blocking"), "{message}");
    // Nothing was sent, and dropping the client here (inside a runtime) does not panic.
    assert!(mock.journal().is_empty());
    drop(client);
}
