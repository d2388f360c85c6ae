//! Refunds from the admin: sent at most once (two clicks, SIGKILL at each step), the order
//! `refunded`, an `order.refunded` event; MOOV orders say QosIc has no MOOV refund.

use std::time::Duration;

use qosic::mock::{Endpoint, Fault, MockQosic, Subscriber};
use qosic_checkout::State;
use serde_json::Value;

use crate::support::*;

async fn refund(base: &str, reference: &str) -> (u16, Value) {
    let response = http()
        .post(format!("{base}/admin/orders/{reference}/refund"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body = response.bytes().await.unwrap();
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

async fn admin_page(base: &str, reference: &str) -> String {
    http()
        .get(format!("{base}/admin/order/{reference}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn wait_refund(base: &str, reference: &str, state: &str) -> String {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let page = admin_page(base, reference).await;
        if page.contains(&format!("Refund: <strong>{state}</strong>")) {
            return page;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never {state}: {page}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_mtn_order_is_refunded_once_from_its_admin_page_and_moov_says_why_not() {
    let dir = tempfile::tempdir().unwrap();
    let mock = MockQosic::in_process();
    mock.subscriber("22997000570", Subscriber::approves_after_checks(1));
    let app = start_shop(&mock, dir.path(), Duration::from_secs(4)).await;
    let base = app.url();
    let reference = order(&base, "22997000570", 3000).await;
    wait_state(&base, &reference, State::Confirmed).await;

    let page = admin_page(&base, &reference).await;
    assert!(
        page.contains("id=\"refund\">Refund 3\u{202F}000\u{A0}FCFA to 22997****70"),
        "{page}"
    );
    // Two clicks at once: one refund.
    let (a, b) = tokio::join!(refund(&base, &reference), refund(&base, &reference));
    assert_eq!((a.0, b.0), (202, 202), "{a:?} {b:?}");
    wait_state(&base, &reference, State::Refunded).await;
    wait_refund(&base, &reference, "refunded").await;
    assert_eq!(refund(&base, &reference).await.0, 202);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(mock.request_count(Endpoint::MtnRefund), 1);
    let customer = http()
        .get(format!("{base}/orders/{reference}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(customer.contains("Paiement remboursé"), "{customer}");

    // MOOV: the button says so, and the route refuses.
    let moov = order(&base, "0158000571", 1000).await;
    wait_state(&base, &moov, State::Confirmed).await;
    let page = admin_page(&base, &moov).await;
    assert!(page.contains("QosIc has no MOOV refund"), "{page}");
    let (status, body) = refund(&base, &moov).await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("no MOOV refund"),
        "{body}"
    );
    // Not paid: nothing to refund.
    let declined = order(&base, "22997000590", 1000).await;
    wait_state(&base, &declined, State::Failed).await;
    assert_eq!(refund(&base, &declined).await.0, 409);
    assert_eq!(mock.request_count(Endpoint::MtnRefund), 1);
    app.stop().await;
}

fn args(db: &str, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = [
        "--listen",
        "127.0.0.1:0",
        "--database",
        db,
        "--check-interval",
        "1",
        "--heartbeat",
        "1",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

fn start(args: &[String], mock: &MockQosic) -> AppProcess {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    AppProcess::start(&args, &qosic_env(mock))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refund_killed_at_each_step_is_sent_at_most_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("shop.sqlite").display());
    let mock = MockQosic::start().await;
    for phone in ["22997000572", "22997000573"] {
        mock.subscriber(phone, Subscriber::approves_after_checks(1));
    }
    let mut app = start(&args(&db, &[]), &mock);
    let queued = order(&app.url, "22997000572", 1000).await;
    let in_flight = order(&app.url, "22997000573", 1000).await;
    wait_state(&app.url, &queued, State::Confirmed).await;
    wait_state(&app.url, &in_flight, State::Confirmed).await;
    app.kill();

    // 1. Stored and queued, not run (an instance that runs no jobs), then SIGKILL: the next
    //    instance sends it, once.
    let mut web_only = start(&args(&db, &["--no-worker"]), &mock);
    assert_eq!(refund(&web_only.url, &queued).await.0, 202);
    web_only.kill();
    assert_eq!(mock.request_count(Endpoint::MtnRefund), 0);
    let mut app = start(&args(&db, &[]), &mock);
    wait_state(&app.url, &queued, State::Refunded).await;
    assert_eq!(mock.request_count(Endpoint::MtnRefund), 1);

    // 2. SIGKILL while the refund request is at QosIc (its answer held back): the next
    //    instance never sends it again, and says it is unknown.
    mock.fault(
        Fault::delay(Duration::from_secs(30))
            .on(Endpoint::MtnRefund)
            .times(1),
    );
    assert_eq!(refund(&app.url, &in_flight).await.0, 202);
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while mock.request_count(Endpoint::MtnRefund) < 2 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the refund never left"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    app.kill();
    mock.clear_faults();
    let mut app = start(&args(&db, &[]), &mock);
    let page = wait_refund(&app.url, &in_flight, "unknown").await;
    assert!(page.contains("never sent again"), "{page}");

    // 3. After the answer: a restart changes nothing.
    app.kill();
    let app = start(&args(&db, &[]), &mock);
    tokio::time::sleep(Duration::from_secs(3)).await;
    wait_refund(&app.url, &queued, "refunded").await;
    wait_refund(&app.url, &in_flight, "unknown").await;
    assert_eq!(
        mock.request_count(Endpoint::MtnRefund),
        2,
        "one refund request per order, whatever the crashes"
    );
    drop(app);
}
