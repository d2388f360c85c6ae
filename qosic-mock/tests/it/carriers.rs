//! The carriers' table: every carrier served answers as its description says, on every
//! endpoint, with its own client id; ported numbers; the admin view of the table.

use qosic_core::carrier::{CarrierSpec, Flow, StatusRequest};
use qosic_core::{Msisdn, Operation};
use qosic_mock::{Carrier, Endpoint, MockQosic, Subscriber};
use serde_json::{json, Value};

use crate::support::{http_request, pay, Harness, BOTH, MOOV_PAY, MTN_PAY};

/// A number `spec`'s carrier serves, ending in `last_two` (its magic behaviour).
fn number_of(spec: &CarrierSpec, last_two: &str) -> String {
    let cc = spec.country().calling_code();
    (10..100)
        .map(|prefix| format!("{cc}{prefix}0001{last_two}"))
        .find(|n| Msisdn::parse(n).is_ok_and(|m| spec.serves(&m)))
        .unwrap_or_else(|| panic!("{} serves no 8-digit number", spec.name()))
}

fn client_id(spec: &CarrierSpec) -> String {
    format!("{}_CLIENT", spec.name())
}

fn status_body(spec: &CarrierSpec, reference: &str) -> Value {
    let mut body = json!({"transref": reference, "clientid": client_id(spec)});
    if spec.status_request() == StatusRequest::WithOperatorRef {
        body["specialfield1"] = json!("");
    }
    body
}

#[tokio::test]
async fn every_carrier_answers_as_its_description_says() {
    for via in BOTH {
        let h = Harness::new(via).await;
        for spec in qosic_mock::carrier_specs() {
            let name = spec.name();
            let id = client_id(spec);
            assert_eq!(h.mock.client_id(spec.carrier()), id);
            let pay_path = spec.path(Operation::Payment).unwrap();
            let status_path = spec.path(Operation::Status).unwrap();

            // A customer who approves.
            let reference = format!("{name}-OK");
            let a = h
                .post(
                    pay_path,
                    &pay(&number_of(spec, "00"), "100", &reference, &id),
                )
                .await;
            match spec.flow() {
                Flow::Synchronous => {
                    assert_eq!((a.status(), a.code()), (200, "0".to_owned()), "{name}");
                }
                _ => {
                    assert_eq!((a.status(), a.code()), (202, "01".to_owned()), "{name}");
                    assert_eq!(a.json()["responsemsg"], spec.pending_message(), "{name}");
                }
            }
            let a = h.post(status_path, &status_body(spec, &reference)).await;
            assert_eq!((a.status(), a.code()), (200, "00".to_owned()), "{name}");
            assert_eq!(
                a.json().get("serviceref").is_some(),
                spec.has_service_ref(),
                "{name}: {}",
                a.text()
            );
            h.mock.assert_debited_once(&reference);
            assert_eq!(
                h.mock.transaction(&reference).unwrap().carrier,
                spec.carrier()
            );

            // A customer who declines (magic 90): the code of a decline, in the payment's
            // answer (synchronous) or at the first status check.
            let reference = format!("{name}-NO");
            let mut a = h
                .post(
                    pay_path,
                    &pay(&number_of(spec, "90"), "100", &reference, &id),
                )
                .await;
            if spec.flow() != Flow::Synchronous {
                a = h.post(status_path, &status_body(spec, &reference)).await;
            }
            assert_eq!(
                (a.status(), a.code()),
                (200, spec.failed_code().to_owned()),
                "{name}"
            );
            h.mock.assert_not_debited(&reference);

            // Deposits and refunds where offered.
            if let Some(path) = spec.path(Operation::Deposit) {
                let reference = format!("{name}-DEP");
                let body = json!({"msisdn": number_of(spec, "00"), "amount": "500", "transref": reference, "clientid": id});
                let a = h.post(path, &body).await;
                assert_eq!(
                    (a.status(), a.code()),
                    (200, spec.deposit_success_code().to_owned()),
                    "{name}"
                );
            }
            if let Some(path) = spec.path(Operation::Refund) {
                let a = h
                    .post(
                        path,
                        &json!({"transref": format!("{name}-OK"), "clientid": id}),
                    )
                    .await;
                assert_eq!((a.status(), a.code()), (200, "00".to_owned()), "{name}");
            }
        }
    }
}

#[tokio::test]
async fn every_endpoint_wants_its_own_carriers_client_id_or_a_sharing_carriers() {
    let h = Harness::new(crate::support::Via::InProcess).await;
    for endpoint in Endpoint::all() {
        let others: Vec<Carrier> = h
            .mock
            .served_carriers()
            .into_iter()
            .filter(|c| *c != endpoint.carrier())
            .collect();
        for other in others {
            // A carrier that shares the path (T-Money on MTN's `user/` paths) is served there.
            let shares = qosic_carriers::specs()
                .find(|s| s.carrier() == other)
                .is_some_and(|s| {
                    s.alternate_paths()
                        .contains(&(endpoint.operation(), endpoint.path()))
                        // The balance path is every carrier's own: the client id says whose.
                        || s.path(endpoint.operation()) == Some(endpoint.path())
                });
            if shares {
                continue;
            }
            let body = json!({"msisdn": "22997000100", "amount": "1", "transref": format!("X-{endpoint}-{other}"),
                "clientid": h.mock.client_id(other), "specialfield1": ""});
            let a = h.post(endpoint.path(), &body).await;
            assert_eq!(
                (a.status(), a.code()),
                (404, "-2".to_owned()),
                "{endpoint} with {other}'s id"
            );
        }
        let first = Endpoint::from_path(endpoint.path());
        assert_eq!(first.map(|e| e.operation()), Some(endpoint.operation()));
        if endpoint.operation() != Operation::Balance {
            assert_eq!(first, Some(endpoint));
        }
    }
    assert!(h.mock.transactions().is_empty());
}

#[tokio::test]
async fn a_ported_number_is_served_by_its_new_network_only() {
    for via in BOTH {
        let h = Harness::new(via).await;
        // An MTN prefix, ported to MOOV; any form of the number the SDK reads.
        h.mock.subscriber(
            "(+229) 97 00 01 00",
            Subscriber::approves().ported_to(Carrier::Moov),
        );
        let a = h
            .post(MTN_PAY, &pay("22997000100", "100", "P-1", "MTN_CLIENT"))
            .await;
        assert_eq!((a.status(), a.code()), (400, "515".to_owned()));
        assert_eq!(
            a.json()["responsemsg"],
            "WRONG NETWORK: 22997000100 is not a MTN number"
        );
        let a = h
            .post(MOOV_PAY, &pay("2290197000100", "100", "P-2", "MOOV_CLIENT"))
            .await;
        assert_eq!((a.status(), a.code()), (200, "0".to_owned()));
        assert!(h.mock.transaction("P-1").is_none());
        h.mock.assert_debited_once("P-2");
    }
}

#[tokio::test]
async fn the_admin_api_lists_carriers_endpoints_and_ported_numbers() {
    let mock = MockQosic::builder()
        .client_id(Carrier::Celtiis, "C-ID")
        .start()
        .await;
    let addr = mock.address().unwrap();
    let config = http_request(addr, "GET", "/__admin/config", None, b"").json();
    assert_eq!(config["celtiis_client_id"], "C-ID");
    assert_eq!(config["client_ids"]["celtiis"], "C-ID");
    assert_eq!(config["mtn_client_id"], "MTN_CLIENT");
    let endpoints = config["endpoints"].as_array().unwrap();
    assert_eq!(endpoints.len(), Endpoint::all().count());
    assert_eq!(
        endpoints[0],
        json!({"name": "mtn_payment", "path": "/QosicBridge/user/requestpayment"})
    );
    for spec in qosic_mock::carrier_specs() {
        let key = spec.name().to_ascii_lowercase();
        assert!(config["client_ids"][&key].is_string(), "{key}");
    }

    let program = |body: Value| {
        http_request(
            addr,
            "POST",
            "/__admin/subscribers",
            None,
            body.to_string().as_bytes(),
        )
    };
    let a = program(json!({"phone": "22997000100", "behaviour": "approves", "ported_to": "moov"}));
    assert_eq!(a.status(), 200, "{}", a.text());
    let a =
        program(json!({"phone": "22997000100", "behaviour": "approves", "ported_to": "orange"}));
    assert_eq!(a.status(), 400);
    assert!(
        a.json()["detail"].as_str().unwrap().starts_with(
            r#"ported_to: unknown carrier "orange", expected one of mtn, moov, celtiis"#
        ),
        "{}",
        a.text()
    );
    let h = Harness::with(mock, crate::support::Via::Http);
    let a = h
        .post(MTN_PAY, &pay("22997000100", "1", "A-1", "MTN_CLIENT"))
        .await;
    assert_eq!(a.code(), "515");
}

#[test]
fn unknown_carriers_are_named_in_the_panic() {
    let mock = MockQosic::in_process();
    let orange = Carrier::new("ORANGE");
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        mock.client_id(orange).to_owned()
    }))
    .unwrap_err();
    let text = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        text.starts_with(
            "qosic-mock: the fake server does not serve ORANGE (it serves: mtn, moov, celtiis"
        ),
        "{text}"
    );
    assert_eq!(Endpoint::new(orange, Operation::Payment), None);
    assert_eq!(Endpoint::new(Carrier::Celtiis, Operation::Refund), None);
}
