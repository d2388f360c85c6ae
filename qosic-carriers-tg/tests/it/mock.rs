//! T-Money and Flooz against the fake server: pay, deposit, the unsupported refund and the
//! magic numbers, in-process (tokio's paused clock) and over HTTP (the pay example's wiring).

use std::time::Duration;

use qosic_carriers_tg::{Flooz, TMoney};
use qosic_core::{Client, DepositRequest, Error, Operation, PaymentRequest, PollingPolicy, Status};
use qosic_http::HttpTransport;
use qosic_mock::{Endpoint, MockQosic};

/// How many requests the fake server received, all endpoints together.
fn requests(mock: &MockQosic) -> u64 {
    Endpoint::all().map(|e| mock.request_count(e)).sum()
}

/// Pay, decline, deposit and refund through `client`, for both Togo carriers.
async fn the_togo_round(mock: &MockQosic, client: &Client) {
    for (phone, carrier) in [("22890000100", "TMONEY"), ("22899000100", "FLOOZ")] {
        let outcome = client.pay(PaymentRequest::new(phone, 1000)).await.unwrap();
        assert_eq!(
            (outcome.status(), outcome.carrier(), outcome.code()),
            (Status::Confirmed, carrier, Some("00"))
        );
        assert_eq!(
            outcome.service_ref(),
            None,
            "Togo answers carry no serviceref"
        );
        mock.assert_debited_once(outcome.reference());

        // No refund in Togo: refused before any I/O.
        let before = requests(mock);
        let err = client.refund(outcome.lookup()).await.unwrap_err();
        assert!(
            matches!(&err, Error::Unsupported { operation: Operation::Refund, carrier: c } if c == carrier),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            format!("{carrier} does not support the refund operation")
        );
        assert_eq!(requests(mock), before, "nothing was sent");

        let payout = client
            .deposit(DepositRequest::new(phone, 5000))
            .await
            .unwrap();
        assert_eq!(
            (payout.status(), payout.carrier(), payout.code()),
            (Status::Confirmed, carrier, Some("00"))
        );
    }
    let declined = client
        .pay(PaymentRequest::new("22899000190", 1000))
        .await
        .unwrap();
    assert_eq!(
        (declined.status(), declined.carrier(), declined.code()),
        (Status::Failed, "FLOOZ", Some("02"))
    );
    assert_eq!(declined.reason(), Some("TRANSACTION DECLINED"));
    mock.assert_not_debited(declined.reference());
    let ledger = mock.ledger();
    assert_eq!(
        (ledger.collected, ledger.paid_out, ledger.refunded),
        (2000, 10_000, 0)
    );
}

#[tokio::test(start_paused = true)]
async fn pay_deposit_and_refund_in_process() {
    let mock = MockQosic::in_process();
    assert_eq!(mock.client_id(TMoney::CARRIER), "TMONEY_CLIENT");
    assert_eq!(mock.client_id(Flooz::CARRIER), "FLOOZ_CLIENT");
    the_togo_round(&mock, &mock.client()).await;
}

#[tokio::test]
async fn pay_deposit_and_refund_over_http_as_the_pay_example_does() {
    let mock = MockQosic::start().await;
    // examples/pay.rs's wiring: every carrier the fake server serves, the HTTP transport.
    let polling =
        PollingPolicy::unbounded(Duration::from_millis(20), Duration::from_secs(30)).unwrap();
    let client = Client::builder()
        .base_url(mock.uri())
        .credentials(mock.credentials())
        .carriers(mock.carriers(polling))
        .transport(HttpTransport::new().unwrap())
        .build()
        .unwrap();
    the_togo_round(&mock, &client).await;
    assert!(mock.connections() >= 1);
}

#[tokio::test(start_paused = true)]
async fn the_magic_numbers_hold_in_togo() {
    let mock = MockQosic::in_process();
    let client = mock.client();
    for national in ["900001", "990001"] {
        let phone = |last: &str| format!("228{national}{last}");
        let insufficient = client
            .pay(PaymentRequest::new(phone("91"), 100))
            .await
            .unwrap();
        assert_eq!(
            (insufficient.status(), insufficient.code()),
            (Status::Failed, Some("529"))
        );
        let err = client
            .pay(PaymentRequest::new(phone("92"), 100))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::UserAccountNotFound { .. }), "{err:?}");
        let pending = client
            .pay(PaymentRequest::new(phone("93"), 100))
            .await
            .unwrap();
        assert_eq!(pending.status(), Status::Pending);
        let err = client
            .pay(PaymentRequest::new(phone("94"), 100))
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::ServerError {
                    status: Some(500),
                    ..
                }
            ),
            "{err:?}"
        );
    }
    // The admin API's view of the Togo endpoints.
    let names: Vec<&str> = Endpoint::all().map(Endpoint::name).collect();
    for name in [
        "tmoney_payment",
        "tmoney_status",
        "tmoney_deposit",
        "flooz_payment",
        "flooz_status",
        "flooz_deposit",
    ] {
        assert!(names.contains(&name), "{name} in {names:?}");
    }
    assert!(!names.contains(&"tmoney_refund"));
    assert_eq!(
        Endpoint::from_path("/QosicBridge/tg/v1/gettransactionstatus"),
        Endpoint::new(Flooz::CARRIER, Operation::Status)
    );
}

/// T-Money on QosIc's documented paths (`TMoneyPaths::User`), which MTN Benin shares: the
/// fake server tells the two apart by the client id, in-process and over HTTP.
#[tokio::test]
async fn tmoney_on_the_user_paths_shares_them_with_mtn() {
    use qosic_carriers_tg::TMoneyPaths;
    for over_http in [false, true] {
        let mock = if over_http {
            MockQosic::start().await
        } else {
            MockQosic::in_process()
        };
        let polling =
            PollingPolicy::unbounded(Duration::from_millis(1), Duration::from_secs(30)).unwrap();
        let tmoney = TMoney::new(mock.client_id(TMoney::CARRIER))
            .unwrap()
            .with_paths(TMoneyPaths::User)
            .with_polling(polling);
        let mut builder = Client::builder()
            .base_url(mock.uri())
            .credentials(mock.credentials())
            .carrier(tmoney)
            .carriers(
                mock.carriers(polling)
                    .into_iter()
                    .filter(|c| c.name() != TMoney::NAME),
            );
        if over_http {
            builder = builder.transport(HttpTransport::new().unwrap());
        } else {
            builder = builder.transport(mock.transport());
        }
        let client = builder.build().unwrap();

        let paid = client
            .pay(PaymentRequest::new("22890000100", 1000))
            .await
            .unwrap();
        assert_eq!(
            (paid.status(), paid.carrier(), paid.service_ref()),
            (Status::Confirmed, "TMONEY", None),
            "T-Money's answers (no serviceref), over HTTP: {over_http}"
        );
        assert_eq!(
            mock.request_count(Endpoint::new(TMoney::CARRIER, Operation::Payment).unwrap()),
            1
        );
        let payout = client
            .deposit(DepositRequest::new("22890000100", 500))
            .await
            .unwrap();
        assert_eq!(
            (payout.status(), payout.carrier()),
            (Status::Confirmed, "TMONEY")
        );

        // MTN Benin, on the same path, is still MTN.
        let mtn = client
            .pay(PaymentRequest::new("22997000100", 700))
            .await
            .unwrap();
        assert_eq!((mtn.status(), mtn.carrier()), (Status::Confirmed, "MTN"));
        assert!(mtn.service_ref().is_some(), "MTN's answers carry one");
        mock.assert_debited_once(paid.reference());
        mock.assert_debited_once(mtn.reference());
        assert_eq!(mock.ledger().collected, 1700);
    }
}
