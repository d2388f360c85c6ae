//! Card orders, one job at a time: the card checkout requested once, then settled by card
//! status checks.

use std::path::Path;
use std::time::Duration;

use qosic::mock::MockQosic;
use qosic::Client;
use qosic_checkout::config::Database;
use qosic_checkout::hub::Hub;
use qosic_checkout::jobs::{Engine, CARD};
use qosic_checkout::store::{Drive, NewOrder, Order, Store};
use qosic_checkout::State;

use crate::support::test_config;

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
