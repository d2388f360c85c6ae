//! Togo's carriers have no account-holder or balance route on record: both refuse before
//! any I/O, with the usual words.

use qosic_carriers_tg::{Flooz, TMoney};
use qosic_core::test_util::assert_unsupported;
use qosic_core::{MobileCarrier, Msisdn, Operation};

#[test]
fn togo_carriers_refuse_lookups() {
    let phone = Msisdn::parse("22890000100").unwrap();
    let tmoney = TMoney::new("TM-ID").unwrap();
    let flooz = Flooz::new("FZ-ID").unwrap();
    assert_unsupported(
        tmoney.account_holder(&phone),
        tmoney.name(),
        Operation::AccountHolder,
    );
    assert_unsupported(tmoney.balance(), tmoney.name(), Operation::Balance);
    assert_unsupported(
        flooz.account_holder(&phone),
        flooz.name(),
        Operation::AccountHolder,
    );
    assert_unsupported(flooz.balance(), flooz.name(), Operation::Balance);
}
