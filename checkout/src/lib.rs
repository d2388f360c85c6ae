//! The reference checkout on the QosIc SDK: a shop page that takes mobile-money payments without
//! blocking, follows each one live, survives crashes and restarts, and runs on several servers.
//!
//! ```text
//! cargo run --example checkout                                   # ./checkout.sqlite, embedded fake QosIc (test mode)
//! cargo run --example checkout -- --listen 127.0.0.1:0           # a free port
//! cargo run --example checkout -- --database postgres://u:p@127.0.0.1:5432/shop   # several servers
//! ```
//!
//! # Brief overview
//!
//! The Python SDK's guide tells merchants not to block their server while a customer approves
//! on their phone: use a task queue, and let the page poll or push the status. This crate is
//! that integration, built so that no payment is lost or taken twice:
//!
//! - **An outbox.** `POST /orders` stores the order, with the payment reference it will use,
//!   and its first job in one database transaction ([`store::Store::create_order`]), before
//!   the payment request leaves.
//! - **A durable queue from a maintained library.** Jobs live in the same database, in
//!   [apalis](https://docs.rs/apalis)'s tables (its SQLite backend by default, its Postgres
//!   backend for several servers). Status checks are scheduled jobs. A worker that dies
//!   mid-job stops sending heartbeats, and apalis hands its jobs to a live worker; a restart
//!   resumes every pending order. Jobs apalis gave up on (too many failed attempts, say while
//!   the database was unreachable) get their attempts back every 10 minutes, and finished
//!   jobs are deleted after an hour ([`jobs::spawn_pruner`]).
//! - **At most one payment request per order.** The worker marks the order `sending`
//!   (committed) before the request leaves; a job that finds an order already `sending` never
//!   sends again, it settles the order by status checks on the stored reference
//!   ([`jobs`]).
//! - **Each step once.** Every order carries a step number; a job names the step it drives,
//!   and the transaction that records a step's result also advances the step and queues the
//!   next job (with the step as its idempotency key). A job that runs again after a crash finds
//!   its step done and does nothing, so two servers never check the same payment twice.
//! - **Live status.** The order page follows the order over server-sent events
//!   ([`web`]): a reconnecting page gets the current state first. With Postgres, each
//!   transition is also announced with `NOTIFY`, so a page follows an order whatever instance
//!   settles it. `GET /orders/{id}/status` serves clients that poll instead.
//! - **For the operator.** One log line per transition (reference, masked phone, state), and
//!   `/admin` (behind `CHECKOUT_ADMIN_TOKEN`; off beyond loopback without it): the orders by
//!   state, date, reference or the phone's last digits, each with its transitions.
//! - **Reconciliation.** An order still pending or unknown when its window closes is checked
//!   again 1, 5, 15 and 60 minutes later, then hourly, for [`config::Config::reconcile_period`]
//!   (48 h), then goes to `needs_attention` ([`jobs::next_reconcile`]).
//! - **Cards too.** With a card key, "Pay by card" sends the customer to QosIc's card page
//!   and back; card orders go through the same queue, status checks and reconciliation
//!   ([`jobs::CARD`]).
//! - **Safe with real money.** The embedded fake QosIc only when no credential is set
//!   ([`cli::payments`]); one order per form (a one-time token); rate limits, same-origin
//!   `POST`s and a maximum amount ([`web`]).
//!
//! # Bounds
//!
//! Every wait has a timeout (a request's head and the request with its body, SDK calls,
//! database connections, jobs, event streams, a stop) and every buffer fed from the network is
//! capped: connections ([`config::Config::max_connections`]), request heads
//! ([`server::MAX_HEAD`]), form bodies ([`config::MAX_FORM_BYTES`]), event streams
//! ([`config::Config::max_event_streams`] at once, past which pages poll the JSON status, each
//! for at most [`config::Config::event_stream_lifetime`]), and the in-process event channel (a
//! page that falls behind re-reads the order instead of queueing). See [`server`].
//!
//! # Operations
//!
//! `/healthz`, `/readyz` and Prometheus metrics at `/metrics` ([`ops`], [`metrics`]). A stop
//! (SIGTERM) closes the listener, ends the event streams, hands the jobs the worker held back
//! to the queue ([`ops::hand_back`]) so that another instance or the restarted one takes them
//! at once, and lets requests in progress end within [`config::Config::stop_grace`]. At start,
//! orders an older version left still pending or unknown without a job get their
//! reconciliation job ([`ops::schedule_reconciliation`]).
//!
//! # Callbacks
//!
//! `POST /qosic/callback` ([`web`]) receives QosIc's callbacks. A callback settles nothing by
//! itself: it brings the order's status check forward ([`jobs::Engine::check_now`]), and only
//! QosIc's answer to that check changes the order. Early checks are bounded: one per order per
//! [`config::Config::min_early_check_interval`] on each instance, whatever the number of
//! callbacks, forged or repeated, and "check again" clicks.
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]

pub mod amount;
pub mod app;
pub mod assets;
mod card_web;
pub mod catalogue;
pub mod cli;
pub mod config;
pub mod events;
pub mod form;
pub mod hub;
pub mod i18n;
pub mod jobs;
mod limits;
pub mod links;
pub mod metrics;
pub mod ops;
mod page;
mod poll;
pub mod refund;
pub mod server;
pub mod shop;
pub mod store;
pub mod storefront;
mod tx;
pub mod web;
pub mod wording;

pub use app::{App, Running};
pub use config::Config;
pub use store::{Order, State};
