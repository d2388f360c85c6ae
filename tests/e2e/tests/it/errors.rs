//! The Python SDK's six errors, and the ones we add, against the fake server.

use qosic_core::{Client, Delivery, Error, Lookup, PaymentRequest, Status};
use qosic_http::HttpTransport;
use qosic_mock::{Endpoint, Fault, MockQosic};

use crate::support::{builder, fast_polling, http_client};

#[tokio::test]
async fn wrong_password_is_invalid_credentials() {
    let mock = MockQosic::start().await;
    let client = builder(&mock, fast_polling())
        .password("not-the-password")
        .transport(HttpTransport::new().unwrap())
        .build()
        .unwrap();
    let err = client
        .pay(PaymentRequest::new("22997000100", 100))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidCredentials { .. }), "{err:?}");
    assert!(err.reference().is_some());
    assert_eq!(err.delivery(), Delivery::Answered);
    assert!(!err.to_string().contains("not-the-password"));
    assert!(!format!("{err:?}").contains("not-the-password"));
    assert!(!mock.journal()[0].auth_accepted);
}

#[tokio::test]
async fn unknown_client_id_is_invalid_client_id() {
    let mock = MockQosic::start().await;
    let client = Client::builder()
        .base_url(mock.uri())
        .login(qosic_mock::DEFAULT_LOGIN)
        .password(qosic_mock::DEFAULT_PASSWORD)
        .carrier(qosic::benin::Mtn::new("SOMEONE_ELSES_ID").unwrap())
        .transport(HttpTransport::new().unwrap())
        .build()
        .unwrap();
    let err = client
        .pay(PaymentRequest::new("22997000100", 100))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidClientId { carrier, .. } if carrier == "MTN"),
        "{err:?}"
    );
    assert!(err.reference().is_some());
}

#[tokio::test]
async fn no_account_is_user_account_not_found() {
    let mock = MockQosic::start().await;
    let err = http_client(&mock)
        .pay(PaymentRequest::new("22997000192", 100))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::UserAccountNotFound { phone, .. } if phone == "22997****92"),
        "{err:?}"
    );
    assert!(err.reference().is_some());
}

#[tokio::test]
async fn server_failure_is_server_error() {
    let mock = MockQosic::start().await;
    let err = http_client(&mock)
        .pay(PaymentRequest::new("22997000194", 100))
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
    assert!(err.reference().is_some());
}

/// Found by the fault soak: a proxy's 502 after QosIc made the payment. The error must not
/// read as "nothing happened": its outcome is unknown, and a status check of its reference
/// finds the payment.
#[tokio::test]
async fn a_server_error_after_the_payment_was_made_leaves_the_outcome_unknown() {
    let mock = MockQosic::start().await;
    mock.fault(
        Fault::html_error()
            .after_recording()
            .times(1)
            .on(Endpoint::MtnPayment),
    );
    let client = http_client(&mock);
    let err = client
        .pay(PaymentRequest::new("22997000100", 100).reference("PROXY-502"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::ServerError {
                status: Some(502),
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.delivery(), Delivery::MaybeSent);
    assert!(err.is_outcome_unknown());
    let lookup = Lookup::parse(err.reference().unwrap().as_str(), "22997000100").unwrap();
    let status = client.check_status(lookup).await.unwrap();
    assert_eq!(status.status(), Status::Confirmed);
    mock.assert_debited_once("PROXY-502");
}

#[tokio::test]
async fn unserved_number_is_provider_not_found() {
    let mock = MockQosic::start().await;
    let err = http_client(&mock)
        .pay(PaymentRequest::new("22890000100", 100))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ProviderNotFound { .. }), "{err:?}");
    assert_eq!(err.delivery(), Delivery::NotSent);
    assert!(mock.journal().is_empty());
}

#[tokio::test]
async fn bad_phone_is_invalid_phone_number() {
    let mock = MockQosic::start().await;
    let err = http_client(&mock)
        .pay(PaymentRequest::new("229 97 00 01", 100))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidPhoneNumber { .. }), "{err:?}");
    assert!(mock.journal().is_empty());
}

#[tokio::test]
async fn duplicate_reference_is_refused_by_the_server_too() {
    let mock = MockQosic::start().await;
    // Two clients (two processes) given the same reference by a careless caller.
    let first = http_client(&mock);
    let second = http_client(&mock);
    first
        .pay(PaymentRequest::new("22997000100", 100).reference("ORDER-0001"))
        .await
        .unwrap();
    let err = second
        .pay(PaymentRequest::new("22997000100", 100).reference("ORDER-0001"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Rejected { status: 400, message, .. } if message == "Payment reference already exists"),
        "{err:?}"
    );
    let ledger = mock.ledger();
    assert_eq!(ledger.collected, 100, "the customer paid once: {ledger:?}");
}

#[tokio::test]
async fn a_dropped_connection_on_payment_is_unknown_never_resent() {
    let mock = MockQosic::start().await;
    mock.fault(Fault::lost_answer().times(1).on(Endpoint::MtnPayment));
    let outcome = http_client(&mock)
        .pay(PaymentRequest::new("22997000100", 100))
        .await
        .unwrap();
    // The payment was recorded before the answer was lost: the status check finds it.
    assert_eq!(outcome.status(), qosic_core::Status::Confirmed);
    assert_eq!(mock.requests_to(Endpoint::MtnPayment).len(), 1);
    mock.assert_debited_once(outcome.reference().as_str());
}

#[tokio::test]
async fn html_error_page_on_status_keeps_polling() {
    let mock = MockQosic::start().await;
    mock.fault(Fault::html_error().times(2).on(Endpoint::MtnStatus));
    let outcome = http_client(&mock)
        .pay(PaymentRequest::new("22997000100", 100))
        .await
        .unwrap();
    assert_eq!(outcome.status(), qosic_core::Status::Confirmed);
    assert_eq!(outcome.status_checks(), 3);
}
