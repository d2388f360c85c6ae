//! Celtiis Benin (SBIN, Celtiis Cash): asynchronous payments and status polling.

use qosic_core::{
    ApiResponse, Error, LookupCall, MobileCarrier, MoneyCall, Msisdn, Operation, PollingPolicy,
    Reply, WireRequest,
};

use crate::common::{self, settings_accessors, settings_setters, Settings};
use crate::numbering::{benin_operator, Operator};

/// Celtiis (SBIN) through QosIc, on the `/QosicBridge/sb/v1/` endpoints.
///
/// Payments answer `01` (accepted) and are polled like MTN's. No refund or deposit endpoint is
/// known for Celtiis: those operations fail with [`Error::Unsupported`] before any I/O.
#[derive(Debug, Clone)]
pub struct Celtiis {
    settings: Settings,
}

impl Celtiis {
    /// The name callers use to pick this carrier.
    pub const NAME: &'static str = "CELTIIS";

    /// Celtiis with the merchant's Celtiis client id and the default settings.
    pub fn new(client_id: impl AsRef<str>) -> Result<Celtiis, Error> {
        Ok(Celtiis {
            settings: Settings::new(client_id.as_ref())?,
        })
    }

    /// Waits for pending payments under this policy.
    pub fn with_polling(mut self, policy: PollingPolicy) -> Self {
        self.settings.polling = policy;
        self
    }
}

settings_setters!(Celtiis);

impl MobileCarrier for Celtiis {
    fn name(&self) -> &str {
        Celtiis::NAME
    }

    settings_accessors!();

    fn serves(&self, phone: &Msisdn) -> bool {
        phone.country() == qosic_core::Country::Benin
            && benin_operator(phone.national()) == Some(Operator::Celtiis)
    }

    fn polling(&self) -> Option<PollingPolicy> {
        Some(self.settings.polling)
    }

    fn payment(&self, call: &MoneyCall) -> Result<WireRequest, Error> {
        Ok(common::payment_request(
            "/QosicBridge/sb/v1/requestpayment",
            &self.settings,
            call,
        ))
    }

    fn status(&self, call: &LookupCall) -> Result<WireRequest, Error> {
        Ok(common::lookup_request(
            "/QosicBridge/sb/v1/gettransactionstatus",
            &self.settings,
            call,
            false,
        ))
    }

    fn read(&self, operation: Operation, response: &ApiResponse) -> Reply {
        common::read_answer(operation, response)
    }
}
