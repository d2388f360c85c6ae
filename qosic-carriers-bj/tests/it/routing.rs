//! Property tests: which carrier serves which number, in both numbering plans.

use proptest::prelude::*;
use qosic_carriers_bj::numbering::benin_operator;
use qosic_carriers_bj::{Celtiis, Moov, Mtn};
use qosic_core::{Carrier, MobileCarrier, Msisdn};

fn carriers() -> (Mtn, Moov, Celtiis) {
    (
        Mtn::new("M").unwrap(),
        Moov::new("V").unwrap(),
        Celtiis::new("C").unwrap(),
    )
}

fn served_by(phone: &Msisdn) -> Vec<&'static str> {
    let (mtn, moov, celtiis) = carriers();
    let mut names = Vec::new();
    for c in [&mtn as &dyn MobileCarrier, &moov, &celtiis] {
        if c.serves(phone) {
            names.push(match c.name() {
                "MTN" => "MTN",
                "MOOV" => "MOOV",
                _ => "CELTIIS",
            });
        }
    }
    names
}

proptest! {
    #[test]
    fn at_most_one_carrier_serves_a_number_and_it_follows_the_plan(n in "[0-9]{8}", ten in any::<bool>()) {
        let national = if ten { format!("01{n}") } else { n.clone() };
        let phone = Msisdn::parse(&format!("229{national}")).unwrap();
        let served = served_by(&phone);
        prop_assert!(served.len() <= 1, "{national}: {served:?}");
        let expected = benin_operator(&national).map(Carrier::name);
        prop_assert_eq!(served.first().copied(), expected);
    }

    #[test]
    fn routing_ignores_how_the_number_is_written(n in "[0-9]{6}", prefix in prop::sample::select(vec!["97", "66", "95", "40"])) {
        let plain = Msisdn::parse(&format!("229{prefix}{n}")).unwrap();
        let dressed = Msisdn::parse(&format!("+229 {prefix} {} {} {}", &n[..2], &n[2..4], &n[4..])).unwrap();
        prop_assert_eq!(served_by(&plain), served_by(&dressed));
    }

    #[test]
    fn togo_numbers_are_not_served_by_benin_carriers(n in "[0-9]{8}") {
        let phone = Msisdn::parse(&format!("228{n}")).unwrap();
        prop_assert!(served_by(&phone).is_empty());
    }
}

#[test]
fn the_documented_examples_route_as_protocol_md_says() {
    let cases = [
        ("22997000000", Some("MTN")),
        ("2290197000000", Some("MTN")),
        ("22956000000", Some("MOOV")),
        ("2290156000000", Some("MTN")),
        ("22958000000", Some("MTN")),
        ("2290158000000", Some("MOOV")),
        ("22945000000", Some("CELTIIS")),
        ("2290145000000", Some("MOOV")),
        ("2290140000000", Some("CELTIIS")),
        ("22930000000", None),
    ];
    for (phone, carrier) in cases {
        let served = served_by(&Msisdn::parse(phone).unwrap());
        assert_eq!(served.first().copied(), carrier, "{phone}");
    }
}
