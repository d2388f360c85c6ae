//! Golden requests: the exact path and JSON body of every operation of T-Money and Flooz,
//! under every setting that changes them (and those that do not, through the trait).

use std::time::Duration;

use qosic_carriers_tg::{Flooz, TMoney, TMoneyPaths};
use qosic_core::carrier::PhoneFormat;
use qosic_core::test_util::{assert_unsupported, assert_wire, lookup_call, money_call};
use qosic_core::{
    Amount, LookupCall, MobileCarrier, MoneyCall, Operation, PollingPolicy, References,
};

fn money(phone: &str, first: &str, last: &str) -> MoneyCall {
    money_call("ORDER-228", phone, 2500, first, last)
}

fn lookup(operator_ref: Option<&str>) -> LookupCall {
    lookup_call("ORDER-228", operator_ref)
}

#[test]
fn tmoney_every_operation() {
    let tmoney = TMoney::new("TM-ID").unwrap();
    assert_wire(
        tmoney.payment(&money("+228 90 00 01 00", "Ada", "Lovelace")),
        "/QosicBridge/tm/v1/requestpayment",
        r#"{"msisdn":"22890000100","amount":"2500","firstname":"Ada","lastname":"Lovelace","transref":"ORDER-228","clientid":"TM-ID"}"#,
    );
    // No specialfield1, whatever the lookup knows.
    assert_wire(
        tmoney.status(&lookup(Some("OP-1"))),
        "/QosicBridge/tm/v1/gettransactionstatus",
        r#"{"transref":"ORDER-228","clientid":"TM-ID"}"#,
    );
    assert_wire(
        tmoney.deposit(&money("22890000100", "", "")),
        "/QosicBridge/tm/v1/deposit",
        r#"{"msisdn":"22890000100","amount":"2500","transref":"ORDER-228","clientid":"TM-ID"}"#,
    );
    assert_unsupported(tmoney.refund(&lookup(None)), "TMONEY", Operation::Refund);
}

#[test]
fn tmoney_paths_of_the_docs_and_back() {
    let tmoney = TMoney::new("TM-ID").unwrap().with_paths(TMoneyPaths::User);
    assert_wire(
        tmoney.payment(&money("22890000100", "", "")),
        "/QosicBridge/user/requestpayment",
        r#"{"msisdn":"22890000100","amount":"2500","firstname":"","lastname":"","transref":"ORDER-228","clientid":"TM-ID"}"#,
    );
    assert_wire(
        tmoney.status(&lookup(None)),
        "/QosicBridge/user/gettransactionstatus",
        r#"{"transref":"ORDER-228","clientid":"TM-ID"}"#,
    );
    assert_wire(
        tmoney.deposit(&money("22890000100", "", "")),
        "/QosicBridge/user/deposit",
        r#"{"msisdn":"22890000100","amount":"2500","transref":"ORDER-228","clientid":"TM-ID"}"#,
    );
    // Still no refund.
    assert_unsupported(tmoney.refund(&lookup(None)), "TMONEY", Operation::Refund);
    let tmoney = tmoney.with_paths(TMoneyPaths::TmV1);
    assert_wire(
        tmoney.status(&lookup(None)),
        "/QosicBridge/tm/v1/gettransactionstatus",
        r#"{"transref":"ORDER-228","clientid":"TM-ID"}"#,
    );
    assert_eq!(TMoneyPaths::default(), TMoneyPaths::TmV1);
}

#[test]
fn flooz_every_operation() {
    let flooz = Flooz::new("FZ-ID").unwrap();
    assert_wire(
        flooz.payment(&money("22899000100", "Ada", "")),
        "/QosicBridge/tg/v1/requestpayment",
        r#"{"msisdn":"22899000100","amount":"2500","firstname":"Ada","lastname":"","transref":"ORDER-228","clientid":"FZ-ID"}"#,
    );
    assert_wire(
        flooz.status(&lookup(Some("OP-1"))),
        "/QosicBridge/tg/v1/gettransactionstatus",
        r#"{"transref":"ORDER-228","clientid":"FZ-ID"}"#,
    );
    assert_wire(
        flooz.deposit(&money("0022899000100", "", "")),
        "/QosicBridge/tg/v1/deposit",
        r#"{"msisdn":"22899000100","amount":"2500","transref":"ORDER-228","clientid":"FZ-ID"}"#,
    );
    assert_unsupported(flooz.refund(&lookup(None)), "FLOOZ", Operation::Refund);
}

#[test]
fn phone_formats_through_both_carriers() {
    // Togo has one plan: only the local form changes the number.
    for (format, sent) in [
        (PhoneFormat::AsGiven, "22890000100"),
        (PhoneFormat::Legacy, "22890000100"),
        (PhoneFormat::TenDigit, "22890000100"),
        (PhoneFormat::Local, "90000100"),
    ] {
        let tmoney = TMoney::new("TM-ID").unwrap().with_phone_format(format);
        let flooz = Flooz::new("FZ-ID").unwrap().with_phone_format(format);
        let body = |id: &str| {
            format!(
                r#"{{"msisdn":"{sent}","amount":"2500","transref":"ORDER-228","clientid":"{id}"}}"#
            )
        };
        assert_wire(
            tmoney.deposit(&money("22890000100", "", "")),
            "/QosicBridge/tm/v1/deposit",
            &body("TM-ID"),
        );
        assert_wire(
            flooz.deposit(&money("22890000100", "", "")),
            "/QosicBridge/tg/v1/deposit",
            &body("FZ-ID"),
        );
    }
}

#[test]
fn settings_that_stay_off_the_wire() {
    let policy = PollingPolicy::new(Duration::from_secs(5), Duration::from_secs(60)).unwrap();
    let max = Amount::new(300_000).unwrap();
    let fixed = || References::from_fn(|| "TG-FIXED".to_owned());
    let carriers: [Box<dyn MobileCarrier>; 2] = [
        Box::new(
            TMoney::new("T")
                .unwrap()
                .with_polling(policy)
                .with_max_amount(max)
                .with_references(fixed()),
        ),
        Box::new(
            Flooz::new("F")
                .unwrap()
                .with_polling(policy)
                .with_max_amount(max)
                .with_references(fixed()),
        ),
    ];
    for carrier in &carriers {
        assert_eq!(carrier.polling(), Some(policy), "{}", carrier.name());
        assert_eq!(carrier.max_amount(), Some(max));
        assert_eq!(carrier.new_reference(), "TG-FIXED");
    }
    for carrier in [
        &TMoney::new("T").unwrap() as &dyn MobileCarrier,
        &Flooz::new("F").unwrap(),
    ] {
        assert_eq!(carrier.polling(), Some(PollingPolicy::default()));
        assert_eq!(carrier.max_amount(), None);
    }
    assert_eq!(TMoney::new("T").unwrap().without_polling().polling(), None);
    assert!(Flooz::new("has space").is_err());
}

#[test]
fn names_identities_and_specs_agree() {
    for (name, spec) in [(TMoney::NAME, &TMoney::SPEC), (Flooz::NAME, &Flooz::SPEC)] {
        assert_eq!(spec.name(), name);
        assert_eq!(spec.client_id_var(), format!("QOSIC_{name}_CLIENT_ID"));
        assert_eq!(spec.path(Operation::Refund), None);
        assert!(spec.offers(Operation::Deposit));
        assert_eq!(spec.failed_code(), "02");
        assert!(!spec.has_service_ref());
    }
    let names: Vec<&str> = qosic_carriers_tg::SPECS.iter().map(|s| s.name()).collect();
    assert_eq!(names, ["TMONEY", "FLOOZ"]);
}
