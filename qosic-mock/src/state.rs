//! What the server keeps behind its lock, every collection fed by requests capped: the
//! transactions, subscribers, faults, expectations, the journal and verification's counts.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use crate::callback::Ended;
use crate::config::Limits;
use crate::endpoint::table;
use crate::endpoint::{Carrier, Endpoint};
use crate::fault::Fault;
use crate::journal::{self, Journal};
use crate::model::{Ledger, TransactionKind, TransactionState, TransactionView};
use crate::subscriber::{Outcome, Subscriber, When};

/// The views of transactions copied out of the state (built without the lock), oldest
/// first: service references are given in order.
pub(crate) fn views(mut transactions: Vec<Transaction>) -> Vec<TransactionView> {
    transactions.sort_unstable_by_key(|tx| tx.service_ref);
    transactions.iter().map(Transaction::view).collect()
}

/// A transaction as kept: one allocation (the reference, shared with the tables' keys) and
/// numbers as numbers, about a quarter of the memory of a [`TransactionView`].
#[derive(Clone)]
pub(crate) struct Transaction {
    pub(crate) reference: Arc<str>,
    pub(crate) carrier: Carrier,
    pub(crate) kind: TransactionKind,
    pub(crate) state: TransactionState,
    pub(crate) status_checks: u32,
    /// The `msisdn` as sent: digits only, `228` or `229` first, so a number keeps it exactly.
    pub(crate) msisdn: u64,
    pub(crate) amount: u64,
    pub(crate) service_ref: u64,
    pub(crate) behaviour: Subscriber,
    pub(crate) created_at: Instant,
}

impl Transaction {
    pub(crate) fn view(&self) -> TransactionView {
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
    pub(crate) fn settle(&mut self, now: Instant) {
        if self.state != TransactionState::Pending {
            return;
        }
        if let When::After(delay) = self.behaviour.when {
            if now.saturating_duration_since(self.created_at) >= delay {
                self.resolve();
            }
        }
    }

    pub(crate) fn resolve(&mut self) {
        self.state = match self.behaviour.outcome {
            Outcome::Approves => TransactionState::Confirmed,
            Outcome::Declines => TransactionState::Declined,
            Outcome::InsufficientFunds => TransactionState::InsufficientFunds,
            Outcome::NoAccount | Outcome::NeverAnswers | Outcome::ServerError => {
                TransactionState::Pending
            }
        };
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Expectation {
    pub(crate) endpoint: Endpoint,
    pub(crate) count: usize,
}

/// The counts verification needs, kept apart from the journal so that they stay exact
/// however many journal entries were dropped.
#[derive(Debug)]
pub(crate) struct Tally {
    /// Requests received per endpoint, indexed like [`Endpoint::all`].
    pub(crate) per_endpoint: Vec<u64>,
    /// Payment requests with accepted credentials, by `transref` (the key is shared with
    /// the transaction's).
    pub(crate) payment_requests: HashMap<Arc<str>, u32>,
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
    pub(crate) fn endpoint(&self, endpoint: Endpoint) -> u64 {
        endpoint
            .index()
            .and_then(|i| self.per_endpoint.get(i))
            .copied()
            .unwrap_or(0)
    }
}

/// What the server keeps, behind one lock ([`crate::shared::Shared`]'s).
pub(crate) struct State {
    pub(crate) transactions: HashMap<Arc<str>, Transaction>,
    pub(crate) subscribers: HashMap<String, Subscriber>,
    /// The faults programmed, each with how many requests it applied to.
    pub(crate) faults: Vec<(Fault, usize)>,
    pub(crate) journal: Journal,
    pub(crate) tally: Tally,
    pub(crate) expectations: Vec<Expectation>,
    pub(crate) next_service_ref: u64,
    /// Transactions that ended (or will, after their subscriber's delay) since the events
    /// were last taken: the callbacks to send. Taken after each request, so it holds at
    /// most one request's worth.
    pub(crate) ended: Vec<(Ended, Duration)>,
}

impl State {
    pub(crate) fn new(limits: &Limits, next_service_ref: u64) -> State {
        State {
            transactions: HashMap::new(),
            subscribers: HashMap::new(),
            faults: Vec::new(),
            journal: Journal::new(limits.journal_capacity),
            tally: Tally::default(),
            expectations: Vec::new(),
            next_service_ref,
            ended: Vec::new(),
        }
    }

    /// Records that `tx` ended now, or will end after its subscriber's delay: QosIc calls
    /// back when a payment is confirmed or fails and when a deposit is done.
    pub(crate) fn record_end(&mut self, tx: &Transaction) {
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
        self.ended.push((ended, after));
    }

    /// Every transaction, settled as time made it known.
    pub(crate) fn settled(&mut self) -> impl Iterator<Item = &Transaction> {
        let now = Instant::now();
        self.transactions.values_mut().for_each(|tx| tx.settle(now));
        self.transactions.values()
    }

    /// The money that moved.
    pub(crate) fn ledger(&mut self) -> Ledger {
        use TransactionKind::{Deposit, Payment};
        let mut ledger = Ledger::default();
        for tx in self.settled() {
            let add = |total: &mut u64| *total = total.saturating_add(tx.amount);
            match (tx.kind, tx.state) {
                (Deposit, TransactionState::Confirmed) => add(&mut ledger.paid_out),
                (Payment, TransactionState::Confirmed) => add(&mut ledger.collected),
                (Payment, TransactionState::Refunded) => {
                    add(&mut ledger.collected);
                    add(&mut ledger.refunded);
                }
                (Payment, TransactionState::Pending) => add(&mut ledger.pending),
                _ => {}
            }
        }
        ledger
    }

    /// Unmet expectations, as a readable report (`None` when all are met).
    pub(crate) fn verification_report(&self) -> Option<String> {
        let failures: Vec<String> = self
            .expectations
            .iter()
            .filter_map(|e| {
                let got = self.tally.endpoint(e.endpoint);
                (got != e.count as u64).then(|| {
                    format!(
                        "- {}: expected {} request(s), received {got}",
                        e.endpoint, e.count
                    )
                })
            })
            .collect();
        if failures.is_empty() {
            return None;
        }
        Some(format!(
            "qosic-mock: expectations not met:\n{}\n{}",
            failures.join("\n"),
            journal::report(&self.journal)
        ))
    }

    /// The first programmed fault left that matches `endpoint`, used once more.
    pub(crate) fn take_fault(&mut self, endpoint: Option<Endpoint>) -> Option<Fault> {
        let (fault, used) = self.faults.iter_mut().find(|(fault, used)| {
            let left = fault.times.is_none_or(|n| *used < n);
            left && fault.endpoint.is_none_or(|e| Some(e) == endpoint)
        })?;
        *used += 1;
        Some(fault.clone())
    }

    /// Counts a payment request under `reference`; `false` when the table of references
    /// is full and this one is new.
    pub(crate) fn count_payment_request(&mut self, reference: &str, max: usize) -> bool {
        let table = &mut self.tally.payment_requests;
        if let Some(n) = table.get_mut(reference) {
            *n = n.saturating_add(1);
            return true;
        }
        if table.len() >= max {
            return false;
        }
        table.insert(reference.into(), 1);
        true
    }

    /// Keeps `tx`, under a reference shared with its payment-request count if any.
    pub(crate) fn record(&mut self, mut tx: Transaction) {
        if let Some((key, _)) = self.tally.payment_requests.get_key_value(&*tx.reference) {
            tx.reference = Arc::clone(key);
        }
        self.transactions.insert(Arc::clone(&tx.reference), tx);
    }

    /// The next service reference.
    pub(crate) fn next_service_ref(&mut self) -> u64 {
        let s = self.next_service_ref;
        self.next_service_ref += 1;
        s
    }
}
