//! Setup from the environment: `qosic::from_env` (one test: the environment is global).

use qosic::{Error, PaymentRequest, Status};

#[allow(unsafe_code)]
fn set(vars: &[(&str, Option<&str>)]) {
    for (name, value) in vars {
        // SAFETY: this binary has one test, so no other thread reads the environment.
        match value {
            Some(value) => unsafe { std::env::set_var(name, value) },
            None => unsafe { std::env::remove_var(name) },
        }
    }
}

#[tokio::test]
async fn from_env_builds_a_ready_client_and_names_what_is_missing() {
    let mock = qosic::mock::MockQosic::start().await;
    set(&[
        ("QOSIC_BASE_URL", Some(&mock.uri())),
        ("QOSIC_LOGIN", None),
        ("QOSIC_PASSWORD", Some(qosic::mock::DEFAULT_PASSWORD)),
    ]);
    // No carrier's variable, whichever carriers this build knows.
    for spec in qosic::carrier_specs() {
        set(&[(spec.client_id_var(), None)]);
    }
    let err = qosic::from_env().unwrap_err();
    assert!(
        matches!(
            err,
            Error::Config {
                field: "QOSIC_LOGIN",
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("QOSIC_LOGIN"), "{err}");

    set(&[("QOSIC_LOGIN", Some(qosic::mock::DEFAULT_LOGIN))]);
    let err = qosic::from_env().unwrap_err();
    assert!(err.to_string().contains("QOSIC_MTN_CLIENT_ID"), "{err}");

    set(&[
        (
            "QOSIC_MOOV_CLIENT_ID",
            Some(qosic::mock::DEFAULT_MOOV_CLIENT_ID),
        ),
        (
            "QOSIC_CELTIIS_CLIENT_ID",
            Some(qosic::mock::DEFAULT_CELTIIS_CLIENT_ID),
        ),
    ]);
    let client = qosic::from_env().unwrap();
    let names: Vec<&str> = client.carriers().map(|c| c.name()).collect();
    assert_eq!(
        names,
        ["MOOV", "CELTIIS"],
        "only the carriers whose id is set"
    );
    // MOOV answers at once: a real payment over loopback HTTP, with the default transport.
    let outcome = client
        .pay(PaymentRequest::new("22995000100", 1000))
        .await
        .unwrap();
    assert_eq!(outcome.status(), Status::Confirmed);
    mock.assert_debited_once(outcome.reference());

    // Card payments from the environment: the key and the card host.
    let err = client.card_status("ORDER-1").await.unwrap_err();
    assert!(err.to_string().contains("QOSIC_CARD_KEY"), "{err}");
    set(&[
        ("QOSIC_CARD_KEY", Some(qosic::mock::DEFAULT_CARD_KEY)),
        ("QOSIC_CARD_BASE_URL", Some(&mock.uri())),
    ]);
    let client = qosic::from_env().unwrap();
    let session = client
        .card_checkout(qosic::CardCheckout::new(2000, "https://shop.example/back"))
        .await
        .unwrap();
    assert!(session.url().starts_with(&mock.uri()), "{}", session.url());
    assert!(!format!("{client:?}").contains(qosic::mock::DEFAULT_CARD_KEY));
    set(&[("QOSIC_CARD_BASE_URL", Some("ftp://b-card.example"))]);
    let err = qosic::from_env().unwrap_err();
    assert!(
        matches!(
            err,
            Error::Config {
                field: "QOSIC_CARD_BASE_URL",
                ..
            }
        ),
        "{err}"
    );
    set(&[("QOSIC_CARD_KEY", None), ("QOSIC_CARD_BASE_URL", None)]);

    // The core builder from the environment reads no carrier's id: its error says which call
    // does (one behaviour: `qosic::from_env()`'s, and `Client::from_env` is deprecated).
    #[allow(deprecated)]
    let err = qosic::Client::from_env().build().unwrap_err();
    assert!(
        matches!(
            err,
            Error::Config {
                field: "carriers",
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("qosic::from_env()"), "{err}");

    // A bad base URL from the environment is named by its variable.
    set(&[("QOSIC_BASE_URL", Some("ftp://qosic.example"))]);
    let err = qosic::from_env().unwrap_err();
    assert!(
        matches!(
            err,
            Error::Config {
                field: "QOSIC_BASE_URL",
                ..
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string()
            .starts_with("invalid configuration of QOSIC_BASE_URL: expected "),
        "{err}"
    );
}
