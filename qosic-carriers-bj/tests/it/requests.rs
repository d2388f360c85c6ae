//! Golden requests: the exact path and JSON body of every operation of every Benin carrier,
//! under every setting that changes them (and the settings that do not, through the trait).

use std::time::Duration;

use qosic_carriers_bj::{Celtiis, Moov, Mtn, PhoneFormat, StatusEndpoint};
use qosic_core::test_util::{assert_unsupported, assert_wire, lookup_call, money_call};
use qosic_core::{
    Amount, LookupCall, MobileCarrier, MoneyCall, Operation, PollingPolicy, References,
};

fn money(phone: &str, first: &str, last: &str) -> MoneyCall {
    money_call("ORDER-42", phone, 1500, first, last)
}

fn lookup(operator_ref: Option<&str>) -> LookupCall {
    lookup_call("ORDER-42", operator_ref)
}

const PAY_LEGACY: &str = r#"{"msisdn":"22997000100","amount":"1500","firstname":"Ada","lastname":"Lovelace","transref":"ORDER-42","clientid":"MTN-ID"}"#;

#[test]
fn mtn_every_operation() {
    let mtn = Mtn::new("MTN-ID").unwrap();
    assert_wire(
        mtn.payment(&money("22997000100", "Ada", "Lovelace")),
        "/QosicBridge/user/requestpayment",
        PAY_LEGACY,
    );
    assert_wire(
        mtn.payment(&money("+229 01 97 00 01 00", "", "")),
        "/QosicBridge/user/requestpayment",
        r#"{"msisdn":"2290197000100","amount":"1500","firstname":"","lastname":"","transref":"ORDER-42","clientid":"MTN-ID"}"#,
    );
    assert_wire(
        mtn.status(&lookup(Some("OP-7"))),
        "/QosicBridge/user/gettransactionstatus",
        r#"{"transref":"ORDER-42","clientid":"MTN-ID"}"#,
    );
    assert_wire(
        mtn.refund(&lookup(None)),
        "/QosicBridge/user/refund",
        r#"{"transref":"ORDER-42","clientid":"MTN-ID"}"#,
    );
    assert_wire(
        mtn.deposit(&money("22997000100", "Ada", "Lovelace")),
        "/QosicBridge/user/deposit",
        r#"{"msisdn":"22997000100","amount":"1500","transref":"ORDER-42","clientid":"MTN-ID"}"#,
    );
}

#[test]
fn mtn_status_endpoint_v2_and_back() {
    let mtn = Mtn::new("MTN-ID")
        .unwrap()
        .with_status_endpoint(StatusEndpoint::V2);
    assert_wire(
        mtn.status(&lookup(None)),
        "/QosicBridge/user/gettransactionstatusV2",
        r#"{"transref":"ORDER-42","clientid":"MTN-ID"}"#,
    );
    let mtn = mtn.with_status_endpoint(StatusEndpoint::V1);
    assert_wire(
        mtn.status(&lookup(None)),
        "/QosicBridge/user/gettransactionstatus",
        r#"{"transref":"ORDER-42","clientid":"MTN-ID"}"#,
    );
}

#[test]
fn phone_formats_through_a_carrier() {
    let cases = [
        (PhoneFormat::AsGiven, "22997000100", "22997000100"),
        (PhoneFormat::AsGiven, "2290197000100", "2290197000100"),
        (PhoneFormat::Legacy, "2290197000100", "22997000100"),
        (PhoneFormat::Legacy, "22997000100", "22997000100"),
        (PhoneFormat::TenDigit, "22997000100", "2290197000100"),
        (PhoneFormat::Local, "2290197000100", "0197000100"),
        (PhoneFormat::Local, "22997000100", "97000100"),
    ];
    for (format, given, sent) in cases {
        let mtn = Mtn::new("MTN-ID").unwrap().with_phone_format(format);
        assert_wire(
            mtn.payment(&money(given, "Ada", "Lovelace")),
            "/QosicBridge/user/requestpayment",
            &PAY_LEGACY.replace("22997000100", sent),
        );
        assert_wire(
            mtn.deposit(&money(given, "", "")),
            "/QosicBridge/user/deposit",
            &format!(
                r#"{{"msisdn":"{sent}","amount":"1500","transref":"ORDER-42","clientid":"MTN-ID"}}"#
            ),
        );
    }
    let moov = Moov::new("MOOV-ID")
        .unwrap()
        .with_phone_format(PhoneFormat::TenDigit);
    assert_wire(
        moov.payment(&money("22995000100", "", "")),
        "/QosicBridge/user/requestpaymentmv",
        r#"{"msisdn":"2290195000100","amount":"1500","firstname":"","lastname":"","transref":"ORDER-42","clientid":"MOOV-ID"}"#,
    );
}

#[test]
fn moov_every_operation_and_specialfield1() {
    let moov = Moov::new("MOOV-ID").unwrap();
    assert_wire(
        moov.payment(&money("22995000100", "Ada", "Lovelace")),
        "/QosicBridge/user/requestpaymentmv",
        r#"{"msisdn":"22995000100","amount":"1500","firstname":"Ada","lastname":"Lovelace","transref":"ORDER-42","clientid":"MOOV-ID"}"#,
    );
    assert_wire(
        moov.status(&lookup(Some("SMS-123"))),
        "/QosicBridge/user/gettransactionstatus2mv",
        r#"{"transref":"ORDER-42","clientid":"MOOV-ID","specialfield1":"SMS-123"}"#,
    );
    assert_wire(
        moov.status(&lookup(None)),
        "/QosicBridge/user/gettransactionstatus2mv",
        r#"{"transref":"ORDER-42","clientid":"MOOV-ID","specialfield1":""}"#,
    );
    assert_wire(
        moov.deposit(&money("22995000100", "", "")),
        "/QosicBridge/user/depositmv",
        r#"{"msisdn":"22995000100","amount":"1500","transref":"ORDER-42","clientid":"MOOV-ID"}"#,
    );
    assert_unsupported(moov.refund(&lookup(None)), "MOOV", Operation::Refund);
}

#[test]
fn celtiis_every_operation() {
    let celtiis = Celtiis::new("CELTIIS-ID").unwrap();
    assert_wire(
        celtiis.payment(&money("2290140000100", "Ada", "")),
        "/QosicBridge/sb/v1/requestpayment",
        r#"{"msisdn":"2290140000100","amount":"1500","firstname":"Ada","lastname":"","transref":"ORDER-42","clientid":"CELTIIS-ID"}"#,
    );
    assert_wire(
        celtiis.status(&lookup(Some("OP-1"))),
        "/QosicBridge/sb/v1/gettransactionstatus",
        r#"{"transref":"ORDER-42","clientid":"CELTIIS-ID"}"#,
    );
    assert_unsupported(celtiis.refund(&lookup(None)), "CELTIIS", Operation::Refund);
    assert_unsupported(
        celtiis.deposit(&money("2290140000100", "", "")),
        "CELTIIS",
        Operation::Deposit,
    );
}

#[test]
fn settings_that_stay_off_the_wire() {
    let policy = PollingPolicy::new(Duration::from_secs(5), Duration::from_secs(60)).unwrap();
    let max = Amount::new(500_000).unwrap();
    let carriers: [Box<dyn MobileCarrier>; 3] = [
        Box::new(
            Mtn::new("M")
                .unwrap()
                .with_polling(policy)
                .with_max_amount(max)
                .with_references(References::from_fn(|| "FIXED-1".to_owned())),
        ),
        Box::new(
            Moov::new("V")
                .unwrap()
                .with_polling(policy)
                .with_max_amount(max)
                .with_references(References::from_fn(|| "FIXED-1".to_owned())),
        ),
        Box::new(
            Celtiis::new("C")
                .unwrap()
                .with_polling(policy)
                .with_max_amount(max)
                .with_references(References::from_fn(|| "FIXED-1".to_owned())),
        ),
    ];
    for carrier in &carriers {
        assert_eq!(carrier.polling(), Some(policy), "{}", carrier.name());
        assert_eq!(carrier.max_amount(), Some(max));
        assert_eq!(carrier.new_reference(), "FIXED-1");
    }
    let defaults: [Box<dyn MobileCarrier>; 3] = [
        Box::new(Mtn::new("M").unwrap()),
        Box::new(Moov::new("V").unwrap()),
        Box::new(Celtiis::new("C").unwrap()),
    ];
    for carrier in &defaults {
        assert_eq!(
            carrier.polling(),
            Some(PollingPolicy::default()),
            "{}",
            carrier.name()
        );
        assert_eq!(carrier.max_amount(), None);
        assert_eq!(carrier.new_reference().len(), 20);
    }
    assert_eq!(Moov::new("V").unwrap().without_polling().polling(), None);
    assert_eq!(Mtn::new("M").unwrap().without_polling().polling(), None);
}

#[test]
fn names_identities_and_specs_agree() {
    for (name, carrier, spec) in [
        (Mtn::NAME, Mtn::CARRIER, &Mtn::SPEC),
        (Moov::NAME, Moov::CARRIER, &Moov::SPEC),
        (Celtiis::NAME, Celtiis::CARRIER, &Celtiis::SPEC),
    ] {
        assert_eq!((carrier.name(), spec.carrier()), (name, carrier));
        assert_eq!(spec.client_id_var(), format!("QOSIC_{name}_CLIENT_ID"));
    }
    let names: Vec<&str> = qosic_carriers_bj::SPECS.iter().map(|s| s.name()).collect();
    assert_eq!(names, ["MTN", "MOOV", "CELTIIS"]);
    assert!(Mtn::new("has space").is_err());
}
