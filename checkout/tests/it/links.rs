//! Prices from the merchant: payment links made through `POST /api/orders`, the catalogue's
//! product pages, and the receipt of a paid order. No order can carry a customer's price when
//! either is in use.

use std::time::Duration;

use qosic::mock::{MockQosic, Subscriber};
use qosic_checkout::{Config, State};
use serde_json::{json, Value};

use crate::language::form_body;
use crate::support::*;

const KEY: &str = "merchant-backend-key-0123456789";

fn api_config(dir: &std::path::Path) -> Config {
    let mut config = test_config(&dir.join("shop.sqlite"), Duration::from_secs(4));
    config.api_key = Some(qosic::Secret::from(KEY));
    config.shop_name = "Chez Adjoa".to_owned();
    config
}

async fn api_post(base: &str, key: Option<&str>, body: &str) -> (u16, Value) {
    let mut request = http()
        .post(format!("{base}/api/orders"))
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(key) = key {
        request = request.header("authorization", format!("Bearer {key}"));
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let body = response.bytes().await.unwrap();
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

async fn text(url: &str) -> (u16, String) {
    let response = http().get(url).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// Posts the phone number to a link or product page; returns the order's reference.
async fn pay(base: &str, path: &str, phone: &str, extra: &[(&str, &str)]) -> String {
    let mut fields = vec![("phone", phone)];
    fields.extend_from_slice(extra);
    let response = http()
        .post(format!("{base}{path}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_body(&fields))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        303,
        "{path}: {:?}",
        response.text().await
    );
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    location.strip_prefix("/orders/").unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_link_from_the_api_asks_only_for_the_phone_and_once_paid_shows_the_receipt() {
    let dir = tempfile::tempdir().unwrap();
    let mock = MockQosic::in_process();
    mock.subscriber("22997000550", Subscriber::approves_after_checks(1));
    let app = start_app(&mock, api_config(dir.path())).await;
    let base = app.url();

    // The merchant's backend, with its key.
    let order = r#"{"amount": 1500, "description": "Tissu wax, 6 yards", "merchant_reference": "CMD-2041", "return_url": "https://adjoa.example/merci"}"#;
    assert_eq!(api_post(&base, None, order).await.0, 401);
    assert_eq!(api_post(&base, Some("wrong"), order).await.0, 401);
    let (status, link) = api_post(&base, Some(KEY), order).await;
    assert_eq!(status, 201, "{link}");
    let id = link["id"].as_str().unwrap().to_owned();
    let url = link["url"].as_str().unwrap().to_owned();
    assert_eq!(url, format!("{base}/pay/{id}"), "an absolute link");
    assert_eq!(link["amount"], 1500);
    assert_eq!(link["merchant_reference"], "CMD-2041");

    // The customer's page: the item, the amount as they read it, one field.
    let (status, page) = text(&url).await;
    assert_eq!(status, 200);
    assert!(page.contains("Tissu wax, 6 yards"), "{page}");
    assert!(page.contains("1\u{202F}500\u{A0}FCFA"), "{page}");
    assert!(page.contains("name=\"phone\"") && page.contains("autocomplete=\"tel\""));
    assert!(!page.contains("name=\"amount\""), "no amount field: {page}");

    // Paid once; the link then leads to the receipt, and a second post pays nothing more.
    let reference = pay(&base, &format!("/pay/{id}"), "01 97 00 05 50", &[]).await;
    wait_state(&base, &reference, State::Confirmed).await;
    let again = pay(&base, &format!("/pay/{id}"), "01 97 00 05 50", &[]).await;
    assert_eq!(again, reference);
    let response = http().get(&url).send().await.unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(
        response.headers()["location"],
        format!("/orders/{reference}")
    );
    assert_eq!(app.store().all_orders().await.unwrap().len(), 1);
    assert_eq!(mock.payment_requests(&reference), 1);

    let (_, receipt) = text(&format!("{base}/orders/{reference}")).await;
    for expected in [
        "id=\"receipt\"",
        "Reçu",
        "Chez Adjoa",
        "Tissu wax, 6 yards",
        "1\u{202F}500\u{A0}FCFA",
        "(heure du Bénin)",
        "MTN",
        "22901******50",
        reference.as_str(),
        "CMD-2041",
        "href=\"https://adjoa.example/merci\"",
        "id=\"print\"",
    ] {
        assert!(receipt.contains(expected), "{expected}: {receipt}");
    }
    assert!(!receipt.contains("2290197000550"), "the number is masked");

    // The merchant sees it paid.
    let response = http()
        .get(format!("{base}/api/orders/{id}"))
        .header("authorization", format!("Bearer {KEY}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let shown: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    assert_eq!(shown["status"], "paid", "{shown}");
    assert_eq!(shown["payment"]["reference"], json!(reference));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_names_the_field_at_fault_and_a_declined_link_can_be_tried_again() {
    let dir = tempfile::tempdir().unwrap();
    let mock = MockQosic::in_process();
    mock.subscriber("22997000551", Subscriber::approves_after_checks(1));
    let app = start_app(&mock, api_config(dir.path())).await;
    let base = app.url();
    for (body, field, words) in [
        (
            r#"{"amount": 0, "description": "x"}"#,
            "amount",
            "whole number of XOF",
        ),
        (
            r#"{"amount": 1.5, "description": "x"}"#,
            "amount",
            "whole number of XOF",
        ),
        (
            r#"{"amount": 2000001, "description": "x"}"#,
            "amount",
            "from 1 to 2000000",
        ),
        (r#"{"amount": 100}"#, "description", "missing description"),
        (
            r#"{"amount": 100, "description": 5}"#,
            "description",
            "invalid description",
        ),
        (
            r#"{"amount": 100, "description": "x", "return_url": "javascript:alert(1)"}"#,
            "return_url",
            "absolute http:// or https://",
        ),
        (
            r#"{"amount": 100, "description": "x", "amout": 1}"#,
            "amout",
            "unknown field",
        ),
        (r#"[1]"#, "body", "JSON object"),
        (r#"{"amount": "#, "body", "not JSON"),
    ] {
        let (status, error) = api_post(&base, Some(KEY), body).await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(error["field"], field, "{body}: {error}");
        assert!(
            error["error"].as_str().unwrap().contains(words),
            "{body}: {error}"
        );
    }
    // A string amount as people write it reads too.
    let (status, link) = api_post(
        &base,
        Some(KEY),
        r#"{"amount": "2 000", "description": "Bissap"}"#,
    )
    .await;
    assert_eq!(status, 201, "{link}");
    assert_eq!(link["amount"], 2000);
    let id = link["id"].as_str().unwrap();
    // Declined (a number ending in 90): the page says so in French, and the link reopens.
    let declined = pay(&base, &format!("/pay/{id}"), "22997000590", &[]).await;
    wait_state(&base, &declined, State::Failed).await;
    let (status, page) = text(&format!("{base}/pay/{id}")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Le paiement précédent n&#39;a pas abouti"),
        "{page}"
    );
    let paid = pay(&base, &format!("/pay/{id}"), "22997000551", &[]).await;
    assert_ne!(paid, declined);
    wait_state(&base, &paid, State::Confirmed).await;
    // A bad number: what a Benin number looks like, and nothing stored.
    let (_, link) = api_post(&base, Some(KEY), r#"{"amount": 500, "description": "x"}"#).await;
    let response = http()
        .post(format!("{base}/pay/{}", link["id"].as_str().unwrap()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("phone=123")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let html = response.text().await.unwrap();
    assert!(html.contains("Un numéro béninois a 10 chiffres"), "{html}");
    assert!(html.contains("aria-invalid=\"true\""), "{html}");
    assert_eq!(app.store().all_orders().await.unwrap().len(), 2);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_catalogue_or_the_api_no_order_carries_the_customers_price() {
    let dir = tempfile::tempdir().unwrap();
    let catalogue = dir.path().join("products.toml");
    std::fs::write(
        &catalogue,
        "[[product]]\nid = \"wax\"\nname = \"Tissu wax\"\nprice = 15000\n\n\
         [[product]]\nid = \"bissap\"\nname = \"Bissap, 1 litre\"\nprice = \"1 500\"\n",
    )
    .unwrap();
    let mock = MockQosic::in_process();
    mock.subscriber("22997000552", Subscriber::approves_after_checks(1));
    let mut config = test_config(&dir.path().join("shop.sqlite"), Duration::from_secs(4));
    config.catalogue = Some(catalogue);
    let app = start_app(&mock, config).await;
    let base = app.url();

    let response = http().get(&base).send().await.unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/products");
    let (_, list) = text(&format!("{base}/products")).await;
    assert!(list.contains("href=\"/products/wax\"") && list.contains("15\u{202F}000\u{A0}FCFA"));
    let (status, page) = text(&format!("{base}/products/bissap")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Bissap, 1 litre") && !page.contains("name=\"amount\""),
        "{page}"
    );
    assert_eq!(text(&format!("{base}/products/nope")).await.0, 404);

    // The customer's own amount is refused on the form's route, and ignored on a product's.
    let response = http()
        .post(format!("{base}/orders"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("phone=22997000552&amount=1")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert!(response
        .text()
        .await
        .unwrap()
        .contains("Les prix sont fixés par la boutique"));
    let reference = pay(&base, "/products/wax", "22997000552", &[("amount", "1")]).await;
    assert_eq!(status_of(&base, &reference).await, 15_000);
    let orders = app.store().all_orders().await.unwrap();
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0].amount, 15_000);
    let view = wait_state(&base, &reference, State::Confirmed).await;
    assert_eq!(view.amount, 15_000);
    let (_, receipt) = text(&format!("{base}/orders/{reference}")).await;
    assert!(receipt.contains("Tissu wax"), "{receipt}");
    app.stop().await;

    // The API alone: the form's route refuses too.
    let dir = tempfile::tempdir().unwrap();
    let app = start_app(&mock, api_config(dir.path())).await;
    let base = app.url();
    let response = http()
        .post(format!("{base}/orders"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("phone=22997000552&amount=1")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let (_, page) = text(&format!("{base}/products")).await;
    assert!(page.contains("utilisez le lien"), "{page}");
    assert!(app.store().all_orders().await.unwrap().is_empty());
    // A link's amount is the merchant's: one the customer adds to its form is ignored.
    let (_, link) = api_post(&base, Some(KEY), r#"{"amount": 2500, "description": "x"}"#).await;
    let path = format!("/pay/{}", link["id"].as_str().unwrap());
    let reference = pay(&base, &path, "22997000552", &[("amount", "1")]).await;
    assert_eq!(status_of(&base, &reference).await, 2500);
    app.stop().await;
}

async fn status_of(base: &str, reference: &str) -> i64 {
    status(base, reference).await.amount
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payments_on_links_share_the_order_forms_limits_per_phone_and_per_client() {
    let dir = tempfile::tempdir().unwrap();
    let mock = MockQosic::in_process();
    let mut config = api_config(dir.path());
    config.orders_per_phone = 1;
    config.orders_per_client = 2;
    let app = start_app(&mock, config).await;
    let base = app.url();
    let mut links = Vec::new();
    for n in 0..3 {
        let body = format!(r#"{{"amount": 1000, "description": "Pagne {n}"}}"#);
        let (status, link) = api_post(&base, Some(KEY), &body).await;
        assert_eq!(status, 201, "{link}");
        links.push(format!("/pay/{}", link["id"].as_str().unwrap()));
    }
    let post = |path: &str, phone: &str| {
        http()
            .post(format!("{base}{path}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form_body(&[("phone", phone)]))
            .send()
    };
    pay(&base, &links[0], "22997000526", &[]).await;
    // The same number on another link: refused, in French, with when to try again.
    let refused = post(&links[1], "22997000526").await.unwrap();
    assert_eq!(refused.status(), 429, "a second order to one number");
    assert!(refused.headers().contains_key("retry-after"));
    let html = refused.text().await.unwrap();
    assert!(html.contains("Trop de paiements à la fois"), "{html}");
    assert!(html.contains("Attendez 10 minutes"), "{html}");
    // Another number from the same address: its second order passes, its third not.
    pay(&base, &links[1], "22997000527", &[]).await;
    let refused = post(&links[2], "22997000528").await.unwrap();
    assert_eq!(refused.status(), 429, "a third order from one address");
    assert_eq!(app.store().all_orders().await.unwrap().len(), 2);
    app.stop().await;
}
