//! Moov Africa Benin (Moov Money): synchronous payments and deposits; no refunds.

use qosic_core::{
    ApiResponse, Error, LookupCall, MobileCarrier, MoneyCall, Msisdn, Operation, PollingPolicy,
    Reply, WireRequest,
};

use crate::common::{self, settings_accessors, settings_setters, Settings};
use crate::numbering::{benin_operator, Operator};

/// Moov Africa Benin through QosIc.
///
/// A payment answers only once the customer has approved or declined (code `0` is success),
/// so the transport's timeout must cover the customer's approval (`qosic-http` waits 80 s by
/// default). QosIc has no refund for MOOV: [`Client::refund`](qosic_core::Client::refund)
/// fails with [`Error::Unsupported`] before any I/O. Status checks
/// (`gettransactionstatus2mv`) send the operator's transaction id as `specialfield1` when the
/// lookup has one.
///
/// When a payment's answer is lost or cannot be read, the client checks the status of the
/// same reference under the default [`PollingPolicy`] (a check every 10 s for 120 s), as for
/// MTN: the payment may have gone through. [`Moov::with_polling`] changes the policy;
/// [`Moov::without_polling`] turns the checks off (the outcome then stays unknown, with its
/// reference, for the caller to check).
///
/// ```
/// let moov = qosic_carriers_bj::Moov::new("MOOV_CLIENT_ID")?;
/// # let _ = moov;
/// # Ok::<(), qosic_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Moov {
    settings: Settings,
    polling: Option<PollingPolicy>,
}

impl Moov {
    /// The name callers use to pick this carrier.
    pub const NAME: &'static str = "MOOV";

    /// MOOV with the merchant's MOOV client id and the default settings.
    pub fn new(client_id: impl AsRef<str>) -> Result<Moov, Error> {
        Ok(Moov {
            settings: Settings::new(client_id.as_ref())?,
            polling: Some(PollingPolicy::default()),
        })
    }

    /// Checks the status under `policy` when a payment answers pending or its answer is lost
    /// (default: [`PollingPolicy::default`]).
    pub fn with_polling(mut self, policy: PollingPolicy) -> Self {
        self.polling = Some(policy);
        self
    }

    /// Never checks the status after a payment: an unknown or pending outcome is returned as
    /// it is, with its reference, for the caller to check later.
    pub fn without_polling(mut self) -> Self {
        self.polling = None;
        self
    }
}

settings_setters!(Moov);

impl MobileCarrier for Moov {
    fn name(&self) -> &str {
        Moov::NAME
    }

    settings_accessors!();

    fn serves(&self, phone: &Msisdn) -> bool {
        phone.country() == qosic_core::Country::Benin
            && benin_operator(phone.national()) == Some(Operator::Moov)
    }

    fn polling(&self) -> Option<PollingPolicy> {
        self.polling
    }

    fn payment(&self, call: &MoneyCall) -> Result<WireRequest, Error> {
        Ok(common::payment_request(
            "/QosicBridge/user/requestpaymentmv",
            &self.settings,
            call,
        ))
    }

    fn status(&self, call: &LookupCall) -> Result<WireRequest, Error> {
        Ok(common::lookup_request(
            "/QosicBridge/user/gettransactionstatus2mv",
            &self.settings,
            call,
            true,
        ))
    }

    fn deposit(&self, call: &MoneyCall) -> Result<WireRequest, Error> {
        Ok(common::deposit_request(
            "/QosicBridge/user/depositmv",
            &self.settings,
            call,
        ))
    }

    fn read(&self, operation: Operation, response: &ApiResponse) -> Reply {
        common::read_answer(operation, response)
    }
}
