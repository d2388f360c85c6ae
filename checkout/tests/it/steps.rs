//! The engine's promises, one job at a time (no worker runs: the test runs each job).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use qosic::benin::Mtn;
use qosic::mock::{Endpoint, Fault, MockQosic, Subscriber};
use qosic::Client;
use qosic_checkout::config::Database;
use qosic_checkout::hub::Hub;
use qosic_checkout::jobs::{CheckNow, Engine};
use qosic_checkout::store::{Drive, NewOrder, Order, Store};
use qosic_checkout::State;

use crate::support::test_config;

async fn engine(db: &Path, client: Client) -> Engine {
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

async fn load(engine: &Engine, reference: &str) -> Order {
    engine
        .store()
        .order(reference)
        .await
        .unwrap()
        .expect("the order")
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

#[tokio::test]
async fn a_job_that_runs_again_changes_nothing_and_sends_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mock = MockQosic::in_process();
    mock.subscriber("22997000150", Subscriber::approves_after_checks(2));
    let engine = engine(&dir.path().join("db.sqlite"), mock.client()).await;
    engine
        .create(&new_order("ORDER-150", "22997000150"))
        .await
        .unwrap();

    drive(&engine, "ORDER-150", 0).await;
    let once = load(&engine, "ORDER-150").await;
    assert_eq!((once.state, once.step), (State::Pending, 1));
    drive(&engine, "ORDER-150", 0).await; // the same job again, as after a crash before its ack
    assert_eq!(load(&engine, "ORDER-150").await, once);
    assert_eq!(mock.payment_requests("ORDER-150"), 1);

    drive(&engine, "ORDER-150", 1).await; // first check: still pending
    drive(&engine, "ORDER-150", 1).await; // again: nothing
    let checked = load(&engine, "ORDER-150").await;
    assert_eq!(
        (checked.state, checked.step, checked.checks),
        (State::Pending, 2, 1)
    );
    drive(&engine, "ORDER-150", 2).await; // second check: approved
    let done = load(&engine, "ORDER-150").await;
    assert_eq!((done.state, done.checks), (State::Confirmed, 2));
    drive(&engine, "ORDER-150", 3).await; // nothing to do when final
    assert_eq!(load(&engine, "ORDER-150").await, done);
    let finals = engine.store().final_transitions().await.unwrap();
    assert_eq!(finals.len(), 1, "{finals:?}");
}

#[tokio::test]
async fn an_order_found_sending_is_settled_by_status_checks_and_never_sent_again() {
    let dir = tempfile::tempdir().unwrap();
    let mock = MockQosic::in_process();
    let engine = engine(&dir.path().join("db.sqlite"), mock.client()).await;
    engine
        .create(&new_order("ORDER-160", "22997000160"))
        .await
        .unwrap();
    // A worker marked it and died before its request left, or before it recorded the answer.
    assert!(engine.store().claim_sending("ORDER-160", 0).await.unwrap());
    assert!(
        !engine.store().claim_sending("ORDER-160", 0).await.unwrap(),
        "claimed once"
    );

    drive(&engine, "ORDER-160", 0).await;
    let order = load(&engine, "ORDER-160").await;
    assert_eq!(order.state, State::Pending);
    assert!(order.window_ends.is_some());
    drive(&engine, "ORDER-160", 1).await;
    let order = load(&engine, "ORDER-160").await;
    assert_eq!(order.checks, 1, "a status check, not a payment: {order:?}");
    assert_eq!(mock.payment_requests("ORDER-160"), 0);
}

#[tokio::test]
async fn an_answer_lost_after_the_request_left_is_settled_by_status_checks() {
    let dir = tempfile::tempdir().unwrap();
    let mock = MockQosic::in_process();
    mock.fault(Fault::lost_answer().times(1).on(Endpoint::MtnPayment));
    let engine = engine(&dir.path().join("db.sqlite"), mock.client()).await;
    engine
        .create(&new_order("ORDER-170", "22997000170"))
        .await
        .unwrap();

    drive(&engine, "ORDER-170", 0).await;
    assert_eq!(load(&engine, "ORDER-170").await.state, State::Pending);
    drive(&engine, "ORDER-170", 1).await;
    assert_eq!(load(&engine, "ORDER-170").await.state, State::Confirmed);
    assert_eq!(mock.payment_requests("ORDER-170"), 1);
    mock.assert_debited_once("ORDER-170");
}

#[tokio::test]
async fn a_request_that_certainly_did_not_leave_is_tried_again_under_the_same_reference() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens on port 1: connection refused, the request certainly did not leave.
    let client = qosic::builder()
        .base_url("http://127.0.0.1:1")
        .login(qosic::mock::DEFAULT_LOGIN)
        .password(qosic::mock::DEFAULT_PASSWORD)
        .carrier(Mtn::new(qosic::mock::DEFAULT_MTN_CLIENT_ID).unwrap())
        .build()
        .unwrap();
    let engine = engine(&dir.path().join("db.sqlite"), client).await;
    engine
        .create(&new_order("ORDER-180", "22997000180"))
        .await
        .unwrap();

    drive(&engine, "ORDER-180", 0).await;
    let order = load(&engine, "ORDER-180").await;
    assert_eq!(
        (order.state, order.send_attempts, order.step),
        (State::Created, 1, 1)
    );
    let reason = order.reason.unwrap_or_default();
    assert!(
        reason.starts_with("not sent yet, trying again:"),
        "{reason}"
    );
    assert!(reason.contains("connection refused"), "{reason}");
}

#[tokio::test]
async fn check_now_replaces_the_scheduled_check_and_refuses_orders_with_nothing_to_check() {
    let dir = tempfile::tempdir().unwrap();
    let mock = MockQosic::in_process();
    let engine = Arc::new(engine(&dir.path().join("db.sqlite"), mock.client()).await);
    engine
        .create(&new_order("ORDER-190", "22997000190"))
        .await
        .unwrap();
    assert!(
        matches!(
            engine.check_now("ORDER-190").await.unwrap(),
            CheckNow::Nothing
        ),
        "not sent yet"
    );
    assert!(matches!(
        engine.check_now("NO-SUCH-ORDER").await.unwrap(),
        CheckNow::Nothing
    ));

    drive(&engine, "ORDER-190", 0).await;
    let CheckNow::Queued(checked) = engine.check_now("ORDER-190").await.unwrap() else {
        panic!("pending: checked");
    };
    assert_eq!(checked.step, 2);
    // Asked again at once (a flood of callbacks, or of clicks): no second early check.
    let again = engine.check_now("ORDER-190").await.unwrap();
    let CheckNow::TooSoon { order, retry_after } = again else {
        panic!("checked moments ago: {again:?}");
    };
    assert_eq!(order.step, 2, "the order is left as it was");
    assert!(retry_after > Duration::ZERO && retry_after <= Duration::from_secs(5));
    drive(&engine, "ORDER-190", 1).await; // the scheduled check, replaced: nothing
    assert_eq!(load(&engine, "ORDER-190").await.checks, 0);
    drive(&engine, "ORDER-190", 2).await;
    let order = load(&engine, "ORDER-190").await;
    assert_eq!(
        (order.state, order.reason.as_deref()),
        (State::Failed, Some("TRANSACTION DECLINED"))
    );
    assert!(
        matches!(
            engine.check_now("ORDER-190").await.unwrap(),
            CheckNow::Nothing
        ),
        "final"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finished_jobs_are_pruned_and_the_orders_stay() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.sqlite");
    let mock = MockQosic::in_process();
    let app = crate::support::start_app(&mock, test_config(&db, Duration::from_secs(30))).await;
    let base = app.url();
    let reference = crate::support::order(&base, "22997000200", 1000).await;
    crate::support::wait_state(&base, &reference, State::Confirmed).await;
    let store = app.store().clone();
    // Two finished jobs: the payment and its status check.
    let deadline = tokio::time::Instant::now() + crate::support::PATIENCE;
    assert_eq!(
        store
            .prune_jobs(Duration::from_secs(3600), 10)
            .await
            .unwrap(),
        0,
        "too young"
    );
    // apalis marks a job done just after it returns, with a one-second resolution: wait until
    // both are older than a second.
    let mut pruned = 0;
    while pruned < 2 {
        assert!(tokio::time::Instant::now() < deadline, "pruned {pruned}");
        tokio::time::sleep(Duration::from_millis(200)).await;
        pruned += store.prune_jobs(Duration::from_secs(1), 10).await.unwrap();
    }
    assert_eq!(store.job_rows().await.unwrap(), 0);
    assert_eq!(
        store.order(&reference).await.unwrap().unwrap().state,
        State::Confirmed
    );
    app.stop().await;
}

#[tokio::test]
async fn a_job_apalis_gave_up_on_runs_again() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite");
    let mock = MockQosic::in_process();
    let engine = engine(&db, mock.client()).await;
    engine
        .create(&new_order("ORDER-210", "22997000210"))
        .await
        .unwrap();
    // As after 25 failed attempts (the database unreachable, say).
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    let failed = sqlx::query("UPDATE Jobs SET status = 'Failed', attempts = max_attempts")
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(failed.rows_affected(), 1);
    assert_eq!(engine.store().revive_dead_jobs().await.unwrap(), 1);
    let (status, attempts): (String, i64) = sqlx::query_as("SELECT status, attempts FROM Jobs")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!((status.as_str(), attempts), ("Pending", 0));
    assert_eq!(engine.store().revive_dead_jobs().await.unwrap(), 0, "once");
    pool.close().await;
}

/// Drives the order's current step after `wait` on the engine's clock; returns the order.
async fn after(engine: &Engine, reference: &str, wait: Duration) -> Order {
    engine.advance_clock(wait);
    let step = load(engine, reference).await.step;
    drive(engine, reference, step).await;
    load(engine, reference).await
}

#[tokio::test]
async fn a_payment_approved_after_the_window_with_its_callback_lost_is_confirmed_by_reconciliation()
{
    let dir = tempfile::tempdir().unwrap();
    let mock = MockQosic::in_process();
    // Approved at the third status check: after the 30 s window closed at the first; no
    // callback (nobody to call back).
    mock.subscriber("22997000160", Subscriber::approves_after_checks(3));
    let engine = engine(&dir.path().join("db.sqlite"), mock.client()).await;
    engine
        .create(&new_order("ORDER-160", "22997000160"))
        .await
        .unwrap();
    drive(&engine, "ORDER-160", 0).await;
    let sent = load(&engine, "ORDER-160").await;
    assert_eq!(sent.state, State::Pending);
    let window_ends = sent.window_ends.unwrap();

    let closed = after(&engine, "ORDER-160", Duration::from_secs(31)).await;
    assert_eq!(closed.state, State::StillPending, "the window closed");
    // Reconciliation: 1 minute after the window, then 5: still pending, then approved.
    let one = after(&engine, "ORDER-160", Duration::from_secs(60)).await;
    assert_eq!(one.state, State::StillPending);
    assert!(engine.now_ms() >= window_ends + 60_000);
    let five = after(&engine, "ORDER-160", Duration::from_secs(240)).await;
    assert_eq!(five.state, State::Confirmed, "{five:?}");
    assert_eq!(mock.payment_requests("ORDER-160"), 1);
    let history = engine.store().history("ORDER-160").await.unwrap();
    let confirmed = history
        .iter()
        .filter(|t| t.state == State::Confirmed)
        .count();
    assert_eq!(confirmed, 1);
}

#[tokio::test]
async fn an_order_without_an_answer_for_the_whole_period_needs_attention() {
    let dir = tempfile::tempdir().unwrap();
    let mock = MockQosic::in_process();
    mock.subscriber("22997000161", Subscriber::never_answers());
    let engine = engine(&dir.path().join("db.sqlite"), mock.client()).await;
    engine
        .create(&new_order("ORDER-161", "22997000161"))
        .await
        .unwrap();
    drive(&engine, "ORDER-161", 0).await;
    let mut order = after(&engine, "ORDER-161", Duration::from_secs(31)).await;
    let window_ends = order.window_ends.unwrap();
    let mut checks_after_window = 0;
    while !matches!(
        order.state,
        State::NeedsAttention | State::Confirmed | State::Failed
    ) {
        assert!(
            matches!(order.state, State::StillPending | State::Unknown),
            "{order:?}"
        );
        // The next reconciliation check's time, as the engine schedules it.
        let next = qosic_checkout::jobs::next_reconcile(
            window_ends,
            engine.now_ms(),
            Duration::from_secs(48 * 3600),
        )
        .expect("a next check within the period");
        let wait = u64::try_from(next - engine.now_ms()).unwrap();
        order = after(&engine, "ORDER-161", Duration::from_millis(wait)).await;
        checks_after_window += 1;
        assert!(checks_after_window < 60, "{order:?}");
    }
    assert_eq!(order.state, State::NeedsAttention);
    assert!(engine.now_ms() >= window_ends + 48 * 3_600_000);
    // 1, 5, 15, 60 minutes, then hourly up to 48 hours.
    assert_eq!(checks_after_window, 3 + 48);
    // Still checkable by "check again".
    assert!(matches!(
        engine.check_now("ORDER-161").await.unwrap(),
        CheckNow::Queued(_)
    ));
    assert_eq!(mock.payment_requests("ORDER-161"), 1);
}
