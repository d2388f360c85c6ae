//! Operations: `/healthz`, `/readyz` and `/metrics`; reconciliation jobs for orders an older
//! version left without one; and a callback that comes while a status check is in flight.

use std::sync::Arc;
use std::time::Duration;

use qosic::mock::{Endpoint, Fault, MockQosic, Subscriber};
use qosic_checkout::config::Database;
use qosic_checkout::hub::Hub;
use qosic_checkout::jobs::{CheckNow, Engine};
use qosic_checkout::store::{Drive, NewOrder, Store, QUEUE};
use qosic_checkout::State;
use serde_json::Value;
use sqlx::Connection;

use crate::bounds::metric;
use crate::support::*;

async fn get_text(url: String) -> (u16, String) {
    let response = http().get(url).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_readyz_and_metrics_answer_with_what_the_shop_did() {
    let dir = tempfile::tempdir().unwrap();
    let mock = MockQosic::in_process();
    mock.subscriber("22997000620", Subscriber::approves_after_checks(2));
    let app = start_shop(&mock, dir.path(), Duration::from_secs(4)).await;
    let base = app.url();

    assert_eq!(
        get_text(format!("{base}/healthz")).await,
        (200, "ok\n".to_owned())
    );
    // Ready once the worker has registered and sent its heartbeat.
    let deadline = tokio::time::Instant::now() + PATIENCE;
    let ready = loop {
        let (status, body) = get_text(format!("{base}/readyz")).await;
        let body: Value = serde_json::from_str(&body).unwrap();
        if status == 200 {
            break body;
        }
        assert_eq!(status, 503);
        assert_eq!(body["ready"], false, "{body}");
        assert!(
            tokio::time::Instant::now() < deadline,
            "never ready: {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(ready["ready"], true, "{ready}");
    assert_eq!(ready["database"]["ok"], true, "{ready}");
    assert_eq!(ready["database"]["detail"], "sqlite", "{ready}");
    assert_eq!(ready["worker"]["ok"], true, "{ready}");

    let paid = order(&base, "22997000620", 1500).await;
    let declined = order(&base, "22997000190", 700).await;
    wait_state(&base, &paid, State::Confirmed).await;
    wait_state(&base, &declined, State::Failed).await;
    let forged = http()
        .post(format!("{base}/qosic/callback"))
        .header("content-type", "application/json")
        .body(r#"{"transRef":"NO-SUCH-ORDER","status":"SUCCESSFUL","amount":"1"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 404);

    let response = http().get(format!("{base}/metrics")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/openmetrics-text"));
    let text = response.text().await.unwrap();
    assert_eq!(
        metric(&text, "checkout_orders{state=\"confirmed\"}"),
        1.0,
        "{text}"
    );
    assert_eq!(metric(&text, "checkout_orders{state=\"failed\"}"), 1.0);
    assert_eq!(metric(&text, "checkout_orders{state=\"pending\"}"), 0.0);
    assert_eq!(
        metric(&text, "checkout_orders{state=\"needs_attention\"}"),
        0.0
    );
    assert_eq!(metric(&text, "checkout_payment_requests_total"), 2.0);
    let checks = app.store().order(&paid).await.unwrap().unwrap().checks
        + app.store().order(&declined).await.unwrap().unwrap().checks;
    assert_eq!(metric(&text, "checkout_status_checks_total"), checks as f64);
    assert_eq!(
        metric(&text, "checkout_callbacks_total{outcome=\"refused\"}"),
        1.0
    );
    assert_eq!(
        metric(&text, "checkout_callbacks_total{outcome=\"verified\"}"),
        0.0
    );
    assert_eq!(metric(&text, "checkout_time_to_settle_seconds_count"), 2.0);
    metric(&text, "checkout_jobs{state=\"running\"}");
    metric(&text, "checkout_jobs{state=\"due\"}");
    metric(&text, "checkout_jobs{state=\"scheduled\"}");
    assert!(text.ends_with("# EOF\n"), "{text}");
    app.stop().await;

    // With the operator's token, /metrics asks for it; a shop without a worker is ready with
    // its database alone.
    let mut config = test_config(&dir.path().join("shop.sqlite"), Duration::from_secs(4));
    config.admin_token = Some(qosic::Secret::from("metrics-token"));
    config.run_worker = false;
    let app = start_app(&mock, config).await;
    let base = app.url();
    assert_eq!(get_text(format!("{base}/metrics")).await.0, 401);
    let response = http()
        .get(format!("{base}/metrics"))
        .bearer_auth("metrics-token")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let (status, body) = get_text(format!("{base}/readyz")).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("runs no jobs"), "{body}");
    app.stop().await;
}

async fn engine(db: &std::path::Path, client: qosic::Client) -> Engine {
    let store = Store::connect(&Database::Sqlite(db.to_path_buf()))
        .await
        .unwrap();
    Engine::new(
        store,
        client,
        Hub::new(),
        &test_config(db, Duration::from_secs(30)),
    )
}

fn new_order(reference: &str, phone: &str) -> NewOrder {
    NewOrder {
        reference: reference.to_owned(),
        phone: phone.to_owned(),
        amount: 1000,
        first_name: String::new(),
        last_name: String::new(),
        carrier: "MTN".to_owned(),
        form_token: None,
    }
}

async fn drive(engine: &Engine, reference: &str, step: i64) {
    engine
        .drive(&Drive {
            order: reference.to_owned(),
            step,
        })
        .await
        .unwrap();
}

fn status_checks(mock: &MockQosic, reference: &str) -> usize {
    mock.journal()
        .iter()
        .filter(|r| r.endpoint == Some(Endpoint::MtnStatus) && r.transref() == Some(reference))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callback_during_a_status_check_keeps_its_answer_and_causes_no_extra_check() {
    let dir = tempfile::tempdir().unwrap();
    let mock = MockQosic::in_process();
    mock.subscriber("22997000630", Subscriber::approves_after_checks(1));
    // Each status check is held 300 ms, and tells the test it arrived.
    let (arrived_tx, mut arrived) = tokio::sync::mpsc::unbounded_channel();
    mock.fault_plan(move |request| {
        (request.endpoint == Endpoint::MtnStatus).then(|| {
            let _ = arrived_tx.send(());
            Fault::delay(Duration::from_millis(300))
        })
    });
    let engine = Arc::new(engine(&dir.path().join("db.sqlite"), mock.client()).await);
    engine
        .create(&new_order("ORDER-630", "22997000630"))
        .await
        .unwrap();
    drive(&engine, "ORDER-630", 0).await;
    let pending = engine.store().order("ORDER-630").await.unwrap().unwrap();
    assert_eq!((pending.state, pending.step), (State::Pending, 1));

    // The scheduled check of step 1 is in flight when the callback asks for an early check.
    let check = tokio::spawn({
        let engine = Arc::clone(&engine);
        async move { drive(&engine, "ORDER-630", 1).await }
    });
    arrived
        .recv()
        .await
        .expect("the status check reached QosIc");
    let early = engine.check_now("ORDER-630").await.unwrap();
    let CheckNow::Queued(bumped) = early else {
        panic!("{early:?}")
    };
    assert_eq!(bumped.step, 2, "the early check's job is for step 2");
    check.await.unwrap();

    // The in-flight check's answer was kept, on the early check's step.
    let order = engine.store().order("ORDER-630").await.unwrap().unwrap();
    assert_eq!(order.state, State::Confirmed, "{order:?}");
    assert_eq!((order.checks, order.step), (1, 3), "{order:?}");
    // The early check's job finds its step done: no second status check.
    drive(&engine, "ORDER-630", 2).await;
    assert_eq!(status_checks(&mock, "ORDER-630"), 1);
    let history = engine.store().history("ORDER-630").await.unwrap();
    let states: Vec<State> = history.iter().map(|t| t.state).collect();
    assert_eq!(states, [State::Created, State::Pending, State::Confirmed]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_an_older_version_left_still_pending_get_reconciliation_jobs_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite");
    let mock = MockQosic::in_process();
    mock.subscriber("22997000640", Subscriber::approves_after_checks(3));
    let engine = engine(&db, mock.client()).await;
    engine
        .create(&new_order("ORDER-640", "22997000640"))
        .await
        .unwrap();
    drive(&engine, "ORDER-640", 0).await;
    engine.advance_clock(Duration::from_secs(31));
    drive(&engine, "ORDER-640", 1).await;
    let left = engine.store().order("ORDER-640").await.unwrap().unwrap();
    assert_eq!(left.state, State::StillPending);

    // What an older version left: the order at its step, and no job for that step.
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    let key = format!("ORDER-640:{}", left.step);
    let deleted = sqlx::query("DELETE FROM Jobs WHERE job_type = ?1 AND idempotency_key = ?2")
        .bind(QUEUE)
        .bind(&key)
        .execute(&mut conn)
        .await
        .unwrap();
    assert_eq!(deleted.rows_affected(), 1, "the new version had queued it");

    let period = Duration::from_secs(48 * 3600);
    let queued = qosic_checkout::ops::schedule_reconciliation(&engine, period)
        .await
        .unwrap();
    assert_eq!(queued, 1);
    let again = qosic_checkout::ops::schedule_reconciliation(&engine, period)
        .await
        .unwrap();
    assert_eq!(again, 0, "once");
    let (run_at,): (i64,) =
        sqlx::query_as("SELECT run_at FROM Jobs WHERE job_type = ?1 AND idempotency_key = ?2")
            .bind(QUEUE)
            .bind(&key)
            .fetch_one(&mut conn)
            .await
            .unwrap();
    let window_ends = left.window_ends.unwrap();
    assert_eq!(
        run_at,
        (window_ends + 60_000 + 999) / 1000,
        "the next reconciliation check: a minute after the window"
    );
    conn.close().await.unwrap();

    // The job does what reconciliation does: a check, then the next one.
    engine.advance_clock(Duration::from_secs(60));
    drive(&engine, "ORDER-640", left.step).await;
    let checked = engine.store().order("ORDER-640").await.unwrap().unwrap();
    assert_eq!(checked.checks, left.checks + 1, "{checked:?}");
    assert_eq!(mock.payment_requests("ORDER-640"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_worker_takes_due_jobs_at_its_next_poll_not_at_its_next_heartbeat() {
    let dir = tempfile::tempdir().unwrap();
    let mock = MockQosic::in_process();
    mock.subscriber("22997000650", Subscriber::approves_after_checks(1));
    mock.subscriber("22997000651", Subscriber::approves_after_checks(1));
    let mut config = test_config(&dir.path().join("shop.sqlite"), Duration::from_secs(30));
    // Far beyond the tests' patience: a job that waited for a heartbeat would fail the test.
    config.heartbeat = Duration::from_secs(600);
    let app = start_app(&mock, config).await;
    let base = app.url();
    let first = order(&base, "22997000651", 1000).await;
    wait_state(&base, &first, State::Confirmed).await;
    // Idle for several polls; then a new order, and its status check a second later.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let second = order(&base, "22997000650", 1000).await;
    wait_state(&base, &second, State::Confirmed).await;
    app.stop().await;
}
