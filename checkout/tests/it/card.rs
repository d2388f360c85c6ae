//! Card orders: one job at a time (the card checkout requested once, then settled by card
//! status checks), and the whole path over HTTP as a customer takes it: "Pay by card" on the
//! order form or a payment link, the fake's card page, back to the order page.

use std::path::Path;
use std::time::Duration;

use qosic::mock::MockQosic;
use qosic::Client;
use qosic_checkout::config::Database;
use qosic_checkout::hub::Hub;
use qosic_checkout::jobs::{Engine, CARD};
use qosic_checkout::store::{Drive, NewOrder, Order, Store};
use qosic_checkout::State;

use crate::language::form_body;
use qosic_checkout::Running;

use crate::support::{counts, http, start_app, test_config, wait_state};

async fn engine(db: &Path, client: Client) -> Engine {
    let store = Store::connect(&Database::Sqlite(db.to_path_buf()))
        .await
        .unwrap();
    let mut config = test_config(db, Duration::from_secs(30));
    config.public_url = Some("https://shop.example".to_owned());
    Engine::new(store, client, Hub::new(), &config)
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

async fn card_order(action: &str) -> (MockQosic, Order) {
    let dir = tempfile::tempdir().unwrap();
    let mock = MockQosic::in_process();
    let engine = engine(
        &dir.path().join("db.sqlite"),
        mock.client_builder().build().unwrap(),
    )
    .await;
    let reference = "CARD-ORDER-1";
    engine
        .create(&NewOrder {
            reference: reference.to_owned(),
            phone: String::new(),
            amount: 1000,
            first_name: String::new(),
            last_name: String::new(),
            carrier: CARD.to_owned(),
            form_token: None,
        })
        .await
        .unwrap();
    drive(&engine, reference, 0).await;
    let sent = load(&engine, reference).await;
    assert_eq!(sent.state, State::Pending);
    let url = sent.operator_ref.clone().expect("the card page's URL");
    assert!(url.contains(reference), "{url}");
    drive(&engine, reference, 0).await; // the same job again: nothing requested twice
    assert_eq!(load(&engine, reference).await, sent);
    assert!(mock.card_page_action(reference, action, "4242424242424242"));
    drive(&engine, reference, sent.step).await;
    (mock, load(&engine, reference).await)
}

#[tokio::test]
async fn a_card_order_approved_on_the_card_page_is_confirmed() {
    let (_mock, order) = card_order("approve").await;
    assert_eq!(order.state, State::Confirmed);
}

#[tokio::test]
async fn a_card_order_declined_on_the_card_page_fails() {
    let (_mock, order) = card_order("decline").await;
    assert_eq!(order.state, State::Failed);
}

/// A shop taking cards through the HTTP fake `mock` (its card page is a real page), with its
/// scheduled status checks far off: only the customer's return from the card page (or the
/// order form's own path) can settle an order within the test.
async fn card_shop(mock: &MockQosic, dir: &Path) -> Running {
    let mut config = test_config(&dir.join("shop.sqlite"), Duration::from_secs(3600));
    config.check_interval = Duration::from_secs(3600);
    config.card_key = Some(qosic::Secret::from(qosic::mock::DEFAULT_CARD_KEY));
    config.card_base_url = Some(mock.uri());
    config.api_key = None;
    start_app(mock, config).await
}

/// The value of `name="token"` in a page's form.
fn token_of(page: &str) -> String {
    let at = page.find("name=\"token\" value=\"").expect("a form token") + 20;
    page[at..].split('"').next().unwrap().to_owned()
}

/// Posts a form; returns the status and the `Location`.
async fn post_form(url: &str, fields: &[(&str, &str)]) -> (u16, String, String) {
    let response = http()
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_body(fields))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, location, response.text().await.unwrap())
}

async fn page(url: &str) -> String {
    let response = http().get(url).send().await.unwrap();
    assert_eq!(response.status(), 200, "{url}");
    response.text().await.unwrap()
}

/// On the fake's card page, presses `action` as a browser would (a form POST) and follows its
/// way back to the shop (the page's link, which its refresh also opens); returns the order
/// page the customer lands on.
async fn on_card_page(card_page: &str, action: &str) -> String {
    let card = page(card_page).await;
    assert!(card.contains(&format!("id=\"{action}\"")), "{card}");
    let (status, _, back) = post_form(
        &format!("{card_page}/{action}"),
        &[("card", qosic::mock::APPROVED_CARD)],
    )
    .await;
    assert_eq!(status, 200, "{back}");
    let at = back.find("id=\"back\" href=\"").expect("the way back") + 16;
    let back_url = back[at..].split('"').next().unwrap().replace("&amp;", "&");
    page(&back_url).await
}

/// "Pay by card" on the order form: the 303 to the card page, and the order's reference.
async fn pay_by_card_on_the_form(
    app: &Running,
    mock: &MockQosic,
    amount: &str,
) -> (String, String) {
    let form = page(&app.url()).await;
    assert!(form.contains("id=\"pay-card\""), "{form}");
    assert!(form.contains("Payer par carte"), "{form}");
    let token = token_of(&form);
    let fields = [
        ("amount", amount),
        ("token", token.as_str()),
        ("method", "card"),
    ];
    let (status, card_page, body) = post_form(&format!("{}/orders", app.url()), &fields).await;
    assert_eq!(status, 303, "{body}");
    let prefix = format!("{}/card/pay/", mock.uri());
    let reference = card_page
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("to the card page: {card_page}"))
        .to_owned();
    // A double tap: the same card page, no second order, no second card checkout.
    let (status, again, _) = post_form(&format!("{}/orders", app.url()), &fields).await;
    assert_eq!((status, again.as_str()), (303, card_page.as_str()));
    assert_eq!(counts(&app.url()).await.values().sum::<i64>(), 1);
    assert_eq!(app.engine().metrics().payment_requests.get(), 1);
    (card_page, reference)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pay_by_card_approved_on_the_card_page_comes_back_confirmed_with_its_receipt() {
    let dir = tempfile::tempdir().unwrap();
    let mock = MockQosic::start().await;
    let app = card_shop(&mock, dir.path()).await;
    // The form may be sent on to the card host: a browser follows the 303 (the Chromium test
    // in card_browser.rs).
    let form = http().get(app.url()).send().await.unwrap();
    let csp = form.headers()["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains(&format!("form-action 'self' {};", mock.uri())),
        "{csp}"
    );
    let (card_page, reference) = pay_by_card_on_the_form(&app, &mock, "1500").await;
    // Before paying, the order page offers the way to the card page.
    let waiting = page(&format!("{}/orders/{reference}", app.url())).await;
    assert!(
        waiting.contains("Continuer vers le paiement par carte"),
        "{waiting}"
    );
    assert!(
        waiting.contains(&format!("href=\"{card_page}\"")),
        "{waiting}"
    );
    let back = on_card_page(&card_page, "approve").await;
    assert!(back.contains(&reference), "{back}");
    // The return brought the status check forward: confirmed without the scheduled one.
    let view = wait_state(&app.url(), &reference, State::Confirmed).await;
    assert_eq!((view.amount, view.carrier.as_str()), (1500, CARD));
    let order_page = page(&format!("{}/orders/{reference}", app.url())).await;
    assert!(order_page.contains("id=\"receipt\""), "{order_page}");
    let paid = format!(
        "{} payés par carte",
        qosic_checkout::amount::format_xof(1500)
    );
    assert!(order_page.contains(&paid), "{order_page}");
    assert!(!order_page.contains("receipt-phone"), "{order_page}");
    assert_eq!(app.engine().metrics().payment_requests.get(), 1);
    assert_eq!(mock.card_payment_state(&reference), Some("paid"));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pay_by_card_declined_on_the_card_page_fails_with_the_reason_in_french() {
    let dir = tempfile::tempdir().unwrap();
    let mock = MockQosic::start().await;
    let app = card_shop(&mock, dir.path()).await;
    let (card_page, reference) = pay_by_card_on_the_form(&app, &mock, "2000").await;
    on_card_page(&card_page, "decline").await;
    wait_state(&app.url(), &reference, State::Failed).await;
    let order_page = page(&format!("{}/orders/{reference}", app.url())).await;
    assert!(
        order_page.contains("Paiement par carte non abouti"),
        "{order_page}"
    );
    assert!(
        order_page.contains("Votre banque a refusé le paiement par carte."),
        "{order_page}"
    );
    let english = page(&format!("{}/orders/{reference}?lang=en", app.url())).await;
    assert!(
        english.contains("Your bank declined the card payment."),
        "{english}"
    );
    // Never the SDK's words.
    assert!(!order_page.contains("FAILED"), "{order_page}");
    assert_eq!(app.engine().metrics().payment_requests.get(), 1);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_link_paid_by_card_once_even_on_a_double_post_and_abandoned_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let mock = MockQosic::start().await;
    let mut config = test_config(&dir.path().join("shop.sqlite"), Duration::from_secs(3600));
    config.check_interval = Duration::from_secs(3600);
    config.card_key = Some(qosic::Secret::from(qosic::mock::DEFAULT_CARD_KEY));
    config.card_base_url = Some(mock.uri());
    config.api_key = Some(qosic::Secret::from("merchant-backend-key-0123456789"));
    let app = start_app(&mock, config).await;
    let made = http()
        .post(format!("{}/api/orders", app.url()))
        .bearer_auth("merchant-backend-key-0123456789")
        .header("content-type", "application/json")
        .body(r#"{"amount": 3000, "description": "Panier du marché"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), 201);
    let made: serde_json::Value = serde_json::from_slice(&made.bytes().await.unwrap()).unwrap();
    let link = format!("{}/pay/{}", app.url(), made["id"].as_str().unwrap());
    let link_page = page(&link).await;
    assert!(link_page.contains("id=\"pay-card\""), "{link_page}");
    let token = token_of(&link_page);
    let fields = [("phone", ""), ("token", token.as_str()), ("method", "card")];
    let (status, card_page, body) = post_form(&link, &fields).await;
    assert_eq!(status, 303, "{body}");
    assert!(
        card_page.starts_with(&format!("{}/card/pay/", mock.uri())),
        "{card_page}"
    );
    let (status, again, _) = post_form(&link, &fields).await;
    assert_eq!((status, again.as_str()), (303, card_page.as_str()));
    assert_eq!(app.engine().metrics().payment_requests.get(), 1);
    let reference = card_page.rsplit('/').next().unwrap().to_owned();
    on_card_page(&card_page, "abandon").await;
    let view = wait_state(&app.url(), &reference, State::Failed).await;
    assert_eq!(view.amount, 3000);
    let order_page = page(&format!("{}/orders/{reference}", app.url())).await;
    assert!(
        order_page.contains("Le paiement par carte a été abandonné avant la fin."),
        "{order_page}"
    );
    // After the failed try, the link can be paid again.
    let link_page = page(&link).await;
    assert!(link_page.contains("id=\"previous\""), "{link_page}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_card_key_no_card_button_and_a_card_post_is_refused_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let mock = MockQosic::start().await;
    let app = start_app(
        &mock,
        test_config(&dir.path().join("shop.sqlite"), Duration::from_secs(30)),
    )
    .await;
    let form = page(&app.url()).await;
    assert!(!form.contains("pay-card"), "{form}");
    let token = token_of(&form);
    let (status, _, body) = post_form(
        &format!("{}/orders", app.url()),
        &[
            ("amount", "1000"),
            ("token", token.as_str()),
            ("method", "card"),
        ],
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body.contains("Le paiement par carte n&#39;est pas disponible pour le moment."),
        "{body}"
    );
    assert_eq!(counts(&app.url()).await.values().sum::<i64>(), 0);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_program_in_test_mode_takes_cards_through_its_embedded_fake() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("shop.sqlite").display());
    // No QOSIC_* variable: the embedded fake, with its test card key; no public address: the
    // card page sends the customer back to the address the shop listens on.
    let app = crate::support::AppProcess::start(
        &["--listen", "127.0.0.1:0", "--database", &database],
        &[("RUST_LOG", "warn".to_owned())],
    );
    let form = page(&app.url).await;
    assert!(form.contains("id=\"pay-card\""), "{form}");
    let token = token_of(&form);
    let (status, card_page, body) = post_form(
        &format!("{}/orders", app.url),
        &[
            ("amount", "1200"),
            ("token", token.as_str()),
            ("method", "card"),
        ],
    )
    .await;
    assert_eq!(status, 303, "{body}");
    assert!(card_page.contains("/card/pay/"), "{card_page}");
    let reference = card_page.rsplit('/').next().unwrap().to_owned();
    let back = on_card_page(&card_page, "approve").await;
    assert!(
        back.contains(&reference),
        "back at the shop's order page: {back}"
    );
    wait_state(&app.url, &reference, State::Confirmed).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_page_off_the_card_host_is_offered_as_a_link_not_a_redirect() {
    let dir = tempfile::tempdir().unwrap();
    let mock = MockQosic::start().await;
    let mut config = test_config(&dir.path().join("shop.sqlite"), Duration::from_secs(3600));
    config.card_key = Some(qosic::Secret::from(qosic::mock::DEFAULT_CARD_KEY));
    // The forms may go to this host only; the card page is on the fake's.
    config.card_base_url = Some("https://b-card.example".to_owned());
    let app = start_app(&mock, config).await;
    let form = page(&app.url()).await;
    let token = token_of(&form);
    let (status, location, body) = post_form(
        &format!("{}/orders", app.url()),
        &[
            ("amount", "1000"),
            ("token", token.as_str()),
            ("method", "card"),
        ],
    )
    .await;
    assert_eq!(status, 303, "{body}");
    let reference = location
        .strip_prefix("/orders/")
        .unwrap_or_else(|| panic!("to the order page: {location}"))
        .to_owned();
    let view = crate::support::status(&app.url(), &reference).await;
    let card_page = view.card_url.expect("the card page, known");
    let order_page = page(&format!("{}{location}", app.url())).await;
    assert!(order_page.contains("id=\"card-continue\""), "{order_page}");
    assert!(
        order_page.contains(&format!("href=\"{card_page}\"")),
        "{order_page}"
    );
    app.stop().await;
}
