//! The carriers the fake server serves: one table, built once from the SDK's own carrier
//! descriptions ([`CarrierSpec`]) of every country (`qosic_carriers::specs()`, with all its
//! country features), so that a new carrier or country is served with no change here.
//!
//! From each spec the server takes the endpoints (and their names, `<carrier>_<operation>`),
//! how payments are answered (polled or synchronous), the status body (`specialfield1`), the
//! codes of a deposit done and of a declined payment, the pending message, whether answers
//! carry a `serviceref`, the client id's environment variable, and which numbers the
//! carrier serves (for [`crate::MockQosicBuilder::refuse_wrong_carrier`]).

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use qosic_core::carrier::CarrierSpec;
use qosic_core::{Carrier, Msisdn, Operation};
use serde::Serializer;

use crate::endpoint::Endpoint;

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
    /// body's `clientid`; the first is the path's own carrier. Sorted by length, then bytes:
    /// a lookup (once per request) is a binary search that mostly compares lengths, and
    /// one comparison of bytes, cheaper than hashing the path (the set is fixed at build).
    paths: Vec<(&'static str, Vec<usize>)>,
}

impl fmt::Debug for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.routes.iter().map(|r| &r.name))
            .finish()
    }
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
        paths: Vec::new(),
    };
    let mut paths: HashMap<&'static str, Vec<usize>> = HashMap::new();
    for spec in specs {
        if table
            .carriers
            .iter()
            .any(|c| c.spec.carrier() == spec.carrier())
        {
            continue;
        }
        let key = spec.name().to_ascii_lowercase();
        for operation in &OPERATIONS[..4] {
            push_route(&mut table, &mut paths, spec, &key, *operation);
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
            push_route(&mut table, &mut paths, spec, &key, *operation);
        }
    }
    table.paths = paths.into_iter().collect();
    table
        .paths
        .sort_unstable_by(|(a, _), (b, _)| by_length(a, b));
    table
}

/// Adds `spec`'s route of `operation`, if it offers it, and its paths.
fn push_route(
    table: &mut Table,
    paths: &mut HashMap<&'static str, Vec<usize>>,
    spec: &'static CarrierSpec,
    key: &str,
    operation: Operation,
) {
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
    paths.entry(path).or_default().push(index);
    for &(op, alternate) in spec.alternate_paths() {
        if op == operation {
            paths.entry(alternate).or_default().push(index);
        }
    }
}

/// `a == b`, first by the address of the names: a carrier's identity is a `&'static str`,
/// and the endpoints and client ids of a request come from the table's own, so equal
/// carriers nearly always share the address and need no comparison of bytes.
pub(crate) fn same_carrier(a: Carrier, b: Carrier) -> bool {
    std::ptr::eq(a.name(), b.name()) || a == b
}

/// The order of [`Table::paths`]: by length, then by bytes.
fn by_length(a: &str, b: &str) -> std::cmp::Ordering {
    a.len()
        .cmp(&b.len())
        .then_with(|| a.as_bytes().cmp(b.as_bytes()))
}

impl Table {
    /// The carrier served under this identity.
    pub(crate) fn carrier(&self, carrier: Carrier) -> Option<&Served> {
        self.carriers
            .iter()
            .find(|c| same_carrier(c.spec.carrier(), carrier))
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
        self.routes.iter().enumerate().find(|(_, r)| {
            r.endpoint.operation() == endpoint.operation()
                && same_carrier(r.endpoint.carrier(), endpoint.carrier())
        })
    }

    /// The route served at `path` (exactly, without query or trailing slash): its own
    /// carrier's, when several carriers share it.
    #[cfg(test)]
    pub(crate) fn route_at(&self, path: &str) -> Option<&Route> {
        self.routes_at(path).next()
    }

    /// Every route served at `path`: more than one when carriers share it.
    #[cfg(test)]
    pub(crate) fn routes_at(&self, path: &str) -> impl Iterator<Item = &Route> {
        self.positions_at(path)
            .iter()
            .filter_map(|&i| self.routes.get(i))
    }

    /// The positions of the routes served at `path` (empty when none is).
    pub(crate) fn positions_at(&self, path: &str) -> &[usize] {
        self.paths
            .binary_search_by(|(p, _)| by_length(p, path))
            .ok()
            .and_then(|i| self.paths.get(i))
            .map_or(&[], |(_, routes)| routes.as_slice())
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
pub(crate) fn serialize_carrier<S: Serializer>(
    carrier: &Carrier,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_str(&Lowercase(carrier.name()))
}

struct Lowercase(&'static str);

impl fmt::Display for Lowercase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            fmt::Write::write_char(f, c.to_ascii_lowercase())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_two_carriers_share_a_path_of_their_own_or_a_name() {
        let table = table();
        let mut paths = std::collections::HashSet::new();
        for carrier in &table.carriers {
            let spec = carrier.spec;
            // The balance path is one for every carrier: the client id says whose.
            for operation in &OPERATIONS[..5] {
                if let Some(path) = spec.path(*operation) {
                    assert!(paths.insert(path), "{path} is served twice");
                }
            }
            // `endpoint::routes_at` looks a request's path up whole before cutting it.
            let alternates = spec.alternate_paths().iter().map(|&(_, path)| path);
            for path in OPERATIONS
                .iter()
                .filter_map(|&op| spec.path(op))
                .chain(alternates)
            {
                assert!(!path.contains(['?', '#']) && !path.ends_with('/'), "{path}");
            }
        }
        let mut names = std::collections::HashSet::new();
        for route in &table.routes {
            assert!(names.insert(route.name.as_str()), "{}", route.name);
        }
    }

    #[test]
    fn a_shared_path_lists_its_own_carrier_first() {
        let table = table();
        let at = |path| -> Vec<&str> { table.routes_at(path).map(|r| r.name.as_str()).collect() };
        assert_eq!(
            at("/QosicBridge/user/requestpayment"),
            ["mtn_payment", "tmoney_payment"]
        );
        assert_eq!(
            at("/QosicBridge/user/gettransactionstatus"),
            ["mtn_status", "tmoney_status"]
        );
        assert_eq!(at("/QosicBridge/tm/v1/requestpayment"), ["tmoney_payment"]);
        assert_eq!(
            table
                .route_at("/QosicBridge/user/deposit")
                .map(|r| r.name.as_str()),
            Some("mtn_deposit")
        );
    }

    #[test]
    fn the_benin_table_is_the_one_served_before() {
        let names: Vec<&str> = table()
            .routes
            .iter()
            .take(9)
            .map(|r| r.name.as_str())
            .collect();
        assert_eq!(
            names,
            [
                "mtn_payment",
                "mtn_status",
                "mtn_refund",
                "mtn_deposit",
                "moov_payment",
                "moov_status",
                "moov_deposit",
                "celtiis_payment",
                "celtiis_status"
            ]
        );
        assert_eq!(
            table()
                .carrier(Carrier::Moov)
                .map(|c| c.default_client_id.as_str()),
            Some("MOOV_CLIENT")
        );
    }
}
