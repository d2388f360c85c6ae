//! The countries built in, as `specs()` lists them for the facade's `from_env` and the fake server.

use std::collections::HashSet;

use qosic_carriers::specs;

#[test]
fn specs_lists_every_country_in_order() {
    let expected = qosic_carriers::benin::SPECS
        .iter()
        .chain(qosic_carriers::togo::SPECS)
        .map(|s| s.name());
    assert!(specs().map(|s| s.name()).eq(expected));
}

#[test]
fn carriers_have_distinct_names_and_client_id_variables() {
    let mut names = HashSet::new();
    let mut vars = HashSet::new();
    for spec in specs() {
        assert!(names.insert(spec.carrier()), "{} twice", spec.name());
        assert!(
            vars.insert(spec.client_id_var()),
            "{} twice",
            spec.client_id_var()
        );
        assert_eq!(
            spec.client_id_var(),
            format!("QOSIC_{}_CLIENT_ID", spec.name()),
            "the environment contract names every client id the same way"
        );
    }
}

#[test]
fn the_facade_names_are_the_countries() {
    use qosic_carriers::countries::{benin, togo};
    assert_eq!(benin::Mtn::NAME, "MTN");
    assert_eq!(togo::TMoney::NAME, "TMONEY");
}
