//! Flooz of Moov Africa Togo: asynchronous payments, status polling and deposits.

use qosic_core::carrier::{CarrierSpec, QosicCarrier};
use qosic_core::{Carrier, Country, Error, Msisdn};

use crate::numbering::togo_carrier;

/// Flooz (Moov Africa Togo) through QosIc, on the `/QosicBridge/tg/v1/` endpoints.
///
/// Unlike Moov Benin, a payment answers 202 and code `01` and is polled like MTN's, until
/// `00` (approved) or `02` (failed). Answers carry no `serviceref`. Deposits go to
/// `tg/v1/deposit`. No refund is known for Togo: refunds fail with [`Error::Unsupported`]
/// before any I/O. Togo's initiation codes ([`crate::CODES`]) are read as for
/// [`TMoney`](crate::TMoney).
///
/// It serves numbers with Moov Africa's prefixes ([`crate::numbering`]); Togo has number
/// portability, so name the carrier of a ported number: `.carrier("FLOOZ")`.
///
/// ```
/// use qosic_core::{MobileCarrier, Msisdn};
/// let flooz = qosic_carriers_tg::Flooz::new("FLOOZ_CLIENT_ID")?;
/// assert!(flooz.serves(&Msisdn::parse("22899000100")?));
/// assert!(!flooz.serves(&Msisdn::parse("22890000100")?)); // a T-Money prefix
/// # Ok::<(), qosic_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Flooz {
    inner: QosicCarrier,
}

fn serves(phone: &Msisdn) -> bool {
    togo_carrier(phone.national()) == Some(Flooz::CARRIER)
}

impl Flooz {
    /// The name callers use to pick this carrier.
    pub const NAME: &'static str = "FLOOZ";

    /// Its identity.
    pub const CARRIER: Carrier = Carrier::new(Self::NAME);

    /// What Flooz is on the wire.
    pub const SPEC: CarrierSpec = CarrierSpec::new(
        Self::CARRIER,
        Country::Togo,
        "QOSIC_FLOOZ_CLIENT_ID",
        "/QosicBridge/tg/v1/requestpayment",
        "/QosicBridge/tg/v1/gettransactionstatus",
        serves,
    )
    .with_deposit("/QosicBridge/tg/v1/deposit")
    .with_failed_code("02")
    .with_pending_message("demande en cours")
    .without_service_ref()
    .with_codes(crate::CODES);

    /// Flooz with the merchant's Flooz client id and the default settings.
    pub fn new(client_id: impl AsRef<str>) -> Result<Flooz, Error> {
        Ok(Flooz {
            inner: QosicCarrier::new(&Self::SPEC, client_id)?,
        })
    }
}

qosic_core::thin_carrier!(Flooz, inner);
