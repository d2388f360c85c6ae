//! The app in-process against the in-process fake QosIc: what a customer and an operator see.

use std::time::Duration;

use qosic::mock::{MockQosic, Subscriber};
use qosic_checkout::State;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approved_declined_and_unanswered_payments_end_as_the_customer_chose() {
    let dir = tempfile::tempdir().unwrap();
    let mock = MockQosic::in_process();
    mock.subscriber("22997000110", Subscriber::approves_after_checks(2));
    let app = start_shop(&mock, dir.path(), Duration::from_secs(4)).await;
    let base = app.url();

    let approves = order(&base, "22997000110", 1500).await;
    let declines = order(&base, "22997000190", 700).await;
    let silent = order(&base, "22997000193", 300).await;
    let moov = order(&base, "22995000100", 900).await;

    let view = wait_state(&base, &approves, State::Confirmed).await;
    assert_eq!((view.amount, view.carrier.as_str()), (1500, "MTN"));
    assert_eq!(view.phone, "22997****10", "the page shows a masked number");
    assert!(view.is_final && view.checks >= 2, "{view:?}");

    let view = wait_state(&base, &declines, State::Failed).await;
    assert_eq!(view.reason.as_deref(), Some("TRANSACTION DECLINED"));

    let view = wait_for(&base, &silent, "settled", settled).await;
    assert_eq!(view.state, State::StillPending, "{view:?}");
    assert!(!view.is_final);

    let view = wait_state(&base, &moov, State::Confirmed).await;
    assert_eq!(view.carrier, "MOOV");

    for reference in [&approves, &declines, &silent, &moov] {
        assert_eq!(
            mock.payment_requests(reference),
            1,
            "one payment request for {reference}"
        );
    }
    mock.assert_debited_once(&approves);
    mock.assert_not_debited(&declines);

    let counts = counts(&base).await;
    assert_eq!(counts["confirmed"], 2, "{counts:?}");
    assert_eq!(counts["failed"], 1, "{counts:?}");
    assert_eq!(counts["still_pending"], 1, "{counts:?}");
    assert_eq!(
        counts["pending"] + counts["created"] + counts["sending"],
        0,
        "{counts:?}"
    );

    // The history: created, pending, then the end; one final transition.
    let history = app.store().history(&approves).await.unwrap();
    let states: Vec<State> = history.iter().map(|t| t.state).collect();
    assert_eq!(states, [State::Created, State::Pending, State::Confirmed]);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_form_shows_the_sdks_errors_next_to_the_fields_and_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mock = MockQosic::in_process();
    let app = start_shop(&mock, dir.path(), Duration::from_secs(4)).await;
    let base = app.url();

    let form = http()
        .get(&base)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        form.contains("<form method=\"post\" action=\"/orders\""),
        "{form}"
    );

    let cases = [
        (
            "phone=12345&amount=1000",
            "phone-error",
            "Ce numéro n&#39;est pas un numéro béninois valide. Un numéro béninois a 10 chiffres et commence par 01",
        ),
        (
            "phone=22997000100&amount=0",
            "amount-error",
            "Écrivez le montant en francs CFA, sans centimes, par exemple 1 500",
        ),
        (
            "phone=22997000100&amount=abc",
            "amount-error",
            "Écrivez le montant en francs CFA",
        ),
        (
            "phone=22997000100&amount=-5",
            "amount-error",
            "Écrivez le montant",
        ),
        (
            "phone=22997000100&amount=99999999999999999999999",
            "amount-error",
            "Écrivez le montant",
        ),
        (
            "phone=22930000100&amount=1000",
            "phone-error",
            "Ce numéro n&#39;est ni MTN, ni Moov, ni Celtiis",
        ),
        ("amount=1000", "phone-error", "Ce numéro n&#39;est pas"),
    ];
    for (body, id, text) in cases {
        let response = http()
            .post(format!("{base}/orders"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 422, "{body}");
        let html = response.text().await.unwrap();
        let at = html
            .find(&format!("id=\"{id}\">"))
            .unwrap_or_else(|| panic!("{body}: no {id} in {html}"));
        assert!(
            html[at..].starts_with(&format!("id=\"{id}\">{text}")),
            "{body}: {}",
            &html[at..]
        );
    }
    // A name longer than the SDK allows, with the typed values kept in the form.
    let long = "A".repeat(51);
    let response = http()
        .post(format!("{base}/orders"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("phone=22997000100&amount=1000&first_name={long}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let html = response.text().await.unwrap();
    assert!(
        html.contains("id=\"first_name-error\">Écrivez le nom avec des lettres"),
        "{html}"
    );
    assert!(
        html.contains("value=\"22997000100\""),
        "the typed number is kept: {html}"
    );

    assert_eq!(
        counts(&base).await.values().sum::<i64>(),
        0,
        "nothing stored"
    );
    assert_eq!(mock.journal().len(), 0, "nothing sent");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_paths_and_methods_the_shop_does_not_serve_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mock = MockQosic::in_process();
    let app = start_shop(&mock, dir.path(), Duration::from_secs(4)).await;
    let base = app.url();

    let big = format!(
        "phone=22997000100&amount=1000&first_name={}",
        "A".repeat(5000)
    );
    let response = http()
        .post(format!("{base}/orders"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413, "a form over 4 KiB");

    for path in [
        "/orders/x",
        "/orders/NO-SUCH-ORDER",
        "/orders/NO-SUCH-ORDER/status",
        "/orders/NO-SUCH-ORDER/events",
        "/orders/%2e%2e%2f%2e%2e/status",
        "/nothing",
    ] {
        let response = http().get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(response.status(), 404, "{path}");
    }
    let response = http()
        .post(format!("{base}/orders"))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 415, "JSON is not a form");
    let response = http()
        .post(format!("{base}/orders/NO-SUCH-ORDER/check"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 409);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_event_stream_sends_the_current_state_first_then_each_change_and_ends_when_final() {
    let dir = tempfile::tempdir().unwrap();
    let mock = MockQosic::in_process();
    mock.subscriber("22997000120", Subscriber::approves_after_checks(2));
    let mut config = test_config(&dir.path().join("shop.sqlite"), Duration::from_secs(8));
    config.max_event_streams = 1;
    let app = start_app(&mock, config).await;
    let base = app.url();

    let reference = order(&base, "22997000120", 1000).await;
    let url = format!("{base}/orders/{reference}/events");
    let views = read_events(&url, usize::MAX).await;
    let states: Vec<State> = views.iter().map(|v| v.state).collect();
    assert!(
        matches!(
            states.first(),
            Some(State::Created | State::Sending | State::Pending)
        ),
        "{states:?}"
    );
    assert_eq!(states.last(), Some(&State::Confirmed), "{states:?}");
    assert!(states.contains(&State::Pending), "{states:?}");
    assert!(
        views.windows(2).all(|w| w[0] != w[1]),
        "no repeats: {views:?}"
    );

    // A page that reconnects after the end gets the final state first, and the stream ends.
    let again = read_events(&url, usize::MAX).await;
    assert_eq!(again.len(), 1, "{again:?}");
    assert_eq!(again[0].state, State::Confirmed);

    // One stream at a time here: a second one waits for nothing, it gets 503.
    let silent = order(&base, "22997000193", 100).await;
    let mut open = http()
        .get(format!("{base}/orders/{silent}/events"))
        .send()
        .await
        .unwrap();
    assert_eq!(open.status(), 200);
    let _first = open.chunk().await.unwrap();
    let refused = http()
        .get(format!("{base}/orders/{silent}/events"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 503);
    assert!(refused.text().await.unwrap().contains("/status instead"));
    drop(open);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_again_settles_a_payment_approved_after_the_window_closed() {
    let dir = tempfile::tempdir().unwrap();
    let mock = MockQosic::in_process();
    // Approves at the 5th status check: after the 2 s window's checks.
    mock.subscriber("22997000130", Subscriber::approves_after_checks(5));
    let app = start_shop(&mock, dir.path(), Duration::from_secs(2)).await;
    let base = app.url();

    let reference = order(&base, "22997000130", 2500).await;
    let view = wait_for(&base, &reference, "settled", settled).await;
    assert_eq!(view.state, State::StillPending, "{view:?}");
    let page = http()
        .get(format!("{base}/orders/{reference}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Paiement toujours en attente") && page.contains("id=\"check-again\""),
        "{page}"
    );
    assert!(page.contains(&reference), "the page shows the reference");

    let mut checks = view.checks;
    let mut last = view;
    while last.state == State::StillPending {
        let response = http()
            .post(format!("{base}/orders/{reference}/check"))
            .header("accept", "application/json")
            .send()
            .await
            .unwrap();
        if response.status() == 429 {
            // Checked early moments ago (`min_early_check_interval`, 200 ms here).
            assert!(response.headers().contains_key("retry-after"));
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        }
        assert_eq!(response.status(), 202);
        last = wait_for(&base, &reference, "checked again", |v| v.checks > checks).await;
        checks = last.checks;
        assert!(checks < 20, "{last:?}");
    }
    assert_eq!(last.state, State::Confirmed, "{last:?}");
    assert_eq!(mock.payment_requests(&reference), 1);
    // Final: nothing more to check.
    let response = http()
        .post(format!("{base}/orders/{reference}/check"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 409);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_resumes_pending_orders_from_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.sqlite");
    let mock = MockQosic::in_process();
    mock.subscriber("22997000140", Subscriber::approves_after_checks(3));
    let app = start_app(&mock, test_config(&db, Duration::from_secs(30))).await;
    let reference = order(&app.url(), "22997000140", 1000).await;
    wait_state(&app.url(), &reference, State::Pending).await;
    app.stop().await;

    let app = start_app(&mock, test_config(&db, Duration::from_secs(30))).await;
    wait_state(&app.url(), &reference, State::Confirmed).await;
    assert_eq!(mock.payment_requests(&reference), 1);
    app.stop().await;
}
