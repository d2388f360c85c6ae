//! Callbacks like QosIc's: in-process to a sink on the paused clock, over loopback HTTP to a
//! receiver, their faults, the admin API and the binary's flag.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use qosic_core::{DepositRequest, Lookup, PaymentRequest, Status};
use qosic_mock::{
    CallbackDelivery, CallbackFault, MockQosic, SentCallback, Subscriber, TransactionState,
};
use serde_json::{json, Value};
use tokio::sync::mpsc;

use crate::support::*;

/// What a receiver got.
#[derive(Debug)]
struct Received {
    method: String,
    path: String,
    content_type: String,
    body: String,
}

/// A callback receiver on a loopback port, answering every POST with `answer`; or, with
/// `answer` 0, never answering.
struct Receiver {
    addr: SocketAddr,
    got: mpsc::Receiver<Received>,
}

impl Receiver {
    async fn start(answer: u16) -> Receiver {
        Receiver::start_with(answer, Bytes::from_static(b"thanks")).await
    }

    /// A receiver answering `answer` with `body`.
    async fn start_with(answer: u16, body: Bytes) -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, got) = mpsc::channel(64);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let tx = tx.clone();
                let answer_body = body.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                        let tx = tx.clone();
                        let answer_body = answer_body.clone();
                        async move {
                            let (parts, body) = req.into_parts();
                            let body = body
                                .collect()
                                .await
                                .map(|b| b.to_bytes())
                                .unwrap_or_default();
                            let _ = tx
                                .send(Received {
                                    method: parts.method.to_string(),
                                    path: parts.uri.to_string(),
                                    content_type: parts
                                        .headers
                                        .get("content-type")
                                        .and_then(|v| v.to_str().ok())
                                        .unwrap_or("")
                                        .to_owned(),
                                    body: String::from_utf8_lossy(&body).into_owned(),
                                })
                                .await;
                            if answer == 0 {
                                std::future::pending::<()>().await;
                            }
                            Ok::<_, Infallible>(
                                hyper::Response::builder()
                                    .status(answer)
                                    .body(Full::new(answer_body))
                                    .unwrap(),
                            )
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Receiver { addr, got }
    }

    fn url(&self) -> String {
        format!("http://{}/qosic/callback?shop=7", self.addr)
    }

    async fn next(&mut self) -> Received {
        tokio::time::timeout(Duration::from_secs(10), self.got.recv())
            .await
            .expect("a callback within 10 s")
            .expect("the receiver runs")
    }
}

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

#[tokio::test]
async fn callbacks_reach_a_receiver_over_loopback_with_the_documented_payload() {
    let mut receiver = Receiver::start(200).await;
    let mock = MockQosic::builder()
        .callback_url(receiver.url())
        .start()
        .await;
    let mut sink = mock.callback_sink();
    let h = Harness::with(mock, Via::Http);
    assert_eq!(
        h.post(MTN_PAY, &pay("22997000100", "2000", "CB-1", "MTN_CLIENT"))
            .await
            .status(),
        202
    );
    assert_eq!(
        h.post(MTN_STATUS, &status("CB-1", "MTN_CLIENT"))
            .await
            .code(),
        "00"
    );
    let got = receiver.next().await;
    assert_eq!(
        (
            got.method.as_str(),
            got.path.as_str(),
            got.content_type.as_str()
        ),
        ("POST", "/qosic/callback?shop=7", "application/json")
    );
    let service_ref = h.mock.transaction("CB-1").unwrap().service_ref;
    assert_eq!(
        got.body,
        format!(
            r#"{{"status":"SUCCESSFUL","transRef":"CB-1","specialfield1":"SUCCESSFUL","amount":"2000","serviceRef":"{service_ref}","code":"200"}}"#
        )
    );
    // The journal (and the sink) say what the receiver answered.
    let sent = sink.next_within(Duration::from_secs(10)).await.unwrap();
    assert_eq!(sent.url.as_deref(), Some(receiver.url().as_str()));
    assert_eq!(
        sent.delivery,
        CallbackDelivery::Answered {
            status: 200,
            body: "thanks".into()
        }
    );
    assert_eq!(h.mock.callbacks(), vec![sent]);

    // MOOV's synchronous decline, over HTTP too.
    assert_eq!(
        h.post(MOOV_PAY, &pay("22995000190", "10", "CB-2", "MOOV_CLIENT"))
            .await
            .code(),
        "-1"
    );
    let got = receiver.next().await;
    assert!(
        got.body
            .starts_with(r#"{"status":"FAILED","transRef":"CB-2","#),
        "{}",
        got.body
    );
}

#[tokio::test]
async fn the_receivers_answer_is_journaled_and_never_retried() {
    let mut receiver = Receiver::start(500).await;
    let mock = MockQosic::start().await;
    mock.set_callback_url(&receiver.url());
    let mut sink = mock.callback_sink();
    let h = Harness::with(mock, Via::Http);
    h.post(
        MTN_DEPOSIT,
        &deposit("22997000100", "10", "D-1", "MTN_CLIENT"),
    )
    .await;
    receiver.next().await;
    let sent = sink.next_within(Duration::from_secs(10)).await.unwrap();
    assert!(
        matches!(
            sent.delivery,
            CallbackDelivery::Answered { status: 500, .. }
        ),
        "{sent:?}"
    );
    // One more deposit: its callback is the next the receiver gets (the 500 was not retried).
    h.post(
        MTN_DEPOSIT,
        &deposit("22997000100", "10", "D-2", "MTN_CLIENT"),
    )
    .await;
    assert!(receiver.next().await.body.contains(r#""transRef":"D-2""#));
}

#[tokio::test]
async fn unreachable_and_silent_receivers_fail_within_the_timeout() {
    // A port with nobody listening.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}/cb", closed.local_addr().unwrap());
    drop(closed);
    let mock = MockQosic::builder()
        .callback_url(&dead)
        .callback_timeout(Duration::from_millis(300))
        .start()
        .await;
    let mut sink = mock.callback_sink();
    let h = Harness::with(mock, Via::Http);
    h.post(
        MTN_DEPOSIT,
        &deposit("22997000100", "10", "D-1", "MTN_CLIENT"),
    )
    .await;
    let sent = sink.next_within(Duration::from_secs(10)).await.unwrap();
    match &sent.delivery {
        CallbackDelivery::Failed { reason } => {
            assert!(
                reason.starts_with("cannot connect to 127.0.0.1:"),
                "{reason}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(!sent.delivered());

    let mut silent = Receiver::start(0).await;
    h.mock.set_callback_url(&silent.url());
    h.post(
        MTN_DEPOSIT,
        &deposit("22997000100", "10", "D-2", "MTN_CLIENT"),
    )
    .await;
    silent.next().await;
    let sent = sink.next_within(Duration::from_secs(10)).await.unwrap();
    match &sent.delivery {
        CallbackDelivery::Failed { reason } => assert!(
            reason.contains("within 300ms (the callback timeout)"),
            "{reason}"
        ),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn the_admin_api_sets_the_url_faults_and_forgeries() {
    let mut receiver = Receiver::start(200).await;
    let mock = MockQosic::start().await;
    let m = &mock;
    let none = admin(m, "GET", "/__admin/callbacks/url", &Value::Null);
    assert_eq!(none.json(), json!({"url": null}));
    let a = admin(
        m,
        "PUT",
        "/__admin/callbacks/url",
        &json!({"url": "https://x/"}),
    );
    assert_eq!(a.status(), 400);
    assert!(
        a.json()["detail"]
            .as_str()
            .unwrap()
            .contains("plain HTTP only"),
        "{}",
        a.text()
    );
    let a = admin(
        m,
        "PUT",
        "/__admin/callbacks/url",
        &json!({"url": receiver.url()}),
    );
    assert_eq!(a.status(), 200, "{}", a.text());
    assert_eq!(m.callback_url(), Some(receiver.url()));

    let a = admin(
        m,
        "POST",
        "/__admin/callbacks/faults",
        &json!({"kind": "forged", "times": 1}),
    );
    assert_eq!(a.status(), 200, "{}", a.text());
    let a = admin(
        m,
        "POST",
        "/__admin/callbacks/faults",
        &json!({"kind": "lost"}),
    );
    assert_eq!(a.status(), 400);
    assert!(a.text().contains("expected one of"), "{}", a.text());

    let auth = basic("merchant", "secret");
    let addr = m.address().unwrap();
    let post = |path: &str, body: Value| {
        http_request(addr, "POST", path, Some(&auth), body.to_string().as_bytes())
    };
    assert_eq!(
        post(MTN_PAY, pay("22997000190", "100", "F-1", "MTN_CLIENT")).status(),
        202
    );
    assert_eq!(post(MTN_STATUS, status("F-1", "MTN_CLIENT")).code(), "-1");
    let forged = receiver.next().await;
    assert!(
        forged
            .body
            .starts_with(r#"{"status":"SUCCESSFUL","transRef":"F-1""#),
        "{}",
        forged.body
    );

    let a = admin(
        m,
        "POST",
        "/__admin/callbacks/forge",
        &json!({"reference": "GHOST"}),
    );
    assert_eq!(a.status(), 400);
    assert!(
        a.text().contains("give the forged callback's amount"),
        "{}",
        a.text()
    );
    // A reference no transref could be (over 64 bytes) is refused, not queued.
    let a = admin(
        m,
        "POST",
        "/__admin/callbacks/forge",
        &json!({"reference": "G".repeat(65), "amount": 5}),
    );
    assert_eq!(a.status(), 400);
    assert!(a.text().contains("at most 64 bytes"), "{}", a.text());
    let a = admin(
        m,
        "POST",
        "/__admin/callbacks/forge",
        &json!({"reference": "GHOST", "amount": 5}),
    );
    assert_eq!(a.status(), 200, "{}", a.text());
    assert!(receiver.next().await.body.contains(r#""transRef":"GHOST""#));

    // The journal, once both callbacks are answered.
    let mut journal = Value::Null;
    for _ in 0..500 {
        journal = admin(m, "GET", "/__admin/callbacks", &Value::Null).json();
        if journal.as_array().is_some_and(|j| j.len() == 2) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let entries = journal.as_array().unwrap();
    assert_eq!(entries.len(), 2, "{journal}");
    assert_eq!(entries[0]["reference"], "F-1");
    assert_eq!(entries[0]["fault"], "forged");
    assert_eq!(entries[0]["body"]["status"], "SUCCESSFUL");
    assert_eq!(
        entries[0]["delivery"],
        json!({"outcome": "answered", "status": 200, "body": "thanks"})
    );
    assert_eq!(entries[1]["reference"], "GHOST");

    assert_eq!(
        admin(m, "DELETE", "/__admin/callbacks/faults", &Value::Null).status(),
        200
    );
    assert_eq!(
        admin(m, "DELETE", "/__admin/callbacks/url", &Value::Null).status(),
        200
    );
    assert_eq!(m.callback_url(), None);
    assert_eq!(
        admin(m, "POST", "/__admin/reset", &Value::Null).status(),
        200
    );
    assert_eq!(
        admin(m, "GET", "/__admin/callbacks", &Value::Null).json(),
        json!([])
    );
    assert_eq!(
        admin(m, "PATCH", "/__admin/callbacks/url", &Value::Null).status(),
        404
    );
}

#[tokio::test]
async fn bad_callback_settings_are_refused() {
    let err = MockQosic::builder()
        .callback_url("https://example.com/hook")
        .try_start()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("plain HTTP only"), "{err}");
    let err = MockQosic::builder()
        .callback_timeout(Duration::ZERO)
        .try_start()
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "callback_timeout must be longer than zero");
    let panicked = std::panic::catch_unwind(|| {
        let _ = MockQosic::builder().callback_queue(0).build_in_process();
    });
    assert!(panicked.is_err());
}

#[test]
fn the_binary_posts_callbacks_to_its_callback_url() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut receiver = runtime.block_on(Receiver::start(200));
    let url = receiver.url();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_qosic-mock"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("QOSIC_") {
            command.env_remove(name);
        }
    }
    let mut child = command
        .args(["--listen", "127.0.0.1:0", "--callback-url", &url])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn qosic-mock");
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let stdout = child.stdout.take().unwrap();
    let child = Kill(child);
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line).unwrap();
    let addr: SocketAddr = line
        .trim()
        .strip_prefix("listening on http://")
        .unwrap()
        .parse()
        .unwrap();
    let answer = http_request(
        addr,
        "POST",
        MTN_DEPOSIT,
        Some(&basic("merchant", "secret")),
        deposit("22997000100", "75", "BIN-1", "MTN_CLIENT")
            .to_string()
            .as_bytes(),
    );
    assert_eq!(answer.status(), 200);
    let got = runtime.block_on(receiver.next());
    assert!(
        got.body.starts_with(r#"{"status":"SUCCESSFUL","transRef":"BIN-1","specialfield1":"SUCCESSFUL","amount":"75","#),
        "{}",
        got.body
    );
    let a = http_request(addr, "GET", "/__admin/callbacks/url", None, b"");
    assert_eq!(a.json()["url"], url);
    drop(child);
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

#[tokio::test]
async fn a_long_answer_is_not_kept() {
    let mut receiver = Receiver::start_with(202, Bytes::from(vec![b'x'; 2048])).await;
    let mock = MockQosic::builder()
        .callback_url(receiver.url())
        .start()
        .await;
    let mut sink = mock.callback_sink();
    let h = Harness::with(mock, Via::Http);
    h.post(
        MTN_DEPOSIT,
        &deposit("22997000100", "10", "D-1", "MTN_CLIENT"),
    )
    .await;
    receiver.next().await;
    let sent = sink.next_within(Duration::from_secs(10)).await.unwrap();
    assert_eq!(
        sent.delivery,
        CallbackDelivery::Answered {
            status: 202,
            body: "(an answer body over 1024 bytes, not kept)".into()
        }
    );
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

/// Callbacks go only to loopback addresses unless the server allows any host: a server
/// reachable from the network cannot be made to post to other machines.
#[tokio::test]
async fn callbacks_go_to_loopback_only_unless_allowed() {
    // 192.0.2.1 is TEST-NET-1: never routed.
    let far = "http://192.0.2.1:9/cb";
    for anywhere in [false, true] {
        let mock = MockQosic::builder()
            .callback_url(far)
            .callbacks_anywhere(anywhere)
            .callback_timeout(Duration::from_millis(300))
            .start()
            .await;
        let mut sink = mock.callback_sink();
        let h = Harness::with(mock, Via::Http);
        h.post(
            MTN_DEPOSIT,
            &deposit("22997000100", "10", "D-1", "MTN_CLIENT"),
        )
        .await;
        let sent = sink.next_within(Duration::from_secs(10)).await.unwrap();
        let CallbackDelivery::Failed { reason } = &sent.delivery else {
            panic!("{:?}", sent.delivery)
        };
        let refused = reason.contains("192.0.2.1:9 is not a loopback address (192.0.2.1)")
            && reason.contains("--callbacks-anywhere");
        assert_eq!(refused, !anywhere, "{reason}");
    }
    // `localhost` resolves to loopback: allowed by default.
    let mut receiver = Receiver::start(200).await;
    let url = receiver.url().replace("127.0.0.1", "localhost");
    let mock = MockQosic::builder().callback_url(&url).start().await;
    let h = Harness::with(mock, Via::Http);
    h.post(
        MTN_DEPOSIT,
        &deposit("22997000100", "10", "D-2", "MTN_CLIENT"),
    )
    .await;
    assert!(receiver.next().await.body.contains(r#""transRef":"D-2""#));
}
