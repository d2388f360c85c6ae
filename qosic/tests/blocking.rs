//! The blocking client against the fake server, from plain threads and from `spawn_blocking`.

use qosic::blocking::Client;
use qosic::mock::MockQosic;
use qosic::{Callback, Delivery, DepositRequest, Error, PaymentRequest, Status};

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn it_works_inside_spawn_blocking() {
    let mock = MockQosic::in_process();
    let client = client(&mock);
    let outcome =
        tokio::task::spawn_blocking(move || client.pay(PaymentRequest::new("22997000100", 1000)))
            .await
            .unwrap()
            .unwrap();
    assert_eq!(outcome.status(), Status::Confirmed);
    mock.assert_debited_once(outcome.reference());
}

#[tokio::test]
async fn it_is_made_and_dropped_inside_an_async_runtime_without_panicking() {
    let mock = MockQosic::in_process();
    let client = client(&mock);
    let inside = client.clone();
    let outcome =
        tokio::task::spawn_blocking(move || inside.pay(PaymentRequest::new("22997000100", 1000)))
            .await
            .unwrap()
            .unwrap();
    assert_eq!(outcome.status(), Status::Confirmed);
    // The last clone dropped on a runtime thread.
    drop(client);
}

fn callback_body(reference: &str, status: &str, amount: u64) -> String {
    format!(
        r#"{{"status":"{status}","transRef":"{reference}","specialfield1":"{status}","amount":"{amount}","serviceRef":"1","code":"200"}}"#
    )
}

#[test]
fn verify_callback_settles_a_genuine_callback_and_refuses_a_forged_one() {
    let mock = MockQosic::in_process();
    let client = client(&mock);
    let paid = client
        .pay(PaymentRequest::new("22997000100", 1000))
        .unwrap();
    let genuine =
        Callback::parse(callback_body(paid.reference().as_str(), "SUCCESSFUL", 1000).as_bytes())
            .unwrap();
    let outcome = client
        .verify_callback(&genuine, paid.lookup(), 1000)
        .unwrap();
    assert_eq!(outcome.status(), Status::Confirmed);

    // A declined payment called back as successful: QosIc's status contradicts it.
    let declined = client
        .pay(PaymentRequest::new("22997000190", 1000))
        .unwrap();
    let forged = Callback::parse(
        callback_body(declined.reference().as_str(), "SUCCESSFUL", 1000).as_bytes(),
    )
    .unwrap();
    let refused = client
        .verify_callback(&forged, declined.lookup(), 1000)
        .unwrap_err();
    assert!(refused.is_refused(), "{refused}");
}

/// A transport with a bug: it panics.
#[derive(Debug)]
struct Panics;

#[async_trait::async_trait]
impl qosic::transport::Transport for Panics {
    async fn send(
        &self,
        _: qosic::transport::ApiRequest,
    ) -> Result<qosic::transport::ApiResponse, qosic::transport::TransportError> {
        panic!("the transport's bug")
    }
}

#[test]
fn a_panic_on_the_runtime_thread_is_reported_at_the_callers_line() {
    let async_client = qosic::Client::builder()
        .login("merchant")
        .password("secret")
        .carrier(qosic::benin::Mtn::new("MTN_CLIENT").unwrap())
        .transport(Panics)
        .build()
        .unwrap();
    let client = Client::new(async_client).unwrap();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = std::sync::Arc::clone(&seen);
    let this_thread = std::thread::current().id();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().id() == this_thread {
            let place = info.location().map(|l| (l.file().to_owned(), l.line()));
            record.lock().unwrap().push(place);
        }
    }));
    let line = line!() + 2;
    let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        client.pay(PaymentRequest::new("22997000100", 1000))
    }));
    std::panic::set_hook(previous);
    let message = panic
        .unwrap_err()
        .downcast_ref::<String>()
        .cloned()
        .unwrap();
    assert!(
        message.contains("qosic::blocking::Client::pay"),
        "{message}"
    );
    assert!(message.contains("the transport's bug"), "{message}");
    let seen = seen.lock().unwrap();
    assert_eq!(seen.as_slice(), [Some((file!().to_owned(), line))]);
}
