//! The endpoints the fake server speaks (see `docs/WIRE.md`): one per carrier and operation,
//! from one table built from the SDK's own carrier descriptions ([`CarrierSpec`]) of every
//! country (`qosic_carriers::specs()`), so that a new carrier is served with no change here.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use qosic_core::carrier::CarrierSpec;
use qosic_core::Msisdn;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use qosic_core::{Carrier, Operation};

/// One endpoint of the wire protocol, as the fake server routes it: a carrier and an
/// operation it offers.
///
/// Named (admin API, serde, `Display`, `FromStr`) by carrier and operation: `mtn_payment`,
/// `tmoney_deposit`…; [`Endpoint::all`] lists them, and Benin's have constants.
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
        let mut routes = routes_at(path).map(|r| r.endpoint);
        let own = routes.next()?;
        if is_client(own.carrier) {
            return Some(own);
        }
        Some(routes.find(|e| is_client(e.carrier)).unwrap_or(own))
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
        let names: Vec<String> = Endpoint::all().map(|e| format!("`{e}`")).collect();
        let (name, names) = (&self.0, names.join(", "));
        write!(f, "unknown endpoint `{name}`, expected one of {names}")
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
    let path = path.split(['?', '#']).next().unwrap_or(path);
    table().routes_at(path.strip_suffix('/').unwrap_or(path))
}

/// The operations in the order endpoints are listed.
pub(crate) const OPERATIONS: [Operation; 6] = [
    Operation::Payment,
    Operation::Status,
    Operation::Refund,
    Operation::Deposit,
    Operation::AccountHolder,
    Operation::Balance,
];

/// One carrier served.
pub(crate) struct Served {
    pub(crate) spec: &'static CarrierSpec,
    /// The lowercase name of the admin API and the command line: `mtn`.
    pub(crate) key: String,
    /// `<NAME>_CLIENT`, e.g. `MTN_CLIENT`.
    pub(crate) default_client_id: String,
}

/// One endpoint served.
pub(crate) struct Route {
    pub(crate) endpoint: Endpoint,
    pub(crate) path: &'static str,
    /// `<carrier>_<operation>`, e.g. `mtn_payment`.
    pub(crate) name: String,
}

/// Every carrier and endpoint served.
pub(crate) struct Table {
    pub(crate) carriers: Vec<Served>,
    pub(crate) routes: Vec<Route>,
    /// Every path served (alternate paths too), with the positions of its routes: one, or
    /// several when carriers share a path (T-Money on MTN's `user/` paths), told apart by the
    /// body's `clientid`; the first is the path's own carrier.
    paths: HashMap<&'static str, Vec<usize>>,
}

/// The table, built at first use.
pub(crate) fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| build(qosic_carriers::specs()))
}

fn build(specs: impl Iterator<Item = &'static CarrierSpec>) -> Table {
    let mut table = Table {
        carriers: Vec::new(),
        routes: Vec::new(),
        paths: HashMap::new(),
    };
    for spec in specs {
        if table.carrier(spec.carrier()).is_some() {
            continue;
        }
        let key = spec.name().to_ascii_lowercase();
        for operation in &OPERATIONS[..4] {
            push_route(&mut table, spec, &key, *operation);
        }
        table.carriers.push(Served {
            spec,
            default_client_id: format!("{}_CLIENT", spec.name()),
            key,
        });
    }
    // The lookups come after every carrier's money operations, so that the first routes
    // (and the endpoints' positions) stay those served before them.
    for i in 0..table.carriers.len() {
        let (spec, key) = (table.carriers[i].spec, table.carriers[i].key.clone());
        for operation in &OPERATIONS[4..] {
            push_route(&mut table, spec, &key, *operation);
        }
    }
    table
}

/// Adds `spec`'s route of `operation`, if it offers it, and its paths.
fn push_route(table: &mut Table, spec: &'static CarrierSpec, key: &str, operation: Operation) {
    let Some(path) = spec.path(operation) else {
        return;
    };
    let index = table.routes.len();
    table.routes.push(Route {
        endpoint: Endpoint::of(spec.carrier(), operation),
        path,
        name: format!("{key}_{operation}"),
    });
    // A path already served keeps its first carrier first.
    table.paths.entry(path).or_default().push(index);
    for &(op, alternate) in spec.alternate_paths() {
        if op == operation {
            table.paths.entry(alternate).or_default().push(index);
        }
    }
}

impl Table {
    /// The carrier served under this identity.
    pub(crate) fn carrier(&self, carrier: Carrier) -> Option<&Served> {
        self.carriers.iter().find(|c| c.spec.carrier() == carrier)
    }

    /// The carrier whose name or lowercase key is `name` (any case).
    pub(crate) fn carrier_named(&self, name: &str) -> Option<&Served> {
        self.carriers
            .iter()
            .find(|c| c.spec.carrier().is_named(name))
    }

    /// The names of the carriers, lowercase, for error messages: `mtn, moov, celtiis`.
    pub(crate) fn carrier_keys(&self) -> String {
        let keys: Vec<&str> = self.carriers.iter().map(|c| c.key.as_str()).collect();
        keys.join(", ")
    }

    /// The route of `endpoint`, and its position.
    pub(crate) fn route(&self, endpoint: Endpoint) -> Option<(usize, &Route)> {
        self.routes
            .iter()
            .enumerate()
            .find(|(_, r)| r.endpoint == endpoint)
    }

    /// Every route served at `path`: more than one when carriers share it.
    pub(crate) fn routes_at(&self, path: &str) -> impl Iterator<Item = &Route> {
        let positions = self.paths.get(path).map_or(&[][..], Vec::as_slice);
        positions.iter().filter_map(|&i| self.routes.get(i))
    }

    /// The route named `name` (`mtn_payment`).
    pub(crate) fn route_named(&self, name: &str) -> Option<&Route> {
        self.routes.iter().find(|r| r.name == name)
    }

    /// The carrier whose numbers include `phone`, by its prefixes: the first in the table.
    pub(crate) fn carrier_of(&self, phone: &Msisdn) -> Option<Carrier> {
        self.carriers
            .iter()
            .find(|c| c.spec.serves(phone))
            .map(|c| c.spec.carrier())
    }
}

/// Serializes a carrier by its lowercase key (`mtn`), as the admin API names it.
pub(crate) fn serialize_carrier<S: Serializer>(carrier: &Carrier, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&carrier.name().to_ascii_lowercase())
}
