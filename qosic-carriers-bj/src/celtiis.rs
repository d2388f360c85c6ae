//! Celtiis Benin (SBIN, Celtiis Cash): asynchronous payments and status polling.

use qosic_core::carrier::{CarrierSpec, QosicCarrier};
use qosic_core::{Carrier, Country, Error, Msisdn};

use crate::numbering::benin_operator;

/// Celtiis (SBIN) through QosIc, on the `/QosicBridge/sb/v1/` endpoints.
///
/// Payments answer `01` (accepted) and are polled like MTN's. No refund or deposit endpoint is
/// known for Celtiis: those operations fail with [`Error::Unsupported`] before any I/O.
#[derive(Debug, Clone)]
pub struct Celtiis {
    inner: QosicCarrier,
}

fn serves(phone: &Msisdn) -> bool {
    benin_operator(phone.national()) == Some(Celtiis::CARRIER)
}

impl Celtiis {
    /// The name callers use to pick this carrier.
    pub const NAME: &'static str = "CELTIIS";

    /// Its identity.
    pub const CARRIER: Carrier = Carrier::Celtiis;

    /// What Celtiis is on the wire.
    pub const SPEC: CarrierSpec = CarrierSpec::new(
        Self::CARRIER,
        Country::Benin,
        "QOSIC_CELTIIS_CLIENT_ID",
        "/QosicBridge/sb/v1/requestpayment",
        "/QosicBridge/sb/v1/gettransactionstatus",
        serves,
    );

    /// Celtiis with the merchant's Celtiis client id and the default settings.
    pub fn new(client_id: impl AsRef<str>) -> Result<Celtiis, Error> {
        Ok(Celtiis {
            inner: QosicCarrier::new(&Self::SPEC, client_id)?,
        })
    }
}

qosic_core::thin_carrier!(Celtiis, inner);
