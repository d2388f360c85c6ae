//! Verification: the journal, expectations checked on drop, and the debit assertions.

use std::panic::{catch_unwind, AssertUnwindSafe};

use qosic_mock::{Endpoint, MockQosic};
use serde_json::json;

use crate::support::*;

fn panic_message(err: Box<dyn std::any::Any + Send>) -> String {
    match err.downcast::<String>() {
        Ok(s) => *s,
        Err(err) => err
            .downcast::<&'static str>()
            .map(|s| (*s).to_owned())
            .unwrap_or_default(),
    }
}

#[tokio::test]
async fn the_journal_records_path_body_and_auth() {
    for via in BOTH {
        let h = Harness::new(via).await;
        h.post(MTN_PAY, &pay("22997000001", "100", "J1", "MTN_CLIENT"))
            .await;
        h.post_as("merchant", "nope", MTN_STATUS, b"not json".to_vec())
            .await;
        let journal = h.mock.journal();
        assert_eq!(journal.len(), 2);
        assert_eq!(journal[0].method, "POST");
        assert_eq!(journal[0].path, MTN_PAY);
        assert_eq!(journal[0].endpoint, Some(Endpoint::MtnPayment));
        assert_eq!(
            journal[0].body.as_ref().unwrap()["msisdn"],
            json!("22997000001")
        );
        assert_eq!(journal[0].transref(), Some("J1"));
        assert_eq!(journal[0].field("amount"), Some("100"));
        assert!(journal[0].auth_accepted);
        assert_eq!(journal[0].status, Some(202));
        assert_eq!(journal[1].endpoint, Some(Endpoint::MtnStatus));
        assert_eq!(journal[1].body, None);
        assert!(!journal[1].auth_accepted);
        assert_eq!(journal[1].status, Some(401));
        assert_eq!(h.mock.requests_to(Endpoint::MtnStatus).len(), 1);
    }
}

#[tokio::test]
async fn met_expectations_pass_on_drop() {
    for via in BOTH {
        let h = Harness::new(via).await;
        h.mock.expect_requests(Endpoint::MtnPayment, 1);
        h.mock.expect_requests(Endpoint::MtnRefund, 0);
        h.post(MTN_PAY, &pay("22997000001", "100", "E1", "MTN_CLIENT"))
            .await;
        h.mock.verify();
        drop(h);
    }
}

#[tokio::test]
async fn unmet_expectations_panic_on_drop_with_a_report() {
    for via in BOTH {
        let h = Harness::new(via).await;
        h.mock.expect_requests(Endpoint::MtnPayment, 1);
        h.post(MTN_PAY, &pay("22997000001", "100", "E1", "MTN_CLIENT"))
            .await;
        h.post(MTN_PAY, &pay("22997000001", "100", "E2", "MTN_CLIENT"))
            .await;
        let err = catch_unwind(AssertUnwindSafe(move || drop(h))).unwrap_err();
        let message = panic_message(err);
        assert!(message.contains("expectations not met"), "{message}");
        assert!(
            message.contains("mtn_payment: expected 1 request(s), received 2"),
            "{message}"
        );
        assert!(message.contains("Requests received (2):"), "{message}");
        assert!(message.contains("\"transref\":\"E2\""), "{message}");
    }
}

#[tokio::test]
async fn no_second_panic_while_already_panicking() {
    // A test that fails for another reason must not abort on a double panic.
    let result = std::thread::spawn(|| {
        let mock = MockQosic::in_process();
        mock.expect_requests(Endpoint::MtnPayment, 5);
        panic!("the test's own failure");
    })
    .join();
    assert_eq!(panic_message(result.unwrap_err()), "the test's own failure");
}

#[tokio::test]
async fn verify_checks_now() {
    let mock = MockQosic::in_process();
    mock.expect_requests(Endpoint::MoovPayment, 1);
    let err = catch_unwind(AssertUnwindSafe(|| mock.verify())).unwrap_err();
    assert!(panic_message(err).contains("received 0"));
    mock.reset(); // forgets the expectation, so the drop passes
}

#[tokio::test]
async fn debited_once_catches_a_second_payment_request() {
    for via in BOTH {
        let h = Harness::new(via).await;
        h.post(MTN_PAY, &pay("22997000001", "100", "D1", "MTN_CLIENT"))
            .await;
        // Pending: not debited yet.
        let err = catch_unwind(AssertUnwindSafe(|| h.mock.assert_debited_once("D1"))).unwrap_err();
        assert!(panic_message(err).contains("debited exactly once"));
        h.mock.assert_not_debited("D1");
        h.post(MTN_STATUS, &status("D1", "MTN_CLIENT")).await;
        h.mock.assert_debited_once("D1");
        // The SDK re-sends the payment: refused by the server, but caught by the assertion.
        h.post(MTN_PAY, &pay("22997000001", "100", "D1", "MTN_CLIENT"))
            .await;
        let err = catch_unwind(AssertUnwindSafe(|| h.mock.assert_debited_once("D1"))).unwrap_err();
        let message = panic_message(err);
        assert!(message.contains("2 payment request(s)"), "{message}");
        let err = catch_unwind(AssertUnwindSafe(|| h.mock.assert_not_debited("D1"))).unwrap_err();
        assert!(panic_message(err).contains("not to be debited"));
    }
}

#[tokio::test]
async fn the_ledger_adds_up() {
    let h = Harness::new(Via::InProcess).await;
    for (r, phone, amount) in [
        ("L1", "22997000001", "1000"),
        ("L2", "22997000002", "2000"),
        ("L3", "22997000090", "4000"),
    ] {
        h.post(MTN_PAY, &pay(phone, amount, r, "MTN_CLIENT")).await;
        h.post(MTN_STATUS, &status(r, "MTN_CLIENT")).await;
    }
    h.post(MTN_REFUND, &status("L2", "MTN_CLIENT")).await;
    h.post(
        MTN_DEPOSIT,
        &deposit("22997000003", "500", "L4", "MTN_CLIENT"),
    )
    .await;
    let ledger = h.mock.ledger();
    assert_eq!(ledger.collected, 3000);
    assert_eq!(ledger.refunded, 2000);
    assert_eq!(ledger.paid_out, 500);
    assert_eq!(ledger.pending, 0);
    assert_eq!(ledger.net(), 500);
    assert_eq!(h.mock.transactions().len(), 4);
}
