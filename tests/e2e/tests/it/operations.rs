//! Who holds a number, the balance, and card payments: the SDK against the fake server,
//! in-process and over loopback HTTP, async and blocking.

use qosic::mock::{HolderInfo, MockQosic, MockQosicHttp, DECLINED_CARD};
use qosic::{
    AccountHolder, AccountStatus, CardCheckout, Carrier, DepositRequest, Error, PaymentRequest,
    Status,
};

/// Everything the account-holder lookup answers, through `client`.
async fn holders_answer(mock: &MockQosic, client: &qosic::Client) {
    // Magic endings: an active account with the default names, no account, blocked.
    let holder = client.account_holder("22997000100").await.unwrap();
    let found = holder.holder().expect("an account");
    assert_eq!(
        (found.first_name(), found.last_name()),
        (
            qosic::mock::DEFAULT_FIRST_NAME,
            qosic::mock::DEFAULT_LAST_NAME
        )
    );
    assert!(holder.is_active());
    let none = client.account_holder("22997000192").await.unwrap();
    assert!(matches!(none, AccountHolder::NotFound { .. }), "{none:?}");
    let blocked = client.account_holder("22997000195").await.unwrap();
    assert_eq!(
        blocked.holder().unwrap().status(),
        &AccountStatus::Other("BLOCKED".to_owned())
    );
    assert!(!blocked.is_active());
    let err = client.account_holder("22997000194").await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::ServerError {
                status: Some(500),
                ..
            }
        ),
        "{err}"
    );

    // Programmed names, on MOOV's route too.
    mock.account_holder("22995000100", HolderInfo::active("Ada", "Lovelace"));
    let moov = client.account_holder("22995000100").await.unwrap();
    assert_eq!(moov.holder().unwrap().first_name(), "Ada");
    assert_eq!(moov.holder().unwrap().masked_name(), "A*** L***");
    let journal = mock.journal();
    assert!(
        journal
            .iter()
            .any(|r| r.path == "/QosicBridge/user/getaccountholderinfomv"),
        "{journal:?}"
    );

    // Celtiis has no route: refused before any request.
    let before = mock.journal().len();
    let err = client.account_holder("2290140000100").await.unwrap_err();
    assert!(matches!(err, Error::Unsupported { .. }), "{err}");
    assert_eq!(mock.journal().len(), before);
}

/// The balance equals the ledger, per carrier, through `client`.
async fn balance_is_the_ledger(mock: &MockQosic, client: &qosic::Client) {
    assert_eq!(client.balance("MTN").await.unwrap().xof(), 0);
    let paid = client
        .pay(PaymentRequest::new("22997000100", 5000))
        .await
        .unwrap();
    assert_eq!(paid.status(), Status::Confirmed);
    client
        .pay(PaymentRequest::new("22997000101", 3000))
        .await
        .unwrap();
    client
        .pay(PaymentRequest::new("22995000100", 2000))
        .await
        .unwrap();
    client.refund(paid.lookup()).await.unwrap();
    client
        .deposit(DepositRequest::new("22997000102", 1000))
        .await
        .unwrap();
    let mtn = client.balance("mtn").await.unwrap();
    let moov = client.balance("MOOV").await.unwrap();
    assert_eq!((mtn.xof(), moov.xof()), (2000, 2000));
    assert_eq!(mtn.xof(), mock.balance(Carrier::Mtn));
    let ledger = mock.ledger();
    assert_eq!(
        i128::from(mtn.xof() + moov.xof()),
        ledger.net(),
        "{ledger:?}"
    );
    let err = client.balance("CELTIIS").await.unwrap_err();
    assert!(matches!(err, Error::Unsupported { .. }), "{err}");
}

/// A card payment approved on the hosted page, read back confirmed, through `client`.
async fn card_payment_confirmed(mock: &MockQosic, client: &qosic::Client) {
    let session = client
        .card_checkout(
            CardCheckout::new(5000, "https://shop.example/orders/7")
                .description("Order 7")
                .customer_email("ada@example.com"),
        )
        .await
        .unwrap();
    assert!(
        session
            .url()
            .starts_with(&format!("{}/card/pay/", mock.uri())),
        "{}",
        session.url()
    );
    let reference = session.reference().as_str();
    let pending = client.card_status(reference).await.unwrap();
    assert_eq!(pending.status(), Status::Pending);
    assert!(mock.card_page_action(reference, "approve", qosic::mock::APPROVED_CARD));
    let paid = client.card_status(reference).await.unwrap();
    assert_eq!(paid.status(), Status::Confirmed);
    assert_eq!(paid.code(), Some("00"));

    // The magic card declines; QosIc's plugin's answer shape is read too.
    let declined = client
        .card_checkout(CardCheckout::new(1000, "https://shop.example/back"))
        .await
        .unwrap();
    let reference = declined.reference().as_str();
    mock.card_status_like_plugin(true);
    assert_eq!(
        client.card_status(reference).await.unwrap().message(),
        Some("PENDIND")
    );
    assert!(mock.card_page_action(reference, "approve", DECLINED_CARD));
    assert_eq!(
        client.card_status(reference).await.unwrap().status(),
        Status::Failed
    );
    mock.card_status_like_plugin(false);

    // A wrong key is refused, typed.
    mock.set_card_key("ANOTHER");
    let err = client
        .card_checkout(CardCheckout::new(1000, "https://shop.example/back"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidCardKey { .. }), "{err}");
    mock.set_card_key(qosic::mock::DEFAULT_CARD_KEY);
}

#[tokio::test(start_paused = true)]
async fn in_process_account_holders() {
    let mock = MockQosic::in_process();
    holders_answer(&mock, &mock.client()).await;
}

#[tokio::test(start_paused = true)]
async fn in_process_balance_is_the_ledger() {
    let mock = MockQosic::in_process();
    balance_is_the_ledger(&mock, &mock.client()).await;
}

#[tokio::test(start_paused = true)]
async fn in_process_card_payment() {
    let mock = MockQosic::in_process();
    card_payment_confirmed(&mock, &mock.client()).await;
}

#[tokio::test]
async fn http_account_holders() {
    let mock = MockQosic::start().await;
    holders_answer(&mock, &mock.http_client().unwrap()).await;
}

#[tokio::test]
async fn http_balance_is_the_ledger() {
    let mock = MockQosic::start().await;
    balance_is_the_ledger(&mock, &mock.http_client().unwrap()).await;
}

#[tokio::test]
async fn http_card_payment() {
    let mock = MockQosic::start().await;
    card_payment_confirmed(&mock, &mock.http_client().unwrap()).await;
}

#[tokio::test]
async fn wrong_client_id_and_credentials_are_typed_errors() {
    let mock = MockQosic::builder()
        .mtn_client_id("SOMEONE_ELSE")
        .start()
        .await;
    let client = crate::support::http_client(&mock);
    let err = client.account_holder("22997000100").await.unwrap_err();
    assert!(
        matches!(err, Error::InvalidClientId { ref carrier, .. } if carrier == "MTN"),
        "{err}"
    );
    let err = client.balance("MTN").await.unwrap_err();
    assert!(matches!(err, Error::InvalidClientId { .. }), "{err}");
    let wrong = crate::support::builder(&mock, crate::support::fast_polling())
        .password("wrong")
        .transport(mock.transport())
        .build()
        .unwrap();
    let err = wrong.balance("MOOV").await.unwrap_err();
    assert!(matches!(err, Error::InvalidCredentials { .. }), "{err}");
    assert!(err.to_string().contains("401"), "{err}");
}

#[test]
fn the_blocking_client_has_every_operation() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mock = runtime.block_on(MockQosic::start());
    let client = qosic::blocking::Client::new(mock.http_client().unwrap()).unwrap();
    let holder = client.account_holder("22997000100").unwrap();
    assert!(holder.is_active());
    let moov = client.account_holder_on("MOOV", "22995000100").unwrap();
    assert!(moov.is_active());
    client
        .pay(PaymentRequest::new("22997000100", 1500))
        .unwrap();
    assert_eq!(client.balance("MTN").unwrap().xof(), 1500);
    let session = client
        .card_checkout(CardCheckout::new(2500, "http://127.0.0.1:9/back"))
        .unwrap();
    mock.card_page_action(session.reference().as_str(), "abandon", "");
    assert_eq!(
        client
            .card_status(session.reference().as_str())
            .unwrap()
            .status(),
        Status::Failed
    );
    drop(client);
    drop(mock);
}
