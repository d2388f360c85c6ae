//! Tests of the account-holder, balance and card operations against scripted answers.

use crate::carrier::{CarrierSpec, QosicCarrier};
use crate::test_util::ReplayTransport;
use crate::transport::Delivery;
use crate::{
    AccountHolder, AccountStatus, CardCheckout, Carrier, Client, Country, Error, Operation, Status,
};

const LOOKUPS: CarrierSpec = CarrierSpec::new(
    Carrier::new("LOOKUPS"),
    Country::Benin,
    "QOSIC_LOOKUPS_CLIENT_ID",
    "/pay",
    "/status",
    |_| true,
)
.with_account_holder("/holder")
.with_balance("/balance");

const BARE: CarrierSpec = CarrierSpec::new(
    Carrier::new("BARE"),
    Country::Togo,
    "QOSIC_BARE_CLIENT_ID",
    "/pay2",
    "/status2",
    |_| true,
);

fn client(transport: &ReplayTransport) -> Client {
    Client::builder()
        .login("merchant")
        .password("secret")
        .base_url("http://127.0.0.1:9")
        .carrier(QosicCarrier::new(&LOOKUPS, "LK-ID").unwrap())
        .carrier(QosicCarrier::new(&BARE, "BR-ID").unwrap())
        .transport(transport.clone())
        .card_key("QCBJ001")
        .card_base_url("http://127.0.0.1:8")
        .build()
        .unwrap()
}

fn sent(transport: &ReplayTransport) -> Vec<(String, String)> {
    transport
        .requests()
        .iter()
        .map(|r| (r.url(), String::from_utf8_lossy(r.body()).into_owned()))
        .collect()
}

#[tokio::test]
async fn a_holder_is_found_with_names_and_status() {
    let t = ReplayTransport::new().answer(
        200,
        r#"{"msisdn":"22997000100","firstName":"Ada","surName":"Lovelace","accountholderstatus":"ACTIVE","responsecode":"00","responsemsg":"SUCCESSFUL"}"#,
    );
    let holder = client(&t).account_holder("22997000100").await.unwrap();
    let found = holder.holder().unwrap();
    assert_eq!((found.first_name(), found.last_name()), ("Ada", "Lovelace"));
    assert_eq!(found.status(), &AccountStatus::Active);
    assert!(holder.is_active());
    assert_eq!(
        sent(&t),
        [(
            "http://127.0.0.1:9/holder".to_owned(),
            r#"{"msisdn":"22997000100","clientid":"LK-ID"}"#.to_owned()
        )]
    );
    let shown = format!("{holder:?} {holder}");
    assert!(
        !shown.contains("Lovelace") && !shown.contains("97000100"),
        "{shown}"
    );
}

#[tokio::test]
async fn a_number_without_account_is_an_answer() {
    let t = ReplayTransport::new()
        .answer(
            200,
            r#"{"accountholderstatus":"ACCOUNTHOLDER_NOT_FOUND","responsecode":"-1"}"#,
        )
        .answer(417, "");
    let c = client(&t);
    for _ in 0..2 {
        let holder = c.account_holder("22997000192").await.unwrap();
        assert!(
            matches!(holder, AccountHolder::NotFound { .. }),
            "{holder:?}"
        );
        assert!(!holder.is_active());
    }
}

#[tokio::test]
async fn holder_refusals_are_typed_and_say_why() {
    let t = ReplayTransport::new()
        .answer(401, "HTTP Status 401: Bad credentials")
        .answer(
            404,
            r#"{"responsecode":"-2","responsemsg":"Invalid Client Id"}"#,
        )
        .answer(
            500,
            r#"{"title":"Internal Server Error","status":500,"detail":"boom"}"#,
        )
        .answer(200, "<html>maintenance</html>");
    let c = client(&t);
    let phone = "22997000100";
    assert!(matches!(
        c.account_holder(phone).await,
        Err(Error::InvalidCredentials { .. })
    ));
    let err = c.account_holder(phone).await.unwrap_err();
    assert!(matches!(err, Error::InvalidClientId { ref carrier, .. } if carrier == "LOOKUPS"));
    let err = c.account_holder(phone).await.unwrap_err();
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
    let err = c.account_holder(phone).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Unreadable {
                operation: Operation::AccountHolder,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("not a JSON object"), "{err}");
    assert_eq!(err.delivery(), Delivery::Answered);
}

#[tokio::test]
async fn carriers_without_the_route_refuse_before_io() {
    let t = ReplayTransport::new();
    let c = client(&t);
    let err = c
        .account_holder_on("bare", "22890000100")
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "BARE does not support the account_holder operation"
    );
    let err = c.balance("BARE").await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "BARE does not support the balance operation"
    );
    let err = c.balance("nope").await.unwrap_err();
    assert!(err.to_string().contains("LOOKUPS, BARE"), "{err}");
    assert!(t.requests().is_empty());
}

#[tokio::test]
async fn the_balance_is_read_in_whole_xof() {
    let t = ReplayTransport::new()
        .answer(
            200,
            r#"{"responsecode":"00","responsemsg":"SUCCESSFUL","amount":"12500"}"#,
        )
        .answer(200, r#"{"responsecode":"00"}"#)
        .answer(
            404,
            r#"{"responsecode":"-2","responsemsg":"Invalid Client Id"}"#,
        );
    let c = client(&t);
    let balance = c.balance("lookups").await.unwrap();
    assert_eq!((balance.carrier(), balance.xof()), ("LOOKUPS", 12_500));
    assert_eq!(balance.to_string(), "12500 XOF available on LOOKUPS");
    let err = c.balance("LOOKUPS").await.unwrap_err();
    assert!(err.to_string().contains("has no amount"), "{err}");
    assert!(matches!(
        c.balance("LOOKUPS").await,
        Err(Error::InvalidClientId { .. })
    ));
    assert_eq!(
        sent(&t)[0],
        (
            "http://127.0.0.1:9/balance".to_owned(),
            r#"{"clientid":"LK-ID"}"#.to_owned()
        )
    );
}

#[tokio::test]
async fn a_card_checkout_posts_init_transaction_to_the_card_host() {
    let t = ReplayTransport::new().answer(
        200,
        r#"{"url":"https://b-card.qosic.net/pay/ORDER-7","transref":"ORDER-7","status":"OK"}"#,
    );
    let c = client(&t);
    let session = c
        .card_checkout(
            CardCheckout::new(5000, "https://shop.example/orders/7")
                .reference("ORDER-7")
                .description("Order 7")
                .customer_name("Ada", "Lovelace")
                .customer_email("ada@example.com"),
        )
        .await
        .unwrap();
    assert_eq!(session.url(), "https://b-card.qosic.net/pay/ORDER-7");
    assert_eq!(session.reference().as_str(), "ORDER-7");
    assert_eq!(
        sent(&t),
        [(
            "http://127.0.0.1:8/public/v1/initTransaction".to_owned(),
            r#"{"type":"all","transref":"ORDER-7","qosKey":"QCBJ001","returnUrl":"https://shop.example/orders/7","amountDetails":{"totalAmount":5000,"currency":"XOF"},"saleDetails":{"firstName":"Ada","lastName":"Lovelace","email":"ada@example.com","description":"Order 7"}}"#.to_owned()
        )]
    );
    assert!(!format!("{c:?}").contains("QCBJ001"));
}

#[tokio::test]
async fn card_checkout_errors_say_why() {
    let t = ReplayTransport::new()
        .answer(
            200,
            r#"{"responsecode":"-2","responsemsg":"INVALID qoskey"}"#,
        )
        .answer(200, "")
        .lose_answer();
    let c = client(&t);
    let checkout = || CardCheckout::new(5000, "https://shop.example/back");
    let err = c.card_checkout(checkout()).await.unwrap_err();
    assert!(matches!(err, Error::InvalidCardKey { .. }), "{err}");
    assert!(err.to_string().contains("QOSIC_CARD_KEY"));
    let err = c.card_checkout(checkout()).await.unwrap_err();
    assert!(matches!(err, Error::Unreadable { .. }), "{err}");
    assert_eq!(err.delivery(), Delivery::MaybeSent);
    assert!(err.reference().is_some());
    let err = c.card_checkout(checkout()).await.unwrap_err();
    assert_eq!(err.delivery(), Delivery::MaybeSent);
    assert!(err.reference().is_some());
    // Bad input, before any I/O.
    let err = c
        .card_checkout(CardCheckout::new(0, "https://shop.example"))
        .await
        .unwrap_err();
    assert!(err.is_invalid_input());
    let err = c
        .card_checkout(CardCheckout::new(5, "shop.example/back"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("return_url"), "{err}");
    assert_eq!(t.requests().len(), 3);
}

#[tokio::test]
async fn card_status_reads_both_shapes_on_record() {
    let t = ReplayTransport::new()
        .answer(200, r#"{"responsecode":"00","responsemsg":"SUCCESSFUL"}"#)
        .answer(200, r#"{"status":"00","data":{"status":"PENDIND"}}"#)
        .answer(200, r#"{"status":"00","data":{"status":"SUCCESS"}}"#)
        .answer(200, r#"{"something":"else"}"#)
        .answer(
            200,
            r#"{"responsecode":"-2","responsemsg":"INVALID qoskey"}"#,
        );
    let c = client(&t);
    assert_eq!(
        c.card_status("ORDER-7").await.unwrap().status(),
        Status::Confirmed
    );
    assert_eq!(
        c.card_status("ORDER-7").await.unwrap().status(),
        Status::Pending
    );
    assert!(c.card_status("ORDER-7").await.unwrap().success());
    let unknown = c.card_status("ORDER-7").await.unwrap();
    assert_eq!(unknown.status(), Status::Unknown);
    assert_eq!(unknown.raw_response().body, r#"{"something":"else"}"#);
    assert!(matches!(
        c.card_status("ORDER-7").await,
        Err(Error::InvalidCardKey { .. })
    ));
    // To the API's host, docs' key spelling by default.
    assert_eq!(
        sent(&t)[0],
        (
            "http://127.0.0.1:9/QosicBridge/checkout/v1/status".to_owned(),
            r#"{"qoskey":"QCBJ001","transref":"ORDER-7"}"#.to_owned()
        )
    );
}

#[tokio::test]
async fn card_settings_are_configurable_and_checked() {
    let t = ReplayTransport::new().answer(200, r#"{"responsecode":"01"}"#);
    let c = Client::builder()
        .login("merchant")
        .password("secret")
        .base_url("http://127.0.0.1:9")
        .carrier(QosicCarrier::new(&LOOKUPS, "LK-ID").unwrap())
        .transport(t.clone())
        .card_key("QCBJ001")
        .card_status_path("/QosicBrigde/checkout/v1/status")
        .card_status_key_field("qosKey")
        .build()
        .unwrap();
    c.card_status("R-1234").await.unwrap();
    assert_eq!(
        sent(&t)[0],
        (
            "http://127.0.0.1:9/QosicBrigde/checkout/v1/status".to_owned(),
            r#"{"qosKey":"QCBJ001","transref":"R-1234"}"#.to_owned()
        )
    );
    let without = Client::builder()
        .login("merchant")
        .password("secret")
        .carrier(QosicCarrier::new(&LOOKUPS, "LK-ID").unwrap())
        .transport(t.clone())
        .build()
        .unwrap();
    let err = without.card_status("R-1234").await.unwrap_err();
    assert!(err.to_string().contains("QOSIC_CARD_KEY"), "{err}");
    let bad = Client::builder()
        .login("merchant")
        .password("secret")
        .carrier(QosicCarrier::new(&LOOKUPS, "LK-ID").unwrap())
        .transport(t)
        .card_key("QCBJ001")
        .card_status_key_field("key")
        .build()
        .unwrap_err();
    assert!(bad.to_string().contains("card_status_key_field"), "{bad}");
}
