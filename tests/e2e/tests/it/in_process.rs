//! Polling on tokio's paused clock through the in-process transport: a two-minute window
//! runs in milliseconds.

use std::time::Duration;

use qosic_core::{Lookup, PaymentRequest, Status};
use qosic_mock::{Endpoint, Fault, MockQosic, Subscriber};
use tokio::time::Instant;

use crate::support::{builder, default_polling, in_process_client};

#[tokio::test(start_paused = true)]
async fn a_customer_who_never_answers_leaves_the_payment_pending_not_failed() {
    let mock = MockQosic::in_process();
    let client = in_process_client(&mock);
    let started = Instant::now();
    let outcome = client
        .pay(PaymentRequest::new("22997000193", 1000))
        .await
        .unwrap();
    assert_eq!(outcome.status(), Status::Pending);
    assert!(!outcome.success());
    assert_eq!(outcome.status_checks(), 12, "every 10 s for 120 s");
    assert_eq!(started.elapsed(), Duration::from_secs(120));
    assert_eq!(mock.requests_to(Endpoint::MtnPayment).len(), 1);
    // The customer approves late: checking the same reference finds the money, no new payment.
    let late = client.check_status(outcome.lookup()).await.unwrap();
    assert_eq!(late.status(), Status::Pending);
}

#[tokio::test(start_paused = true)]
async fn a_customer_who_approves_after_a_minute_is_confirmed() {
    let mock = MockQosic::in_process();
    mock.subscriber(
        "22997000100",
        Subscriber::approves_after(Duration::from_secs(60)),
    );
    let outcome = in_process_client(&mock)
        .pay(PaymentRequest::new("22997000100", 1000))
        .await
        .unwrap();
    assert_eq!(outcome.status(), Status::Confirmed);
    assert_eq!(outcome.status_checks(), 6);
}

#[tokio::test(start_paused = true)]
async fn a_decline_after_three_checks_stops_polling() {
    let mock = MockQosic::in_process();
    mock.subscriber("2290197000100", Subscriber::declines().after_checks(3));
    let outcome = in_process_client(&mock)
        .pay(PaymentRequest::new("2290197000100", 1000))
        .await
        .unwrap();
    assert_eq!(
        (outcome.status(), outcome.status_checks()),
        (Status::Failed, 3)
    );
    assert_eq!(mock.requests_to(Endpoint::MtnStatus).len(), 3);
}

#[tokio::test(start_paused = true)]
async fn a_lost_answer_is_followed_by_status_checks_not_a_new_payment() {
    let mock = MockQosic::in_process();
    mock.subscriber("22997000100", Subscriber::approves_after_checks(2));
    mock.fault(Fault::lost_answer().times(1).on(Endpoint::MtnPayment));
    let outcome = in_process_client(&mock)
        .pay(PaymentRequest::new("22997000100", 1000))
        .await
        .unwrap();
    assert_eq!(outcome.status(), Status::Confirmed);
    assert_eq!(mock.requests_to(Endpoint::MtnPayment).len(), 1);
    mock.assert_debited_once(outcome.reference().as_str());
}

#[tokio::test(start_paused = true)]
async fn a_request_that_never_arrived_ends_unknown_never_failed() {
    let mock = MockQosic::in_process();
    // The payment request dies before QosIc records it: status checks find no such reference.
    mock.fault(
        Fault::dropped_connection()
            .times(1)
            .on(Endpoint::MtnPayment),
    );
    let outcome = in_process_client(&mock)
        .pay(PaymentRequest::new("22997000100", 1000))
        .await
        .unwrap();
    assert_eq!(outcome.status(), Status::Unknown);
    assert_eq!(mock.requests_to(Endpoint::MtnPayment).len(), 1);
    mock.assert_not_debited(outcome.reference().as_str());
}

#[tokio::test(start_paused = true)]
async fn unreadable_payment_answers_are_checked_not_failed() {
    for fault in [
        Fault::malformed_body(),
        Fault::empty_body(),
        Fault::html_error().with_status(200),
    ] {
        let mock = MockQosic::in_process();
        mock.fault(
            fault
                .clone()
                .after_recording()
                .times(1)
                .on(Endpoint::MtnPayment),
        );
        let outcome = in_process_client(&mock)
            .pay(PaymentRequest::new("22997000100", 1000))
            .await
            .unwrap();
        assert_eq!(outcome.status(), Status::Confirmed, "{fault:?}");
        assert_eq!(mock.requests_to(Endpoint::MtnPayment).len(), 1, "{fault:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn server_errors_during_polling_do_not_end_the_wait() {
    let mock = MockQosic::in_process();
    mock.fault(Fault::status(503).times(3).on(Endpoint::MtnStatus));
    let outcome = in_process_client(&mock)
        .pay(PaymentRequest::new("22997000100", 1000))
        .await
        .unwrap();
    assert_eq!(
        (outcome.status(), outcome.status_checks()),
        (Status::Confirmed, 4)
    );
}

#[tokio::test(start_paused = true)]
async fn a_restarted_server_resumes_waiting_on_the_stored_reference() {
    let mock = MockQosic::in_process();
    mock.subscriber(
        "22997000100",
        Subscriber::approves_after(Duration::from_secs(90)),
    );
    let first = in_process_client(&mock);
    let started = first
        .initiate(PaymentRequest::new("22997000100", 1000))
        .await
        .unwrap();
    let stored = (started.reference().to_string(), started.phone().to_string());
    drop(first);
    // After a restart: a new client, only the stored reference and phone.
    let second = builder(&mock, default_polling())
        .transport(mock.transport())
        .build()
        .unwrap();
    let outcome = second
        .wait(Lookup::parse(&stored.0, &stored.1).unwrap())
        .await
        .unwrap();
    assert_eq!(outcome.status(), Status::Confirmed);
    assert_eq!(mock.requests_to(Endpoint::MtnPayment).len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_thousand_payments_wait_together() {
    let mock = MockQosic::in_process();
    let client = in_process_client(&mock);
    let mut tasks = Vec::new();
    for i in 0..1000u32 {
        let client = client.clone();
        // Numbers 22997100000.. approve at the first check (none ends in 90-94).
        let phone = format!("229971{:05}", i * 10 % 100_000 + 5);
        tasks.push(tokio::spawn(async move {
            client.pay(PaymentRequest::new(phone, 100)).await
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap().status(), Status::Confirmed);
    }
    assert_eq!(mock.ledger().collected, 100_000);
}

#[tokio::test(start_paused = true)]
async fn refund_and_deposit_in_process() {
    let mock = MockQosic::in_process();
    let client = in_process_client(&mock);
    let paid = client
        .pay(PaymentRequest::new("22997000100", 3000))
        .await
        .unwrap();
    let refund = client.refund(paid.lookup()).await.unwrap();
    assert_eq!(refund.status(), Status::Confirmed);
    let payout = client
        .deposit(qosic_core::DepositRequest::new("22995000100", 1200))
        .await
        .unwrap();
    assert_eq!(
        (payout.status(), payout.carrier()),
        (Status::Confirmed, "MOOV")
    );
    let ledger = mock.ledger();
    assert_eq!(
        (ledger.collected, ledger.refunded, ledger.paid_out),
        (3000, 3000, 1200)
    );
}

#[tokio::test(start_paused = true)]
async fn the_wire_form_of_the_number_is_a_carrier_setting() {
    use qosic::benin::{Mtn, PhoneFormat};
    use qosic_mock::PhoneForms;

    // A server that only knows the legacy plan, as QosIc's docs show it.
    let mock = MockQosic::builder()
        .phone_forms(PhoneForms::Legacy)
        .build_in_process();
    let as_given = in_process_client(&mock);
    let err = as_given
        .pay(PaymentRequest::new("2290197000100", 100))
        .await
        .unwrap_err();
    assert!(
        matches!(err, qosic_core::Error::Rejected { status: 400, .. }),
        "{err:?}"
    );

    let legacy = qosic_core::Client::builder()
        .base_url(mock.uri())
        .login(qosic_mock::DEFAULT_LOGIN)
        .password(qosic_mock::DEFAULT_PASSWORD)
        .carrier(
            Mtn::new(qosic_mock::DEFAULT_MTN_CLIENT_ID)
                .unwrap()
                .with_phone_format(PhoneFormat::Legacy),
        )
        .transport(mock.transport())
        .build()
        .unwrap();
    let outcome = legacy
        .pay(PaymentRequest::new("2290197000100", 100))
        .await
        .unwrap();
    assert_eq!(outcome.status(), Status::Confirmed);
    let sent = mock.requests_to(Endpoint::MtnPayment);
    assert_eq!(sent.last().unwrap().field("msisdn"), Some("22997000100"));
    // The outcome keeps the number as the caller wrote it.
    assert_eq!(outcome.phone().national(), "0197000100");
}

/// Issue 14, finding 2: a lost MOOV answer used to end UNKNOWN with no status check at all.
#[tokio::test(start_paused = true)]
async fn a_lost_moov_answer_is_settled_by_status_checks_on_the_same_reference() {
    let mock = MockQosic::in_process();
    mock.fault(Fault::lost_answer().times(1).on(Endpoint::MoovPayment));
    let outcome = in_process_client(&mock)
        .pay(PaymentRequest::new("22995000100", 1000))
        .await
        .unwrap();
    assert_eq!(outcome.status(), Status::Confirmed);
    assert!(outcome.status_checks() >= 1);
    assert_eq!(mock.requests_to(Endpoint::MoovPayment).len(), 1);
    assert!(!mock.requests_to(Endpoint::MoovStatus).is_empty());
    mock.assert_debited_once(outcome.reference().as_str());
}
