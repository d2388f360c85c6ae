//! The carriers and endpoints the fake server speaks, with their paths (see `docs/WIRE.md`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A mobile-money carrier served by the fake server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Carrier {
    /// MTN Benin (MoMo).
    Mtn,
    /// Moov Benin (Moov Money).
    Moov,
    /// Celtiis Benin (Celtiis Cash, "SBIN").
    Celtiis,
}

impl Carrier {
    /// The lowercase name: `mtn`, `moov` or `celtiis`.
    pub fn name(self) -> &'static str {
        match self {
            Carrier::Mtn => "mtn",
            Carrier::Moov => "moov",
            Carrier::Celtiis => "celtiis",
        }
    }
}

impl fmt::Display for Carrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One operation of the wire protocol, as the fake server routes it.
///
/// Names in the admin API and in reports are the snake_case forms (`mtn_payment`, ...),
/// which serde, [`Endpoint::name`], `Display` and `FromStr` use. `FromStr` goes through
/// serde, so an unknown name gets serde's error listing the accepted ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Endpoint {
    /// `POST /QosicBridge/user/requestpayment`: answers 202 PENDING.
    MtnPayment,
    /// `POST /QosicBridge/user/gettransactionstatus` (also `gettransactionstatusV2`).
    MtnStatus,
    /// `POST /QosicBridge/user/refund`.
    MtnRefund,
    /// `POST /QosicBridge/user/deposit`.
    MtnDeposit,
    /// `POST /QosicBridge/user/requestpaymentmv`: synchronous, answers 200 `"0"`.
    MoovPayment,
    /// `POST /QosicBridge/user/gettransactionstatus2mv`.
    MoovStatus,
    /// `POST /QosicBridge/user/depositmv`.
    MoovDeposit,
    /// `POST /QosicBridge/sb/v1/requestpayment`: answers 202 PENDING.
    CeltiisPayment,
    /// `POST /QosicBridge/sb/v1/gettransactionstatus`.
    CeltiisStatus,
}

/// What an endpoint does, whatever the carrier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operation {
    Payment,
    Status,
    Refund,
    Deposit,
}

impl Endpoint {
    /// Every endpoint, in a stable order.
    pub const ALL: [Endpoint; 9] = [
        Endpoint::MtnPayment,
        Endpoint::MtnStatus,
        Endpoint::MtnRefund,
        Endpoint::MtnDeposit,
        Endpoint::MoovPayment,
        Endpoint::MoovStatus,
        Endpoint::MoovDeposit,
        Endpoint::CeltiisPayment,
        Endpoint::CeltiisStatus,
    ];

    /// The path this endpoint is served on, e.g. `/QosicBridge/user/requestpayment`.
    pub fn path(self) -> &'static str {
        match self {
            Endpoint::MtnPayment => "/QosicBridge/user/requestpayment",
            Endpoint::MtnStatus => "/QosicBridge/user/gettransactionstatus",
            Endpoint::MtnRefund => "/QosicBridge/user/refund",
            Endpoint::MtnDeposit => "/QosicBridge/user/deposit",
            Endpoint::MoovPayment => "/QosicBridge/user/requestpaymentmv",
            Endpoint::MoovStatus => "/QosicBridge/user/gettransactionstatus2mv",
            Endpoint::MoovDeposit => "/QosicBridge/user/depositmv",
            Endpoint::CeltiisPayment => "/QosicBridge/sb/v1/requestpayment",
            Endpoint::CeltiisStatus => "/QosicBridge/sb/v1/gettransactionstatus",
        }
    }

    /// The endpoint served on `path`, if any (query strings are ignored).
    pub fn from_path(path: &str) -> Option<Endpoint> {
        let path = path.split(['?', '#']).next().unwrap_or(path);
        let path = path.strip_suffix('/').unwrap_or(path);
        if path == "/QosicBridge/user/gettransactionstatusV2" {
            return Some(Endpoint::MtnStatus);
        }
        Endpoint::ALL.into_iter().find(|e| e.path() == path)
    }

    /// The carrier this endpoint belongs to (its client id is the one expected).
    pub fn carrier(self) -> Carrier {
        match self {
            Endpoint::MtnPayment
            | Endpoint::MtnStatus
            | Endpoint::MtnRefund
            | Endpoint::MtnDeposit => Carrier::Mtn,
            Endpoint::MoovPayment | Endpoint::MoovStatus | Endpoint::MoovDeposit => Carrier::Moov,
            Endpoint::CeltiisPayment | Endpoint::CeltiisStatus => Carrier::Celtiis,
        }
    }

    /// The position of this endpoint in [`Endpoint::ALL`].
    pub(crate) fn index(self) -> usize {
        self as usize
    }

    /// The snake_case name used by the admin API and in reports, e.g. `mtn_payment`
    /// (the name serde gives it; a test keeps the two in step).
    pub fn name(self) -> &'static str {
        match self {
            Endpoint::MtnPayment => "mtn_payment",
            Endpoint::MtnStatus => "mtn_status",
            Endpoint::MtnRefund => "mtn_refund",
            Endpoint::MtnDeposit => "mtn_deposit",
            Endpoint::MoovPayment => "moov_payment",
            Endpoint::MoovStatus => "moov_status",
            Endpoint::MoovDeposit => "moov_deposit",
            Endpoint::CeltiisPayment => "celtiis_payment",
            Endpoint::CeltiisStatus => "celtiis_status",
        }
    }

    /// Whether this endpoint starts a payment (a debit of the customer).
    pub fn is_payment(self) -> bool {
        self.operation() == Operation::Payment
    }

    pub(crate) fn operation(self) -> Operation {
        match self {
            Endpoint::MtnPayment | Endpoint::MoovPayment | Endpoint::CeltiisPayment => {
                Operation::Payment
            }
            Endpoint::MtnStatus | Endpoint::MoovStatus | Endpoint::CeltiisStatus => {
                Operation::Status
            }
            Endpoint::MtnRefund => Operation::Refund,
            Endpoint::MtnDeposit | Endpoint::MoovDeposit => Operation::Deposit,
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The error of parsing an [`Endpoint`] from a name that is not one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownEndpoint(pub String);

impl fmt::Display for UnknownEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown endpoint `{}` (expected one of: ", self.0)?;
        for (i, e) in Endpoint::ALL.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(e.name())?;
        }
        f.write_str(")")
    }
}

impl std::error::Error for UnknownEndpoint {}

impl FromStr for Endpoint {
    type Err = UnknownEndpoint;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        crate::names::parse(s).map_err(|_| UnknownEndpoint(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_names_round_trip() {
        for e in Endpoint::ALL {
            assert_eq!(Endpoint::from_path(e.path()), Some(e));
            assert_eq!(e.name().parse::<Endpoint>(), Ok(e));
        }
        assert_eq!(
            Endpoint::from_path("/QosicBridge/user/gettransactionstatusV2"),
            Some(Endpoint::MtnStatus)
        );
        assert_eq!(Endpoint::from_path("/QosicBridge/user/nope"), None);
        assert!("nope".parse::<Endpoint>().is_err());
    }

    #[test]
    fn serde_and_name_agree_and_all_is_in_declaration_order() {
        for (i, e) in Endpoint::ALL.into_iter().enumerate() {
            assert_eq!(serde_json::to_value(e).unwrap(), e.name());
            assert_eq!(e.index(), i);
        }
    }
}
