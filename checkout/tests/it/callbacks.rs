//! `POST /qosic/callback`: the fake server calls the shop back as QosIc would; a callback only
//! brings the order's status check forward, so a forged one changes nothing.

use std::time::Duration;

use qosic::mock::{CallbackDelivery, MockQosic, Subscriber};
use qosic_checkout::State;
use serde_json::json;

use crate::support::*;

/// Checks an hour apart and a two-hour window: within the tests' patience, only a callback
/// can bring an order's status check; early checks at most one per order per 5 s (the default).
fn slow_checks(dir: &std::path::Path) -> qosic_checkout::Config {
    let mut config = test_config(&dir.join("shop.sqlite"), Duration::from_secs(7200));
    config.check_interval = Duration::from_secs(3600);
    config.min_early_check_interval = qosic_checkout::Config::default().min_early_check_interval;
    config
}

async fn post_callback(base: &str, body: serde_json::Value) -> (u16, String) {
    let response = http()
        .post(format!("{base}/qosic/callback"))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .expect("POST /qosic/callback");
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_genuine_callback_settles_the_order_by_a_status_check() {
    let dir = tempfile::tempdir().unwrap();
    let mock = MockQosic::in_process();
    mock.subscriber(
        "22997000120",
        Subscriber::approves_after(Duration::from_millis(500)),
    );
    let app = start_app(&mock, slow_checks(dir.path())).await;
    let base = app.url();
    mock.set_callback_url(&format!("{base}/qosic/callback"));

    let paid = order(&base, "22997000120", 1500).await;
    let view = wait_state(&base, &paid, State::Confirmed).await;
    assert_eq!(
        view.checks, 1,
        "one status check, brought forward: {view:?}"
    );
    mock.assert_debited_once(&paid);

    let sent = mock.callbacks();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].reference, paid);
    assert!(
        matches!(
            sent[0].delivery,
            CallbackDelivery::Answered { status: 202, .. }
        ),
        "{:?}",
        sent[0].delivery
    );

    // The same callback again (QosIc may repeat itself): nothing changes.
    let (code, body) = post_callback(
        &base,
        json!({"transRef": paid, "status": "SUCCESSFUL", "amount": "1500", "code": "200"}),
    )
    .await;
    assert_eq!(code, 200, "{body}");
    assert!(body.contains("confirmed"), "{body}");
    let again = status(&base, &paid).await;
    assert_eq!((again.state, again.checks), (State::Confirmed, 1));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_callbacks_cost_one_status_check_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mock = MockQosic::in_process();
    let app = start_app(&mock, slow_checks(dir.path())).await;
    let base = app.url();
    mock.set_callback_url(&format!("{base}/qosic/callback"));

    // A customer who never answers: the payment stays pending at QosIc.
    let unpaid = order(&base, "22997000193", 300).await;
    wait_state(&base, &unpaid, State::Pending).await;
    mock.forge_callback(&unpaid, Some(300));

    let view = wait_for(&base, &unpaid, "one status check", |v| v.checks >= 1).await;
    assert_eq!(
        view.state,
        State::Pending,
        "a forged SUCCESSFUL settles nothing"
    );
    mock.assert_not_debited(&unpaid);
    let sent = mock.callbacks();
    assert!(
        sent.iter().any(|c| c.reference == unpaid
            && matches!(c.delivery, CallbackDelivery::Answered { status: 202, .. })),
        "{sent:?}"
    );

    // A flood of them: no more status checks (one per order per `min_early_check_interval`).
    for _ in 0..20 {
        mock.forge_callback(&unpaid, Some(300));
    }
    let answered = |mock: &MockQosic| {
        mock.callbacks()
            .iter()
            .filter(|c| matches!(c.delivery, CallbackDelivery::Answered { .. }))
            .map(|c| match c.delivery {
                CallbackDelivery::Answered { status, .. } => status,
                _ => 0,
            })
            .collect::<Vec<u16>>()
    };
    for _ in 0..200 {
        if answered(&mock).len() >= 21 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let statuses = answered(&mock);
    assert_eq!(statuses.len(), 21, "{statuses:?}");
    assert_eq!(
        statuses.iter().filter(|&&s| s == 202).count(),
        1,
        "only the first brought a check forward: {statuses:?}"
    );
    let view = status(&base, &unpaid).await;
    assert_eq!((view.state, view.checks), (State::Pending, 1), "{view:?}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callbacks_for_no_order_another_amount_or_not_a_callback_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mock = MockQosic::in_process();
    let app = start_app(&mock, slow_checks(dir.path())).await;
    let base = app.url();
    let pending = order(&base, "22997000193", 300).await;
    wait_state(&base, &pending, State::Pending).await;

    let (code, body) = post_callback(
        &base,
        json!({"transRef": pending, "status": "SUCCESSFUL", "amount": "30000"}),
    )
    .await;
    assert_eq!(code, 409, "{body}");
    assert!(
        body.contains("30000 XOF") && body.contains("300 XOF"),
        "{body}"
    );

    let (code, body) = post_callback(
        &base,
        json!({"transRef": "NOT-AN-ORDER", "status": "SUCCESSFUL", "amount": "300"}),
    )
    .await;
    assert_eq!(code, 404, "{body}");
    assert!(body.contains("NOT-AN-ORDER"), "{body}");

    let (code, body) = post_callback(&base, json!(["not", "a", "callback"])).await;
    assert_eq!(code, 400, "{body}");

    let view = status(&base, &pending).await;
    assert_eq!((view.state, view.checks), (State::Pending, 0), "{view:?}");
    app.stop().await;
}
