//! T-Money of Togocel (now Yas): asynchronous payments, status polling and deposits.

use qosic_core::carrier::{CarrierSpec, QosicCarrier};
use qosic_core::{Carrier, Country, Error, Msisdn, Operation};

use crate::numbering::togo_carrier;

/// Which paths T-Money's requests go to.
///
/// The public record conflicts: QosIc's docs name `/QosicBridge/user/requestpayment` (the
/// path of MTN Benin) for Togocel, while the integrators whose code is public use
/// `/QosicBridge/tm/v1/{requestpayment,gettransactionstatus,deposit}`. The default is the
/// integrators' (`tm/v1`); [`TMoneyPaths::User`] sends to the docs' paths instead. The fake
/// server (`qosic-mock`) serves T-Money on both: on the `user` paths, which MTN Benin shares,
/// a request with T-Money's client id is T-Money's ([`CarrierSpec::alternate_paths`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum TMoneyPaths {
    /// `/QosicBridge/tm/v1/requestpayment`, `…/gettransactionstatus`, `…/deposit` (the
    /// default).
    #[default]
    TmV1,
    /// `/QosicBridge/user/requestpayment`, `…/gettransactionstatus`, `…/deposit`, as QosIc's
    /// docs name them.
    User,
}

/// T-Money (Togocel, Yas) through QosIc.
///
/// A payment answers 202 and code `01` (`demande en cours`, "request in progress"); the
/// client then checks the status under the [`PollingPolicy`](qosic_core::PollingPolicy)
/// (by default every 10 s for 120 s) until the customer approves (`00`) or not (`02`,
/// failed). Answers carry no `serviceref`. Deposits (payouts) go to `tm/v1/deposit`. No
/// refund is known for Togo: [`Client::refund`](qosic_core::Client::refund) fails with
/// [`Error::Unsupported`] before any I/O. Togo's initiation codes ([`crate::CODES`]: 515
/// wrong network, 527 network issue, 580 limit, 682 internal error, 849 validation failed)
/// are read into errors and outcomes that say what to do.
///
/// It serves numbers with Togocel's prefixes ([`crate::numbering`]); Togo has number
/// portability, so name the carrier of a ported number: `.carrier("TMONEY")`.
///
/// ```
/// use qosic_carriers_tg::{TMoney, TMoneyPaths};
/// use qosic_core::{MobileCarrier, Msisdn};
/// let tmoney = TMoney::new("TMONEY_CLIENT_ID")?.with_paths(TMoneyPaths::User);
/// assert!(tmoney.serves(&Msisdn::parse("+228 90 00 01 00")?));
/// # Ok::<(), qosic_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct TMoney {
    inner: QosicCarrier,
}

fn serves(phone: &Msisdn) -> bool {
    togo_carrier(phone.national()) == Some(TMoney::CARRIER)
}

impl TMoney {
    /// The name callers use to pick this carrier.
    pub const NAME: &'static str = "TMONEY";

    /// Its identity.
    pub const CARRIER: Carrier = Carrier::new(Self::NAME);

    /// What T-Money is on the wire.
    pub const SPEC: CarrierSpec = CarrierSpec::new(
        Self::CARRIER,
        Country::Togo,
        "QOSIC_TMONEY_CLIENT_ID",
        "/QosicBridge/tm/v1/requestpayment",
        "/QosicBridge/tm/v1/gettransactionstatus",
        serves,
    )
    .with_deposit("/QosicBridge/tm/v1/deposit")
    .with_failed_code("02")
    .with_pending_message("demande en cours")
    .without_service_ref()
    .with_codes(crate::CODES)
    // QosIc's docs name MTN Benin's paths for Togocel ([`TMoneyPaths::User`]): the fake server
    // serves T-Money there too, telling the two apart by the body's client id.
    .with_alternate_paths(&[
        (Operation::Payment, "/QosicBridge/user/requestpayment"),
        (Operation::Status, "/QosicBridge/user/gettransactionstatus"),
        (Operation::Deposit, "/QosicBridge/user/deposit"),
    ]);

    /// T-Money with the merchant's T-Money client id and the default settings.
    pub fn new(client_id: impl AsRef<str>) -> Result<TMoney, Error> {
        Ok(TMoney {
            inner: QosicCarrier::new(&Self::SPEC, client_id)?,
        })
    }

    /// Sends requests to these paths (default [`TMoneyPaths::TmV1`]).
    pub fn with_paths(mut self, paths: TMoneyPaths) -> Self {
        let (payment, status, deposit) = match paths {
            TMoneyPaths::TmV1 => (
                "/QosicBridge/tm/v1/requestpayment",
                "/QosicBridge/tm/v1/gettransactionstatus",
                "/QosicBridge/tm/v1/deposit",
            ),
            TMoneyPaths::User => (
                "/QosicBridge/user/requestpayment",
                "/QosicBridge/user/gettransactionstatus",
                "/QosicBridge/user/deposit",
            ),
        };
        self.inner = self
            .inner
            .with_path(Operation::Payment, payment)
            .with_path(Operation::Status, status)
            .with_path(Operation::Deposit, deposit);
        self
    }
}

qosic_core::thin_carrier!(TMoney, inner);
