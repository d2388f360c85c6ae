//! Signed events to the merchant: a receiver that drops the connection, answers too late and
//! answers 500 still gets every event at least once, each verifying with the shipped function;
//! the documented Python example verifies them too.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use qosic::mock::{Endpoint, MockQosic, Subscriber};
use qosic_checkout::config::Database;
use qosic_checkout::events::{verify_signature, SignatureError};
use qosic_checkout::State;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::language::form_body;
use crate::multi::{Scratch, HOW};
use crate::support::*;

const SECRET: &str = "whsec_0123456789abcdef";

/// What the receiver does with the next request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    /// Closes the connection without answering.
    Drop,
    /// Answers after the shop's timeout.
    Delay,
    /// Answers 500.
    Fail,
    /// Answers 200.
    Accept,
}

#[derive(Debug, Clone)]
struct Received {
    at: std::time::Instant,
    signature: String,
    body: Vec<u8>,
    act: Act,
}

/// A receiver on a loopback port that acts out `script`, then accepts everything.
async fn receiver(script: Vec<Act>) -> (String, Arc<Mutex<Vec<Received>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/events", listener.local_addr().unwrap());
    let log = Arc::new(Mutex::new(Vec::<Received>::new()));
    let seen = Arc::clone(&log);
    tokio::spawn(async move {
        let mut script = script.into_iter();
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let act = script.next().unwrap_or(Act::Accept);
            let seen = Arc::clone(&seen);
            tokio::spawn(async move {
                let mut data = Vec::new();
                let mut buf = [0u8; 4096];
                let (head, body) = loop {
                    let Ok(n) = socket.read(&mut buf).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    data.extend_from_slice(&buf[..n]);
                    if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&data[..end]).to_string();
                        let length = head
                            .lines()
                            .find_map(|l| {
                                let (k, v) = l.split_once(':')?;
                                k.eq_ignore_ascii_case("content-length")
                                    .then(|| v.trim().parse::<usize>().ok())?
                            })
                            .unwrap_or(0);
                        while data.len() < end + 4 + length {
                            let Ok(n) = socket.read(&mut buf).await else {
                                return;
                            };
                            if n == 0 {
                                return;
                            }
                            data.extend_from_slice(&buf[..n]);
                        }
                        break (head, data[end + 4..end + 4 + length].to_vec());
                    }
                };
                let signature = head
                    .lines()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case("checkout-signature")
                            .then(|| v.trim().to_owned())
                    })
                    .unwrap_or_default();
                seen.lock().unwrap().push(Received {
                    at: std::time::Instant::now(),
                    signature,
                    body,
                    act,
                });
                let answer = |status: &str| {
                    format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                };
                match act {
                    Act::Drop => {}
                    Act::Delay => {
                        tokio::time::sleep(Duration::from_secs(3)).await;
                        let _ = socket.write_all(answer("200 OK").as_bytes()).await;
                    }
                    Act::Fail => {
                        let _ = socket
                            .write_all(answer("500 Internal Server Error").as_bytes())
                            .await;
                    }
                    Act::Accept => {
                        let _ = socket.write_all(answer("200 OK").as_bytes()).await;
                    }
                }
            });
        }
    });
    (url, log)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_arrives_signed_despite_drops_delays_and_500s() {
    let dir = tempfile::tempdir().unwrap();
    deliver_through_faults(Database::Sqlite(dir.path().join("shop.sqlite"))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres_every_event_arrives_signed_despite_drops_delays_and_500s() {
    let Some(scratch) = postgres("the events test on Postgres").await else {
        return;
    };
    deliver_through_faults(Database::Postgres(scratch.url.clone())).await;
    scratch.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_the_receiver_always_refuses_is_tried_with_backoff_then_given_up() {
    let dir = tempfile::tempdir().unwrap();
    give_up(Database::Sqlite(dir.path().join("shop.sqlite"))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres_an_event_the_receiver_always_refuses_is_tried_with_backoff_then_given_up() {
    let Some(scratch) = postgres("the events give-up test on Postgres").await else {
        return;
    };
    give_up(Database::Postgres(scratch.url.clone())).await;
    scratch.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refund_from_the_admin_sends_an_order_refunded_event() {
    let dir = tempfile::tempdir().unwrap();
    refunded_event(Database::Sqlite(dir.path().join("shop.sqlite"))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres_a_refund_from_the_admin_sends_an_order_refunded_event() {
    let Some(scratch) = postgres("the refund event test on Postgres").await else {
        return;
    };
    refunded_event(Database::Postgres(scratch.url.clone())).await;
    scratch.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres_two_instances_make_each_event_once_and_deliver_it() {
    let Some(scratch) = postgres("the two-instance events test on Postgres").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mock = MockQosic::in_process();
    let phones: Vec<String> = (0..10).map(|i| format!("229970006{i:02}")).collect();
    for phone in &phones {
        mock.subscriber(phone, Subscriber::approves_after_checks(1));
    }
    // The receiver fails now and then: tries are spread over both instances' workers.
    let (url, log) = receiver(vec![Act::Fail, Act::Accept, Act::Drop, Act::Fail]).await;
    let config = |instance: &str| {
        let mut config = test_config(&dir.path().join("unused.sqlite"), Duration::from_secs(4));
        config.database = Database::Postgres(scratch.url.clone());
        config.instance = instance.to_owned();
        config.webhook_url = Some(url.clone());
        config.webhook_secret = Some(qosic::Secret::from(SECRET));
        config.webhook_retry_base = Duration::from_millis(200);
        config.webhook_timeout = Duration::from_secs(1);
        config.orders_per_client = 1000;
        config
    };
    let a = start_app(&mock, config("a")).await;
    let b = start_app(&mock, config("b")).await;
    let mut references = Vec::new();
    for (i, phone) in phones.iter().enumerate() {
        let app = if i % 2 == 0 { &a } else { &b };
        references.push(order(&app.url(), phone, 1000).await);
    }
    for reference in &references {
        wait_state(&a.url(), reference, State::Confirmed).await;
    }
    let deadline = tokio::time::Instant::now() + PATIENCE;
    let events = loop {
        let admin = admin_events(&b.url()).await;
        let events = admin["events"].as_array().unwrap().clone();
        if events.len() == references.len() && events.iter().all(|e| !e["delivered_at"].is_null()) {
            break events;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not every event delivered: {admin}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    // One event per order, though both instances swept the same transitions.
    let made: std::collections::BTreeSet<&str> = events
        .iter()
        .map(|e| e["reference"].as_str().unwrap())
        .collect();
    assert_eq!(made.len(), references.len(), "{events:?}");
    for reference in &references {
        assert!(made.contains(reference.as_str()), "{reference}");
    }
    let received = log.lock().unwrap().clone();
    let accepted: Vec<String> = received
        .iter()
        .filter(|r| r.act == Act::Accept)
        .map(|r| {
            serde_json::from_slice::<Value>(&r.body).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let distinct: std::collections::BTreeSet<&String> = accepted.iter().collect();
    assert_eq!(distinct.len(), references.len(), "{accepted:?}");
    a.stop().await;
    b.stop().await;
    scratch.drop().await;
}

/// A database of its own on `CHECKOUT_TEST_POSTGRES`; `None` (the test skipped, or failed in
/// CI) when it is not set.
async fn postgres(test: &str) -> Option<Scratch> {
    let Ok(admin) = std::env::var("CHECKOUT_TEST_POSTGRES") else {
        missing(test, "CHECKOUT_TEST_POSTGRES is not set", HOW);
        return None;
    };
    Some(Scratch::create(&admin).await)
}

/// `/admin/events`, as JSON.
async fn admin_events(base: &str) -> Value {
    serde_json::from_slice(
        &http()
            .get(format!("{base}/admin/events"))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap(),
    )
    .unwrap()
}

/// A payment link and two orders of the form settle on `database` while the receiver drops,
/// delays and fails its first five requests: every event arrives, signed, at least once.
async fn deliver_through_faults(database: Database) {
    let dir = tempfile::tempdir().unwrap();
    let mock = MockQosic::in_process();
    mock.subscriber("22997000560", Subscriber::approves_after_checks(1));
    mock.subscriber("22997000561", Subscriber::approves_after_checks(1));
    let (url, log) = receiver(vec![Act::Drop, Act::Delay, Act::Fail, Act::Drop, Act::Fail]).await;
    let mut config = test_config(&dir.path().join("shop.sqlite"), Duration::from_secs(4));
    config.database = database;
    config.webhook_url = Some(url);
    config.webhook_secret = Some(qosic::Secret::from(SECRET));
    config.webhook_retry_base = Duration::from_millis(200);
    config.webhook_timeout = Duration::from_secs(1);
    config.api_key = Some(qosic::Secret::from("merchant-key-0123456789"));
    let app = start_app(&mock, config).await;
    let base = app.url();

    // A payment link with the merchant's reference, and two orders of the form.
    let response = http()
        .post(format!("{base}/api/orders"))
        .header("authorization", "Bearer merchant-key-0123456789")
        .header("content-type", "application/json")
        .body(r#"{"amount": 2500, "description": "Pagne", "merchant_reference": "CMD-77"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let link: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    let response = http()
        .post(format!("{base}/pay/{}", link["id"].as_str().unwrap()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_body(&[("phone", "22997000560")]))
        .send()
        .await
        .unwrap();
    let paid_link = response.headers()["location"].to_str().unwrap()[8..].to_owned();
    // The form's route is off with the API on: orders of the engine directly.
    let engine = app.engine();
    let mut references = vec![paid_link.clone()];
    for phone in ["22997000561", "22997000590"] {
        let form = qosic_checkout::web::OrderForm {
            phone: phone.to_owned(),
            amount: "1000".to_owned(),
            ..Default::default()
        };
        let new = qosic_checkout::web::validate(engine.client(), &form, 10_000).unwrap();
        references.push(engine.create(&new).await.unwrap().0.reference);
    }
    wait_state(&base, &references[0], State::Confirmed).await;
    wait_state(&base, &references[1], State::Confirmed).await;
    wait_state(&base, &references[2], State::Failed).await;

    // Every event delivered (answered 200) at least once.
    let deadline = tokio::time::Instant::now() + PATIENCE;
    let delivered = loop {
        let delivered: Vec<Received> = log
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.act == Act::Accept)
            .cloned()
            .collect();
        let ids: std::collections::BTreeSet<String> = delivered
            .iter()
            .map(|r| {
                serde_json::from_slice::<Value>(&r.body).unwrap()["data"]["reference"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        if references.iter().all(|r| ids.contains(r)) {
            break delivered;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not every event arrived: {:?}",
            log.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let all = log.lock().unwrap().clone();
    assert!(all.iter().any(|r| r.act == Act::Drop) && all.iter().any(|r| r.act == Act::Delay));
    for received in &all {
        verify_signature(
            &received.signature,
            &received.body,
            SECRET,
            Duration::from_secs(300),
        )
        .unwrap_or_else(|e| panic!("{e}: {}", received.signature));
        let mut tampered = received.body.clone();
        tampered.extend_from_slice(b" ");
        assert_eq!(
            verify_signature(
                &received.signature,
                &tampered,
                SECRET,
                Duration::from_secs(300)
            ),
            Err(SignatureError::Mismatch)
        );
    }
    let event = |reference: &str| -> Value {
        let r = delivered
            .iter()
            .find(|r| String::from_utf8_lossy(&r.body).contains(reference))
            .unwrap();
        serde_json::from_slice(&r.body).unwrap()
    };
    let paid = event(&references[0]);
    assert_eq!(paid["type"], "order.paid");
    assert_eq!(paid["data"]["merchant_reference"], "CMD-77");
    assert_eq!(paid["data"]["amount"], 2500);
    assert!(paid["id"].as_str().unwrap().starts_with("evt_"));
    assert_eq!(event(&references[2])["type"], "order.failed");
    assert_eq!(event(&references[1])["type"], "order.paid");
    // The same event keeps its id through its tries.
    let ids: std::collections::BTreeSet<String> = all
        .iter()
        .map(|r| {
            serde_json::from_slice::<Value>(&r.body).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 3, "three events, whatever the tries");

    // The admin sees them, delivered, with their tries.
    let admin = admin_events(&base).await;
    let events = admin["events"].as_array().unwrap();
    assert_eq!(events.len(), 3, "{admin}");
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let admin = admin_events(&base).await;
        let events = admin["events"].as_array().unwrap().clone();
        if events.iter().all(|e| !e["delivered_at"].is_null()) {
            let tries: i64 = events.iter().map(|e| e["attempts"].as_i64().unwrap()).sum();
            assert!(tries >= 8, "5 failed tries and 3 delivered: {admin}");
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{admin}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.stop().await;
}

/// An order fails on `database`; the receiver answers 500 to every try: each try waits at
/// least twice as long as the one before, and past the period the event is given up, and
/// tried no more.
async fn give_up(database: Database) {
    let dir = tempfile::tempdir().unwrap();
    let mock = MockQosic::in_process();
    let (url, log) = receiver(vec![Act::Fail; 1000]).await;
    let mut config = test_config(&dir.path().join("shop.sqlite"), Duration::from_secs(4));
    config.database = database;
    config.webhook_url = Some(url);
    config.webhook_secret = Some(qosic::Secret::from(SECRET));
    let base_backoff = Duration::from_millis(300);
    config.webhook_retry_base = base_backoff;
    config.webhook_timeout = Duration::from_secs(1);
    config.webhook_period = Duration::from_secs(4);
    let app = start_app(&mock, config).await;
    let base = app.url();
    let reference = order(&base, "22997000590", 1000).await;
    wait_state(&base, &reference, State::Failed).await;

    let deadline = tokio::time::Instant::now() + PATIENCE;
    let event = loop {
        let admin = admin_events(&base).await;
        if let Some(event) = admin["events"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["gave_up"] == true)
        {
            break event.clone();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never given up: {admin}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(event["reference"], reference.as_str(), "{event}");
    assert_eq!(event["type"], "order.failed", "{event}");
    assert!(event["delivered_at"].is_null(), "{event}");
    assert!(event["next_at"].is_null(), "no next try: {event}");
    assert!(
        event["last_error"]
            .as_str()
            .unwrap()
            .contains("500 Internal Server Error"),
        "{event}"
    );
    let attempts = event["attempts"].as_i64().unwrap();
    assert!(attempts >= 2, "tried again before giving up: {event}");
    // A given-up event is tried no more: the receiver saw exactly the tries counted, even a
    // while later.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let tries = log.lock().unwrap().clone();
    assert_eq!(tries.len() as i64, attempts, "{tries:?}");
    // Try n+1 came no sooner than 2^n times the base after try n (the next try is due only
    // after the backoff, so slowness cannot break this).
    for (n, pair) in tries.windows(2).enumerate() {
        let gap = pair[1].at - pair[0].at;
        let backoff = base_backoff * (1 << n);
        assert!(
            gap >= backoff,
            "try {} came {gap:?} after try {}, before its backoff {backoff:?}",
            n + 2,
            n + 1
        );
    }
    for received in &tries {
        verify_signature(
            &received.signature,
            &received.body,
            SECRET,
            Duration::from_secs(300),
        )
        .unwrap();
    }
    app.stop().await;
}

/// An order paid, then refunded from the admin on `database`: the receiver gets
/// `order.paid`, then `order.refunded`, both signed; QosIc got one refund request.
async fn refunded_event(database: Database) {
    let dir = tempfile::tempdir().unwrap();
    let mock = MockQosic::in_process();
    mock.subscriber("22997000562", Subscriber::approves_after_checks(1));
    let (url, log) = receiver(Vec::new()).await;
    let mut config = test_config(&dir.path().join("shop.sqlite"), Duration::from_secs(4));
    config.database = database;
    config.webhook_url = Some(url);
    config.webhook_secret = Some(qosic::Secret::from(SECRET));
    let app = start_app(&mock, config).await;
    let base = app.url();
    let reference = order(&base, "22997000562", 2000).await;
    wait_state(&base, &reference, State::Confirmed).await;
    let response = http()
        .post(format!("{base}/admin/orders/{reference}/refund"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    wait_state(&base, &reference, State::Refunded).await;

    let deadline = tokio::time::Instant::now() + PATIENCE;
    let kinds = loop {
        let kinds: Vec<(String, Value)> = log
            .lock()
            .unwrap()
            .iter()
            .map(|r| {
                verify_signature(&r.signature, &r.body, SECRET, Duration::from_secs(300)).unwrap();
                let event: Value = serde_json::from_slice(&r.body).unwrap();
                (event["type"].as_str().unwrap().to_owned(), event)
            })
            .collect();
        if kinds.iter().any(|(kind, _)| kind == "order.refunded") {
            break kinds;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no order.refunded event: {kinds:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    // Two events (their deliveries may cross): the payment's and the refund's.
    let mut types: Vec<&str> = kinds.iter().map(|(kind, _)| kind.as_str()).collect();
    types.sort_unstable();
    assert_eq!(types, ["order.paid", "order.refunded"], "{kinds:?}");
    let event = |kind: &str| &kinds.iter().find(|(k, _)| k == kind).unwrap().1;
    let refunded = event("order.refunded");
    assert_eq!(refunded["data"]["reference"], reference.as_str());
    assert_eq!(refunded["data"]["state"], "refunded");
    assert_eq!(refunded["data"]["amount"], 2000);
    assert_ne!(
        refunded["id"],
        event("order.paid")["id"],
        "an event of its own"
    );
    assert_eq!(mock.request_count(Endpoint::MtnRefund), 1);
    app.stop().await;
}

/// The Python example of the docs (`checkout/src/events.rs`), run as written.
#[tokio::test]
async fn the_documented_python_example_verifies_a_signature_and_refuses_tampering_and_age() {
    if std::process::Command::new("python3")
        .arg("--version")
        .output()
        .is_err()
    {
        missing(
            "the Python example test",
            "python3 is not installed",
            "apt-get install -y python3",
        );
        return;
    }
    let source = include_str!("../../src/events.rs");
    let start = source.find("//! ```python\n").expect("a Python example") + "//! ```python\n".len();
    let end = start + source[start..].find("//! ```").unwrap();
    let example: String = source[start..end]
        .lines()
        .map(|l| {
            l.strip_prefix("//! ")
                .or_else(|| l.strip_prefix("//!"))
                .unwrap_or(l)
        })
        .collect::<Vec<_>>()
        .join("\n");
    // The README shows the same example, word for word.
    let readme = include_str!("../../../README.md");
    assert!(
        readme.contains(&format!("```python\n{example}")),
        "the README's Python example differs from the one tested (checkout/src/events.rs)"
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let body = r#"{"id":"evt_X_3","type":"order.paid","data":{"amount":1500}}"#;
    let good = qosic_checkout::events::sign(body.as_bytes(), SECRET, now);
    let old = qosic_checkout::events::sign(body.as_bytes(), SECRET, now - 3600);
    let script = format!(
        "{example}\n\nbody = {body:?}.encode()\n\
         print(verify({good:?}, body, {SECRET:?}))\n\
         print(verify({good:?}, body + b' ', {SECRET:?}))\n\
         print(verify({good:?}, body, 'another-secret'))\n\
         print(verify({old:?}, body, {SECRET:?}))\n"
    );
    let output = tokio::process::Command::new("python3")
        .arg("-c")
        .arg(&script)
        .output()
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "True\nFalse\nFalse\nFalse\n",
        "{script}"
    );
}
