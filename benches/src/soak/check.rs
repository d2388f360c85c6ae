//! The checks: the SDK's view of every job, after settling, against the fake server's books
//! and what the fault plan saw; every breach of a promise is counted.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::Ordering;
use std::time::Duration;

use qosic::mock::{Endpoint, MockQosic, TransactionKind, TransactionState, TransactionView};
use qosic::{Delivery, Status, WINDOW_GRACE};

use super::plan::{Carrier, FaultKind, Operation, Plan};
use super::report::{call_name, view_name, Figures, Report};
use super::run::{soaked_endpoints, Observed, Record, View};
use super::Settings;

/// How many violations a report keeps the text of (all are counted).
const KEPT_VIOLATIONS: usize = 50;

/// The fake server's books, read after the run.
#[derive(Debug)]
pub(super) struct Books {
    transactions: HashMap<String, TransactionView>,
    ledger: qosic::mock::Ledger,
    /// The server's count of payment requests per job (exact, kept apart from its journal).
    payment_requests: Vec<usize>,
}

impl Books {
    pub(super) fn read(mock: &MockQosic, plan: &Plan) -> Books {
        Books {
            transactions: mock
                .transactions()
                .into_iter()
                .map(|tx| (tx.reference.clone(), tx))
                .collect(),
            ledger: mock.ledger(),
            payment_requests: plan
                .jobs()
                .iter()
                .map(|job| mock.payment_requests(&job.reference))
                .collect(),
        }
    }
}

/// The inputs of [`Report::check`].
pub(super) struct Checked<'a> {
    pub(super) settings: &'a Settings,
    pub(super) plan: &'a Plan,
    pub(super) records: &'a [Option<Record>],
    pub(super) observed: &'a Observed,
    pub(super) books: &'a Books,
    pub(super) panics: usize,
    pub(super) run_time: Duration,
    pub(super) settle_time: Duration,
    pub(super) settled_count: usize,
}

/// The invariants a soak checks, in the order reports list them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Invariant {
    InitiatedOnce,
    BooksAgree,
    RefusalsMovedNothing,
    ReferenceCarried,
    NoPanic,
    WithinWindow,
}

/// Breaches, by invariant: all counted, the first [`KEPT_VIOLATIONS`] kept.
#[derive(Debug, Default)]
pub(super) struct Breaches {
    counts: BTreeMap<Invariant, usize>,
    pub(super) kept: Vec<String>,
}

impl Breaches {
    fn add(&mut self, invariant: Invariant, what: String) {
        *self.counts.entry(invariant).or_default() += 1;
        if self.kept.len() < KEPT_VIOLATIONS {
            self.kept.push(what);
        }
    }

    fn count(&self, invariant: Invariant) -> usize {
        self.counts.get(&invariant).copied().unwrap_or(0)
    }

    pub(super) fn total(&self) -> usize {
        self.counts.values().sum()
    }

    pub(super) fn mark(&self, invariant: Invariant) -> &'static str {
        if self.count(invariant) == 0 {
            "[held]  "
        } else {
            "[BROKEN]"
        }
    }
}

/// Sums of money, in XOF, and how many transactions they cover.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Money {
    pub(super) count: usize,
    pub(super) xof: u64,
}

impl Money {
    fn add(&mut self, xof: u64) {
        self.count += 1;
        self.xof = self.xof.saturating_add(xof);
    }
}

/// The longest call of a kind, and its overshoot past the bound that has no grace.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Longest {
    pub(super) calls: usize,
    pub(super) longest: Duration,
    pub(super) overshoot: Duration,
}

impl Report {
    /// Checks every promise on what a run recorded, then writes the report.
    pub(super) fn check(input: Checked<'_>) -> Report {
        let Checked {
            settings,
            plan,
            records,
            observed,
            books,
            panics,
            run_time,
            settle_time,
            settled_count,
        } = input;
        let jobs = plan.jobs();
        let mut breaches = Breaches::default();

        // What ran.
        let mut by_job: BTreeMap<(Carrier, Operation), usize> = BTreeMap::new();
        let mut first: BTreeMap<String, usize> = BTreeMap::new();
        let mut refunds: BTreeMap<String, usize> = BTreeMap::new();
        let mut settled: BTreeMap<String, usize> = BTreeMap::new();
        let mut recovered = 0usize;
        let mut status_checks = 0u64;
        for (job, record) in jobs.iter().zip(records) {
            *by_job.entry((job.carrier, job.operation)).or_default() += 1;
            let Some(record) = record else { continue };
            *first.entry(call_name(&record.first)).or_default() += 1;
            if let Ok(seen) = &record.first.result {
                status_checks += u64::from(seen.status_checks);
            }
            if let Some(refund) = &record.refund {
                *refunds.entry(call_name(refund)).or_default() += 1;
            }
            if let Some(result) = &record.settled {
                let name = match result {
                    Ok(status) => status.as_str().to_owned(),
                    Err(failure) => format!("error ({})", failure.kind),
                };
                *settled.entry(name).or_default() += 1;
                if matches!(result, Ok(Status::Confirmed)) {
                    recovered += 1;
                }
            }
        }

        // No panic; a job whose task panicked has no record.
        for (job, record) in jobs.iter().zip(records) {
            if record.is_none() {
                breaches.add(
                    Invariant::NoPanic,
                    format!("{}: the job's task panicked", job.reference),
                );
            }
        }
        if panics > 0 {
            breaches.add(
                Invariant::NoPanic,
                format!("{panics} panic(s) in the SDK, the server or the soak"),
            );
        }

        // Every outcome and every error after send carries its own reference.
        let (mut outcomes, mut errors_after_send) = (0usize, 0usize);
        for (job, record) in jobs.iter().zip(records) {
            let Some(record) = record else { continue };
            for call in std::iter::once(&record.first).chain(record.refund.as_ref()) {
                match &call.result {
                    Ok(seen) => {
                        outcomes += 1;
                        if seen.reference != job.reference {
                            breaches.add(
                                Invariant::ReferenceCarried,
                                format!(
                                    "{}: its outcome carries reference {}",
                                    job.reference, seen.reference
                                ),
                            );
                        }
                    }
                    Err(failure) => {
                        if failure.kind == "invalid input" {
                            breaches.add(
                                Invariant::ReferenceCarried,
                                format!(
                                    "{}: refused before any I/O: {}",
                                    job.reference, failure.text
                                ),
                            );
                        }
                        if failure.delivery != Delivery::NotSent {
                            errors_after_send += 1;
                        }
                        let carried = failure.reference.as_deref() == Some(job.reference.as_str());
                        if failure.delivery != Delivery::NotSent && !carried {
                            breaches.add(
                                Invariant::ReferenceCarried,
                                format!(
                                    "{}: an error after send carries {:?}: {}",
                                    job.reference, failure.reference, failure.text
                                ),
                            );
                        }
                    }
                }
            }
        }

        // No call outlives its window by more than the grace.
        let (mut pays, mut others) = (Longest::default(), Longest::default());
        for (job, record) in jobs.iter().zip(records) {
            let Some(record) = record else { continue };
            let first_bound = match job.operation {
                Operation::Deposit => settings.timeout,
                _ => settings.timeout + settings.window,
            };
            let mut calls = vec![(
                &record.first,
                first_bound,
                job.operation != Operation::Deposit,
            )];
            if let Some(refund) = &record.refund {
                calls.push((refund, settings.timeout, false));
            }
            for (call, bound, is_pay) in calls {
                let longest = if is_pay { &mut pays } else { &mut others };
                longest.calls += 1;
                longest.longest = longest.longest.max(call.elapsed);
                let overshoot = call.elapsed.saturating_sub(bound);
                longest.overshoot = longest.overshoot.max(overshoot);
                if overshoot > WINDOW_GRACE {
                    breaches.add(
                        Invariant::WithinWindow,
                        format!(
                            "{}: a call took {} ms, {} ms past its window ({} ms) and beyond the grace",
                            job.reference,
                            call.elapsed.as_millis(),
                            overshoot.as_millis(),
                            bound.as_millis()
                        ),
                    );
                }
            }
        }

        // No reference initiated twice.
        let (mut max_payment_requests, mut max_initiations, mut max_refunds) = (0, 0, 0);
        for (job, count) in jobs.iter().zip(&books.payment_requests) {
            let initiations = observed.initiations[job.index].load(Ordering::Relaxed);
            let refunds_sent = observed.refunds[job.index].load(Ordering::Relaxed);
            max_payment_requests = max_payment_requests.max(*count);
            max_initiations = max_initiations.max(initiations);
            max_refunds = max_refunds.max(refunds_sent);
            if *count > 1 || initiations > 1 || refunds_sent > 1 {
                breaches.add(
                    Invariant::InitiatedOnce,
                    format!(
                        "{}: {count} payment request(s) (server's count), {initiations} payment or \
                         deposit request(s), {refunds_sent} refund(s)",
                        job.reference
                    ),
                );
            }
        }
        let strangers = observed.strangers.load(Ordering::Relaxed);
        if strangers > 0 {
            breaches.add(
                Invariant::InitiatedOnce,
                format!("{strangers} request(s) carried a reference of no job"),
            );
        }

        // The SDK's view after settling equals the server's books, amounts included.
        let (mut collected, mut paid_out, mut pending) =
            (Money::default(), Money::default(), Money::default());
        let (mut refunded_sdk, mut refunded_books) = (Money::default(), Money::default());
        let (mut refund_unknown, mut refund_unknown_made) = (0usize, 0usize);
        let mut unsettled = 0usize;
        let mut answered_errors = 0usize;
        for (job, record) in jobs.iter().zip(records) {
            let Some(record) = record else { continue };
            let tx = books.transactions.get(&job.reference);
            let kind = match job.operation {
                Operation::Deposit => TransactionKind::Deposit,
                _ => TransactionKind::Payment,
            };
            if let Some(tx) = tx {
                if tx.kind != kind || tx.amount != job.amount {
                    breaches.add(
                        Invariant::BooksAgree,
                        format!(
                            "{}: the server recorded a {:?} of {} XOF, the job sent a {:?} of {} XOF",
                            job.reference, tx.kind, tx.amount, kind, job.amount
                        ),
                    );
                }
            }
            let state = tx.map(|tx| tx.state);
            // An error that says the server answered (a refusal) means nothing was made.
            if let Err(failure) = &record.first.result {
                if failure.delivery == Delivery::Answered {
                    answered_errors += 1;
                    if state.is_some() {
                        breaches.add(
                            Invariant::RefusalsMovedNothing,
                            format!(
                                "{}: the SDK answered {} ({}), but the server has {:?}",
                                job.reference, failure.kind, failure.text, state
                            ),
                        );
                    }
                }
            }
            let debited = matches!(
                state,
                Some(TransactionState::Confirmed | TransactionState::Refunded)
            );
            let view = record.view();
            let agrees = match view {
                View::Status(Status::Confirmed) => debited,
                View::Status(Status::Failed) => matches!(
                    state,
                    None | Some(TransactionState::Declined | TransactionState::InsufficientFunds)
                ),
                View::Status(Status::Pending) => state == Some(TransactionState::Pending),
                View::Status(_) | View::NotSent => state.is_none(),
                View::Unsettled => {
                    unsettled += 1;
                    false
                }
            };
            if !agrees {
                breaches.add(
                    Invariant::BooksAgree,
                    format!(
                        "{}: the SDK says {}, the server has {:?}",
                        job.reference,
                        view_name(view, record),
                        state
                    ),
                );
            }
            match (view, kind) {
                (View::Status(Status::Confirmed), TransactionKind::Deposit) => {
                    paid_out.add(job.amount);
                }
                (View::Status(Status::Confirmed), _) => collected.add(job.amount),
                (View::Status(Status::Pending), TransactionKind::Payment) => {
                    pending.add(job.amount);
                }
                _ => {}
            }

            // Refunds: none made that the SDK reports failed or refused, none reported
            // confirmed that was not made.
            let made = state == Some(TransactionState::Refunded);
            if made {
                refunded_books.add(job.amount);
            }
            let Some(refund) = &record.refund else {
                if made {
                    breaches.add(
                        Invariant::BooksAgree,
                        format!("{}: refunded, but the job sent no refund", job.reference),
                    );
                }
                continue;
            };
            let agrees = match &refund.result {
                Ok(seen) if seen.status == Status::Confirmed => {
                    refunded_sdk.add(job.amount);
                    made
                }
                Ok(seen) if seen.status == Status::Failed => !made,
                Err(failure) if failure.delivery == Delivery::Answered => {
                    answered_errors += 1;
                    if made {
                        breaches.add(
                            Invariant::RefusalsMovedNothing,
                            format!(
                                "{}: the SDK answered the refund with {} ({}), but it was made",
                                job.reference, failure.kind, failure.text
                            ),
                        );
                    }
                    true
                }
                Err(failure) if failure.delivery == Delivery::NotSent => !made,
                _ => {
                    refund_unknown += 1;
                    refund_unknown_made += usize::from(made);
                    true
                }
            };
            if !agrees {
                breaches.add(
                    Invariant::BooksAgree,
                    format!(
                        "{}: the SDK says the refund is {}, the server has {:?}",
                        job.reference,
                        call_name(refund),
                        state
                    ),
                );
            }
        }
        let ledger = books.ledger;
        for (what, sdk, books_xof) in [
            ("collected", collected.xof, ledger.collected),
            ("paid out", paid_out.xof, ledger.paid_out),
            ("pending", pending.xof, ledger.pending),
            ("refunded", refunded_books.xof, ledger.refunded),
        ] {
            if sdk != books_xof {
                breaches.add(
                    Invariant::BooksAgree,
                    format!(
                        "{what}: the SDK's view sums to {sdk} XOF, the ledger to {books_xof} XOF"
                    ),
                );
            }
        }
        let strange_transactions = books
            .transactions
            .keys()
            .filter(|r| plan.job_of(r).is_none())
            .count();
        if strange_transactions > 0 {
            breaches.add(
                Invariant::BooksAgree,
                format!("{strange_transactions} transaction(s) under a reference of no job"),
            );
        }

        // Coverage: every fault kind, and faults on every endpoint.
        let tally = observed
            .faults
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let mut uncovered = Vec::new();
        for kind in FaultKind::ALL {
            if !tally.by_kind.contains_key(&kind) {
                uncovered.push(format!("fault kind never injected: {}", kind.name()));
            }
        }
        for endpoint in soaked_endpoints() {
            if !tally.by_endpoint.contains_key(endpoint.name()) {
                uncovered.push(format!("endpoint without a fault: {endpoint}"));
            }
        }

        // The figures of the text.
        let requests: Vec<(Endpoint, u64)> = soaked_endpoints()
            .zip(&observed.requests)
            .map(|(e, n)| (e, n.load(Ordering::Relaxed)))
            .collect();
        let total_requests: u64 = requests.iter().map(|(_, n)| n).sum();
        let total_faults: u64 = tally.by_kind.values().sum();
        Report::new(Figures {
            settings,
            plan,
            jobs,
            run_time,
            settle_time,
            settled_count,
            panics,
            by_job,
            first,
            refunds,
            settled,
            recovered,
            status_checks,
            outcomes,
            errors_after_send,
            pays,
            others,
            max_payment_requests,
            max_initiations,
            max_refunds,
            strangers,
            collected,
            paid_out,
            pending,
            refunded_sdk,
            refunded_books,
            refund_unknown,
            refund_unknown_made,
            unsettled,
            answered_errors,
            ledger,
            tally,
            requests,
            total_requests,
            total_faults,
            breaches,
            uncovered,
        })
    }
}
