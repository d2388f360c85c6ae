//! The endpoints served: names, paths, serde, and the routes the OpenAPI document describes.

use std::collections::{BTreeSet, HashSet};

use qosic_core::Operation;
use qosic_mock::{Carrier, Endpoint, MockQosic};
use serde_json::Value;

use crate::support::admin;

const OPERATIONS: [Operation; 6] = [
    Operation::Payment,
    Operation::Status,
    Operation::Refund,
    Operation::Deposit,
    Operation::AccountHolder,
    Operation::Balance,
];

#[test]
fn no_two_carriers_share_a_path_of_their_own_or_a_name() {
    let mut paths = HashSet::new();
    for spec in qosic_mock::carrier_specs() {
        // The balance path is one for every carrier: the client id says whose.
        for operation in &OPERATIONS[..5] {
            if let Some(path) = spec.path(*operation) {
                assert!(paths.insert(path), "{path} is served twice");
            }
        }
        // Requests' paths are looked up whole before their query or slash is cut.
        let alternates = spec.alternate_paths().iter().map(|&(_, path)| path);
        for path in OPERATIONS
            .iter()
            .filter_map(|&op| spec.path(op))
            .chain(alternates)
        {
            assert!(!path.contains(['?', '#']) && !path.ends_with('/'), "{path}");
        }
    }
    let mut names = HashSet::new();
    for e in Endpoint::all() {
        assert!(names.insert(e.name()), "{e}");
    }
}

#[test]
fn a_shared_path_is_its_own_carriers_first() {
    let name = |path| Endpoint::from_path(path).map(Endpoint::name);
    assert_eq!(
        name("/QosicBridge/user/requestpayment"),
        Some("mtn_payment")
    );
    assert_eq!(
        name("/QosicBridge/user/gettransactionstatus"),
        Some("mtn_status")
    );
    assert_eq!(
        name("/QosicBridge/tm/v1/requestpayment"),
        Some("tmoney_payment")
    );
    assert_eq!(name("/QosicBridge/user/deposit"), Some("mtn_deposit"));
}

#[test]
fn the_benin_endpoints_come_first() {
    let names: Vec<&str> = Endpoint::all().take(9).map(Endpoint::name).collect();
    assert_eq!(
        names,
        [
            "mtn_payment",
            "mtn_status",
            "mtn_refund",
            "mtn_deposit",
            "moov_payment",
            "moov_status",
            "moov_deposit",
            "celtiis_payment",
            "celtiis_status"
        ]
    );
    #[allow(deprecated)]
    let benin = Endpoint::ALL;
    assert!(benin.iter().copied().eq(Endpoint::all().take(9)));
    assert_eq!(
        MockQosic::in_process().client_id(Carrier::Moov),
        "MOOV_CLIENT"
    );
}

#[test]
fn paths_names_and_serde_round_trip() {
    // The balance path is shared (the client id says whose): it names its first carrier.
    for e in Endpoint::all().filter(|e| e.operation() != Operation::Balance) {
        assert_eq!(Endpoint::from_path(e.path()), Some(e));
        for tail in ["/", "?", "#f", "?a/", "#/", "?#", "/?x=1"] {
            assert_eq!(Endpoint::from_path(&format!("{}{tail}", e.path())), Some(e));
        }
        for tail in ["//", "x", "/x", "\u{e9}"] {
            assert_eq!(Endpoint::from_path(&format!("{}{tail}", e.path())), None);
        }
        assert_eq!(e.name().parse::<Endpoint>(), Ok(e));
        assert_eq!(Endpoint::new(e.carrier(), e.operation()), Some(e));
        assert_eq!(serde_json::to_value(e).unwrap(), e.name());
        assert_eq!(
            serde_json::from_value::<Endpoint>(e.name().into()).unwrap(),
            e
        );
    }
    assert_eq!(
        Endpoint::from_path("/QosicBridge/user/gettransactionstatusV2"),
        Some(Endpoint::MtnStatus)
    );
    assert_eq!(Endpoint::from_path("/QosicBridge/user/nope"), None);
    let err = "nope".parse::<Endpoint>().unwrap_err().to_string();
    assert!(
        err.starts_with("unknown endpoint `nope`, expected one of `mtn_payment`, `mtn_status`"),
        "{err}"
    );
    assert_eq!(
        format!("{:?}", Endpoint::MtnPayment),
        "Endpoint(mtn_payment)"
    );
}

/// Every QosIc route the fake serves (each endpoint's path, the carriers' alternate paths,
/// the card checkout's JSON routes) is described in `docs/qosic-mock.openapi.yaml`, and the
/// document describes no other. (The admin routes: a test in `src/admin.rs`.)
#[tokio::test]
async fn every_qosic_route_served_is_described_and_no_other() {
    let mock = MockQosic::start().await;
    let served_document = admin(&mock, "GET", "/__admin/openapi.json", &Value::Null).text();
    let docs = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/qosic-mock.openapi.json"
    );
    let text = std::fs::read_to_string(docs).expect("docs/qosic-mock.openapi.json");
    assert!(
        text == served_document,
        "qosic-mock/openapi.json differs from docs/qosic-mock.openapi.json: run \
         python python/tools/openapi.py write-json"
    );
    let document: Value = serde_json::from_str(&text).expect("JSON");
    let described: BTreeSet<&str> = document["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .filter(|(path, item)| !path.starts_with("/__admin") && item.get("post").is_some())
        .map(|(path, _)| path.as_str())
        .collect();
    let mut served: BTreeSet<&str> = Endpoint::all().map(Endpoint::path).collect();
    for spec in qosic_mock::carrier_specs() {
        served.extend(spec.alternate_paths().iter().map(|&(_, path)| path));
    }
    // The card checkout (its hosted page is HTML for a browser, and the status path's
    // misspelt twin, `QosicBrigde`, is the same route).
    served.extend([
        "/public/v1/initTransaction",
        "/QosicBridge/checkout/v1/status",
    ]);
    assert!(served.len() >= 18, "{served:?}");
    assert_eq!(
        served, described,
        "the QosIc routes served and those described in docs/qosic-mock.openapi.yaml differ"
    );
}
