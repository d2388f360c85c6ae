//! The fake server shared by every way in (HTTP, in-process, admin API): its settings, its
//! state behind one lock, its fault plan, its counters and its callback sender.
//!
//! A wire request is handled in [`Shared::handle_wire`]: read the body (`wire.rs`), pick
//! a fault, answer (`protocol.rs`), journal, then hand the transactions that ended to the
//! callback sender (`sender.rs`). The state never calls the sender: it records the ends.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use qosic_core::Credentials;
use tokio::time::Instant;

use crate::callback::Ended;
use crate::card::Cards;
use crate::config::{Config, MAX_FAULTS, MAX_SUBSCRIBERS};
use crate::endpoint::Endpoint;
use crate::fault::{Fault, FaultKind, FaultPlan, PlannedRequest};
use crate::holder::Holders;
use crate::journal::{NewEntry, RecordedRequest};
use crate::model::{TransactionKind, TransactionView};
use crate::numbering;
use crate::protocol::fault_action;
use crate::reply::{clip, fail, lock, Action, Incoming};
use crate::sender::Callbacks;
use crate::state::{self, Expectation, State, Transaction};
use crate::subscriber::Subscriber;
use crate::wire::{Parsed, MAX_TRANSREF};

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
    /// The callback sender, fed the transactions that ended after each request.
    pub(crate) callbacks: Callbacks,
    /// Programmed account holders (`holder.rs`).
    pub(crate) holders: Holders,
    /// Card payments and their settings (`card.rs`).
    pub(crate) cards: Cards,
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
            holders: Holders::default(),
            cards: Cards::default(),
        }
    }

    /// The state, behind its lock.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

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
        state.faults.push((fault, 0));
        Ok(())
    }

    pub(crate) fn clear_faults(&self) {
        self.lock().faults = Vec::new();
        *lock(&self.plan) = None;
    }

    pub(crate) fn set_plan(&self, plan: FaultPlan) {
        *lock(&self.plan) = Some(plan);
    }

    /// What the fault plan, if any, decides for this request; run without any lock held.
    fn planned_fault(&self, endpoint: Option<Endpoint>, transref: Option<&str>) -> Option<Fault> {
        let endpoint = endpoint?;
        let plan = lock(&self.plan).clone()?;
        plan(&PlannedRequest { endpoint, transref })
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
        *lock(&self.plan) = None;
        // Free the old state after the lock is released.
        drop(old);
        self.callbacks.reset();
        self.holders.clear();
        self.cards.clear();
    }

    pub(crate) fn journal(&self) -> Vec<RecordedRequest> {
        let entries = self.lock().journal.snapshot(0, usize::MAX);
        entries.iter().map(|e| e.to_recorded()).collect()
    }

    /// The journal's requests to `endpoint`, oldest first.
    pub(crate) fn journal_of(&self, endpoint: Endpoint) -> Vec<RecordedRequest> {
        let entries = self.lock().journal.snapshot(0, usize::MAX);
        entries
            .iter()
            .filter(|e| e.endpoint == Some(endpoint))
            .map(|e| e.to_recorded())
            .collect()
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
        state::views(self.transactions_snapshot())
    }

    /// Every transaction as it stands, copied under the lock (reference counts and numbers,
    /// no text), so that the views can be built after the lock is released.
    pub(crate) fn transactions_snapshot(&self) -> Vec<Transaction> {
        self.lock().settled().cloned().collect()
    }

    /// Handles one request to the wire protocol (not the admin API). Never panics,
    /// whatever the request.
    pub(crate) fn handle_wire(&self, req: &Incoming<'_>) -> Action {
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
                state.count_payment_request(r, self.config.limits.max_transactions)
            }
            _ => true,
        };
        let fault = counted.then(|| planned.or_else(|| state.take_fault(endpoint)));
        let fault = fault.flatten();
        let fault_name = fault.as_ref().map(Fault::describe);
        let (config, holders) = (&self.config, &self.holders);
        let answer = |state: &mut State| {
            config.answer(state, holders, req, endpoint, &parsed, auth_accepted)
        };
        let action = match fault {
            _ if !counted => Action::Respond(self.config.full()),
            None => Action::Respond(answer(&mut state)),
            // Only a plan's fault can be invalid: `add_fault` checks the others.
            Some(fault) => match fault.check() {
                Err(why) => {
                    let detail = format!("invalid fault from the fault plan: {why}");
                    Action::Respond(fail(500, &detail))
                }
                Ok(()) => {
                    let acted = fault.after_recording || fault.kind == FaultKind::Delay;
                    let normal = acted.then(|| answer(&mut state));
                    fault_action(&fault, normal, endpoint, transref)
                }
            },
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
        // The transactions that ended go to the callback sender, in order (still under the
        // state's lock, so that concurrent requests cannot swap them).
        for (ended, after) in state.ended.drain(..) {
            self.callbacks.ended(&ended, after);
        }
        action
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

    /// Sends a forged `SUCCESSFUL` callback for `reference` now (see
    /// [`crate::MockQosic::forge_callback`]).
    pub(crate) fn forge_callback(
        &self,
        reference: &str,
        amount: Option<u64>,
    ) -> Result<(), String> {
        if reference.is_empty() {
            return Err("a forged callback needs a reference".to_owned());
        }
        if reference.len() > MAX_TRANSREF {
            return Err(format!(
                "a forged callback's reference has at most {MAX_TRANSREF} bytes, like any transref the server accepts (got {})",
                reference.len()
            ));
        }
        let known = self.transaction(reference);
        let amount = match (amount, &known) {
            (Some(0), _) => return Err("a forged callback's amount must be positive".to_owned()),
            (Some(amount), _) => amount,
            (None, Some(tx)) => tx.amount,
            (None, None) => {
                return Err(format!(
                    "the server knows no transaction {:?}: give the forged callback's amount",
                    clip(reference)
                ))
            }
        };
        self.callbacks.forge(&Ended {
            reference: Arc::from(reference),
            kind: known
                .as_ref()
                .map_or(TransactionKind::Payment, |tx| tx.kind),
            succeeded: true,
            amount,
            service_ref: known.map_or_else(|| "0".to_owned(), |tx| tx.service_ref),
        });
        Ok(())
    }
}
