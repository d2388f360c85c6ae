//! Simulated subscribers: magic numbers and programmed behaviours.

use std::time::Duration;

use qosic_mock::{MockQosic, Subscriber, TransactionState};
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn magic_numbers_work_without_setup() {
    for via in BOTH {
        let h = Harness::new(via).await;
        // 90 declines at the first status check.
        assert_eq!(
            h.post(MTN_PAY, &pay("22997000090", "100", "M90", "MTN_CLIENT"))
                .await
                .status(),
            202
        );
        let s = h.post(MTN_STATUS, &status("M90", "MTN_CLIENT")).await;
        assert_eq!(
            s.json(),
            json!({"responsecode":"-1","responsemsg":"FAILED","transref":"M90","comment":"TRANSACTION DECLINED"})
        );
        // 91 insufficient funds.
        h.post(MTN_PAY, &pay("2290197000091", "100", "M91", "MTN_CLIENT"))
            .await;
        let s = h.post(MTN_STATUS, &status("M91", "MTN_CLIENT")).await;
        assert_eq!(
            s.json(),
            json!({"responsecode":"529","responsemsg":"INSUFFICIENT FUNDS","transref":"M91"})
        );
        // 92 no account: 417 at initiation, nothing recorded.
        let a = h
            .post(MTN_PAY, &pay("22997000092", "100", "M92", "MTN_CLIENT"))
            .await;
        assert_eq!(a.status(), 417);
        assert_eq!(
            a.json(),
            json!({"responsecode":"-1","responsemsg":"ACCOUNTHOLDER_NOT_FOUND","transref":"M92"})
        );
        assert!(h.mock.transaction("M92").is_none());
        // 93 pending forever.
        h.post(MTN_PAY, &pay("22997000093", "100", "M93", "MTN_CLIENT"))
            .await;
        for _ in 0..20 {
            assert_eq!(
                h.post(MTN_STATUS, &status("M93", "MTN_CLIENT"))
                    .await
                    .code(),
                "01"
            );
        }
        // 94 server error: 500 with the JSON problem body.
        let a = h
            .post(MTN_PAY, &pay("22997000094", "100", "M94", "MTN_CLIENT"))
            .await;
        assert_eq!(a.status(), 500);
        let body = a.json();
        assert_eq!(body["title"], "Internal Server Error");
        assert_eq!(body["status"], 500);
        assert!(body["detail"].is_string());
        assert!(h.mock.transaction("M94").is_none());

        let ledger = h.mock.ledger();
        assert_eq!((ledger.collected, ledger.pending), (0, 100));
        h.mock.assert_not_debited("M90");
        h.mock.assert_not_debited("M93");
    }
}

#[tokio::test]
async fn magic_numbers_on_moov_answer_at_once() {
    for via in BOTH {
        let h = Harness::new(via).await;
        let a = h
            .post(MOOV_PAY, &pay("22995000090", "100", "V90", "MOOV_CLIENT"))
            .await;
        assert_eq!((a.status(), a.code()), (200, "-1".to_owned()));
        let a = h
            .post(MOOV_PAY, &pay("22995000091", "100", "V91", "MOOV_CLIENT"))
            .await;
        assert_eq!((a.status(), a.code()), (200, "529".to_owned()));
        let a = h
            .post(MOOV_PAY, &pay("22995000092", "100", "V92", "MOOV_CLIENT"))
            .await;
        assert_eq!(a.status(), 417);
        let a = h
            .post(MOOV_PAY, &pay("22995000093", "100", "V93", "MOOV_CLIENT"))
            .await;
        assert_eq!((a.status(), a.code()), (202, "01".to_owned()));
        assert_eq!(h.post(MOOV_STATUS, &moov_status("V93")).await.code(), "01");
        let a = h
            .post(MOOV_PAY, &pay("22995000094", "100", "V94", "MOOV_CLIENT"))
            .await;
        assert_eq!(a.status(), 500);
        assert_eq!(h.mock.ledger().collected, 0);
    }
}

#[tokio::test]
async fn approves_after_three_status_checks() {
    for via in BOTH {
        let h = Harness::new(via).await;
        h.mock
            .subscriber("22997000001", Subscriber::approves_after_checks(3));
        h.post(MTN_PAY, &pay("22997000001", "100", "SLOW", "MTN_CLIENT"))
            .await;
        let codes: Vec<String> = futures_codes(&h, "SLOW", 4).await;
        assert_eq!(codes, ["01", "01", "00", "00"], "{via:?}");
        assert_eq!(h.mock.transaction("SLOW").unwrap().status_checks, 4);
    }
}

async fn futures_codes(h: &Harness, reference: &str, n: usize) -> Vec<String> {
    let mut codes = Vec::new();
    for _ in 0..n {
        codes.push(
            h.post(MTN_STATUS, &status(reference, "MTN_CLIENT"))
                .await
                .code(),
        );
    }
    codes
}

#[tokio::test]
async fn both_forms_of_a_benin_number_are_one_subscriber() {
    let h = Harness::new(Via::InProcess).await;
    h.mock
        .subscriber("+229 97 00 00 01", Subscriber::declines());
    h.post(MTN_PAY, &pay("2290197000001", "100", "NEW", "MTN_CLIENT"))
        .await;
    assert_eq!(
        h.post(MTN_STATUS, &status("NEW", "MTN_CLIENT"))
            .await
            .code(),
        "-1"
    );
}

#[tokio::test(start_paused = true)]
async fn approves_after_a_duration_on_the_paused_clock() {
    let h = Harness::new(Via::InProcess).await;
    h.mock.subscriber(
        "22997000001",
        Subscriber::approves_after(Duration::from_secs(45)),
    );
    h.post(MTN_PAY, &pay("22997000001", "100", "LATER", "MTN_CLIENT"))
        .await;
    assert_eq!(
        h.post(MTN_STATUS, &status("LATER", "MTN_CLIENT"))
            .await
            .code(),
        "01"
    );
    tokio::time::sleep(Duration::from_secs(44)).await;
    assert_eq!(
        h.post(MTN_STATUS, &status("LATER", "MTN_CLIENT"))
            .await
            .code(),
        "01"
    );
    assert_eq!(h.mock.ledger().collected, 0);
    tokio::time::sleep(Duration::from_secs(1)).await;
    // Known to QosIc even before anyone asks.
    assert_eq!(
        h.mock.transaction("LATER").unwrap().state,
        TransactionState::Confirmed
    );
    assert_eq!(h.mock.ledger().collected, 100);
    assert_eq!(
        h.post(MTN_STATUS, &status("LATER", "MTN_CLIENT"))
            .await
            .code(),
        "00"
    );
}

#[tokio::test]
async fn approves_after_a_duration_over_http() {
    let h = Harness::new(Via::Http).await;
    h.mock.subscriber(
        "22997000001",
        Subscriber::approves_after(Duration::from_millis(30)),
    );
    h.post(MTN_PAY, &pay("22997000001", "100", "LATER", "MTN_CLIENT"))
        .await;
    // Poll until approved: no timing assertion, only the order of answers.
    let mut codes = Vec::new();
    loop {
        let code = h
            .post(MTN_STATUS, &status("LATER", "MTN_CLIENT"))
            .await
            .code();
        codes.push(code.clone());
        if code != "01" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(codes.last().map(String::as_str), Some("00"));
}

#[tokio::test(start_paused = true)]
async fn moov_waits_for_the_customer_then_answers() {
    let mock = MockQosic::in_process();
    mock.subscriber(
        "22995000001",
        Subscriber::approves_after(Duration::from_secs(30)),
    );
    let h = std::sync::Arc::new(Harness::with(mock, Via::InProcess));
    let payer = tokio::spawn({
        let h = std::sync::Arc::clone(&h);
        async move {
            h.post(MOOV_PAY, &pay("22995000001", "100", "WAIT", "MOOV_CLIENT"))
                .await
        }
    });
    while h.mock.transaction("WAIT").is_none() {
        tokio::task::yield_now().await;
    }
    // While the customer thinks, the payment is pending.
    assert_eq!(h.post(MOOV_STATUS, &moov_status("WAIT")).await.code(), "01");
    let a = payer.await.unwrap();
    assert_eq!((a.status(), a.code()), (200, "0".to_owned()));
    assert_eq!(h.mock.ledger().collected, 100);
}

#[tokio::test]
async fn programmed_outcomes() {
    for via in BOTH {
        let h = Harness::new(via).await;
        h.mock
            .subscriber("22997000001", Subscriber::declines().after_checks(2));
        h.mock
            .subscriber("22997000002", Subscriber::insufficient_funds());
        h.mock.subscriber("22997000003", Subscriber::no_account());
        h.mock
            .subscriber("22997000004", Subscriber::never_answers());
        h.mock.subscriber("22997000005", Subscriber::server_error());
        // A programmed subscriber overrides the magic number.
        h.mock.subscriber("22997000090", Subscriber::approves());
        for (i, phone) in ["22997000001", "22997000002", "22997000004", "22997000090"]
            .iter()
            .enumerate()
        {
            let r = format!("P{i}");
            assert_eq!(
                h.post(MTN_PAY, &pay(phone, "10", &r, "MTN_CLIENT"))
                    .await
                    .status(),
                202
            );
        }
        assert_eq!(futures_codes(&h, "P0", 2).await, ["01", "-1"]);
        assert_eq!(futures_codes(&h, "P1", 1).await, ["529"]);
        assert_eq!(futures_codes(&h, "P2", 3).await, ["01", "01", "01"]);
        assert_eq!(futures_codes(&h, "P3", 1).await, ["00"]);
        let a = h
            .post(MTN_PAY, &pay("22997000003", "10", "P4", "MTN_CLIENT"))
            .await;
        assert_eq!(a.status(), 417);
        let a = h
            .post(MTN_PAY, &pay("22997000005", "10", "P5", "MTN_CLIENT"))
            .await;
        assert_eq!(a.status(), 500);
        assert_eq!(h.mock.ledger().collected, 10);
    }
}

#[tokio::test]
async fn an_invalid_phone_cannot_be_programmed() {
    let mock = MockQosic::in_process();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        mock.subscriber("12345", Subscriber::declines());
    }));
    let message = *result.unwrap_err().downcast::<String>().unwrap();
    assert!(message.contains("invalid phone number"), "{message}");
}
