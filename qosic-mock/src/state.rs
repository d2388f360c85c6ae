//! The server's state and the wire handler shared by the HTTP server, the in-process
//! transport and the admin API: transactions, ledger, subscribers, faults, journal.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use qosic_core::Credentials;
use serde::Serialize;
use serde_json::{json, Map, Value};
use tokio::time::Instant;

use crate::endpoint::{Carrier, Endpoint, Operation};
use crate::fault::{Fault, FaultKind};
use crate::numbering::{self, Phone, PhoneForms};
use crate::subscriber::{Outcome, Subscriber, When};

/// The largest request body the server reads; larger bodies get 413.
pub(crate) const MAX_BODY: usize = 1024 * 1024;

/// The prefix of the admin API.
pub(crate) const ADMIN_PREFIX: &str = "/__admin/";

/// The server's fixed settings.
#[derive(Clone)]
pub(crate) struct Config {
    pub(crate) login: String,
    pub(crate) password: String,
    pub(crate) mtn_client_id: String,
    pub(crate) moov_client_id: String,
    pub(crate) celtiis_client_id: String,
    pub(crate) phone_forms: PhoneForms,
    pub(crate) refuse_wrong_carrier: bool,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("login", &self.login)
            .field("password", &"[REDACTED]")
            .field("mtn_client_id", &self.mtn_client_id)
            .field("moov_client_id", &self.moov_client_id)
            .field("celtiis_client_id", &self.celtiis_client_id)
            .field("phone_forms", &self.phone_forms)
            .field("refuse_wrong_carrier", &self.refuse_wrong_carrier)
            .finish()
    }
}

impl Config {
    fn client_id(&self, carrier: Carrier) -> &str {
        match carrier {
            Carrier::Mtn => &self.mtn_client_id,
            Carrier::Moov => &self.moov_client_id,
            Carrier::Celtiis => &self.celtiis_client_id,
        }
    }
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
    /// The carrier whose endpoint received it.
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

/// One request the server received, as kept in the journal.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// The HTTP method (the in-process transport always sends `POST`).
    pub method: String,
    /// The request path, e.g. `/QosicBridge/user/requestpayment`.
    pub path: String,
    /// The endpoint the path names, if any.
    pub endpoint: Option<Endpoint>,
    /// The body parsed as JSON, or `None` when it is not JSON.
    pub body: Option<Value>,
    /// Whether the Basic auth credentials were the right ones.
    pub auth_accepted: bool,
    /// The HTTP status answered, or `None` when no answer was sent (dropped connection).
    pub status: Option<u16>,
    /// The fault injected into this request, described in words, if any.
    pub fault: Option<String>,
}

impl RecordedRequest {
    /// The `transref` of the body, if it has one.
    pub fn transref(&self) -> Option<&str> {
        self.field("transref")
    }

    /// A string field of the body, if present.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.body.as_ref()?.get(name)?.as_str()
    }

    fn line(&self) -> String {
        let endpoint = self.endpoint.map_or("-", Endpoint::name);
        let auth = if self.auth_accepted {
            "auth ok"
        } else {
            "auth refused"
        };
        let status = self
            .status
            .map_or_else(|| "no answer".to_owned(), |s| s.to_string());
        let body = self
            .body
            .as_ref()
            .map_or_else(|| "(not JSON)".to_owned(), Value::to_string);
        let fault = self
            .fault
            .as_ref()
            .map_or_else(String::new, |f| format!(" [fault: {f}]"));
        format!(
            "{} {} ({endpoint}, {auth}) -> {status}{fault} {body}",
            self.method, self.path
        )
    }
}

struct Transaction {
    view: TransactionView,
    behaviour: Subscriber,
    created_at: Instant,
}

impl Transaction {
    /// Applies an outcome that time has made known.
    fn settle(&mut self, now: Instant) {
        if self.view.state != TransactionState::Pending {
            return;
        }
        if let When::After(delay) = self.behaviour.when {
            if now.saturating_duration_since(self.created_at) >= delay {
                self.resolve();
            }
        }
    }

    fn resolve(&mut self) {
        self.view.state = match self.behaviour.outcome {
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

#[derive(Default)]
struct State {
    transactions: HashMap<String, Transaction>,
    order: Vec<String>,
    subscribers: HashMap<String, Subscriber>,
    faults: Vec<FaultSlot>,
    journal: Vec<RecordedRequest>,
    expectations: Vec<Expectation>,
    next_service_ref: u64,
}

/// A request, whatever way it came in.
#[derive(Debug)]
pub(crate) struct Incoming<'a> {
    pub(crate) method: &'a str,
    pub(crate) path: &'a str,
    pub(crate) authorization: Option<&'a str>,
    pub(crate) body: &'a [u8],
    /// The body was larger than [`MAX_BODY`] (and `body` is not all of it).
    pub(crate) too_large: bool,
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
        Reply {
            status,
            content_type: "application/json",
            body: body.to_string().into_bytes(),
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

/// What the front end (HTTP or in-process) must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Action {
    /// Wait `reply.delay`, then send `reply`.
    Respond(Reply),
    /// Wait `delay`, then close the connection without an answer.
    Drop { delay: Duration },
}

/// State plus configuration, shared by every way in.
pub(crate) struct Shared {
    pub(crate) config: Config,
    state: Mutex<State>,
    pub(crate) connections: AtomicUsize,
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
        Shared {
            config,
            state: Mutex::new(State {
                next_service_ref: 10_000_001,
                ..State::default()
            }),
            connections: AtomicUsize::new(0),
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
        self.lock().subscribers.insert(phone.key(), subscriber);
        Ok(())
    }

    pub(crate) fn clear_subscribers(&self) {
        self.lock().subscribers.clear();
    }

    pub(crate) fn add_fault(&self, fault: Fault) {
        self.lock().faults.push(FaultSlot { fault, used: 0 });
    }

    pub(crate) fn clear_faults(&self) {
        self.lock().faults.clear();
    }

    pub(crate) fn expect(&self, endpoint: Endpoint, count: usize) {
        self.lock()
            .expectations
            .push(Expectation { endpoint, count });
    }

    pub(crate) fn reset(&self) {
        let mut state = self.lock();
        let next = state.next_service_ref;
        *state = State {
            next_service_ref: next,
            ..State::default()
        };
    }

    pub(crate) fn journal(&self) -> Vec<RecordedRequest> {
        self.lock().journal.clone()
    }

    pub(crate) fn journal_len(&self) -> usize {
        self.lock().journal.len()
    }

    pub(crate) fn transaction(&self, reference: &str) -> Option<TransactionView> {
        let now = Instant::now();
        let mut state = self.lock();
        let tx = state.transactions.get_mut(reference)?;
        tx.settle(now);
        Some(tx.view.clone())
    }

    pub(crate) fn transactions(&self) -> Vec<TransactionView> {
        let now = Instant::now();
        let mut state = self.lock();
        let State {
            transactions,
            order,
            ..
        } = &mut *state;
        let mut out = Vec::with_capacity(order.len());
        for reference in order.iter() {
            if let Some(tx) = transactions.get_mut(reference) {
                tx.settle(now);
                out.push(tx.view.clone());
            }
        }
        out
    }

    pub(crate) fn ledger(&self) -> Ledger {
        let mut ledger = Ledger::default();
        for tx in self.transactions() {
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
            let got = state
                .journal
                .iter()
                .filter(|r| r.endpoint == Some(e.endpoint))
                .count();
            if got != e.count {
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
            journal_report(&state.journal)
        ))
    }

    pub(crate) fn journal_report(&self) -> String {
        journal_report(&self.lock().journal)
    }

    // ----- The wire protocol -----

    /// Handles one request. Never panics, whatever the request.
    pub(crate) fn handle(&self, req: &Incoming<'_>) -> Action {
        if req.path.starts_with(ADMIN_PREFIX) || req.path == "/__admin" {
            return Action::Respond(crate::admin::handle(self, req));
        }
        let endpoint = Endpoint::from_path(req.path);
        let parsed: Option<Value> = if req.too_large {
            None
        } else {
            serde_json::from_slice(req.body).ok()
        };
        let auth_accepted = self.auth_ok(req.authorization);

        let mut state = self.lock();
        let fault = take_fault(&mut state, endpoint);
        let (action, fault_name) = match fault {
            None => {
                let reply = self.answer(&mut state, req, endpoint, parsed.as_ref(), auth_accepted);
                (Action::Respond(reply), None)
            }
            Some(fault) => {
                let acted = fault.after_recording || fault.kind == FaultKind::Delay;
                let normal = acted.then(|| {
                    self.answer(&mut state, req, endpoint, parsed.as_ref(), auth_accepted)
                });
                let transref = parsed
                    .as_ref()
                    .and_then(|b| b.get("transref"))
                    .and_then(Value::as_str);
                let action = fault_action(&fault, normal, transref);
                (action, Some(fault.describe()))
            }
        };
        let status = match &action {
            Action::Respond(reply) => Some(reply.status),
            Action::Drop { .. } => None,
        };
        // No credentials and no phone number in logs: the endpoint, reference and outcome.
        let transref = parsed
            .as_ref()
            .and_then(|b| b.get("transref"))
            .and_then(|v| v.as_str())
            .unwrap_or("-");
        tracing::debug!(
            endpoint = endpoint.map_or("-", Endpoint::name),
            transref,
            auth_accepted,
            status = status.map_or(0, u32::from),
            fault = fault_name.as_deref().unwrap_or("-"),
            "qosic-mock request"
        );
        state.journal.push(RecordedRequest {
            method: req.method.to_owned(),
            path: req.path.chars().take(2048).collect(),
            endpoint,
            body: parsed,
            auth_accepted,
            status,
            fault: fault_name,
        });
        action
    }

    fn auth_ok(&self, authorization: Option<&str>) -> bool {
        authorization
            .and_then(Credentials::from_authorization)
            .is_some_and(|c| {
                c.login() == self.config.login && c.password().expose() == self.config.password
            })
    }

    fn answer(
        &self,
        state: &mut State,
        req: &Incoming<'_>,
        endpoint: Option<Endpoint>,
        body: Option<&Value>,
        auth_accepted: bool,
    ) -> Reply {
        let Some(endpoint) = endpoint else {
            return problem(
                404,
                "Not Found",
                &format!("no endpoint at {}", clip(req.path)),
            );
        };
        if !req.method.eq_ignore_ascii_case("POST") {
            return problem(
                405,
                "Method Not Allowed",
                &format!("{} takes POST", endpoint.path()),
            );
        }
        if req.too_large {
            return problem(
                413,
                "Payload Too Large",
                &format!("request bodies are limited to {MAX_BODY} bytes"),
            );
        }
        if !auth_accepted {
            return Reply::text(401, "HTTP Status 401: Bad credentials");
        }
        let body = match body {
            Some(Value::Object(map)) => map,
            Some(_) => return bad_request("the body must be a JSON object", None),
            None => return bad_request("the body is not valid JSON", None),
        };
        let transref_echo = body.get("transref").and_then(Value::as_str);
        let client_id = match string_field(body, "clientid") {
            Ok(c) => c,
            Err(e) => return bad_request(&e, transref_echo),
        };
        if client_id != self.config.client_id(endpoint.carrier()) {
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
        let result = match endpoint.operation() {
            Operation::Payment => self.payment(state, endpoint, body),
            Operation::Status => self.status(state, endpoint, body),
            Operation::Refund => refund(state, endpoint, body),
            Operation::Deposit => self.deposit(state, endpoint, body),
        };
        result.unwrap_or_else(|e| bad_request(&e, transref_echo))
    }

    fn phone(
        &self,
        body: &Map<String, Value>,
        endpoint: Endpoint,
        reference: &str,
    ) -> Result<Phone, Reply> {
        let msisdn = string_field(body, "msisdn").map_err(|e| bad_request(&e, Some(reference)))?;
        let phone = numbering::parse_wire(msisdn, self.config.phone_forms)
            .map_err(|e| bad_request(&e, Some(reference)))?;
        if self.config.refuse_wrong_carrier && phone.carrier() != Some(endpoint.carrier()) {
            return Err(Reply::json(
                400,
                &json!({
                    "responsecode": "515",
                    "responsemsg": format!("WRONG NETWORK: {msisdn} is not a {} number", endpoint.carrier()),
                    "transref": reference,
                }),
            ));
        }
        Ok(phone)
    }

    /// What payments and deposits check before moving money: the number, a fresh reference,
    /// and a subscriber who has an account and does not make the server fail. `Ok` is how the
    /// subscriber behaves; `Err` is the answer that refuses the request.
    fn admit(
        &self,
        state: &State,
        endpoint: Endpoint,
        body: &Map<String, Value>,
        reference: &str,
    ) -> Result<Subscriber, Reply> {
        let phone = self.phone(body, endpoint, reference)?;
        if state.transactions.contains_key(reference) {
            return Err(duplicate(reference));
        }
        let behaviour = state
            .subscribers
            .get(&phone.key())
            .copied()
            .unwrap_or_else(|| Subscriber::magic(phone.last_two()));
        match behaviour.outcome {
            Outcome::NoAccount => Err(no_account(reference)),
            Outcome::ServerError => Err(server_error("the carrier failed to process the request")),
            _ => Ok(behaviour),
        }
    }

    fn payment(
        &self,
        state: &mut State,
        endpoint: Endpoint,
        body: &Map<String, Value>,
    ) -> Result<Reply, String> {
        let reference = transref(body)?;
        let amount = amount(body)?;
        for name in ["firstname", "lastname"] {
            match body.get(name) {
                None | Some(Value::Null | Value::String(_)) => {}
                Some(_) => return Err(format!("{name} must be a string")),
            }
        }
        let behaviour = match self.admit(state, endpoint, body, reference) {
            Ok(admitted) => admitted,
            Err(reply) => return Ok(reply),
        };
        let service_ref = next_service_ref(state);
        let mut tx = Transaction {
            view: TransactionView {
                reference: reference.to_owned(),
                carrier: endpoint.carrier(),
                kind: TransactionKind::Payment,
                msisdn: string_field(body, "msisdn").unwrap_or_default().to_owned(),
                amount,
                state: TransactionState::Pending,
                status_checks: 0,
                service_ref: service_ref.clone(),
            },
            behaviour,
            created_at: Instant::now(),
        };
        let reply = if endpoint.carrier() == Carrier::Moov {
            // Synchronous: the answer carries the outcome, after the customer's delay if any.
            let delay = match behaviour.when {
                When::After(d) => d,
                When::Checks(_) => {
                    tx.resolve();
                    Duration::ZERO
                }
            };
            let mut reply = match behaviour.outcome {
                Outcome::NeverAnswer => pending(202, reference),
                Outcome::Approve => Reply::json(
                    200,
                    &json!({
                        "responsecode": "0",
                        "responsemsg": "SUCCESS",
                        "transref": reference,
                        "serviceref": service_ref,
                        "comment": null,
                    }),
                ),
                Outcome::Decline => declined(reference),
                _ => insufficient(reference),
            };
            if behaviour.outcome != Outcome::NeverAnswer {
                reply.delay = delay;
            }
            reply
        } else {
            pending(202, reference)
        };
        record(state, tx);
        Ok(reply)
    }

    fn status(
        &self,
        state: &mut State,
        endpoint: Endpoint,
        body: &Map<String, Value>,
    ) -> Result<Reply, String> {
        let reference = transref(body)?;
        if endpoint == Endpoint::MoovStatus {
            string_field(body, "specialfield1")?;
        }
        let now = Instant::now();
        let Some(tx) = state
            .transactions
            .get_mut(reference)
            .filter(|tx| tx.view.carrier == endpoint.carrier())
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
        tx.view.status_checks = tx.view.status_checks.saturating_add(1);
        tx.settle(now);
        if tx.view.state == TransactionState::Pending {
            if let When::Checks(n) = tx.behaviour.when {
                if tx.view.status_checks >= n {
                    tx.resolve();
                }
            }
        }
        Ok(match tx.view.state {
            TransactionState::Pending => pending(200, reference),
            TransactionState::Confirmed | TransactionState::Refunded => Reply::json(
                200,
                &json!({
                    "responsecode": "00",
                    "responsemsg": "SUCCESSFUL",
                    "transref": reference,
                    "serviceref": tx.view.service_ref,
                    "comment": "TRANSACTION APPROVED AND PROCESSED SUCCESSFULLY",
                }),
            ),
            TransactionState::Declined => declined(reference),
            TransactionState::InsufficientFunds => insufficient(reference),
        })
    }

    fn deposit(
        &self,
        state: &mut State,
        endpoint: Endpoint,
        body: &Map<String, Value>,
    ) -> Result<Reply, String> {
        let reference = transref(body)?;
        let amount = amount(body)?;
        let behaviour = match self.admit(state, endpoint, body, reference) {
            Ok(admitted) => admitted,
            Err(reply) => return Ok(reply),
        };
        let service_ref = next_service_ref(state);
        let code = if endpoint.carrier() == Carrier::Moov {
            "0"
        } else {
            "00"
        };
        record(
            state,
            Transaction {
                view: TransactionView {
                    reference: reference.to_owned(),
                    carrier: endpoint.carrier(),
                    kind: TransactionKind::Deposit,
                    msisdn: string_field(body, "msisdn").unwrap_or_default().to_owned(),
                    amount,
                    state: TransactionState::Confirmed,
                    status_checks: 0,
                    service_ref: service_ref.clone(),
                },
                behaviour,
                created_at: Instant::now(),
            },
        );
        Ok(Reply::json(
            200,
            &json!({
                "responsecode": code,
                "responsemsg": "SUCCESSFUL",
                "transref": reference,
                "serviceref": service_ref,
            }),
        ))
    }
}

fn refund(
    state: &mut State,
    endpoint: Endpoint,
    body: &Map<String, Value>,
) -> Result<Reply, String> {
    let reference = transref(body)?;
    let now = Instant::now();
    let refused = |reason: &str| {
        Reply::json(
            400,
            &json!({"responsecode": "-1", "responsemsg": reason, "transref": reference}),
        )
    };
    let Some(tx) = state.transactions.get_mut(reference).filter(|tx| {
        tx.view.carrier == endpoint.carrier() && tx.view.kind == TransactionKind::Payment
    }) else {
        return Ok(refused("Transaction not found"));
    };
    tx.settle(now);
    Ok(match tx.view.state {
        TransactionState::Confirmed => {
            tx.view.state = TransactionState::Refunded;
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
    state.order.push(tx.view.reference.clone());
    state.transactions.insert(tx.view.reference.clone(), tx);
}

fn next_service_ref(state: &mut State) -> String {
    let s = state.next_service_ref;
    state.next_service_ref += 1;
    s.to_string()
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

fn fault_action(fault: &Fault, normal: Option<Reply>, transref: Option<&str>) -> Action {
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
    };
    reply.delay = delay;
    Action::Respond(reply)
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

fn reason(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Payload Too Large",
        417 => "Expectation Failed",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Error",
    }
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

fn pending(status: u16, reference: &str) -> Reply {
    Reply::json(
        status,
        &json!({"responsecode": "01", "responsemsg": "PENDING", "transref": reference, "comment": null}),
    )
}

fn declined(reference: &str) -> Reply {
    Reply::json(
        200,
        &json!({"responsecode": "-1", "responsemsg": "FAILED", "transref": reference, "comment": "TRANSACTION DECLINED"}),
    )
}

fn insufficient(reference: &str) -> Reply {
    Reply::json(
        200,
        &json!({"responsecode": "529", "responsemsg": "INSUFFICIENT FUNDS", "transref": reference}),
    )
}

fn string_field<'a>(body: &'a Map<String, Value>, name: &str) -> Result<&'a str, String> {
    match body.get(name) {
        Some(Value::String(s)) => Ok(s),
        None | Some(Value::Null) => Err(format!("missing field {name}")),
        Some(_) => Err(format!("{name} must be a string")),
    }
}

fn transref(body: &Map<String, Value>) -> Result<&str, String> {
    let reference = string_field(body, "transref")?;
    if reference.trim().is_empty() {
        return Err("transref must not be empty".to_owned());
    }
    if reference.len() > 64 {
        return Err("transref is longer than 64 characters".to_owned());
    }
    Ok(reference)
}

fn amount(body: &Map<String, Value>) -> Result<u64, String> {
    let text = string_field(body, "amount")?;
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

fn journal_report(journal: &[RecordedRequest]) -> String {
    if journal.is_empty() {
        return "Requests received: none".to_owned();
    }
    let mut out = format!("Requests received ({}):", journal.len());
    for (i, r) in journal.iter().enumerate() {
        out.push_str(&format!("\n  {}. {}", i + 1, r.line()));
    }
    out
}
