//! The server's state and the wire handler shared by the HTTP server, the in-process
//! transport and the admin API: transactions, ledger, subscribers, faults, journal.
//!
//! Every collection fed by requests has a cap: the journal ([`Journal`]), the transactions
//! and the payment-request counts ([`Limits::max_transactions`]), and the subscribers,
//! faults and expectations the admin API programs.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use qosic_core::carrier::{CarrierSpec, Flow, StatusRequest};
use qosic_core::{Credentials, Msisdn, Operation};
use serde::Serialize;
use serde_json::{json, Value};
use tokio::time::Instant;

use crate::callback::{CallbackConfig, Callbacks, Ended};
use crate::carriers::{self, table};
use crate::endpoint::{Carrier, Endpoint};
use crate::fault::{Fault, FaultKind, FaultPlan, PlannedRequest};
use crate::journal::{self, Entry, Journal, NewEntry, RecordedRequest};
use crate::numbering::{self, PhoneForms};
use crate::subscriber::{Outcome, Subscriber, When};
use crate::wire::{Body, Field, Parsed};

/// The prefix of the admin API.
pub(crate) const ADMIN_PREFIX: &str = "/__admin/";

/// The most subscribers the admin API may program at once.
pub(crate) const MAX_SUBSCRIBERS: usize = 100_000;

/// The most faults, and the most expectations, programmed at once.
pub(crate) const MAX_FAULTS: usize = 1024;

/// The longest `transref` the server accepts (and counts payment requests by).
pub(crate) const MAX_TRANSREF: usize = 64;

/// Caps and timeouts, from the builder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    /// Requests the journal keeps.
    pub(crate) journal_capacity: usize,
    /// Transactions kept, and references whose payment requests are counted.
    pub(crate) max_transactions: usize,
    /// The largest request body read, in bytes.
    pub(crate) max_body: usize,
    /// From the first byte of a request to the end of its headers.
    pub(crate) header_timeout: Duration,
    /// From the end of the headers to the end of the body.
    pub(crate) body_timeout: Duration,
    /// How long a connection may wait for a request (or leave an answer unread).
    pub(crate) idle_timeout: Duration,
    /// Connections served at once.
    pub(crate) max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            journal_capacity: crate::DEFAULT_JOURNAL_CAPACITY,
            max_transactions: crate::DEFAULT_MAX_TRANSACTIONS,
            max_body: crate::DEFAULT_MAX_BODY,
            header_timeout: crate::DEFAULT_HEADER_TIMEOUT,
            body_timeout: crate::DEFAULT_BODY_TIMEOUT,
            idle_timeout: crate::DEFAULT_IDLE_TIMEOUT,
            max_connections: crate::DEFAULT_MAX_CONNECTIONS,
        }
    }
}

/// Who may use the admin API.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum AdminAccess {
    /// Anyone who reaches the server (the default: it listens on loopback).
    Open,
    /// Requests with `Authorization: Bearer <token>`.
    Token(String),
    /// Nobody: `/__admin/` answers 404.
    Disabled,
}

impl fmt::Debug for AdminAccess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AdminAccess::Open => "Open",
            AdminAccess::Token(_) => "Token([REDACTED])",
            AdminAccess::Disabled => "Disabled",
        })
    }
}

/// The server's fixed settings.
#[derive(Clone)]
pub(crate) struct Config {
    pub(crate) login: String,
    pub(crate) password: String,
    pub(crate) client_ids: ClientIds,
    pub(crate) phone_forms: PhoneForms,
    pub(crate) refuse_wrong_carrier: bool,
    pub(crate) limits: Limits,
    pub(crate) admin: AdminAccess,
    pub(crate) callbacks: CallbackConfig,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("login", &self.login)
            .field("password", &"[REDACTED]")
            .field("client_ids", &self.client_ids)
            .field("phone_forms", &self.phone_forms)
            .field("refuse_wrong_carrier", &self.refuse_wrong_carrier)
            .field("limits", &self.limits)
            .field("admin", &self.admin)
            .field("callbacks", &self.callbacks)
            .finish()
    }
}

/// The client id each carrier's endpoints expect, by carrier, in the carriers' order.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct ClientIds(Vec<(Carrier, String)>);

impl Default for ClientIds {
    /// Every carrier served, with its default client id (`<NAME>_CLIENT`).
    fn default() -> Self {
        ClientIds(
            table()
                .carriers
                .iter()
                .map(|c| (c.spec.carrier(), c.default_client_id.clone()))
                .collect(),
        )
    }
}

impl ClientIds {
    /// The client id of `carrier`, if the server serves it.
    pub(crate) fn get(&self, carrier: Carrier) -> Option<&str> {
        self.0
            .iter()
            .find(|(c, _)| crate::carriers::same_carrier(*c, carrier))
            .map(|(_, id)| id.as_str())
    }

    /// Sets the client id of `carrier`; `false` when the server does not serve it.
    pub(crate) fn set(&mut self, carrier: Carrier, id: String) -> bool {
        match self.0.iter_mut().find(|(c, _)| *c == carrier) {
            Some((_, slot)) => {
                *slot = id;
                true
            }
            None => false,
        }
    }

    /// Every carrier and its client id.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (Carrier, &str)> {
        self.0.iter().map(|(c, id)| (*c, id.as_str()))
    }
}

impl fmt::Debug for ClientIds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.0.iter().map(|(c, id)| (c.name(), id)))
            .finish()
    }
}

/// The description of the carrier behind `endpoint`.
fn spec(endpoint: Endpoint) -> Option<&'static CarrierSpec> {
    table().carrier(endpoint.carrier()).map(|c| c.spec)
}

/// Whether a transaction is a payment (customer debited) or a deposit (customer credited).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TransactionKind {
    /// A collection: the customer pays the merchant.
    Payment,
    /// A payout: the merchant pays the customer.
    Deposit,
}

/// Where a transaction stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TransactionState {
    /// Waiting for the customer (status answers `01`).
    Pending,
    /// Approved and processed: the money moved (status answers `00`).
    Confirmed,
    /// Declined by the customer (status answers `-1`).
    Declined,
    /// Refused for insufficient funds (status answers `529`).
    InsufficientFunds,
    /// Confirmed and then refunded (status still answers `00`).
    Refunded,
}

impl TransactionState {
    /// Whether the customer was debited (and not refunded): `Confirmed`.
    pub fn is_confirmed(self) -> bool {
        self == TransactionState::Confirmed
    }
}

/// A snapshot of one transaction, as the server knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct TransactionView {
    /// The merchant's reference (`transref`).
    pub reference: String,
    /// The carrier whose endpoint received it (lowercase in JSON: `mtn`).
    #[serde(serialize_with = "carriers::serialize_carrier")]
    pub carrier: Carrier,
    /// Payment or deposit.
    pub kind: TransactionKind,
    /// The `msisdn` as it was sent.
    pub msisdn: String,
    /// The amount, in whole XOF.
    pub amount: u64,
    /// Where it stands now.
    pub state: TransactionState,
    /// How many status requests asked about it.
    pub status_checks: u32,
    /// The reference QosIc gave it (`serviceref`).
    pub service_ref: String,
}

/// Money that moved through the fake server, in whole XOF.
///
/// Read it with [`crate::MockQosic::ledger`] (or `GET /__admin/ledger`). A plain struct, so
/// a test can compare it whole:
///
/// ```
/// use qosic_mock::{Ledger, MockQosic};
/// let mock = MockQosic::in_process();
/// assert_eq!(mock.ledger(), Ledger { collected: 0, ..Ledger::default() });
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Ledger {
    /// Sum of confirmed payments, including those refunded later.
    pub collected: u64,
    /// Sum of refunded payments.
    pub refunded: u64,
    /// Sum of deposits (payouts to customers).
    pub paid_out: u64,
    /// Sum of payments still pending.
    pub pending: u64,
}

impl Ledger {
    /// What the merchant keeps: collected - refunded - paid out (may be negative).
    pub fn net(&self) -> i128 {
        i128::from(self.collected) - i128::from(self.refunded) - i128::from(self.paid_out)
    }
}

/// Transactions copied out of the state, to be turned into views without the lock.
pub(crate) struct TransactionsSnapshot(Vec<Transaction>);

impl TransactionsSnapshot {
    /// The views, oldest first.
    pub(crate) fn views(mut self) -> Vec<TransactionView> {
        self.0.sort_unstable_by_key(|tx| tx.service_ref);
        self.0.iter().map(Transaction::view).collect()
    }
}

/// A transaction as kept: one allocation (the reference, shared with the tables' keys) and
/// numbers as numbers, about a quarter of the memory of a [`TransactionView`].
#[derive(Clone)]
struct Transaction {
    reference: Arc<str>,
    carrier: Carrier,
    kind: TransactionKind,
    state: TransactionState,
    status_checks: u32,
    /// The `msisdn` as sent: digits only, `228` or `229` first, so a number keeps it exactly.
    msisdn: u64,
    amount: u64,
    service_ref: u64,
    behaviour: Subscriber,
    created_at: Instant,
}

impl Transaction {
    fn view(&self) -> TransactionView {
        TransactionView {
            reference: self.reference.to_string(),
            carrier: self.carrier,
            kind: self.kind,
            msisdn: self.msisdn.to_string(),
            amount: self.amount,
            state: self.state,
            status_checks: self.status_checks,
            service_ref: self.service_ref.to_string(),
        }
    }

    /// Applies an outcome that time has made known.
    fn settle(&mut self, now: Instant) {
        if self.state != TransactionState::Pending {
            return;
        }
        if let When::After(delay) = self.behaviour.when {
            if now.saturating_duration_since(self.created_at) >= delay {
                self.resolve();
            }
        }
    }

    fn resolve(&mut self) {
        self.state = match self.behaviour.outcome {
            Outcome::Approve => TransactionState::Confirmed,
            Outcome::Decline => TransactionState::Declined,
            Outcome::InsufficientFunds => TransactionState::InsufficientFunds,
            Outcome::NoAccount | Outcome::NeverAnswer | Outcome::ServerError => {
                TransactionState::Pending
            }
        };
    }
}

#[derive(Debug)]
struct FaultSlot {
    fault: Fault,
    used: usize,
}

#[derive(Debug, Clone)]
struct Expectation {
    endpoint: Endpoint,
    count: usize,
}

/// The counts verification needs, kept apart from the journal so that they stay exact
/// however many journal entries were dropped.
#[derive(Debug)]
struct Tally {
    /// Requests received per endpoint, indexed like [`Endpoint::all`].
    per_endpoint: Vec<u64>,
    /// Payment requests with accepted credentials, by `transref` (the key is shared with
    /// the transaction's).
    payment_requests: HashMap<Arc<str>, u32>,
}

impl Default for Tally {
    fn default() -> Self {
        Tally {
            per_endpoint: vec![0; table().routes.len()],
            payment_requests: HashMap::new(),
        }
    }
}

impl Tally {
    fn endpoint(&self, endpoint: Endpoint) -> u64 {
        endpoint
            .index()
            .and_then(|i| self.per_endpoint.get(i))
            .copied()
            .unwrap_or(0)
    }
}

struct State {
    transactions: HashMap<Arc<str>, Transaction>,
    subscribers: HashMap<String, Subscriber>,
    faults: Vec<FaultSlot>,
    journal: Journal,
    tally: Tally,
    expectations: Vec<Expectation>,
    next_service_ref: u64,
}

impl State {
    fn new(limits: &Limits, next_service_ref: u64) -> State {
        State {
            transactions: HashMap::new(),
            subscribers: HashMap::new(),
            faults: Vec::new(),
            journal: Journal::new(limits.journal_capacity),
            tally: Tally::default(),
            expectations: Vec::new(),
            next_service_ref,
        }
    }
}

/// Why a request's body was not read whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyProblem {
    /// Longer than [`Limits::max_body`]: answered 413.
    TooLarge,
    /// Not received within [`Limits::body_timeout`]: answered 408.
    TimedOut,
    /// The server already holds as many request bodies as it allows at once: answered 503.
    Busy,
}

/// A request, whatever way it came in.
#[derive(Debug)]
pub(crate) struct Incoming<'a> {
    pub(crate) method: &'a str,
    pub(crate) path: &'a str,
    /// The query string, without `?`.
    pub(crate) query: Option<&'a str>,
    pub(crate) authorization: Option<&'a str>,
    /// The `Content-Type` header, if any.
    pub(crate) content_type: Option<&'a str>,
    /// Whether the request carries the [`crate::ADMIN_HEADER`] header.
    pub(crate) admin_header: bool,
    pub(crate) body: &'a [u8],
    /// Why `body` is not the whole body, if it is not.
    pub(crate) problem: Option<BodyProblem>,
}

/// An answer to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) content_type: &'static str,
    pub(crate) body: Vec<u8>,
    /// How long the server takes before answering.
    pub(crate) delay: Duration,
}

impl Reply {
    pub(crate) fn json(status: u16, body: &Value) -> Reply {
        Reply::json_bytes(status, body.to_string().into_bytes())
    }

    pub(crate) fn json_bytes(status: u16, body: Vec<u8>) -> Reply {
        Reply {
            status,
            content_type: "application/json",
            body,
            delay: Duration::ZERO,
        }
    }

    fn text(status: u16, body: &str) -> Reply {
        Reply {
            status,
            content_type: "text/plain; charset=utf-8",
            body: body.as_bytes().to_vec(),
            delay: Duration::ZERO,
        }
    }
}

/// Work that builds a large answer, run away from the server's event loop.
pub(crate) type Render = Box<dyn FnOnce() -> Reply + Send>;

/// What the front end (HTTP or in-process) must do.
pub(crate) enum Action {
    /// Wait `reply.delay`, then send `reply`.
    Respond(Reply),
    /// Wait `delay`, then close the connection without an answer.
    Drop { delay: Duration },
    /// Build the answer on a blocking thread (the HTTP server) or at once (in-process):
    /// large admin answers, so that serializing them stalls no other request.
    Render(Render),
}

impl fmt::Debug for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Respond(reply) => f.debug_tuple("Respond").field(reply).finish(),
            Action::Drop { delay } => f.debug_struct("Drop").field("delay", delay).finish(),
            Action::Render(_) => f.write_str("Render(..)"),
        }
    }
}

/// What the journal and the counters say, for `GET /__admin/health`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct JournalStats {
    pub(crate) received: u64,
    pub(crate) entries: usize,
    pub(crate) capacity: usize,
    pub(crate) dropped: u64,
}

/// State plus configuration, shared by every way in.
pub(crate) struct Shared {
    pub(crate) config: Config,
    /// The `Authorization` value the server accepts, computed once.
    expected_authorization: String,
    state: Mutex<State>,
    /// The fault plan, if any: kept apart from the state, so that it runs without the
    /// state's lock (it may read the mock).
    plan: Mutex<Option<FaultPlan>>,
    /// Connections accepted since the start.
    pub(crate) connections: AtomicUsize,
    /// Connections open now.
    pub(crate) open_connections: AtomicUsize,
    /// Connections refused because [`Limits::max_connections`] were open.
    pub(crate) refused_connections: AtomicUsize,
    /// Bytes of request bodies held by the HTTP server right now.
    pub(crate) body_bytes: AtomicUsize,
    /// The callback sender.
    pub(crate) callbacks: Callbacks,
    /// Programmed account holders (`holder.rs`).
    pub(crate) holders: crate::holder::Holders,
    /// Card payments and their settings (`card.rs`).
    pub(crate) cards: crate::card::Cards,
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shared")
            .field("config", &self.config)
            .field("connections", &self.connections.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl Shared {
    pub(crate) fn new(config: Config) -> Shared {
        let expected_authorization =
            Credentials::new(config.login.clone(), config.password.clone())
                .authorization()
                .expose()
                .to_owned();
        let callbacks = Callbacks::new(&config.callbacks, config.limits.journal_capacity);
        Shared {
            state: Mutex::new(State::new(&config.limits, 10_000_001)),
            plan: Mutex::new(None),
            config,
            expected_authorization,
            connections: AtomicUsize::new(0),
            open_connections: AtomicUsize::new(0),
            refused_connections: AtomicUsize::new(0),
            body_bytes: AtomicUsize::new(0),
            callbacks,
            holders: Default::default(),
            cards: Default::default(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the state half-updated in a way that
        // matters to a test double; keep serving rather than poisoning every later request.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    // ----- Programming and reading, used by MockQosic and the admin API -----

    pub(crate) fn program_subscriber(
        &self,
        phone: &str,
        subscriber: Subscriber,
    ) -> Result<(), String> {
        let phone = numbering::parse_lenient(phone)?;
        let mut state = self.lock();
        let key = numbering::key(&phone);
        if state.subscribers.len() >= MAX_SUBSCRIBERS && !state.subscribers.contains_key(&key) {
            return Err(format!(
                "at most {MAX_SUBSCRIBERS} subscribers can be programmed at once; forget them with DELETE /__admin/subscribers"
            ));
        }
        state.subscribers.insert(key, subscriber);
        Ok(())
    }

    pub(crate) fn clear_subscribers(&self) {
        self.lock().subscribers = HashMap::new();
    }

    pub(crate) fn add_fault(&self, fault: Fault) -> Result<(), String> {
        fault.check()?;
        let mut state = self.lock();
        if state.faults.len() >= MAX_FAULTS {
            return Err(format!(
                "at most {MAX_FAULTS} faults can be programmed at once; remove them with DELETE /__admin/faults"
            ));
        }
        state.faults.push(FaultSlot { fault, used: 0 });
        Ok(())
    }

    pub(crate) fn clear_faults(&self) {
        self.lock().faults = Vec::new();
        *self.plan_slot() = None;
    }

    pub(crate) fn set_plan(&self, plan: FaultPlan) {
        *self.plan_slot() = Some(plan);
    }

    fn plan_slot(&self) -> MutexGuard<'_, Option<FaultPlan>> {
        self.plan
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// What the fault plan, if any, decides for this request; run without any lock held.
    fn planned_fault(&self, endpoint: Option<Endpoint>, transref: Option<&str>) -> Option<Fault> {
        let endpoint = endpoint?;
        let plan = self.plan_slot().clone()?;
        plan.decide(&PlannedRequest { endpoint, transref })
    }

    pub(crate) fn expect(&self, endpoint: Endpoint, count: usize) -> Result<(), String> {
        let mut state = self.lock();
        if state.expectations.len() >= MAX_FAULTS {
            return Err(format!(
                "at most {MAX_FAULTS} expectations can be set at once; reset the server to forget them"
            ));
        }
        state.expectations.push(Expectation { endpoint, count });
        Ok(())
    }

    /// Forgets everything but the settings, giving the memory back: every collection is
    /// replaced, not cleared (a cleared collection keeps its capacity).
    pub(crate) fn reset(&self) {
        let mut state = self.lock();
        let fresh = State::new(&self.config.limits, state.next_service_ref);
        let old = std::mem::replace(&mut *state, fresh);
        drop(state);
        *self.plan_slot() = None;
        // Free the old state after the lock is released.
        drop(old);
        self.callbacks.reset();
        self.holders.clear();
        self.cards.clear();
    }

    pub(crate) fn journal(&self) -> Vec<RecordedRequest> {
        let entries = self.journal_snapshot(0, usize::MAX);
        entries.iter().map(|e| e.to_recorded()).collect()
    }

    /// The journal's requests to `endpoint`, oldest first.
    pub(crate) fn journal_of(&self, endpoint: Endpoint) -> Vec<RecordedRequest> {
        let entries = self.journal_snapshot(0, usize::MAX);
        entries
            .iter()
            .filter(|e| e.endpoint() == Some(endpoint))
            .map(|e| e.to_recorded())
            .collect()
    }

    pub(crate) fn journal_snapshot(&self, since: u64, limit: usize) -> Vec<Arc<Entry>> {
        self.lock().journal.snapshot(since, limit)
    }

    pub(crate) fn journal_stats(&self) -> JournalStats {
        let state = self.lock();
        JournalStats {
            received: state.journal.received(),
            entries: state.journal.len(),
            capacity: state.journal.capacity(),
            dropped: state.journal.dropped(),
        }
    }

    /// Requests received by `endpoint` since the start or the last reset (exact, whatever
    /// the journal dropped).
    pub(crate) fn requests_received(&self, endpoint: Endpoint) -> u64 {
        self.lock().tally.endpoint(endpoint)
    }

    /// Payment requests with accepted credentials that carried `reference`.
    pub(crate) fn payment_requests(&self, reference: &str) -> usize {
        self.lock()
            .tally
            .payment_requests
            .get(reference)
            .map_or(0, |&n| n as usize)
    }

    pub(crate) fn transaction(&self, reference: &str) -> Option<TransactionView> {
        let now = Instant::now();
        let mut state = self.lock();
        let tx = state.transactions.get_mut(reference)?;
        tx.settle(now);
        Some(tx.view())
    }

    /// Every transaction, oldest first (service references are given in order).
    pub(crate) fn transactions(&self) -> Vec<TransactionView> {
        self.transactions_snapshot().views()
    }

    /// Every transaction as it stands, copied under the lock (reference counts and numbers,
    /// no text), so that the views can be built after the lock is released.
    pub(crate) fn transactions_snapshot(&self) -> TransactionsSnapshot {
        let now = Instant::now();
        let mut state = self.lock();
        TransactionsSnapshot(
            state
                .transactions
                .values_mut()
                .map(|tx| {
                    tx.settle(now);
                    tx.clone()
                })
                .collect(),
        )
    }

    pub(crate) fn ledger(&self) -> Ledger {
        let now = Instant::now();
        let mut state = self.lock();
        let mut ledger = Ledger::default();
        for tx in state.transactions.values_mut() {
            tx.settle(now);
            let amount = tx.amount;
            match (tx.kind, tx.state) {
                (TransactionKind::Deposit, TransactionState::Confirmed) => {
                    ledger.paid_out = ledger.paid_out.saturating_add(amount);
                }
                (TransactionKind::Payment, TransactionState::Confirmed) => {
                    ledger.collected = ledger.collected.saturating_add(amount);
                }
                (TransactionKind::Payment, TransactionState::Refunded) => {
                    ledger.collected = ledger.collected.saturating_add(amount);
                    ledger.refunded = ledger.refunded.saturating_add(amount);
                }
                (TransactionKind::Payment, TransactionState::Pending) => {
                    ledger.pending = ledger.pending.saturating_add(amount);
                }
                _ => {}
            }
        }
        ledger
    }

    /// Unmet expectations, as a readable report (`None` when all are met).
    pub(crate) fn verification_report(&self) -> Option<String> {
        let state = self.lock();
        let mut failures = Vec::new();
        for e in &state.expectations {
            let got = state.tally.endpoint(e.endpoint);
            if got != e.count as u64 {
                failures.push(format!(
                    "- {}: expected {} request(s), received {got}",
                    e.endpoint, e.count
                ));
            }
        }
        if failures.is_empty() {
            return None;
        }
        Some(format!(
            "qosic-mock: expectations not met:\n{}\n{}",
            failures.join("\n"),
            journal::report(&state.journal)
        ))
    }

    pub(crate) fn journal_report(&self) -> String {
        journal::report(&self.lock().journal)
    }

    // ----- The wire protocol -----

    /// Handles one request. Never panics, whatever the request.
    pub(crate) fn handle(&self, req: &Incoming<'_>) -> Action {
        if req.path.starts_with(ADMIN_PREFIX) || req.path == "/__admin" {
            return crate::admin::handle(self, req);
        }
        if let Some(action) = crate::card::handle(self, req) {
            return action;
        }
        let auth_accepted = self.auth_ok(req.authorization);
        // Only bodies sent with the right credentials are read as JSON: nothing reads the
        // others, and the journal does not keep them.
        let parsed = if auth_accepted && req.problem.is_none() {
            Parsed::read(req.body)
        } else {
            Parsed::Invalid
        };
        // A path several carriers share (T-Money on MTN's `user/` paths) goes to the carrier
        // whose client id the body names.
        let endpoint = match &parsed {
            Parsed::Object(body) => match body.clientid.string("clientid") {
                Ok(id) => Endpoint::from_path_and_client(req.path, |carrier| {
                    self.config.client_ids.get(carrier) == Some(id)
                }),
                Err(_) => Endpoint::from_path(req.path),
            },
            _ => Endpoint::from_path(req.path),
        };
        let transref = parsed.transref();
        let planned = self.planned_fault(endpoint, transref);

        let mut state = self.lock();
        if let Some(count) = endpoint
            .and_then(Endpoint::index)
            .and_then(|i| state.tally.per_endpoint.get_mut(i))
        {
            *count = count.saturating_add(1);
        }
        let counted = match (endpoint, transref) {
            (Some(e), Some(r)) if e.is_payment() && !r.is_empty() && r.len() <= MAX_TRANSREF => {
                self.count_payment_request(&mut state, r)
            }
            _ => true,
        };
        let (action, fault_name) = if !counted {
            (Action::Respond(self.full()), None)
        } else {
            match planned.or_else(|| take_fault(&mut state, endpoint)) {
                None => {
                    let reply = self.answer(&mut state, req, endpoint, &parsed, auth_accepted);
                    (Action::Respond(reply), None)
                }
                Some(fault) => match fault.check() {
                    // Only a plan's fault can be invalid: `add_fault` checks the others.
                    Err(why) => {
                        let detail = format!("invalid fault from the fault plan: {why}");
                        let reply = problem(500, "Internal Server Error", &detail);
                        (Action::Respond(reply), Some(fault.describe()))
                    }
                    Ok(()) => {
                        let acted = fault.after_recording || fault.kind == FaultKind::Delay;
                        let normal = acted.then(|| {
                            self.answer(&mut state, req, endpoint, &parsed, auth_accepted)
                        });
                        let action = fault_action(&fault, normal, endpoint, transref);
                        (action, Some(fault.describe()))
                    }
                },
            }
        };
        let status = match &action {
            Action::Respond(reply) => Some(reply.status),
            Action::Drop { .. } | Action::Render(_) => None,
        };
        // No credentials and no phone number in logs: the endpoint, reference and outcome.
        tracing::debug!(
            endpoint = endpoint.map_or("-", Endpoint::name),
            transref = transref.unwrap_or("-"),
            auth_accepted,
            status = status.map_or(0, u32::from),
            fault = fault_name.as_deref().unwrap_or("-"),
            "qosic-mock request"
        );
        state.journal.push(NewEntry {
            method: req.method,
            path: req.path,
            endpoint,
            body: if req.problem.is_none() { req.body } else { &[] },
            body_len: req.body.len(),
            auth_accepted,
            status,
            fault: fault_name,
        });
        action
    }

    /// Counts a payment request under `reference`; `false` when the table of references
    /// is full and this one is new.
    fn count_payment_request(&self, state: &mut State, reference: &str) -> bool {
        let table = &mut state.tally.payment_requests;
        if let Some(n) = table.get_mut(reference) {
            *n = n.saturating_add(1);
            return true;
        }
        if table.len() >= self.config.limits.max_transactions {
            return false;
        }
        table.insert(reference.into(), 1);
        true
    }

    /// The answer when the transaction table (or the table of payment references) is full.
    fn full(&self) -> Reply {
        problem(
            507,
            "Insufficient Storage",
            &format!(
                "the fake server keeps at most {} transactions and payment references \
                 (--max-transactions); forget them with POST /__admin/reset or MockQosic::reset",
                self.config.limits.max_transactions
            ),
        )
    }

    /// Whether `authorization` is the expected `Basic` value (the scheme in any case, as
    /// RFC 7617 allows).
    fn auth_ok(&self, authorization: Option<&str>) -> bool {
        // The header exactly as clients write it (nearly always): accepted below too.
        if authorization == Some(self.expected_authorization.as_str()) {
            return true;
        }
        let Some((scheme, token)) = authorization.and_then(|h| h.trim().split_once(' ')) else {
            return false;
        };
        let expected = self
            .expected_authorization
            .strip_prefix("Basic ")
            .unwrap_or(&self.expected_authorization);
        scheme.eq_ignore_ascii_case("basic") && token.trim_start() == expected
    }

    fn answer(
        &self,
        state: &mut State,
        req: &Incoming<'_>,
        endpoint: Option<Endpoint>,
        body: &Parsed<'_>,
        auth_accepted: bool,
    ) -> Reply {
        let Some(endpoint) = endpoint else {
            return problem(
                404,
                "Not Found",
                &format!("no endpoint at {}", clip(req.path)),
            );
        };
        // Methods are case-sensitive (RFC 9110, section 9.1): `post` is not `POST`.
        if req.method != "POST" {
            return problem(
                405,
                "Method Not Allowed",
                &format!(
                    "{} takes POST (in capitals), not {}",
                    endpoint.path(),
                    clip(req.method)
                ),
            );
        }
        if let Some(problem) = req.problem {
            return body_problem(problem, &self.config.limits);
        }
        if !auth_accepted {
            return Reply::text(401, "HTTP Status 401: Bad credentials");
        }
        let body = match body {
            Parsed::Object(body) => body,
            Parsed::NotObject => return bad_request("the body must be a JSON object", None),
            Parsed::Invalid => return bad_request("the body is not valid JSON", None),
        };
        let transref_echo = body.transref.as_str();
        let client_id = match body.clientid.string("clientid") {
            Ok(c) => c,
            Err(e) => return bad_request(&e, transref_echo),
        };
        if Some(client_id) != self.config.client_ids.get(endpoint.carrier()) {
            return Reply::json(
                404,
                &json!({
                    "responsecode": "-2",
                    "responsemsg": "Invalid Client Id",
                    "transref": transref_echo,
                    "comment": null,
                }),
            );
        }
        let Some(spec) = spec(endpoint) else {
            return problem(
                404,
                "Not Found",
                &format!("no endpoint at {}", clip(req.path)),
            );
        };
        let result = match endpoint.operation() {
            Operation::Payment => self.payment(state, spec, endpoint, body),
            Operation::Status => self.status(state, spec, endpoint, body),
            Operation::Refund => refund(state, endpoint, body),
            Operation::Deposit => self.deposit(state, spec, endpoint, body),
            Operation::AccountHolder => crate::holder::answer(self, body, self.config.phone_forms),
            Operation::Balance => Ok(crate::balance::answer(crate::balance::of(
                endpoint.carrier(),
                state.transactions.values_mut().map(|tx| {
                    tx.settle(Instant::now());
                    (tx.carrier, tx.kind, tx.state, tx.amount)
                }),
            ))),
            other => Err(format!("the fake server does not serve {other}")),
        };
        result.unwrap_or_else(|e| bad_request(&e, transref_echo))
    }

    /// Tells the callback sender that `tx` ended now, or will end after its subscriber's
    /// delay: QosIc calls back when a payment is confirmed or fails and when a deposit is
    /// done.
    fn call_back(&self, tx: &Transaction) {
        if !self.callbacks.enabled() {
            return;
        }
        let (state, after) = match (tx.state, tx.behaviour.when) {
            (TransactionState::Pending, When::After(delay)) => {
                let mut ended = tx.clone();
                ended.resolve();
                (ended.state, delay)
            }
            (state, _) => (state, Duration::ZERO),
        };
        let succeeded = match state {
            TransactionState::Confirmed => true,
            TransactionState::Declined | TransactionState::InsufficientFunds => false,
            TransactionState::Pending | TransactionState::Refunded => return,
        };
        let ended = Ended {
            reference: Arc::clone(&tx.reference),
            kind: tx.kind,
            succeeded,
            amount: tx.amount,
            service_ref: tx.service_ref.to_string(),
        };
        self.callbacks.ended(&ended, after);
    }

    fn phone(&self, body: &Body<'_>, reference: &str) -> Result<Msisdn, Reply> {
        let msisdn = body
            .msisdn
            .string("msisdn")
            .map_err(|e| bad_request(&e, Some(reference)))?;
        numbering::parse_wire(msisdn, self.config.phone_forms)
            .map_err(|e| bad_request(&e, Some(reference)))
    }

    /// Whether `phone` is on `endpoint`'s network: the network it was ported to, if the
    /// test said so; else, when the server refuses numbers of other carriers, the carrier of
    /// its prefix; else any.
    fn on_network(&self, phone: &Msisdn, behaviour: &Subscriber, endpoint: Endpoint) -> bool {
        match behaviour.network {
            Some(network) => network == endpoint.carrier(),
            None if self.config.refuse_wrong_carrier => {
                table().carrier_of(phone) == Some(endpoint.carrier())
            }
            None => true,
        }
    }

    /// What payments and deposits check before moving money: the number, a fresh reference,
    /// and a subscriber who has an account and does not make the server fail. `Ok` is how the
    /// subscriber behaves; `Err` is the answer that refuses the request.
    fn admit(
        &self,
        state: &State,
        endpoint: Endpoint,
        body: &Body<'_>,
        reference: &str,
    ) -> Result<(Subscriber, u64), Reply> {
        let phone = self.phone(body, reference)?;
        // Digits only and 11 or 13 of them (the phone was read): a u64 keeps it exactly.
        let msisdn = body
            .msisdn
            .as_str()
            .and_then(|m| m.parse::<u64>().ok())
            .unwrap_or_default();
        let behaviour = state
            .subscribers
            .get(&numbering::key(&phone))
            .copied()
            .unwrap_or_else(|| Subscriber::magic(numbering::last_two(&phone)));
        if !self.on_network(&phone, &behaviour, endpoint) {
            return Err(wrong_network(&phone, endpoint, reference));
        }
        if state.transactions.contains_key(reference) {
            return Err(duplicate(reference));
        }
        if state.transactions.len() >= self.config.limits.max_transactions {
            return Err(self.full());
        }
        match behaviour.outcome {
            Outcome::NoAccount => Err(no_account(reference)),
            Outcome::ServerError => Err(server_error("the carrier failed to process the request")),
            _ => Ok((behaviour, msisdn)),
        }
    }

    fn payment(
        &self,
        state: &mut State,
        spec: &CarrierSpec,
        endpoint: Endpoint,
        body: &Body<'_>,
    ) -> Result<Reply, String> {
        let reference = transref(body)?;
        let amount = amount(body)?;
        for (name, field) in [("firstname", &body.firstname), ("lastname", &body.lastname)] {
            if field == &Field::Other {
                return Err(format!("{name} must be a string"));
            }
        }
        let (behaviour, msisdn) = match self.admit(state, endpoint, body, reference) {
            Ok(admitted) => admitted,
            Err(reply) => return Ok(reply),
        };
        let service_ref = next_service_ref(state);
        let mut tx = Transaction {
            reference: shared_reference(state, reference),
            carrier: endpoint.carrier(),
            kind: TransactionKind::Payment,
            state: TransactionState::Pending,
            status_checks: 0,
            msisdn,
            amount,
            service_ref,
            behaviour,
            created_at: Instant::now(),
        };
        let reply = if spec.flow() == Flow::Synchronous {
            // Synchronous: the answer carries the outcome, after the customer's delay if any.
            let delay = match behaviour.when {
                When::After(d) => d,
                When::Checks(_) => {
                    tx.resolve();
                    Duration::ZERO
                }
            };
            let mut reply = match behaviour.outcome {
                Outcome::NeverAnswer => pending(202, reference, spec),
                Outcome::Approve => approved(reference, spec, service_ref),
                Outcome::Decline => declined(reference, spec),
                _ => insufficient(reference),
            };
            if behaviour.outcome != Outcome::NeverAnswer {
                reply.delay = delay;
            }
            reply
        } else {
            pending(202, reference, spec)
        };
        self.call_back(&tx);
        record(state, tx);
        Ok(reply)
    }

    fn status(
        &self,
        state: &mut State,
        spec: &CarrierSpec,
        endpoint: Endpoint,
        body: &Body<'_>,
    ) -> Result<Reply, String> {
        let reference = transref(body)?;
        if spec.status_request() == StatusRequest::WithOperatorRef {
            body.specialfield1.string("specialfield1")?;
        }
        let now = Instant::now();
        let Some(tx) = state
            .transactions
            .get_mut(reference)
            .filter(|tx| tx.carrier == endpoint.carrier())
        else {
            return Ok(Reply::json(
                200,
                &json!({
                    "responsecode": "-1",
                    "responsemsg": "FAILED",
                    "transref": reference,
                    "serviceref": "0",
                }),
            ));
        };
        tx.status_checks = tx.status_checks.saturating_add(1);
        tx.settle(now);
        if tx.state == TransactionState::Pending {
            if let When::Checks(n) = tx.behaviour.when {
                if tx.status_checks >= n {
                    tx.resolve();
                    self.call_back(tx);
                }
            }
        }
        Ok(match tx.state {
            TransactionState::Pending => pending(200, reference, spec),
            TransactionState::Confirmed | TransactionState::Refunded => {
                successful(reference, spec, tx.service_ref)
            }
            TransactionState::Declined => declined(reference, spec),
            TransactionState::InsufficientFunds => insufficient(reference),
        })
    }

    fn deposit(
        &self,
        state: &mut State,
        spec: &CarrierSpec,
        endpoint: Endpoint,
        body: &Body<'_>,
    ) -> Result<Reply, String> {
        let reference = transref(body)?;
        let amount = amount(body)?;
        let (behaviour, msisdn) = match self.admit(state, endpoint, body, reference) {
            Ok(admitted) => admitted,
            Err(reply) => return Ok(reply),
        };
        let service_ref = next_service_ref(state);
        let tx = Transaction {
            reference: shared_reference(state, reference),
            carrier: endpoint.carrier(),
            kind: TransactionKind::Deposit,
            state: TransactionState::Confirmed,
            status_checks: 0,
            msisdn,
            amount,
            service_ref,
            behaviour,
            created_at: Instant::now(),
        };
        self.call_back(&tx);
        record(state, tx);
        Ok(deposited(reference, spec, service_ref))
    }
}

fn refund(state: &mut State, endpoint: Endpoint, body: &Body<'_>) -> Result<Reply, String> {
    let reference = transref(body)?;
    let now = Instant::now();
    let refused = |reason: &str| {
        Reply::json(
            400,
            &json!({"responsecode": "-1", "responsemsg": reason, "transref": reference}),
        )
    };
    let Some(tx) = state
        .transactions
        .get_mut(reference)
        .filter(|tx| tx.carrier == endpoint.carrier() && tx.kind == TransactionKind::Payment)
    else {
        return Ok(refused("Transaction not found"));
    };
    tx.settle(now);
    Ok(match tx.state {
        TransactionState::Confirmed => {
            tx.state = TransactionState::Refunded;
            Reply::json(
                200,
                &json!({"responsecode": "00", "responsemsg": "OPERATION SUCCESSFUL", "transref": reference}),
            )
        }
        TransactionState::Refunded => refused("Transaction already refunded"),
        _ => refused("Transaction not successful, cannot be refunded"),
    })
}

fn record(state: &mut State, tx: Transaction) {
    state.transactions.insert(Arc::clone(&tx.reference), tx);
}

/// The reference as an `Arc<str>`, shared with the payment-request count's key if any.
fn shared_reference(state: &State, reference: &str) -> Arc<str> {
    state
        .tally
        .payment_requests
        .get_key_value(reference)
        .map_or_else(|| Arc::from(reference), |(key, _)| Arc::clone(key))
}

fn next_service_ref(state: &mut State) -> u64 {
    let s = state.next_service_ref;
    state.next_service_ref += 1;
    s
}

fn take_fault(state: &mut State, endpoint: Option<Endpoint>) -> Option<Fault> {
    let slot = state.faults.iter_mut().find(|slot| {
        let left = slot.fault.times.is_none_or(|n| slot.used < n);
        let matches = slot.fault.endpoint.is_none_or(|e| Some(e) == endpoint);
        left && matches
    })?;
    slot.used += 1;
    Some(slot.fault.clone())
}

fn fault_action(
    fault: &Fault,
    normal: Option<Reply>,
    endpoint: Option<Endpoint>,
    transref: Option<&str>,
) -> Action {
    let waited = normal.as_ref().map_or(Duration::ZERO, |r| r.delay);
    let delay = fault.delay.saturating_add(waited);
    let mut reply = match fault.kind {
        FaultKind::DropConnection => return Action::Drop { delay },
        FaultKind::Delay => normal.unwrap_or_else(|| server_error("no answer")),
        FaultKind::Status(status) => status_reply(status, transref),
        FaultKind::MalformedBody => Reply {
            status: fault.status.unwrap_or(200),
            content_type: "application/json",
            body: br#"{"responsecode":"00","responsemsg":"SUCC"#.to_vec(),
            delay: Duration::ZERO,
        },
        FaultKind::EmptyBody => Reply {
            status: fault.status.unwrap_or(200),
            content_type: "application/json",
            body: Vec::new(),
            delay: Duration::ZERO,
        },
        FaultKind::HtmlError => {
            let status = fault.status.unwrap_or(502);
            let title = format!("{status} {}", reason(status));
            Reply {
                status,
                content_type: "text/html",
                body: format!(
                    "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
                )
                .into_bytes(),
                delay: Duration::ZERO,
            }
        }
        FaultKind::WrongReference => wrong_reference(endpoint),
    };
    reply.delay = delay;
    Action::Respond(reply)
}

/// The endpoint's success answer, about another transaction ([`Fault::FOREIGN_REFERENCE`]).
fn wrong_reference(endpoint: Option<Endpoint>) -> Reply {
    let other = Fault::FOREIGN_REFERENCE;
    let service_ref = 10_000_000;
    let Some((endpoint, spec)) = endpoint.and_then(|e| spec(e).map(|s| (e, s))) else {
        return Reply::json(
            200,
            &json!({
                "responsecode": "00",
                "responsemsg": "SUCCESSFUL",
                "transref": other,
                "serviceref": service_ref.to_string(),
                "comment": "TRANSACTION APPROVED AND PROCESSED SUCCESSFULLY",
            }),
        );
    };
    match endpoint.operation() {
        Operation::Payment if spec.flow() == Flow::Synchronous => {
            approved(other, spec, service_ref)
        }
        Operation::Payment => pending(202, other, spec),
        Operation::Refund => Reply::json(
            200,
            &json!({"responsecode": "00", "responsemsg": "OPERATION SUCCESSFUL", "transref": other}),
        ),
        Operation::Deposit => deposited(other, spec, service_ref),
        _ => successful(other, spec, service_ref),
    }
}

pub(crate) fn body_problem(problem: BodyProblem, limits: &Limits) -> Reply {
    match problem {
        BodyProblem::TooLarge => self::problem(
            413,
            "Payload Too Large",
            &format!("request bodies are limited to {} bytes", limits.max_body),
        ),
        BodyProblem::TimedOut => self::problem(
            408,
            "Request Timeout",
            &format!(
                "the request body did not arrive within {:?} of its headers",
                limits.body_timeout
            ),
        ),
        BodyProblem::Busy => self::problem(
            503,
            "Service Unavailable",
            "the fake server holds as many request bodies as it allows at once; try again",
        ),
    }
}

fn status_reply(status: u16, transref: Option<&str>) -> Reply {
    match status {
        401 => Reply::text(401, "HTTP Status 401: Bad credentials"),
        404 => Reply::json(
            404,
            &json!({"responsecode": "-2", "responsemsg": "Invalid Client Id", "transref": transref, "comment": null}),
        ),
        417 => Reply::json(
            417,
            &json!({"responsecode": "-1", "responsemsg": "ACCOUNTHOLDER_NOT_FOUND", "transref": transref}),
        ),
        _ => problem(status, reason(status), "injected fault"),
    }
}

/// The reason phrase of a status (`Error` for one without a standard phrase).
fn reason(status: u16) -> &'static str {
    http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error")
}

pub(crate) fn problem(status: u16, title: &str, detail: &str) -> Reply {
    Reply::json(
        status,
        &json!({"title": title, "status": status, "detail": detail}),
    )
}

fn server_error(detail: &str) -> Reply {
    problem(500, "Internal Server Error", detail)
}

fn bad_request(what: &str, transref: Option<&str>) -> Reply {
    let mut body = json!({"responsecode": "-1", "responsemsg": what});
    if let Some(r) = transref {
        body["transref"] = Value::from(r);
    }
    Reply::json(400, &body)
}

fn duplicate(reference: &str) -> Reply {
    Reply::json(
        400,
        &json!({"responsecode": "-1", "responsemsg": "Payment reference already exists", "transref": reference}),
    )
}

fn no_account(reference: &str) -> Reply {
    Reply::json(
        417,
        &json!({"responsecode": "-1", "responsemsg": "ACCOUNTHOLDER_NOT_FOUND", "transref": reference}),
    )
}

/// The `comment` of a status-like answer.
#[derive(Debug, Clone, Copy)]
enum Comment<'a> {
    /// No `comment` key.
    Absent,
    /// `"comment": null`.
    Null,
    /// `"comment": "…"`.
    Text(&'a str),
}

/// A QosIc answer object (`comment`, `responsecode`, `responsemsg`, `serviceref`,
/// `transref`), written straight to bytes: the keys in the alphabetical order `json!` gives
/// them, the same bytes as building a `Value` and printing it, without the `Value`'s
/// allocations (these answers are the fake server's hot path).
struct Answer<'a> {
    comment: Comment<'a>,
    code: &'a str,
    message: &'a str,
    /// The `serviceref`, when the carrier's answers carry one (not Togo's).
    service_ref: Option<u64>,
    transref: &'a str,
    /// The answer up to `responsemsg`'s value, written in advance, when `comment`, `code`
    /// and `message` are literals ([`HEAD_SUCCESSFUL`]...; a unit test checks each).
    head: Option<&'static str>,
}

/// The head of [`successful`]'s answer.
const HEAD_SUCCESSFUL: &str = r#"{"comment":"TRANSACTION APPROVED AND PROCESSED SUCCESSFULLY","responsecode":"00","responsemsg":"SUCCESSFUL""#;
/// The head of [`approved`]'s answer.
const HEAD_APPROVED: &str = r#"{"comment":null,"responsecode":"0","responsemsg":"SUCCESS""#;
/// The head of [`insufficient`]'s answer.
const HEAD_INSUFFICIENT: &str = r#"{"responsecode":"529","responsemsg":"INSUFFICIENT FUNDS""#;

impl Answer<'_> {
    fn reply(&self, status: u16) -> Reply {
        let mut digits = [0u8; 20];
        let service_ref = self.service_ref.map(|n| decimal(&mut digits, n));
        if let Some(head) = self
            .head
            .filter(|_| !needs_escape(self.transref.as_bytes()))
        {
            // The head as written in advance, then the serviceref and the reference.
            let service_ref_len = service_ref.map_or(0, |d| r#","serviceref":"""#.len() + d.len());
            let len =
                head.len() + service_ref_len + r#","transref":""}"#.len() + self.transref.len();
            let mut bytes = Vec::with_capacity(len);
            bytes.extend_from_slice(head.as_bytes());
            if let Some(digits) = service_ref {
                bytes.extend_from_slice(br#","serviceref":""#);
                bytes.extend_from_slice(digits);
                bytes.push(b'"');
            }
            bytes.extend_from_slice(br#","transref":""#);
            bytes.extend_from_slice(self.transref.as_bytes());
            bytes.extend_from_slice(br#""}"#);
            debug_assert_eq!(bytes.len(), len);
            return Reply::json_bytes(status, bytes);
        }
        let text = match self.comment {
            Comment::Text(text) => text,
            Comment::Absent | Comment::Null => "",
        };
        let plain = [text, self.code, self.message, self.transref]
            .iter()
            .all(|s| !needs_escape(s.as_bytes()));
        if !plain {
            return Reply::json_bytes(status, self.escaped(service_ref));
        }
        // Nothing to escape: the answer is these pieces, in a buffer of their exact length
        // (which the answer's `Bytes` then keeps as it is, with no allocation of its own).
        // The keys are literals, copied without a call.
        let comment = match self.comment {
            Comment::Absent => 0,
            Comment::Null => r#""comment":null,"#.len(),
            Comment::Text(text) => r#""comment":"","#.len() + text.len(),
        };
        let service_ref_len = service_ref.map_or(0, |d| r#"","serviceref":""#.len() + d.len());
        let len = r#"{"responsecode":"","responsemsg":"","transref":""}"#.len()
            + comment
            + self.code.len()
            + self.message.len()
            + service_ref_len
            + self.transref.len();
        let mut bytes = Vec::with_capacity(len);
        bytes.push(b'{');
        match self.comment {
            Comment::Absent => {}
            Comment::Null => bytes.extend_from_slice(br#""comment":null,"#),
            Comment::Text(text) => {
                bytes.extend_from_slice(br#""comment":""#);
                bytes.extend_from_slice(text.as_bytes());
                bytes.extend_from_slice(br#"","#);
            }
        }
        bytes.extend_from_slice(br#""responsecode":""#);
        bytes.extend_from_slice(self.code.as_bytes());
        bytes.extend_from_slice(br#"","responsemsg":""#);
        bytes.extend_from_slice(self.message.as_bytes());
        if let Some(digits) = service_ref {
            bytes.extend_from_slice(br#"","serviceref":""#);
            bytes.extend_from_slice(digits);
        }
        bytes.extend_from_slice(br#"","transref":""#);
        bytes.extend_from_slice(self.transref.as_bytes());
        bytes.extend_from_slice(br#""}"#);
        debug_assert_eq!(bytes.len(), len);
        Reply::json_bytes(status, bytes)
    }

    /// The answer when a string needs an escape, written by serde_json.
    fn escaped(&self, service_ref: Option<&[u8]>) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(
            160 + self.message.len() + self.code.len() + 2 * self.transref.len(),
        );
        bytes.push(b'{');
        match self.comment {
            Comment::Absent => {}
            Comment::Null => bytes.extend_from_slice(br#""comment":null,"#),
            Comment::Text(text) => {
                bytes.extend_from_slice(br#""comment":"#);
                push_json_str(&mut bytes, text);
                bytes.push(b',');
            }
        }
        bytes.extend_from_slice(br#""responsecode":"#);
        push_json_str(&mut bytes, self.code);
        bytes.extend_from_slice(br#","responsemsg":"#);
        push_json_str(&mut bytes, self.message);
        if let Some(digits) = service_ref {
            bytes.extend_from_slice(br#","serviceref":""#);
            bytes.extend_from_slice(digits);
            bytes.push(b'"');
        }
        bytes.extend_from_slice(br#","transref":"#);
        push_json_str(&mut bytes, self.transref);
        bytes.push(b'}');
        bytes
    }
}

/// Whether a byte of `bytes` needs an escape in a JSON string as serde_json writes it: a
/// control character (below 0x20), `"` or `\`. Eight bytes at a time.
fn needs_escape(bytes: &[u8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    // The high bit of a byte of `flags` is set for the word when one of its bytes is below
    // 0x20, `"` or `\\` (exact for the word as a whole; the classic zero-byte test).
    let flags = |word: u64| {
        let quote = word ^ (ONES * u64::from(b'"'));
        let backslash = word ^ (ONES * u64::from(b'\\'));
        (word.wrapping_sub(ONES * 0x20) & !word)
            | (quote.wrapping_sub(ONES) & !quote)
            | (backslash.wrapping_sub(ONES) & !backslash)
    };
    let word_at = |at: usize| {
        let mut eight = [0u8; 8];
        if let Some(chunk) = bytes.get(at..at + 8) {
            eight.copy_from_slice(chunk);
        }
        u64::from_ne_bytes(eight)
    };
    if bytes.len() < 8 {
        return bytes.iter().any(|&b| b < 0x20 || b == b'"' || b == b'\\');
    }
    // Whole words, then the last eight bytes (overlapping the last word checked).
    let all = (0..bytes.len() / 8).fold(flags(word_at(bytes.len() - 8)), |all, i| {
        all | flags(word_at(8 * i))
    });
    all & HIGHS != 0
}

/// Appends `text` as a JSON string, the bytes serde_json writes: copied between quotes when
/// nothing in it needs an escape, else written by serde_json.
fn push_json_str(bytes: &mut Vec<u8>, text: &str) {
    if needs_escape(text.as_bytes()) {
        // Writing to a Vec cannot fail.
        let written = serde_json::to_writer(&mut *bytes, text);
        debug_assert!(written.is_ok());
    } else {
        bytes.push(b'"');
        bytes.extend_from_slice(text.as_bytes());
        bytes.push(b'"');
    }
}

/// `n` in decimal, written at the end of `digits`.
fn decimal(digits: &mut [u8; 20], mut n: u64) -> &[u8] {
    let mut at = digits.len();
    loop {
        at -= 1;
        if let Some(digit) = digits.get_mut(at) {
            *digit = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || at == 0 {
            break;
        }
    }
    digits.get(at..).unwrap_or_default()
}

/// The `serviceref` when the carrier's answers carry one (not Togo's).
fn service_ref_of(spec: &CarrierSpec, service_ref: u64) -> Option<u64> {
    spec.has_service_ref().then_some(service_ref)
}

fn pending(status: u16, reference: &str, spec: &CarrierSpec) -> Reply {
    Answer {
        comment: Comment::Null,
        code: "01",
        message: spec.pending_message(),
        service_ref: None,
        transref: reference,
        head: None,
    }
    .reply(status)
}

/// A synchronous payment approved.
fn approved(reference: &str, spec: &CarrierSpec, service_ref: u64) -> Reply {
    Answer {
        comment: Comment::Null,
        code: "0",
        message: "SUCCESS",
        service_ref: service_ref_of(spec, service_ref),
        transref: reference,
        head: Some(HEAD_APPROVED),
    }
    .reply(200)
}

/// A status: approved and processed.
fn successful(reference: &str, spec: &CarrierSpec, service_ref: u64) -> Reply {
    Answer {
        comment: Comment::Text("TRANSACTION APPROVED AND PROCESSED SUCCESSFULLY"),
        code: "00",
        message: "SUCCESSFUL",
        service_ref: service_ref_of(spec, service_ref),
        transref: reference,
        head: Some(HEAD_SUCCESSFUL),
    }
    .reply(200)
}

/// A deposit done.
fn deposited(reference: &str, spec: &CarrierSpec, service_ref: u64) -> Reply {
    Answer {
        comment: Comment::Absent,
        code: spec.deposit_success_code(),
        message: "SUCCESSFUL",
        service_ref: service_ref_of(spec, service_ref),
        transref: reference,
        head: None,
    }
    .reply(200)
}

fn declined(reference: &str, spec: &CarrierSpec) -> Reply {
    Answer {
        comment: Comment::Text("TRANSACTION DECLINED"),
        code: spec.failed_code(),
        message: "FAILED",
        service_ref: None,
        transref: reference,
        head: None,
    }
    .reply(200)
}

fn insufficient(reference: &str) -> Reply {
    Answer {
        comment: Comment::Absent,
        code: "529",
        message: "INSUFFICIENT FUNDS",
        service_ref: None,
        transref: reference,
        head: Some(HEAD_INSUFFICIENT),
    }
    .reply(200)
}

/// A number sent to a carrier whose network it is not on.
fn wrong_network(phone: &Msisdn, endpoint: Endpoint, reference: &str) -> Reply {
    Reply::json(
        400,
        &json!({
            "responsecode": "515",
            "responsemsg": format!("WRONG NETWORK: {phone} is not a {} number", endpoint.carrier()),
            "transref": reference,
        }),
    )
}

fn transref<'a>(body: &'a Body<'_>) -> Result<&'a str, String> {
    let reference = body.transref.string("transref")?;
    // A first byte that is printable ASCII (nearly always) is not white space: no need to
    // trim the whole reference to know it is not blank.
    let printable_first = reference
        .as_bytes()
        .first()
        .is_some_and(u8::is_ascii_graphic);
    if !printable_first && reference.trim().is_empty() {
        return Err("transref must not be empty".to_owned());
    }
    if reference.len() > MAX_TRANSREF {
        return Err(format!("transref is longer than {MAX_TRANSREF} characters"));
    }
    Ok(reference)
}

fn amount(body: &Body<'_>) -> Result<u64, String> {
    let text = body.amount.string("amount")?;
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "amount must be a whole number of XOF, e.g. \"100\" (got {:?})",
            clip(text)
        ));
    }
    match text.parse::<u64>() {
        Ok(0) => Err("amount must be positive".to_owned()),
        Ok(n) => Ok(n),
        Err(_) => Err("amount is out of range".to_owned()),
    }
}

fn clip(s: &str) -> String {
    s.chars().take(64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needs_escape_is_the_bytewise_check() {
        let bytewise = |b: &[u8]| b.iter().any(|&b| b < 0x20 || b == b'"' || b == b'\\');
        for len in 0..20 {
            for at in 0..len {
                for byte in 0..=255u8 {
                    let mut bytes = vec![b'a'; len];
                    bytes[at] = byte;
                    assert_eq!(needs_escape(&bytes), bytewise(&bytes), "{bytes:?}");
                    // The bytes around the one tested are high, or low but not escaped.
                    for fill in [0x80u8, 0xff, 0x20, 0x7f, 0x5b, 0x5d, 0x21, 0x23] {
                        bytes
                            .iter_mut()
                            .enumerate()
                            .filter(|(i, _)| *i != at)
                            .for_each(|(_, b)| *b = fill);
                        assert_eq!(needs_escape(&bytes), bytewise(&bytes), "{bytes:?}");
                    }
                }
            }
        }
        for n in [0, 9, 10, 99, 100, 10_000_001, u64::MAX] {
            assert_eq!(decimal(&mut [0; 20], n), n.to_string().as_bytes());
        }
    }

    /// Each head written in advance is what the general path writes for its fields.
    #[test]
    fn heads_written_in_advance_are_the_general_ones() {
        let mtn = spec(Endpoint::MtnStatus).expect("MTN has a spec");
        for (with_head, service_ref) in [
            (successful as fn(&str, &CarrierSpec, u64) -> Reply, 42),
            (approved, 7),
        ] {
            // A reference that needs an escape takes the general path.
            let general = String::from_utf8(with_head("R\"1", mtn, service_ref).body).unwrap();
            let fast = String::from_utf8(with_head("R1", mtn, service_ref).body).unwrap();
            assert_eq!(fast, general.replace(r#""R\"1""#, r#""R1""#));
        }
        let general = String::from_utf8(insufficient("R\"1").body).unwrap();
        let fast = String::from_utf8(insufficient("R1").body).unwrap();
        assert_eq!(fast, general.replace(r#""R\"1""#, r#""R1""#));
    }

    /// The answers written straight to bytes are the bytes `json!` printed before.
    #[test]
    fn answers_written_directly_are_the_bytes_json_prints() {
        let mtn = spec(Endpoint::MtnStatus).expect("MTN has a spec");
        let text = |reply: Reply| String::from_utf8(reply.body).expect("UTF-8");
        let with_ref = |mut body: Value, spec: &CarrierSpec| {
            if spec.has_service_ref() {
                body["serviceref"] = Value::from("42");
            }
            body.to_string()
        };
        assert_eq!(
            text(successful("R\"1", mtn, 42)),
            with_ref(
                json!({"responsecode": "00", "responsemsg": "SUCCESSFUL", "transref": "R\"1",
                       "comment": "TRANSACTION APPROVED AND PROCESSED SUCCESSFULLY"}),
                mtn
            )
        );
        assert_eq!(
            text(approved("R1", mtn, 42)),
            with_ref(
                json!({"responsecode": "0", "responsemsg": "SUCCESS", "transref": "R1", "comment": null}),
                mtn
            )
        );
        assert_eq!(
            text(deposited("R1", mtn, 42)),
            with_ref(
                json!({"responsecode": mtn.deposit_success_code(), "responsemsg": "SUCCESSFUL", "transref": "R1"}),
                mtn
            )
        );
        assert_eq!(
            text(pending(202, "R1", mtn)),
            json!({"responsecode": "01", "responsemsg": mtn.pending_message(), "transref": "R1", "comment": null}).to_string()
        );
        assert_eq!(
            text(declined("R1", mtn)),
            json!({"responsecode": mtn.failed_code(), "responsemsg": "FAILED", "transref": "R1", "comment": "TRANSACTION DECLINED"}).to_string()
        );
        assert_eq!(
            text(insufficient("R1")),
            json!({"responsecode": "529", "responsemsg": "INSUFFICIENT FUNDS", "transref": "R1"})
                .to_string()
        );
        assert!(mtn.has_service_ref());
        for service_ref in [0, 7, 10, 10_000_001, u64::MAX] {
            assert_eq!(
                text(successful("R", mtn, service_ref)),
                json!({"responsecode": "00", "responsemsg": "SUCCESSFUL", "transref": "R",
                       "serviceref": service_ref.to_string(),
                       "comment": "TRANSACTION APPROVED AND PROCESSED SUCCESSFULLY"})
                .to_string()
            );
        }
        // Escapes, control characters, DEL, non-ASCII and a lone backslash, as serde_json
        // writes them.
        for reference in [
            "a\\b",
            "\u{1}\u{1f}\t\n\r",
            "\u{7f}",
            "é😀",
            "</script>",
            "",
        ] {
            assert_eq!(
                text(pending(200, reference, mtn)),
                json!({"responsecode": "01", "responsemsg": mtn.pending_message(), "transref": reference, "comment": null}).to_string()
            );
        }
    }
}
