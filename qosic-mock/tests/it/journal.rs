//! The capped journal, and the verification that does not depend on it.

use std::panic::{catch_unwind, AssertUnwindSafe};

use qosic_mock::{Endpoint, MockQosic, TransactionState, JOURNAL_BODY_LIMIT};
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn the_journal_stays_at_its_cap_and_verification_stays_exact() {
    for via in BOTH {
        let h = Harness::build(MockQosic::builder().journal_capacity(16), via).await;
        let flows = if via == Via::Http { 150 } else { 2000 };
        h.mock.expect_requests(Endpoint::MtnPayment, flows);
        h.mock.expect_requests(Endpoint::MtnStatus, flows);
        h.mock.expect_requests(Endpoint::MtnRefund, 0);
        for i in 0..flows {
            let r = format!("CAP-{i}");
            assert_eq!(
                h.post(MTN_PAY, &pay("22997000001", "10", &r, "MTN_CLIENT"))
                    .await
                    .status(),
                202
            );
            assert_eq!(
                h.post(MTN_STATUS, &status(&r, "MTN_CLIENT")).await.code(),
                "00"
            );
        }
        let journal = h.mock.journal();
        assert_eq!(journal.len(), 16, "{via:?}");
        let total = 2 * flows as u64;
        assert_eq!(h.mock.journal_dropped(), total - 16);
        assert_eq!(journal[0].seq, total - 15);
        assert_eq!(journal[15].seq, total);
        // The first payment left the journal long ago; the counts did not forget it.
        assert!(h
            .mock
            .journal()
            .iter()
            .all(|r| r.transref() != Some("CAP-0")));
        h.mock.assert_debited_once("CAP-0");
        assert_eq!(h.mock.payment_requests("CAP-0"), 1);
        assert_eq!(h.mock.request_count(Endpoint::MtnPayment), flows as u64);
        assert_eq!(h.mock.ledger().collected, 10 * flows as u64);
        h.mock.verify();
        // A second payment request for CAP-0 is caught, however old the first one is.
        h.post(MTN_PAY, &pay("22997000001", "10", "CAP-0", "MTN_CLIENT"))
            .await;
        let err =
            catch_unwind(AssertUnwindSafe(|| h.mock.assert_debited_once("CAP-0"))).unwrap_err();
        let message = err.downcast::<String>().map(|s| *s).unwrap_or_default();
        assert!(message.contains("2 payment request(s)"), "{message}");
        assert!(
            message.contains(&format!(
                "Requests received ({}; the last 16 shown,",
                total + 1
            )),
            "{message}"
        );
        // The expectation on payments is now off by one, exactly.
        let err = catch_unwind(AssertUnwindSafe(|| h.mock.verify())).unwrap_err();
        let message = err.downcast::<String>().map(|s| *s).unwrap_or_default();
        assert!(
            message.contains(&format!(
                "mtn_payment: expected {flows} request(s), received {}",
                flows + 1
            )),
            "{message}"
        );
        h.mock.reset();
        assert!(h.mock.journal().is_empty());
        assert_eq!(h.mock.journal_dropped(), 0);
        assert_eq!(h.mock.request_count(Endpoint::MtnPayment), 0);
        assert_eq!(h.mock.payment_requests("CAP-0"), 0);
    }
}

#[tokio::test]
async fn large_bodies_are_cut_in_the_journal() {
    for via in BOTH {
        let h = Harness::new(via).await;
        let mut body = pay("22997000001", "100", "BIG", "MTN_CLIENT");
        body["pad"] = json!("x".repeat(3 * JOURNAL_BODY_LIMIT));
        let a = h.post(MTN_PAY, &body).await;
        assert_eq!(a.status(), 202, "{via:?}");
        let sent = body.to_string().len();
        let r = &h.mock.journal()[0];
        assert_eq!(r.body, None);
        assert_eq!(r.body_len, sent);
        let excerpt = r.body_excerpt.as_deref().unwrap();
        assert!(excerpt.starts_with(r#"{"#), "{excerpt}");
        assert!(
            excerpt.ends_with(&format!("…[truncated: {sent} bytes in all]")),
            "{excerpt}"
        );
        assert!(excerpt.len() < JOURNAL_BODY_LIMIT + 100);
        // The request was handled all the same, and counted.
        assert_eq!(h.mock.payment_requests("BIG"), 1);
        assert_eq!(
            h.mock.transaction("BIG").unwrap().state,
            TransactionState::Pending
        );
    }
}

#[tokio::test]
async fn requests_with_refused_credentials_are_journaled_without_body() {
    for via in BOTH {
        let h = Harness::new(via).await;
        // Almost 1 MiB of JSON with the wrong password: answered 401, nothing kept.
        let mut body = pay("22997000001", "100", "NOAUTH", "MTN_CLIENT");
        body["pad"] = json!("x".repeat(1000 * 1024));
        let bytes = body.to_string().into_bytes();
        let sent = bytes.len();
        let a = h.post_as("merchant", "wrong", MTN_PAY, bytes).await;
        assert_eq!(a.status(), 401);
        let r = &h.mock.journal()[0];
        assert!(!r.auth_accepted);
        assert_eq!((r.body.as_ref(), r.body_excerpt.as_ref()), (None, None));
        assert_eq!(r.body_len, sent);
        // Not counted as a payment request either.
        assert_eq!(h.mock.payment_requests("NOAUTH"), 0);
        assert_eq!(h.mock.request_count(Endpoint::MtnPayment), 1);
    }
}

#[tokio::test]
async fn the_transaction_table_is_capped_and_reset_empties_it() {
    for via in BOTH {
        let h = Harness::build(MockQosic::builder().max_transactions(3), via).await;
        for r in ["T1", "T2", "T3"] {
            assert_eq!(
                h.post(MTN_PAY, &pay("22997000001", "1", r, "MTN_CLIENT"))
                    .await
                    .status(),
                202
            );
        }
        let full = h
            .post(MTN_PAY, &pay("22997000001", "1", "T4", "MTN_CLIENT"))
            .await;
        assert_eq!(full.status(), 507, "{via:?}");
        let detail = full.json()["detail"].as_str().unwrap().to_owned();
        assert!(detail.contains("at most 3 transactions"), "{detail}");
        assert!(detail.contains("reset"), "{detail}");
        let deposit_full = h
            .post(
                MTN_DEPOSIT,
                &deposit("22997000001", "1", "D1", "MTN_CLIENT"),
            )
            .await;
        assert_eq!(deposit_full.status(), 507);
        // Known references still answer.
        assert_eq!(
            h.post(MTN_STATUS, &status("T1", "MTN_CLIENT")).await.code(),
            "00"
        );
        assert_eq!(h.mock.transactions().len(), 3);
        h.mock.reset();
        assert_eq!(
            h.post(MTN_PAY, &pay("22997000001", "1", "T4", "MTN_CLIENT"))
                .await
                .status(),
            202
        );
    }
}

#[tokio::test]
async fn a_zero_capacity_journal_keeps_nothing_and_verification_still_works() {
    let mock = MockQosic::builder().journal_capacity(0).build_in_process();
    let h = Harness::with(mock, Via::InProcess);
    h.mock.expect_requests(Endpoint::MtnPayment, 1);
    h.post(MTN_PAY, &pay("22997000001", "1", "Z", "MTN_CLIENT"))
        .await;
    h.post(MTN_STATUS, &status("Z", "MTN_CLIENT")).await;
    assert!(h.mock.journal().is_empty());
    assert_eq!(h.mock.journal_dropped(), 2);
    h.mock.assert_debited_once("Z");
}
