//! MTN Benin (MTN MoMo): asynchronous payments, status polling, refunds and deposits.

use qosic_core::{
    ApiResponse, Error, LookupCall, MobileCarrier, MoneyCall, Msisdn, Operation, PollingPolicy,
    Reply, WireRequest,
};

use crate::common::{self, settings_accessors, settings_setters, Settings};
use crate::numbering::{benin_operator, Operator};

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

/// MTN Benin through QosIc.
///
/// A payment answers 202 `PENDING`; the client then checks
/// `/QosicBridge/user/gettransactionstatus` under the [`PollingPolicy`] (by default every
/// 10 s for 120 s, as the Python SDK) until the customer approves or declines.
///
/// ```
/// use std::time::Duration;
/// use qosic_carriers_bj::{Mtn, PhoneFormat};
/// use qosic_core::PollingPolicy;
/// let mtn = Mtn::new("MTN_CLIENT_ID")?
///     .with_polling(PollingPolicy::new(Duration::from_secs(5), Duration::from_secs(180))?)
///     .with_phone_format(PhoneFormat::Legacy);
/// # let _ = mtn;
/// # Ok::<(), qosic_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Mtn {
    settings: Settings,
    status_endpoint: StatusEndpoint,
}

impl Mtn {
    /// The name callers use to pick this carrier.
    pub const NAME: &'static str = "MTN";

    /// MTN with the merchant's MTN client id and the default settings.
    pub fn new(client_id: impl AsRef<str>) -> Result<Mtn, Error> {
        Ok(Mtn {
            settings: Settings::new(client_id.as_ref())?,
            status_endpoint: StatusEndpoint::default(),
        })
    }

    /// Waits for pending payments under this policy.
    pub fn with_polling(mut self, policy: PollingPolicy) -> Self {
        self.settings.polling = policy;
        self
    }

    /// Checks statuses at this endpoint.
    pub fn with_status_endpoint(mut self, endpoint: StatusEndpoint) -> Self {
        self.status_endpoint = endpoint;
        self
    }
}

settings_setters!(Mtn);

impl MobileCarrier for Mtn {
    fn name(&self) -> &str {
        Mtn::NAME
    }

    settings_accessors!();

    fn serves(&self, phone: &Msisdn) -> bool {
        phone.country() == qosic_core::Country::Benin
            && benin_operator(phone.national()) == Some(Operator::Mtn)
    }

    fn polling(&self) -> Option<PollingPolicy> {
        Some(self.settings.polling)
    }

    fn payment(&self, call: &MoneyCall) -> Result<WireRequest, Error> {
        Ok(common::payment_request(
            "/QosicBridge/user/requestpayment",
            &self.settings,
            call,
        ))
    }

    fn status(&self, call: &LookupCall) -> Result<WireRequest, Error> {
        let path = match self.status_endpoint {
            StatusEndpoint::V1 => "/QosicBridge/user/gettransactionstatus",
            StatusEndpoint::V2 => "/QosicBridge/user/gettransactionstatusV2",
        };
        Ok(common::lookup_request(path, &self.settings, call, false))
    }

    fn refund(&self, call: &LookupCall) -> Result<WireRequest, Error> {
        Ok(common::lookup_request(
            "/QosicBridge/user/refund",
            &self.settings,
            call,
            false,
        ))
    }

    fn deposit(&self, call: &MoneyCall) -> Result<WireRequest, Error> {
        Ok(common::deposit_request(
            "/QosicBridge/user/deposit",
            &self.settings,
            call,
        ))
    }

    fn read(&self, operation: Operation, response: &ApiResponse) -> Reply {
        common::read_answer(operation, response)
    }
}
