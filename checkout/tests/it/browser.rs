//! The page in headless Chromium (Debian's `chromium` and `chromium-driver`), driven through
//! WebDriver: a payment approved, one declined, one never answered, each followed on the page
//! without a reload; the French form at 360 and 1280 px; an operator refunding from the admin
//! page. Screenshots of the final pages go to `target/checkout-screenshots/`.

use std::time::Duration;

use fantoccini::{Client, Locator};
use qosic::mock::{Endpoint, Fault, MockQosic, Subscriber};
use qosic_checkout::State;
use serde_json::json;

use crate::chromium::*;
use crate::support::*;

async fn submit(client: &Client, base: &str, phone: &str, amount: &str) {
    client.goto(base).await.unwrap();
    client
        .find(Locator::Css("#phone"))
        .await
        .unwrap()
        .send_keys(phone)
        .await
        .unwrap();
    client
        .find(Locator::Css("#amount"))
        .await
        .unwrap()
        .send_keys(amount)
        .await
        .unwrap();
    client
        .find(Locator::Css("#pay"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_follows_each_payment_live_in_headless_chromium() {
    let Some(programs) = programs("the browser test") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mock = MockQosic::in_process();
    mock.subscriber("22997000510", Subscriber::approves_after_checks(2));
    let app = start_shop(&mock, dir.path(), Duration::from_secs(4)).await;
    let base = app.url();
    let (_driver, client) = open(&programs).await;

    // The customer's wording of the error next to the field, before anything is stored.
    submit(&client, &base, "22997000510", "0").await;
    // The click returns before the answer's page is loaded: wait for the field's error.
    let error = client
        .wait()
        .at_most(PATIENCE)
        .for_element(Locator::Css("#amount-error"))
        .await
        .expect("an amount error")
        .text()
        .await
        .unwrap();
    assert!(
        error.starts_with("Écrivez le montant en francs CFA"),
        "{error}"
    );

    let cases = [
        (
            "22997000510",
            "confirmed",
            "Paiement confirmé",
            "confirmed.png",
        ),
        ("22997000590", "failed", "Paiement refusé", "declined.png"),
        (
            "22997000593",
            "still_pending",
            "Paiement toujours en attente",
            "still-pending.png",
        ),
    ];
    for (phone, state, text, file) in cases {
        submit(&client, &base, phone, "1000").await;
        // On the order page: mark this document; a reload would lose the mark.
        let deadline = tokio::time::Instant::now() + PATIENCE;
        while !client
            .current_url()
            .await
            .unwrap()
            .path()
            .starts_with("/orders/")
        {
            assert!(
                tokio::time::Instant::now() < deadline,
                "no order page after submitting"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        client
            .execute("window.__sameDocument = true;", vec![])
            .await
            .unwrap();
        let shown = wait_for_state(&client, state).await;
        assert!(shown.contains(text), "{phone}: {shown}");
        let same = client
            .execute("return window.__sameDocument === true;", vec![])
            .await
            .unwrap();
        assert_eq!(same, json!(true), "{phone}: the page reloaded");
        let reference = client
            .find(Locator::Css("#reference"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            shown.contains(&reference),
            "the reference is shown: {shown}"
        );
        if state == "still_pending" {
            client
                .find(Locator::Css("#check-again"))
                .await
                .expect("a check-again button");
        }
        if state == "failed" {
            let reason = client
                .find(Locator::Css("#reason"))
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            // QosIc's "TRANSACTION DECLINED", in the customer's words.
            assert_eq!(
                reason,
                "Le paiement a été refusé ou annulé sur le téléphone."
            );
        }
        screenshot(&client, file).await;
    }
    client.close().await.unwrap();
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_double_click_makes_one_order_and_a_page_past_the_stream_cap_follows_by_polling() {
    use fantoccini::actions::{InputSource, MouseActions, PointerAction, MOUSE_BUTTON_LEFT};

    let Some(programs) = programs("the browser test") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mock = MockQosic::in_process();
    mock.subscriber("22997000660", Subscriber::approves_after_checks(3));
    let mut config = test_config(&dir.path().join("shop.sqlite"), Duration::from_secs(8));
    config.max_event_streams = 1;
    let app = start_app(&mock, config).await;
    let base = app.url();
    // The one event stream is taken, by a page following a payment nobody answers.
    let silent = order(&base, "22997000193", 100).await;
    let mut taken = http()
        .get(format!("{base}/orders/{silent}/events"))
        .send()
        .await
        .unwrap();
    assert_eq!(taken.status(), 200);
    let _first = taken.chunk().await.unwrap();

    let (_driver, client) = open(&programs).await;
    client.goto(&base).await.unwrap();
    for (field, value) in [("#phone", "22997000660"), ("#amount", "1000")] {
        client
            .find(Locator::Css(field))
            .await
            .unwrap()
            .send_keys(value)
            .await
            .unwrap();
    }
    // A double click on Pay: two presses, no pause.
    let pay = client.find(Locator::Css("#pay")).await.unwrap();
    let double = MouseActions::new("mouse".to_owned())
        .then(PointerAction::MoveToElement {
            element: pay,
            duration: None,
            x: 0.0,
            y: 0.0,
        })
        .then(PointerAction::Down {
            button: MOUSE_BUTTON_LEFT,
        })
        .then(PointerAction::Up {
            button: MOUSE_BUTTON_LEFT,
        })
        .then(PointerAction::Down {
            button: MOUSE_BUTTON_LEFT,
        })
        .then(PointerAction::Up {
            button: MOUSE_BUTTON_LEFT,
        });
    client.perform_actions(double).await.unwrap();

    // The order page, whose stream is refused (the cap is taken): it polls the JSON status
    // and shows the payment confirmed.
    let shown = wait_for_state(&client, "confirmed").await;
    assert!(shown.contains("Paiement confirmé"), "{shown}");
    // The polls are answered: the page is followed, no "reconnecting" notice.
    wait_until(
        &client,
        "no notice while polling",
        NOTICE,
        json!([false, "Connexion perdue, reconnexion…", true]),
    )
    .await;
    let orders = app.store().all_orders().await.unwrap();
    assert_eq!(
        orders.len(),
        2,
        "the silent order and one from the double click"
    );
    let paid = orders
        .iter()
        .find(|o| o.phone.ends_with("97000660"))
        .expect("the order");
    assert_eq!(mock.payment_requests(&paid.reference), 1);
    screenshot(&client, "polled.png").await;
    client.close().await.unwrap();
    drop(taken);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_link_made_by_the_api_is_paid_in_french_at_360_px_and_shows_the_receipt() {
    let Some(programs) = programs("the browser test") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mock = MockQosic::in_process();
    mock.subscriber("22997000580", Subscriber::approves_after_checks(1));
    let mut config = test_config(&dir.path().join("shop.sqlite"), Duration::from_secs(4));
    config.api_key = Some(qosic::Secret::from("browser-key-0123456789"));
    config.shop_name = "Chez Adjoa".to_owned();
    let app = start_app(&mock, config).await;
    let base = app.url();
    let response = http()
        .post(format!("{base}/api/orders"))
        .header("authorization", "Bearer browser-key-0123456789")
        .header("content-type", "application/json")
        .body(r#"{"amount": 1500, "description": "Tissu wax", "merchant_reference": "CMD-9"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let link: serde_json::Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    let url = link["url"].as_str().unwrap().to_owned();

    let (_driver, client) = open(&programs).await;
    client.set_window_size(360, 740).await.unwrap();
    client.goto(&url).await.unwrap();
    let lang = client
        .find(Locator::Css("html"))
        .await
        .unwrap()
        .attr("lang")
        .await
        .unwrap();
    assert_eq!(lang.as_deref(), Some("fr"));
    assert!(client
        .find(Locator::Css("#amount"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
        .contains("FCFA"));
    screenshot(&client, "link-360.png").await;
    client
        .find(Locator::Css("#phone"))
        .await
        .unwrap()
        .send_keys("22997000580")
        .await
        .unwrap();
    client
        .find(Locator::Css("#pay"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let shown = wait_for_state(&client, "confirmed").await;
    for expected in ["Reçu", "Chez Adjoa", "Tissu wax", "heure du Bénin", "CMD-9"] {
        assert!(shown.contains(expected), "{expected}: {shown}");
    }
    screenshot(&client, "receipt-360.png").await;
    client.set_window_size(1280, 900).await.unwrap();
    screenshot(&client, "receipt-desktop.png").await;
    client.close().await.unwrap();
    app.stop().await;
}

/// Reloads the operator's page of `reference` until its refund shows `state`; returns the text.
async fn wait_for_refund(client: &Client, url: &str, state: &str) -> String {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        client.goto(url).await.unwrap();
        let text = client
            .find(Locator::Css("body"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if text.contains(&format!("Refund: {state}")) {
            return text;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the refund never showed {state}: {text}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_operator_refunds_an_mtn_order_from_its_admin_page_and_the_form_fits_360_and_1280_px() {
    let Some(programs) = programs("the browser test") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mock = MockQosic::in_process();
    mock.subscriber("22997000571", Subscriber::approves_after_checks(1));
    // The test config sets no admin token and listens on loopback: /admin is open to it.
    let app = start_shop(&mock, dir.path(), Duration::from_secs(4)).await;
    let base = app.url();
    let (_driver, client) = open(&programs).await;

    // The French order form, on a phone and on a desktop.
    for (width, height, file) in [
        (360, 740, "form-fr-360.png"),
        (1280, 900, "form-fr-desktop.png"),
    ] {
        client.set_window_size(width, height).await.unwrap();
        client.goto(&base).await.unwrap();
        let lang = client
            .find(Locator::Css("html"))
            .await
            .unwrap()
            .attr("lang")
            .await
            .unwrap();
        assert_eq!(lang.as_deref(), Some("fr"), "{width} px");
        client
            .find(Locator::Css("#phone"))
            .await
            .expect("the phone field");
        screenshot(&client, file).await;
    }

    let reference = order(&base, "22997000571", 3000).await;
    wait_state(&base, &reference, State::Confirmed).await;
    let admin = format!("{base}/admin/order/{reference}");
    client.goto(&admin).await.unwrap();
    let button = client
        .find(Locator::Css("#refund"))
        .await
        .expect("a refund button");
    let label = button.text().await.unwrap();
    assert!(label.starts_with("Refund 3"), "{label}");
    button.click().await.unwrap();
    // The form's POST answers with the page again, now with the refund's state: wait for it,
    // or the reloads below could cancel the POST before it left.
    client
        .wait()
        .at_most(PATIENCE)
        .for_element(Locator::Css("#refund-state"))
        .await
        .expect("the refund requested");
    let shown = wait_for_refund(&client, &admin, "refunded").await;
    assert!(shown.contains(&reference), "{shown}");
    wait_state(&base, &reference, State::Refunded).await;
    assert_eq!(mock.request_count(Endpoint::MtnRefund), 1);
    screenshot(&client, "admin-refunded.png").await;
    client.close().await.unwrap();
    app.stop().await;
}

/// Waits until `script` (a WebDriver script that returns a value) returns `expected`; panics
/// with what it returned last and the page's source after [`PATIENCE`].
async fn wait_until(client: &Client, what: &str, script: &str, expected: serde_json::Value) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let got = client.execute(script, vec![]).await.unwrap();
        if got == expected {
            return;
        }
        if tokio::time::Instant::now() > deadline {
            let source = client.source().await.unwrap_or_default();
            panic!("the page never showed {what} (last {got}): {source}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The note of "check again", the button's text and whether it is disabled.
const CHECK_STATE: &str = "var b = document.getElementById('check-again'); \
     return [document.getElementById('check-note').textContent, b ? b.textContent : null, \
     b ? b.disabled : null];";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_again_says_it_is_checking_until_the_answer_then_that_a_repeat_is_too_soon() {
    let Some(programs) = programs("the browser test") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mock = MockQosic::in_process();
    let mut config = test_config(&dir.path().join("shop.sqlite"), Duration::from_secs(2));
    // A repeat within a minute is too soon.
    config.min_early_check_interval = Duration::from_secs(60);
    let app = start_app(&mock, config).await;
    let base = app.url();
    // Nobody answers: still pending once the window closes.
    let reference = order(&base, "22997000193", 1000).await;
    let view = wait_state(&base, &reference, State::StillPending).await;
    // From now on QosIc takes 5 s to answer a status check: the page says "checking" that
    // long at least.
    mock.fault_plan(|request| {
        (request.endpoint == Endpoint::MtnStatus).then(|| Fault::delay(Duration::from_secs(5)))
    });

    let (_driver, client) = open(&programs).await;
    client
        .goto(&format!("{base}/orders/{reference}"))
        .await
        .unwrap();
    wait_for_state(&client, "still_pending").await;
    let role = client
        .find(Locator::Css("#check-note"))
        .await
        .unwrap()
        .attr("role")
        .await
        .unwrap();
    assert_eq!(role.as_deref(), Some("status"), "the note is announced");
    let button = client.find(Locator::Css("#check-again")).await.unwrap();
    assert_eq!(button.text().await.unwrap(), "Vérifier à nouveau");
    button.click().await.unwrap();
    // Until the answer (still pending) comes through the stream, with one more check shown,
    // the page says it is checking: the note, and the button (disabled), every time it is
    // looked at.
    let checking = "Vérification en cours…";
    let checks = format!("Vérifications : {}", view.checks + 1);
    let sample = format!(
        "var b = document.getElementById('check-again'); \
         return [document.getElementById('status').textContent.includes('{checks}'), \
         document.getElementById('check-note').textContent, b.textContent, b.disabled];"
    );
    let deadline = tokio::time::Instant::now() + PATIENCE;
    let mut seen_checking = 0;
    loop {
        let got = client.execute(&sample, vec![]).await.unwrap();
        if got[0] == json!(true) {
            break;
        }
        assert_eq!(
            got,
            json!([false, checking, checking, true]),
            "the page stopped saying it is checking before the check's answer"
        );
        if seen_checking == 0 {
            screenshot(&client, "check-again-checking.png").await;
        }
        seen_checking += 1;
        assert!(
            tokio::time::Instant::now() < deadline,
            "the check's answer never showed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(seen_checking > 0, "the check was shown in progress");
    // Then the note is cleared, the button back.
    wait_until(
        &client,
        "the check's result",
        CHECK_STATE,
        json!(["", "Vérifier à nouveau", false]),
    )
    .await;
    assert_eq!(
        mock.request_count(Endpoint::MtnStatus) as i64,
        view.checks + 1,
        "one status check for the click"
    );

    // At once again: too soon, said in the note; the button is usable again.
    client
        .find(Locator::Css("#check-again"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_until(
        &client,
        "the too-soon note",
        CHECK_STATE,
        json!([
            "Vérifié il y a un instant : réessayez dans quelques secondes.",
            "Vérifier à nouveau",
            false
        ]),
    )
    .await;
    assert_eq!(
        mock.request_count(Endpoint::MtnStatus) as i64,
        view.checks + 1,
        "no status check for the repeat"
    );
    screenshot(&client, "check-again-too-soon.png").await;
    client.close().await.unwrap();
    app.stop().await;
}

/// Whether the "reconnecting" notice shows, its text, and whether it sits in a live region.
const NOTICE: &str = "var n = document.getElementById('reconnecting'); \
     return [!n.hidden && n.offsetParent !== null, n.textContent, \
     n.closest('[aria-live]') !== null];";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reconnecting_notice_is_announced_while_the_live_stream_is_down_and_goes_when_it_is_back()
{
    let Some(programs) = programs("the browser test") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mock = MockQosic::in_process();
    // Nobody answers, in a long window: the order stays pending throughout.
    let config = test_config(&dir.path().join("shop.sqlite"), Duration::from_secs(120));
    let app = start_app(&mock, config.clone()).await;
    let base = app.url();
    let reference = order(&base, "22997000193", 1000).await;
    wait_state(&base, &reference, State::Pending).await;

    let (_driver, client) = open(&programs).await;
    client
        .goto(&format!("{base}/orders/{reference}"))
        .await
        .unwrap();
    wait_for_state(&client, "pending").await;
    let notice = "Connexion perdue, reconnexion…";
    wait_until(
        &client,
        "no notice with the stream up",
        NOTICE,
        json!([false, notice, true]),
    )
    .await;
    client
        .execute("window.__sameDocument = true;", vec![])
        .await
        .unwrap();

    // The shop stops (its streams end; nothing listens on its port).
    let addr = app.addr();
    app.stop().await;
    wait_until(
        &client,
        "the reconnecting notice",
        NOTICE,
        json!([true, notice, true]),
    )
    .await;
    screenshot(&client, "reconnecting.png").await;

    // Back on the same address: the page reconnects, the notice goes, the order is still
    // followed on the same document.
    let mut config = config;
    config.listen = addr;
    let app = start_app(&mock, config).await;
    wait_until(
        &client,
        "the notice gone",
        NOTICE,
        json!([false, notice, true]),
    )
    .await;
    let shown = wait_for_state(&client, "pending").await;
    assert!(shown.contains(&reference), "{shown}");
    let same = client
        .execute("return window.__sameDocument === true;", vec![])
        .await
        .unwrap();
    assert_eq!(same, json!(true), "the page reloaded");
    client.close().await.unwrap();
    app.stop().await;
}
