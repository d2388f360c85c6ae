//! The endpoints the fake server speaks, with their paths (see `docs/WIRE.md`): one per
//! carrier and operation, from the carriers' table (`carriers.rs`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use qosic_core::{Carrier, Operation};

use crate::carriers::{table, Route};

/// One endpoint of the wire protocol, as the fake server routes it: a carrier and an
/// operation it offers.
///
/// Its name, in the admin API, in reports and for serde, `Display` and `FromStr`, is the
/// carrier's lowercase name and the operation's: `mtn_payment`, `moov_status`,
/// `tmoney_deposit`… [`Endpoint::all`] lists every endpoint served; an unknown name gets an
/// error listing the accepted ones. The Benin endpoints also have constants
/// ([`Endpoint::MtnPayment`]…).
///
/// ```
/// use qosic_mock::{Carrier, Endpoint, Operation};
/// let e = Endpoint::new(Carrier::Moov, Operation::Status).unwrap();
/// assert_eq!(e, Endpoint::MoovStatus);
/// assert_eq!(e.name(), "moov_status");
/// assert_eq!(e.path(), "/QosicBridge/user/gettransactionstatus2mv");
/// assert_eq!("moov_status".parse::<Endpoint>(), Ok(e));
/// assert_eq!(Endpoint::new(Carrier::Moov, Operation::Refund), None); // MOOV has no refund
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Endpoint {
    carrier: Carrier,
    operation: Operation,
}

#[allow(non_upper_case_globals)]
impl Endpoint {
    /// `POST /QosicBridge/user/requestpayment`: answers 202 PENDING.
    pub const MtnPayment: Endpoint = Endpoint::of(Carrier::Mtn, Operation::Payment);
    /// `POST /QosicBridge/user/gettransactionstatus` (also `gettransactionstatusV2`).
    pub const MtnStatus: Endpoint = Endpoint::of(Carrier::Mtn, Operation::Status);
    /// `POST /QosicBridge/user/refund`.
    pub const MtnRefund: Endpoint = Endpoint::of(Carrier::Mtn, Operation::Refund);
    /// `POST /QosicBridge/user/deposit`.
    pub const MtnDeposit: Endpoint = Endpoint::of(Carrier::Mtn, Operation::Deposit);
    /// `POST /QosicBridge/user/requestpaymentmv`: synchronous, answers 200 `"0"`.
    pub const MoovPayment: Endpoint = Endpoint::of(Carrier::Moov, Operation::Payment);
    /// `POST /QosicBridge/user/gettransactionstatus2mv`.
    pub const MoovStatus: Endpoint = Endpoint::of(Carrier::Moov, Operation::Status);
    /// `POST /QosicBridge/user/depositmv`.
    pub const MoovDeposit: Endpoint = Endpoint::of(Carrier::Moov, Operation::Deposit);
    /// `POST /QosicBridge/sb/v1/requestpayment`: answers 202 PENDING.
    pub const CeltiisPayment: Endpoint = Endpoint::of(Carrier::Celtiis, Operation::Payment);
    /// `POST /QosicBridge/sb/v1/gettransactionstatus`.
    pub const CeltiisStatus: Endpoint = Endpoint::of(Carrier::Celtiis, Operation::Status);
}

impl Endpoint {
    /// The nine Benin endpoints, in a stable order.
    #[deprecated(note = "Benin's only; use Endpoint::all(), which lists every endpoint served")]
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

    /// An endpoint of the table, unchecked: for the constants above.
    pub(crate) const fn of(carrier: Carrier, operation: Operation) -> Endpoint {
        Endpoint { carrier, operation }
    }

    /// `carrier`'s endpoint for `operation`, when the server serves one.
    pub fn new(carrier: Carrier, operation: Operation) -> Option<Endpoint> {
        let endpoint = Endpoint::of(carrier, operation);
        table().route(endpoint).map(|_| endpoint)
    }

    /// Every endpoint served, carrier by carrier (in the order of the carriers' crates), each
    /// carrier's in the order payment, status, refund, deposit.
    pub fn all() -> impl Iterator<Item = Endpoint> {
        table().routes.iter().map(|r| r.endpoint)
    }

    /// The path this endpoint is served on, e.g. `/QosicBridge/user/requestpayment`.
    pub fn path(self) -> &'static str {
        table().route(self).map_or("", |(_, r)| r.path)
    }

    /// The endpoint served on `path`, if any (query strings and a trailing slash are
    /// ignored; a carrier's alternate paths, such as MTN's `gettransactionstatusV2`, count).
    pub fn from_path(path: &str) -> Option<Endpoint> {
        routes_at(path).next().map(|r| r.endpoint)
    }

    /// The endpoint at `path` whose carrier `is_client` recognises by its client id, when
    /// several carriers share the path (T-Money on MTN's `user/` paths, as QosIc's docs name
    /// them); else the path's own carrier's, as [`Endpoint::from_path`].
    pub(crate) fn from_path_and_client(
        path: &str,
        is_client: impl Fn(Carrier) -> bool,
    ) -> Option<Endpoint> {
        let mut routes = routes_at(path).peekable();
        let own = routes.next()?.endpoint;
        // A path of one carrier (nearly all) costs no client id comparison.
        if routes.peek().is_none() || is_client(own.carrier) {
            return Some(own);
        }
        Some(
            routes
                .map(|r| r.endpoint)
                .find(|e| is_client(e.carrier))
                .unwrap_or(own),
        )
    }

    /// The carrier this endpoint belongs to (its client id is the one expected).
    pub fn carrier(self) -> Carrier {
        self.carrier
    }

    /// The operation it serves.
    pub fn operation(self) -> Operation {
        self.operation
    }

    /// The position of this endpoint in [`Endpoint::all`] (every value is served: they come
    /// from the table, or are its Benin constants).
    pub(crate) fn index(self) -> Option<usize> {
        table().route(self).map(|(i, _)| i)
    }

    /// The name used by the admin API and in reports, e.g. `mtn_payment`.
    pub fn name(self) -> &'static str {
        table().route(self).map_or("", |(_, r)| r.name.as_str())
    }

    /// Whether this endpoint starts a payment (a debit of the customer).
    pub fn is_payment(self) -> bool {
        self.operation == Operation::Payment
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Endpoint({})", self.name())
    }
}

/// The error of parsing an [`Endpoint`] from a name that is not one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownEndpoint(pub String);

impl fmt::Display for UnknownEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown endpoint `{}`, expected one of ", self.0)?;
        for (i, e) in Endpoint::all().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "`{}`", e.name())?;
        }
        Ok(())
    }
}

impl std::error::Error for UnknownEndpoint {}

impl FromStr for Endpoint {
    type Err = UnknownEndpoint;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        table()
            .route_named(s)
            .map(|r| r.endpoint)
            .ok_or_else(|| UnknownEndpoint(s.to_owned()))
    }
}

impl Serialize for Endpoint {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Endpoint {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

/// The routes served at `path` (its query, fragment and trailing slash ignored).
fn routes_at(path: &str) -> impl Iterator<Item = &'static Route> {
    let table = table();
    // No path served holds a `?` or `#` (a test in `carriers.rs` says so), so a path found
    // whole had nothing to cut: the byte search runs only for the others.
    let whole = path.strip_suffix('/').unwrap_or(path);
    let mut positions = table.positions_at(whole);
    if positions.is_empty() {
        positions = table.positions_at(bare_path(path));
    }
    positions.iter().filter_map(|&i| table.routes.get(i))
}

/// `path` without its query, fragment or trailing slash.
fn bare_path(path: &str) -> &str {
    // A byte search: `?` and `#` are ASCII, so the cut is on a character boundary.
    let end = path
        .bytes()
        .position(|b| b == b'?' || b == b'#')
        .unwrap_or(path.len());
    let path = &path[..end];
    path.strip_suffix('/').unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_names_round_trip() {
        // The balance path is shared (the client id says whose): it names its first carrier.
        for e in Endpoint::all().filter(|e| e.operation() != Operation::Balance) {
            assert_eq!(Endpoint::from_path(e.path()), Some(e));
            assert_eq!(Endpoint::from_path(&format!("{}/?x=1", e.path())), Some(e));
            for tail in ["/", "?", "#f", "?a/", "#/", "?#"] {
                assert_eq!(Endpoint::from_path(&format!("{}{tail}", e.path())), Some(e));
            }
            for tail in ["//", "x", "/x", "\u{e9}"] {
                assert_eq!(Endpoint::from_path(&format!("{}{tail}", e.path())), None);
            }
            assert_eq!(e.name().parse::<Endpoint>(), Ok(e));
            assert_eq!(Endpoint::new(e.carrier(), e.operation()), Some(e));
        }
        assert_eq!(
            Endpoint::from_path("/QosicBridge/user/gettransactionstatusV2"),
            Some(Endpoint::MtnStatus)
        );
        assert_eq!(Endpoint::from_path("/QosicBridge/user/nope"), None);
        let err = "nope".parse::<Endpoint>().unwrap_err().to_string();
        assert!(
            err.starts_with("unknown endpoint `nope`, expected one of `mtn_payment`, `mtn_status`"),
            "{err}"
        );
    }

    #[test]
    fn serde_and_name_agree_and_all_is_in_table_order() {
        for (i, e) in Endpoint::all().enumerate() {
            assert_eq!(serde_json::to_value(e).unwrap(), e.name());
            assert_eq!(
                serde_json::from_value::<Endpoint>(e.name().into()).unwrap(),
                e
            );
            assert_eq!(e.index(), Some(i));
        }
        #[allow(deprecated)]
        let benin = Endpoint::ALL;
        assert!(benin.iter().copied().eq(Endpoint::all().take(9)));
        assert_eq!(
            format!("{:?}", Endpoint::MtnPayment),
            "Endpoint(mtn_payment)"
        );
    }
}
