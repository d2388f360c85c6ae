//! Golden requests of the account-holder and balance lookups: MTN and MOOV offer both
//! (`getaccountholderinfo`, `getaccountholderinfomv`, `getavailableamountowithdraw`),
//! Celtiis neither.

use qosic_carriers_bj::{Celtiis, Moov, Mtn, PhoneFormat};
use qosic_core::test_util::{assert_unsupported, assert_wire};
use qosic_core::{MobileCarrier, Msisdn, Operation};

fn phone(number: &str) -> Msisdn {
    Msisdn::parse(number).unwrap()
}

#[test]
fn mtn_account_holder_and_balance() {
    let mtn = Mtn::new("MTN-ID").unwrap();
    assert_wire(
        mtn.account_holder(&phone("22997000100")),
        "/QosicBridge/user/getaccountholderinfo",
        r#"{"msisdn":"22997000100","clientid":"MTN-ID"}"#,
    );
    assert_wire(
        mtn.balance(),
        "/QosicBridge/user/getavailableamountowithdraw",
        r#"{"clientid":"MTN-ID"}"#,
    );
    // The number follows the carrier's phone format, as in payments.
    let legacy = Mtn::new("MTN-ID")
        .unwrap()
        .with_phone_format(PhoneFormat::Legacy);
    assert_wire(
        legacy.account_holder(&phone("2290197000100")),
        "/QosicBridge/user/getaccountholderinfo",
        r#"{"msisdn":"22997000100","clientid":"MTN-ID"}"#,
    );
}

#[test]
fn moov_account_holder_and_balance() {
    let moov = Moov::new("MOOV-ID").unwrap();
    assert_wire(
        moov.account_holder(&phone("22995000100")),
        "/QosicBridge/user/getaccountholderinfomv",
        r#"{"msisdn":"22995000100","clientid":"MOOV-ID"}"#,
    );
    assert_wire(
        moov.balance(),
        "/QosicBridge/user/getavailableamountowithdraw",
        r#"{"clientid":"MOOV-ID"}"#,
    );
    assert_eq!(
        Moov::SPEC.path(Operation::AccountHolder),
        Some("/QosicBridge/user/getaccountholderinfomv")
    );
}

#[test]
fn celtiis_has_neither() {
    let celtiis = Celtiis::new("CEL-ID").unwrap();
    assert_unsupported(
        celtiis.account_holder(&phone("2290140000100")),
        "CELTIIS",
        Operation::AccountHolder,
    );
    assert_unsupported(celtiis.balance(), "CELTIIS", Operation::Balance);
}
