//! "Pay by card" in headless Chromium (Debian's `chromium` and `chromium-driver`): the button
//! on the French form, the browser sent to the fake's card page (which the shop's
//! Content-Security-Policy must let the form's redirect reach), approved there, and back on the
//! order page, which shows the receipt. Skipped without Chromium, except in CI.

use std::time::Duration;

use fantoccini::{Client, Locator};
use qosic::mock::MockQosic;

use crate::chromium::*;
use crate::support::*;

/// Waits until the browser is at an address starting with `prefix`; returns it.
async fn wait_for_url(client: &Client, prefix: &str) -> String {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let url = client.current_url().await.unwrap().to_string();
        if url.starts_with(prefix) {
            return url;
        }
        if tokio::time::Instant::now() > deadline {
            let source = client.source().await.unwrap_or_default();
            panic!("the browser never reached {prefix}: at {url}: {source}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pay_by_card_in_chromium_goes_to_the_card_page_and_back_to_the_receipt() {
    let Some(programs) = programs("the card browser test") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mock = MockQosic::start().await;
    let mut config = test_config(&dir.path().join("shop.sqlite"), Duration::from_secs(3600));
    config.check_interval = Duration::from_secs(3600);
    config.card_key = Some(qosic::Secret::from(qosic::mock::DEFAULT_CARD_KEY));
    config.card_base_url = Some(mock.uri());
    let app = start_app(&mock, config).await;
    let (_driver, client) = open(&programs).await;

    client.goto(&app.url()).await.unwrap();
    client
        .find(Locator::Css("#amount"))
        .await
        .unwrap()
        .send_keys("2500")
        .await
        .unwrap();
    let card_button = client.find(Locator::Css("#pay-card")).await.unwrap();
    assert_eq!(card_button.text().await.unwrap(), "Payer par carte");
    card_button.click().await.unwrap();
    // The form's answer sends the browser to the card page, on the fake's own address.
    let card_page = wait_for_url(&client, &format!("{}/card/pay/", mock.uri())).await;
    let reference = card_page.rsplit('/').next().unwrap().to_owned();
    client
        .find(Locator::Css("#approve"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_url(&client, &format!("{}/orders/{reference}", app.url())).await;
    let status = wait_for_state(&client, "confirmed").await;
    assert!(status.contains("payés par carte"), "{status}");
    client.find(Locator::Css("#receipt")).await.unwrap();
    assert_eq!(app.engine().metrics().payment_requests.get(), 1);
    assert_eq!(mock.card_payment_state(&reference), Some("paid"));
    let _ = client.close().await;
    app.stop().await;
}
