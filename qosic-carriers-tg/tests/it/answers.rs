//! Golden answers: what T-Money and Flooz answer, as the carriers read them and as a client
//! reports them (outcomes and errors), including Togo's initiation codes.

use std::time::Duration;

use qosic_carriers_tg::{Flooz, TMoney};
use qosic_core::{
    ApiResponse, Client, Delivery, Error, MobileCarrier, Operation, PaymentRequest, PollingPolicy,
    References, Status, Verdict,
};
use qosic_mock::ReplayTransport;

const REF: &str = "TG-REF-0001";

fn carriers() -> [Box<dyn MobileCarrier>; 2] {
    [
        Box::new(TMoney::new("TM-ID").unwrap()),
        Box::new(Flooz::new("FZ-ID").unwrap()),
    ]
}

#[test]
fn golden_answers_of_both_carriers() {
    for carrier in carriers() {
        let read = |op, status, body: &str| carrier.read(op, &ApiResponse::new(status, body));
        let name = carrier.name().to_owned();

        let started = read(
            Operation::Payment,
            202,
            r#"{"responsecode":"01","responsemsg":"demande en cours","transref":"TG-REF-0001"}"#,
        );
        assert_eq!(started.verdict, Verdict::Pending, "{name}");
        assert_eq!(started.echoed_ref.as_deref(), Some(REF));
        assert_eq!(
            started.service_ref, None,
            "Togo answers carry no serviceref"
        );

        let done = read(
            Operation::Status,
            200,
            r#"{"responsecode":"00","responsemsg":"SUCCESSFUL","transref":"TG-REF-0001","comment":"TRANSACTION APPROVED AND PROCESSED SUCCESSFULLY"}"#,
        );
        assert_eq!((done.verdict, done.service_ref), (Verdict::Confirmed, None));

        let failed = read(
            Operation::Status,
            200,
            r#"{"responsecode":"02","responsemsg":"FAILED","transref":"TG-REF-0001"}"#,
        );
        assert_eq!(failed.verdict, Verdict::Failed, "{name}: 02 is failed");

        let unknown = read(
            Operation::Status,
            200,
            r#"{"responsecode":"-1","responsemsg":"FAILED","transref":"X","serviceref":"0"}"#,
        );
        assert_eq!(unknown.verdict, Verdict::UnknownReference);

        let deposit = read(
            Operation::Deposit,
            200,
            r#"{"responsecode":"00","responsemsg":"SUCCESSFUL","transref":"TG-REF-0001"}"#,
        );
        assert_eq!(deposit.verdict, Verdict::Confirmed);

        for (code, verdict, meaning) in [
            ("515", Verdict::Rejected, "wrong network for the number"),
            ("527", Verdict::ServerError, "network issue"),
            ("580", Verdict::Failed, "the receiver's limit is exceeded"),
            ("682", Verdict::ServerError, "internal error"),
            ("849", Verdict::Rejected, "validation of the request failed"),
            ("401", Verdict::InvalidCredentials, "authentication failed"),
        ] {
            for status in [200, 202, 400] {
                let body = format!(
                    r#"{{"responsecode":"{code}","responsemsg":"X{code}","transref":"{REF}"}}"#
                );
                let reply = read(Operation::Payment, status, &body);
                assert_eq!(reply.verdict, verdict, "{name} {code} HTTP {status}");
                let message = reply.message.unwrap_or_default();
                assert!(message.starts_with(&format!("X{code} (")), "{message}");
                assert!(message.contains(meaning), "{message}");
            }
            // Without a message, the meaning alone.
            let reply = read(
                Operation::Deposit,
                200,
                &format!(r#"{{"responsecode":{code}}}"#),
            );
            assert!(reply.message.unwrap_or_default().contains(meaning));
        }
    }
}

/// A client with one Togo carrier, a fixed reference and `transport`, on a short policy.
fn client(carrier: &str, transport: &ReplayTransport) -> Client {
    let policy = PollingPolicy::unbounded(Duration::from_secs(1), Duration::from_secs(60)).unwrap();
    let refs = || References::from_fn(|| REF.to_owned());
    let builder = Client::builder()
        .login("merchant")
        .password("secret")
        .transport(transport.clone());
    match carrier {
        "TMONEY" => builder.carrier(
            TMoney::new("TM-ID")
                .unwrap()
                .with_polling(policy)
                .with_references(refs()),
        ),
        _ => builder.carrier(
            Flooz::new("FZ-ID")
                .unwrap()
                .with_polling(policy)
                .with_references(refs()),
        ),
    }
    .build()
    .unwrap()
}

fn answer(code: &str, message: &str) -> String {
    format!(r#"{{"responsecode":"{code}","responsemsg":"{message}","transref":"{REF}"}}"#)
}

#[tokio::test(start_paused = true)]
async fn a_payment_is_polled_until_00_or_02_without_serviceref() {
    for (carrier, phone) in [("TMONEY", "22890000100"), ("FLOOZ", "22899000100")] {
        let transport = ReplayTransport::new()
            .answer(202, answer("01", "demande en cours"))
            .answer(200, answer("01", "demande en cours"))
            .answer(200, answer("00", "SUCCESSFUL"));
        let outcome = client(carrier, &transport)
            .pay(PaymentRequest::new(phone, 1000))
            .await
            .unwrap();
        assert_eq!(
            (outcome.status(), outcome.status_checks(), outcome.carrier()),
            (Status::Confirmed, 2, carrier)
        );
        assert_eq!(outcome.service_ref(), None);
        transport.assert_used_up();

        // 02 ends the polling at once.
        let transport = ReplayTransport::new()
            .answer(202, answer("01", "demande en cours"))
            .answer(200, answer("02", "FAILED"));
        let outcome = client(carrier, &transport)
            .pay(PaymentRequest::new(phone, 1000))
            .await
            .unwrap();
        assert_eq!(
            (outcome.status(), outcome.code()),
            (Status::Failed, Some("02"))
        );
        assert_eq!(transport.requests().len(), 2);
    }
}

#[tokio::test(start_paused = true)]
async fn initiation_codes_become_documented_errors_and_outcomes() {
    let pay = |code: &'static str| async move {
        let transport = ReplayTransport::new().answer(200, answer(code, "ERREUR"));
        let result = client("TMONEY", &transport)
            .pay(PaymentRequest::new("22890000100", 1000))
            .await;
        // Whatever the code, the payment request went once and nothing was re-sent.
        assert_eq!(transport.requests().len(), 1, "{code}");
        result
    };

    let err = pay("515").await.unwrap_err();
    assert!(
        matches!(&err, Error::Rejected { code: Some(c), .. } if c == "515"),
        "{err:?}"
    );
    assert_eq!(err.delivery(), Delivery::Answered);
    assert_eq!(err.reference().map(|r| r.as_str()), Some(REF));
    assert_eq!(
        err.to_string(),
        "qosic refused the payment (HTTP 200, code 515): ERREUR (wrong network for the number: \
         it may have been ported to another carrier; name its carrier)"
    );

    for code in ["527", "682"] {
        let err = pay(code).await.unwrap_err();
        assert!(
            matches!(
                err,
                Error::ServerError {
                    status: Some(200),
                    ..
                }
            ),
            "{code}: {err:?}"
        );
        assert!(
            err.to_string()
                .contains("check the status of this reference before paying again"),
            "{err}"
        );
        assert_eq!(err.reference().map(|r| r.as_str()), Some(REF));
    }

    let err = pay("849").await.unwrap_err();
    assert!(
        matches!(&err, Error::Rejected { code: Some(c), .. } if c == "849"),
        "{err:?}"
    );

    let err = pay("401").await.unwrap_err();
    assert!(matches!(err, Error::InvalidCredentials { .. }), "{err:?}");

    let outcome = pay("580").await.unwrap();
    assert_eq!(
        (outcome.status(), outcome.code()),
        (Status::Failed, Some("580"))
    );
    assert_eq!(
        outcome.reason(),
        Some("ERREUR (the receiver's limit is exceeded)")
    );
}
