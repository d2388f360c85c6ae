//! Callbacks like QosIc's, in-process to a sink on the paused clock: when they go, their
//! payload, their faults and their caps (over HTTP: `callback_delivery.rs`).

use std::time::Duration;

use qosic_core::{DepositRequest, Lookup, PaymentRequest, Status};
use qosic_mock::{
    CallbackDelivery, CallbackFault, MockQosic, SentCallback, Subscriber, TransactionState,
};
use serde_json::json;

use crate::support::*;

/// The sink's next callback; fails the test when none comes.
async fn next(sink: &mut qosic_mock::CallbackSink) -> SentCallback {
    sink.next().await.expect("a callback")
}

fn keys(body: &str) -> Vec<String> {
    // The payload keeps QosIc's key order: read it as text, not as a map.
    let mut keys = Vec::new();
    let mut rest = body;
    while let Some(start) = rest.find("\"") {
        let after = &rest[start + 1..];
        let end = after.find('"').unwrap();
        let word = &after[..end];
        rest = &after[end + 1..];
        if rest.starts_with(':') {
            keys.push(word.to_owned());
        }
    }
    keys
}

/// Two deposits, of 1 and then 2 XOF, each done at once: two callbacks in that order.
async fn two_deposits(mock: &MockQosic) -> (qosic_core::Outcome, qosic_core::Outcome) {
    let client = mock.client();
    let a = client
        .deposit(DepositRequest::new("22997000100", 1))
        .await
        .unwrap();
    let b = client
        .deposit(DepositRequest::new("22997000100", 2))
        .await
        .unwrap();
    (a, b)
}

#[tokio::test(start_paused = true)]
async fn every_terminal_transition_calls_back_in_process() {
    let mock = MockQosic::in_process();
    let mut sink = mock.callback_sink();
    let client = mock.client();

    let paid = client
        .pay(PaymentRequest::new("22997000100", 1500))
        .await
        .unwrap();
    let cb = next(&mut sink).await;
    assert_eq!(cb.seq, 1);
    assert_eq!(cb.reference, paid.reference().as_str());
    assert_eq!((cb.status.as_str(), cb.amount), ("SUCCESSFUL", 1500));
    assert_eq!(cb.delivery, CallbackDelivery::InProcess);
    assert_eq!((cb.url.as_deref(), cb.fault.as_deref()), (None, None));
    let service_ref = mock.transaction(paid.reference()).unwrap().service_ref;
    assert_eq!(
        cb.body,
        format!(
            r#"{{"status":"SUCCESSFUL","transRef":"{}","specialfield1":"SUCCESSFUL","amount":"1500","serviceRef":"{service_ref}","code":"200"}}"#,
            paid.reference()
        )
    );
    assert_eq!(
        keys(&cb.body),
        [
            "status",
            "transRef",
            "specialfield1",
            "amount",
            "serviceRef",
            "code"
        ]
    );

    // Declined and insufficient funds: FAILED, code -1.
    for phone in ["22997000190", "22997000191"] {
        let failed = client.pay(PaymentRequest::new(phone, 700)).await.unwrap();
        assert_eq!(failed.status(), Status::Failed);
        let cb = next(&mut sink).await;
        assert_eq!(cb.reference, failed.reference().as_str());
        let json = cb.json();
        assert_eq!(
            (
                &json["status"],
                &json["specialfield1"],
                &json["code"],
                &json["amount"]
            ),
            (
                &json!("FAILED"),
                &json!("FAILED"),
                &json!("-1"),
                &json!("700")
            )
        );
    }

    // MOOV (synchronous) and a deposit.
    let moov = client
        .pay(PaymentRequest::new("22995000100", 300))
        .await
        .unwrap();
    assert_eq!(moov.carrier(), "MOOV");
    assert_eq!(next(&mut sink).await.reference, moov.reference().as_str());
    let payout = client
        .deposit(DepositRequest::new("22997000100", 5000))
        .await
        .unwrap();
    let cb = next(&mut sink).await;
    assert_eq!(
        (cb.reference.as_str(), cb.status.as_str(), cb.amount),
        (payout.reference().as_str(), "SUCCESSFUL", 5000)
    );

    // No callback for a payment still pending, nor for a refund.
    let pending = client
        .initiate(PaymentRequest::new("22997000193", 100))
        .await
        .unwrap();
    let refunded = client.refund(paid.lookup()).await.unwrap();
    assert!(refunded.success());
    let last = client
        .deposit(DepositRequest::new("22997000100", 1))
        .await
        .unwrap();
    assert_eq!(next(&mut sink).await.reference, last.reference().as_str());
    assert!(mock
        .callbacks()
        .iter()
        .all(|cb| cb.reference != pending.reference().as_str()));
    assert_eq!(mock.callbacks().len(), 6);
    // And no other request than the wire's: the mock sent no status check of its own.
    assert!(sink.try_next().is_none());
}

#[tokio::test(start_paused = true)]
async fn a_customer_who_approves_later_is_called_back_when_the_payment_ends() {
    let mock = MockQosic::in_process();
    mock.subscriber(
        "22997000001",
        Subscriber::approves_after(Duration::from_secs(90)),
    );
    let mut sink = mock.callback_sink();
    let started = mock
        .client()
        .initiate(PaymentRequest::new("22997000001", 100))
        .await
        .unwrap();
    assert_eq!(started.status(), Status::Pending);
    // Nobody checks the status: the callback comes when the customer approves.
    let cb = next(&mut sink).await;
    assert_eq!(cb.reference, started.reference().as_str());
    assert_eq!(cb.status, "SUCCESSFUL");
    assert_eq!(
        mock.transaction(started.reference()).unwrap().state,
        TransactionState::Confirmed
    );
}

#[tokio::test(start_paused = true)]
async fn dropped_callbacks_never_come_and_are_journaled() {
    let mock = MockQosic::in_process();
    let mut sink = mock.callback_sink();
    mock.callback_fault(CallbackFault::dropped().times(1));
    let (a, b) = two_deposits(&mock).await;
    assert_eq!(next(&mut sink).await.reference, b.reference().as_str());
    let journal = mock.callbacks();
    assert_eq!(journal.len(), 2);
    assert_eq!(journal[0].reference, a.reference().as_str());
    assert_eq!(journal[0].fault.as_deref(), Some("dropped"));
    assert_eq!(
        journal[0].delivery,
        CallbackDelivery::Dropped {
            reason: "dropped by a callback fault".into()
        }
    );
    assert!(!journal[0].delivered());
    assert!(journal[1].delivered());
}

#[tokio::test(start_paused = true)]
async fn delayed_callbacks_come_after_later_ones() {
    let mock = MockQosic::in_process();
    let mut sink = mock.callback_sink();
    mock.callback_fault(CallbackFault::delayed(Duration::from_secs(30)).times(1));
    let (a, b) = two_deposits(&mock).await;
    assert_eq!(next(&mut sink).await.reference, b.reference().as_str());
    let late = next(&mut sink).await;
    assert_eq!(late.reference, a.reference().as_str());
    assert_eq!(late.fault.as_deref(), Some("delayed 30s"));
}

#[tokio::test(start_paused = true)]
async fn duplicated_callbacks_come_twice() {
    let mock = MockQosic::in_process();
    let mut sink = mock.callback_sink();
    mock.callback_fault(CallbackFault::duplicated().times(1));
    let (a, b) = two_deposits(&mock).await;
    let (first, second) = (next(&mut sink).await, next(&mut sink).await);
    assert_eq!(first.body, second.body);
    assert_eq!(first.reference, a.reference().as_str());
    assert_eq!(second.fault.as_deref(), Some("duplicated"));
    assert_eq!(next(&mut sink).await.reference, b.reference().as_str());
}

#[tokio::test(start_paused = true)]
async fn out_of_order_callbacks_swap_with_the_next_one() {
    let mock = MockQosic::in_process();
    let mut sink = mock.callback_sink();
    mock.callback_fault(CallbackFault::out_of_order().times(2));
    let (a, b) = two_deposits(&mock).await;
    // `a` is held until `b` has gone (b's own fault is spent on nothing: it goes first).
    assert_eq!(next(&mut sink).await.reference, b.reference().as_str());
    let held = next(&mut sink).await;
    assert_eq!(
        (held.reference.as_str(), held.fault.as_deref()),
        (a.reference().as_str(), Some("out of order"))
    );
    // Alone, a held callback still goes, once the hold (60 s of tokio's clock) is over.
    mock.callback_fault(CallbackFault::out_of_order().times(1));
    let c = mock
        .client()
        .deposit(DepositRequest::new("22997000100", 3))
        .await
        .unwrap();
    assert_eq!(next(&mut sink).await.reference, c.reference().as_str());
}

#[tokio::test(start_paused = true)]
async fn a_forged_callback_says_successful_for_a_failed_payment() {
    let mock = MockQosic::in_process();
    let mut sink = mock.callback_sink();
    mock.callback_fault(CallbackFault::forged().times(1));
    let client = mock.client();
    // A success is left alone: forging it would tell nothing.
    let ok = client
        .pay(PaymentRequest::new("22997000100", 100))
        .await
        .unwrap();
    assert_eq!(next(&mut sink).await.fault, None);
    let declined = client
        .pay(PaymentRequest::new("22997000190", 2500))
        .await
        .unwrap();
    assert_eq!(declined.status(), Status::Failed);
    let forged = next(&mut sink).await;
    assert_eq!(forged.reference, declined.reference().as_str());
    assert_eq!(forged.fault.as_deref(), Some("forged"));
    let json = forged.json();
    assert_eq!(
        (&json["status"], &json["code"], &json["amount"]),
        (&json!("SUCCESSFUL"), &json!("200"), &json!("2500"))
    );
    // The server's own state did not move.
    mock.assert_not_debited(declined.reference());
    mock.assert_debited_once(ok.reference());

    // Any reference, on demand: a payment still pending, one the server never saw.
    let pending = client
        .initiate(PaymentRequest::new("22997000193", 900))
        .await
        .unwrap();
    mock.forge_callback(pending.reference().as_str(), None);
    let cb = next(&mut sink).await;
    assert_eq!((cb.status.as_str(), cb.amount), ("SUCCESSFUL", 900));
    mock.forge_callback("NEVER-SEEN", Some(42));
    let cb = next(&mut sink).await;
    assert_eq!((cb.reference.as_str(), cb.amount), ("NEVER-SEEN", 42));
    assert_eq!(cb.json()["serviceRef"], "0");
    // Checked by status, it is pending: a receiver must refuse it.
    let lookup = Lookup::parse(pending.reference().as_str(), "22997000193").unwrap();
    assert_eq!(
        client.check_status(lookup).await.unwrap().status(),
        Status::Pending
    );
}

#[tokio::test(start_paused = true)]
async fn a_full_queue_drops_and_journals() {
    let mock = MockQosic::builder().callback_queue(1).build_in_process();
    let mut sink = mock.callback_sink();
    // The first callback waits 30 s on a timer, holding the queue's only place.
    mock.callback_fault(CallbackFault::delayed(Duration::from_secs(30)).times(1));
    let (a, b) = two_deposits(&mock).await;
    let dropped = mock.callbacks();
    assert_eq!(dropped.len(), 1);
    assert_eq!(dropped[0].reference, b.reference().as_str());
    match &dropped[0].delivery {
        CallbackDelivery::Dropped { reason } => assert!(
            reason.starts_with("the callback queue is full (1 callbacks waiting"),
            "{reason}"
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(next(&mut sink).await.reference, a.reference().as_str());
    // The place is free again.
    let c = mock
        .client()
        .deposit(DepositRequest::new("22997000100", 3))
        .await
        .unwrap();
    assert_eq!(next(&mut sink).await.reference, c.reference().as_str());
}

#[tokio::test(start_paused = true)]
async fn a_reset_forgets_callbacks_not_sent_yet() {
    let mock = MockQosic::in_process();
    mock.subscriber(
        "22997000001",
        Subscriber::approves_after(Duration::from_secs(60)),
    );
    let mut sink = mock.callback_sink();
    mock.client()
        .initiate(PaymentRequest::new("22997000001", 100))
        .await
        .unwrap();
    mock.reset();
    tokio::time::sleep(Duration::from_secs(120)).await;
    let after = mock
        .client()
        .deposit(DepositRequest::new("22997000100", 5))
        .await
        .unwrap();
    let cb = next(&mut sink).await;
    assert_eq!(
        (cb.seq, cb.reference.as_str()),
        (1, after.reference().as_str())
    );
    assert_eq!(mock.callbacks().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn no_url_and_no_sink_means_no_callbacks() {
    let mock = MockQosic::in_process();
    mock.client()
        .deposit(DepositRequest::new("22997000100", 5))
        .await
        .unwrap();
    assert!(mock.callbacks().is_empty());
    assert_eq!(mock.callback_url(), None);
}

#[tokio::test(start_paused = true)]
async fn the_sink_and_the_journal_are_capped() {
    let mock = MockQosic::builder()
        .callback_queue(2 * qosic_mock::CALLBACK_SINK_CAPACITY)
        .build_in_process();
    let mut old = mock.callback_sink();
    let mut sink = mock.callback_sink();
    // A newer sink ends the older one.
    assert!(old.next().await.is_none());
    let transport = mock.transport();
    let total = qosic_mock::CALLBACK_SINK_CAPACITY + 1;
    for i in 0..total {
        let body = deposit("22997000100", "1", &format!("D-{i}"), "MTN_CLIENT");
        let request = qosic_core::ApiRequest::new(
            format!("{}{MTN_DEPOSIT}", mock.uri()),
            mock.credentials(),
            body.to_string().into_bytes(),
        );
        qosic_core::Transport::send(&transport, request)
            .await
            .unwrap();
    }
    while mock.callbacks().len() < total {
        tokio::task::yield_now().await;
    }
    assert_eq!(sink.missed(), 1);
    let mut read = 0;
    while sink.try_next().is_some() {
        read += 1;
    }
    assert_eq!(read, qosic_mock::CALLBACK_SINK_CAPACITY);

    // The journal of callbacks keeps as many as the journal of requests.
    let mock = MockQosic::builder().journal_capacity(1).build_in_process();
    let mut sink = mock.callback_sink();
    let client = mock.client();
    for amount in [1, 2] {
        client
            .deposit(DepositRequest::new("22997000100", amount))
            .await
            .unwrap();
        next(&mut sink).await;
    }
    let journal = mock.callbacks();
    assert_eq!(
        (journal.len(), journal[0].seq, journal[0].amount),
        (1, 2, 2)
    );
}

#[test]
fn callback_faults_are_capped() {
    let mock = MockQosic::in_process();
    for _ in 0..1024 {
        mock.callback_fault(CallbackFault::dropped());
    }
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        mock.callback_fault(CallbackFault::dropped());
    }));
    assert!(panicked.is_err());
    mock.clear_callback_faults();
    mock.callback_fault(CallbackFault::dropped());
}

/// A reset forgets the callbacks waiting on a timer and gives their places in the queue back
/// at once, rather than when their timers would have fired.
#[tokio::test(start_paused = true)]
async fn a_reset_frees_the_places_of_callbacks_on_a_timer() {
    let mock = MockQosic::builder().callback_queue(2).build_in_process();
    let mut sink = mock.callback_sink();
    let client = mock.client();
    for phone in ["22997000101", "22997000102"] {
        mock.subscriber(phone, Subscriber::approves_after(Duration::from_secs(600)));
        client
            .initiate(PaymentRequest::new(phone, 1000))
            .await
            .unwrap();
    }
    mock.reset();
    let (a, b) = two_deposits(&mock).await;
    assert_eq!(next(&mut sink).await.reference, a.reference().as_str());
    assert_eq!(next(&mut sink).await.reference, b.reference().as_str());
    assert!(
        mock.callbacks().iter().all(|c| c.delivered()),
        "{:?}",
        mock.callbacks()
    );
}
