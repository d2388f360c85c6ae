//! Routing: by prefix (a hint, Togo has number portability) and by name for ported numbers,
//! down to the fake server, which refuses a ported number on its old network (code 515).

use proptest::prelude::*;
use qosic_carriers_tg::numbering::togo_carrier;
use qosic_carriers_tg::{Flooz, TMoney};
use qosic_core::{Carrier, Error, MobileCarrier, Msisdn, PaymentRequest, Status};
use qosic_mock::{Endpoint, MockQosic, Operation, Subscriber};

fn served_by(phone: &Msisdn) -> Vec<Carrier> {
    let tmoney = TMoney::new("T").unwrap();
    let flooz = Flooz::new("F").unwrap();
    let mut served = Vec::new();
    for (carrier, id) in [
        (&tmoney as &dyn MobileCarrier, TMoney::CARRIER),
        (&flooz, Flooz::CARRIER),
    ] {
        if carrier.serves(phone) {
            served.push(id);
        }
    }
    served
}

proptest! {
    #[test]
    fn at_most_one_togo_carrier_serves_a_number_and_it_follows_the_prefix(n in "[0-9]{8}") {
        let phone = Msisdn::parse(&format!("228{n}")).unwrap();
        let served = served_by(&phone);
        prop_assert!(served.len() <= 1);
        prop_assert_eq!(served.first().copied(), togo_carrier(&n));
    }

    #[test]
    fn benin_numbers_are_not_served_by_togo_carriers(n in "[0-9]{8}", ten in any::<bool>()) {
        let national = if ten { format!("01{n}") } else { n };
        let phone = Msisdn::parse(&format!("229{national}")).unwrap();
        prop_assert!(served_by(&phone).is_empty());
    }
}

#[test]
fn every_documented_prefix_routes_to_its_carrier() {
    for prefix in ["70", "71", "72", "73", "90", "91", "92", "93", "97"] {
        let phone = Msisdn::parse(&format!("+228 {prefix} 00 01 00")).unwrap();
        assert_eq!(served_by(&phone), [TMoney::CARRIER], "{prefix}");
    }
    for prefix in ["78", "79", "96", "98", "99"] {
        let phone = Msisdn::parse(&format!("00228{prefix}000100")).unwrap();
        assert_eq!(served_by(&phone), [Flooz::CARRIER], "{prefix}");
    }
    for prefix in ["22", "60", "80", "94", "95"] {
        let phone = Msisdn::parse(&format!("228{prefix}000100")).unwrap();
        assert!(served_by(&phone).is_empty(), "{prefix}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_ported_number_is_refused_by_prefix_and_paid_by_name() {
    let mock = MockQosic::in_process();
    // A Togocel prefix, ported to Moov Africa.
    mock.subscriber(
        "+228 90 00 01 00",
        Subscriber::approves().ported_to(Flooz::CARRIER),
    );
    let client = mock.client();

    let err = client
        .pay(PaymentRequest::new("22890000100", 1000))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Rejected { code: Some(c), status: 400, .. } if c == "515"),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(text.contains("WRONG NETWORK"), "{text}");
    assert!(text.contains("name its carrier"), "{text}");
    let refused = err.reference().unwrap().to_string();
    mock.assert_not_debited(&refused);
    assert!(mock.transaction(&refused).is_none());

    // Named (by name, any case, or by identity), it goes to Flooz and is paid.
    for named in [
        PaymentRequest::new("22890000100", 1000).carrier("flooz"),
        PaymentRequest::new("22890000100", 1000).carrier(Flooz::CARRIER),
    ] {
        let outcome = client.pay(named).await.unwrap();
        assert_eq!(
            (outcome.status(), outcome.carrier()),
            (Status::Confirmed, "FLOOZ")
        );
        mock.assert_debited_once(outcome.reference());
        assert_eq!(
            mock.transaction(outcome.reference()).unwrap().carrier,
            Flooz::CARRIER
        );
    }
    let flooz_payment = Endpoint::new(Flooz::CARRIER, Operation::Payment).unwrap();
    assert_eq!(mock.request_count(flooz_payment), 2);
    assert_eq!(
        mock.request_count(Endpoint::new(TMoney::CARRIER, Operation::Payment).unwrap()),
        1
    );
}

#[test]
#[allow(unsafe_code)]
fn from_env_reads_the_togo_variables() {
    // The only test of this binary that touches these variables (edition 2024: changing the
    // environment is `unsafe`; std's own reads of it take its lock).
    // SAFETY: no other test of this binary reads or writes them.
    unsafe {
        std::env::remove_var("QOSIC_TMONEY_CLIENT_ID");
        std::env::remove_var("QOSIC_FLOOZ_CLIENT_ID");
    }
    let err = qosic_carriers_tg::from_env().unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid configuration of QOSIC_TMONEY_CLIENT_ID: expected at least one of \
         QOSIC_TMONEY_CLIENT_ID or QOSIC_FLOOZ_CLIENT_ID in the environment"
    );
    // SAFETY: as above.
    unsafe {
        std::env::set_var("QOSIC_FLOOZ_CLIENT_ID", "FZ-ID");
        std::env::set_var("QOSIC_TMONEY_CLIENT_ID", "TM-ID");
    }
    let carriers = qosic_carriers_tg::from_env().unwrap();
    let got: Vec<(&str, &str)> = carriers
        .iter()
        .map(|c| (c.name(), c.client_id().as_str()))
        .collect();
    assert_eq!(got, [("TMONEY", "TM-ID"), ("FLOOZ", "FZ-ID")]);
    // SAFETY: as above.
    unsafe {
        std::env::remove_var("QOSIC_TMONEY_CLIENT_ID");
        std::env::remove_var("QOSIC_FLOOZ_CLIENT_ID");
    }
}
