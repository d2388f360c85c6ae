//! The checkout's Prometheus metrics: [`Metrics`], served at `GET /metrics` ([`crate::ops`]).
//!
//! Through `prometheus-client`, the Prometheus project's Rust client (text exposition format
//! 1.0.0 / OpenMetrics). The counters count what this instance did since it started; the
//! gauges of orders and jobs are read from the database at each scrape, so they are the
//! same on every instance.
//!
//! | metric | type | what |
//! |---|---|---|
//! | `checkout_orders{state}` | gauge | orders in each state (every state listed) |
//! | `checkout_jobs{state}` | gauge | the queue: jobs `due` (waiting for a worker), `scheduled` (later) and `running` (taken by a worker) |
//! | `checkout_payment_requests_total` | counter | payment requests sent to QosIc |
//! | `checkout_status_checks_total` | counter | status checks sent to QosIc |
//! | `checkout_callbacks_total{outcome}` | counter | callbacks received: `verified` (a known order and its amount: its status is checked), `refused` (not a callback, no such order, another amount) |
//! | `checkout_time_to_settle_seconds` | histogram | from the order to its final state (confirmed or failed) |
//! | `checkout_connections_refused_total` | counter | connections refused past [`crate::Config::max_connections`] |
//! | `checkout_event_streams_refused_total` | counter | event streams refused past [`crate::Config::max_event_streams`] (their pages poll) |

use std::fmt;

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

/// Label sets: `[("state", "pending")]`, `[("outcome", "refused")]`.
type Labels = Vec<(&'static str, &'static str)>;

/// The checkout's metrics, shared by its engine, its web handlers and its server.
pub struct Metrics {
    registry: Registry,
    orders: Family<Labels, Gauge>,
    jobs: Family<Labels, Gauge>,
    /// Payment requests sent.
    pub payment_requests: Counter,
    /// Status checks sent.
    pub status_checks: Counter,
    callbacks: Family<Labels, Counter>,
    /// Seconds from the order to its final state.
    pub time_to_settle: Histogram,
    /// Connections refused past the cap.
    pub connections_refused: Counter,
    /// Event streams refused past the cap.
    pub event_streams_refused: Counter,
}

impl fmt::Debug for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Metrics")
            .field("payment_requests", &self.payment_requests.get())
            .field("status_checks", &self.status_checks.get())
            .finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// Every metric at zero, registered under the `checkout_` prefix.
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("checkout");
        let orders = Family::<Labels, Gauge>::default();
        let jobs = Family::<Labels, Gauge>::default();
        let payment_requests = Counter::default();
        let status_checks = Counter::default();
        let callbacks = Family::<Labels, Counter>::default();
        // 1 s to about 9 hours: a payment approved at once, or late through reconciliation.
        let time_to_settle = Histogram::new(exponential_buckets(1.0, 2.0, 16));
        let connections_refused = Counter::default();
        let event_streams_refused = Counter::default();
        registry.register("orders", "Orders in each state", orders.clone());
        registry.register(
            "jobs",
            "Jobs of the queue: due (waiting for a worker), scheduled (later), running",
            jobs.clone(),
        );
        registry.register(
            "payment_requests",
            "Payment requests sent to QosIc",
            payment_requests.clone(),
        );
        registry.register(
            "status_checks",
            "Status checks sent to QosIc",
            status_checks.clone(),
        );
        registry.register(
            "callbacks",
            "QosIc callbacks received: verified (known order and amount, checked) or refused",
            callbacks.clone(),
        );
        registry.register(
            "time_to_settle_seconds",
            "Seconds from the order to its final state",
            time_to_settle.clone(),
        );
        registry.register(
            "connections_refused",
            "Connections refused past the connection cap",
            connections_refused.clone(),
        );
        registry.register(
            "event_streams_refused",
            "Event streams refused past the cap (the page polls instead)",
            event_streams_refused.clone(),
        );
        for outcome in ["verified", "refused"] {
            let _ = callbacks.get_or_create(&vec![("outcome", outcome)]);
        }
        Metrics {
            registry,
            orders,
            jobs,
            payment_requests,
            status_checks,
            callbacks,
            time_to_settle,
            connections_refused,
            event_streams_refused,
        }
    }

    /// Counts a callback: `true` verified (known order and amount), `false` refused.
    pub fn callback(&self, verified: bool) {
        let outcome = if verified { "verified" } else { "refused" };
        self.callbacks
            .get_or_create(&vec![("outcome", outcome)])
            .inc();
    }

    /// Sets the gauge of orders in `state`.
    pub(crate) fn set_orders(&self, state: &'static str, count: i64) {
        self.orders
            .get_or_create(&vec![("state", state)])
            .set(count);
    }

    /// Sets the gauge of jobs in `state` (`due`, `scheduled`, `running`).
    pub(crate) fn set_jobs(&self, state: &'static str, count: i64) {
        self.jobs.get_or_create(&vec![("state", state)]).set(count);
    }

    /// The metrics in Prometheus's text format.
    pub fn render(&self) -> String {
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = encode(&mut text, &self.registry);
        text
    }
}
