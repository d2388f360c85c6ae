//! MTN Benin (MTN MoMo): asynchronous payments, status polling, refunds and deposits.

use qosic_core::carrier::{CarrierSpec, QosicCarrier};
use qosic_core::{Carrier, Country, Error, Msisdn, Operation};

use crate::numbering::benin_operator;

/// Which MTN status endpoint to call.
///
/// QosIc's French docs add `gettransactionstatusV2` for payments the dashboard still shows as
/// pending; the English docs only list `gettransactionstatus`. Both take the same body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum StatusEndpoint {
    /// `/QosicBridge/user/gettransactionstatus` (the default).
    #[default]
    V1,
    /// `/QosicBridge/user/gettransactionstatusV2`.
    V2,
}

/// The balance route, shared by MTN and MOOV (told apart by the client id sent).
pub(crate) const BALANCE: &str = "/QosicBridge/user/getavailableamountowithdraw";

const STATUS_V2: &str = "/QosicBridge/user/gettransactionstatusV2";

/// MTN Benin through QosIc.
///
/// A payment answers 202 `PENDING`; the client then checks
/// `/QosicBridge/user/gettransactionstatus` under the
/// [`PollingPolicy`](qosic_core::PollingPolicy) (by default every 10 s for 120 s, as the
/// Python SDK) until the customer approves or declines. Refunds go to `user/refund`,
/// deposits to `user/deposit`, account-holder lookups to `user/getaccountholderinfo` and
/// the balance to `user/getavailableamountowithdraw`. Its description is [`Mtn::SPEC`].
///
/// ```
/// use std::time::Duration;
/// use qosic_carriers_bj::{Mtn, PhoneFormat, StatusEndpoint};
/// use qosic_core::PollingPolicy;
/// let mtn = Mtn::new("MTN_CLIENT_ID")?
///     .with_polling(PollingPolicy::new(Duration::from_secs(5), Duration::from_secs(180))?)
///     .with_phone_format(PhoneFormat::Legacy)
///     .with_status_endpoint(StatusEndpoint::V2);
/// # let _ = mtn;
/// # Ok::<(), qosic_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Mtn {
    inner: QosicCarrier,
}

fn serves(phone: &Msisdn) -> bool {
    benin_operator(phone.national()) == Some(Mtn::CARRIER)
}

impl Mtn {
    /// The name callers use to pick this carrier.
    pub const NAME: &'static str = "MTN";

    /// Its identity.
    pub const CARRIER: Carrier = Carrier::Mtn;

    /// What MTN Benin is on the wire.
    pub const SPEC: CarrierSpec = CarrierSpec::new(
        Self::CARRIER,
        Country::Benin,
        "QOSIC_MTN_CLIENT_ID",
        "/QosicBridge/user/requestpayment",
        "/QosicBridge/user/gettransactionstatus",
        serves,
    )
    .with_refund("/QosicBridge/user/refund")
    .with_deposit("/QosicBridge/user/deposit")
    .with_account_holder("/QosicBridge/user/getaccountholderinfo")
    .with_balance(BALANCE)
    .with_alternate_paths(&[(Operation::Status, STATUS_V2)]);

    /// MTN with the merchant's MTN client id and the default settings.
    pub fn new(client_id: impl AsRef<str>) -> Result<Mtn, Error> {
        Ok(Mtn {
            inner: QosicCarrier::new(&Self::SPEC, client_id)?,
        })
    }

    /// Checks statuses at this endpoint.
    pub fn with_status_endpoint(mut self, endpoint: StatusEndpoint) -> Self {
        let path = match endpoint {
            StatusEndpoint::V1 => Self::SPEC.path(Operation::Status).unwrap_or(STATUS_V2),
            StatusEndpoint::V2 => STATUS_V2,
        };
        self.inner = self.inner.with_path(Operation::Status, path);
        self
    }
}

qosic_core::thin_carrier!(Mtn, inner);
