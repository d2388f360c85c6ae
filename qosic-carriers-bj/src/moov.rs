//! Moov Africa Benin (Moov Money): synchronous payments and deposits; no refunds.

use qosic_core::carrier::{CarrierSpec, QosicCarrier, StatusRequest};
use qosic_core::{Carrier, Country, Error, Msisdn};

use crate::numbering::benin_operator;

/// Moov Africa Benin through QosIc.
///
/// A payment answers only once the customer has approved or declined (code `0` is success),
/// so the transport's timeout must cover the customer's approval (`qosic-http` waits 80 s by
/// default). QosIc has no refund for MOOV: [`Client::refund`](qosic_core::Client::refund)
/// fails with [`Error::Unsupported`] before any I/O. Status checks
/// (`gettransactionstatus2mv`) send the operator's transaction id as `specialfield1` when the
/// lookup has one, and an empty one otherwise. Deposits (`depositmv`) answer `0`.
///
/// When a payment's answer is lost or cannot be read, the client checks the status of the
/// same reference under the default [`PollingPolicy`](qosic_core::PollingPolicy) (a check
/// every 10 s for 120 s), as for MTN: the payment may have gone through. `with_polling`
/// changes the policy; `without_polling` turns the checks off (the outcome then stays
/// unknown, with its reference, for the caller to check).
///
/// ```
/// let moov = qosic_carriers_bj::Moov::new("MOOV_CLIENT_ID")?.without_polling();
/// # let _ = moov;
/// # Ok::<(), qosic_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Moov {
    inner: QosicCarrier,
}

fn serves(phone: &Msisdn) -> bool {
    benin_operator(phone.national()) == Some(Moov::CARRIER)
}

impl Moov {
    /// The name callers use to pick this carrier.
    pub const NAME: &'static str = "MOOV";

    /// Its identity.
    pub const CARRIER: Carrier = Carrier::Moov;

    /// What Moov Benin is on the wire.
    pub const SPEC: CarrierSpec = CarrierSpec::new(
        Self::CARRIER,
        Country::Benin,
        "QOSIC_MOOV_CLIENT_ID",
        "/QosicBridge/user/requestpaymentmv",
        "/QosicBridge/user/gettransactionstatus2mv",
        serves,
    )
    .with_deposit("/QosicBridge/user/depositmv")
    .with_account_holder("/QosicBridge/user/getaccountholderinfomv")
    .with_balance(crate::mtn::BALANCE)
    .synchronous()
    .with_status_request(StatusRequest::WithOperatorRef)
    .with_deposit_success_code("0");

    /// MOOV with the merchant's MOOV client id and the default settings.
    pub fn new(client_id: impl AsRef<str>) -> Result<Moov, Error> {
        Ok(Moov {
            inner: QosicCarrier::new(&Self::SPEC, client_id)?,
        })
    }
}

qosic_core::thin_carrier!(Moov, inner);
