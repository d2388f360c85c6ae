//! The report: the figures of a run and every breach found, as text and as data.

use std::collections::BTreeMap;
use std::fmt;
use std::fmt::Write as _;
use std::time::Duration;

use qosic::mock::{Endpoint, Ledger};
use qosic::WINDOW_GRACE;

use super::check::{Breaches, Invariant, Longest, Money};
use super::plan::{Carrier, FaultKind, Job, Operation, Plan};
use super::run::{soaked_endpoints, Call, FaultTally, Record, View};
use super::Settings;

/// What a soak did and found: the figures, and every breach of a promise.
#[derive(Debug, Clone)]
pub struct Report {
    text: String,
    violations: Vec<String>,
    violation_count: usize,
    uncovered: Vec<String>,
    jobs: usize,
    faults: u64,
    requests: u64,
}

impl Report {
    /// The breaches of the SDK's promises (at most 50 kept; see [`Report::violation_count`]).
    /// Empty when every invariant held.
    pub fn violations(&self) -> &[String] {
        &self.violations
    }

    /// How many breaches were found in all.
    pub fn violation_count(&self) -> usize {
        self.violation_count
    }

    /// The fault kinds never injected and the endpoints that got no fault: a run too small
    /// to cover them all tests less than it says. Empty for a run of the default size.
    pub fn uncovered(&self) -> &[String] {
        &self.uncovered
    }

    /// How many jobs ran.
    pub fn jobs(&self) -> usize {
        self.jobs
    }

    /// How many faults were injected.
    pub fn faults(&self) -> u64 {
        self.faults
    }

    /// How many requests the fake server received while faults were on.
    pub fn requests(&self) -> u64 {
        self.requests
    }
}

/// What the checks counted, for the text of the report.
pub(super) struct Figures<'a> {
    pub(super) settings: &'a Settings,
    pub(super) plan: &'a Plan,
    pub(super) jobs: &'a [Job],
    pub(super) run_time: Duration,
    pub(super) settle_time: Duration,
    pub(super) settled_count: usize,
    pub(super) panics: usize,
    pub(super) by_job: BTreeMap<(Carrier, Operation), usize>,
    pub(super) first: BTreeMap<String, usize>,
    pub(super) refunds: BTreeMap<String, usize>,
    pub(super) settled: BTreeMap<String, usize>,
    pub(super) recovered: usize,
    pub(super) status_checks: u64,
    pub(super) outcomes: usize,
    pub(super) errors_after_send: usize,
    pub(super) pays: Longest,
    pub(super) others: Longest,
    pub(super) max_payment_requests: usize,
    pub(super) max_initiations: u32,
    pub(super) max_refunds: u32,
    pub(super) strangers: u64,
    pub(super) collected: Money,
    pub(super) paid_out: Money,
    pub(super) pending: Money,
    pub(super) refunded_sdk: Money,
    pub(super) refunded_books: Money,
    pub(super) refund_unknown: usize,
    pub(super) refund_unknown_made: usize,
    pub(super) unsettled: usize,
    pub(super) answered_errors: usize,
    pub(super) ledger: Ledger,
    pub(super) tally: FaultTally,
    pub(super) requests: Vec<(Endpoint, u64)>,
    pub(super) total_requests: u64,
    pub(super) total_faults: u64,
    pub(super) breaches: Breaches,
    pub(super) uncovered: Vec<String>,
}

impl Report {
    /// The report of `figures`: its text, and the breaches as data.
    pub(super) fn new(figures: Figures<'_>) -> Report {
        let Figures {
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
        } = figures;
        let mut t = String::new();
        let seconds = run_time.as_secs_f64();
        let _ = writeln!(
            t,
            "fault soak: seed {} (plan fingerprint {:016x}), {} jobs, {} at once",
            settings.seed,
            plan.fingerprint(),
            thousands(jobs.len() as u64),
            settings.concurrency
        );
        let _ = writeln!(
            t,
            "settings: faults on {}% of requests; request timeout {} ms; polling every {} ms for {} ms; \
             WINDOW_GRACE {} s",
            settings.fault_percent,
            settings.timeout.as_millis(),
            settings.step.as_millis(),
            settings.window.as_millis(),
            WINDOW_GRACE.as_secs()
        );
        let _ = writeln!(
            t,
            "run: {:.1} s ({:.0} jobs/s); settling: {} references checked in {:.1} s",
            seconds,
            jobs.len() as f64 / seconds.max(1e-9),
            thousands(settled_count as u64),
            settle_time.as_secs_f64()
        );
        let _ = writeln!(t, "\njobs, by carrier and operation:");
        for carrier in [Carrier::Mtn, Carrier::Moov, Carrier::Celtiis] {
            let row: Vec<String> = [Operation::Pay, Operation::PayThenRefund, Operation::Deposit]
                .iter()
                .filter_map(|op| {
                    by_job
                        .get(&(carrier, *op))
                        .map(|n| format!("{} {}", op.name(), thousands(*n as u64)))
                })
                .collect();
            let _ = writeln!(t, "  {:<8} {}", carrier.name(), row.join(", "));
        }
        let _ = writeln!(
            t,
            "requests received by the server (fault soak phase): {} ({} status checks by pay calls)",
            thousands(total_requests),
            thousands(status_checks)
        );
        let listed: Vec<String> = requests
            .iter()
            .map(|(e, n)| format!("{e} {}", thousands(*n)))
            .collect();
        let _ = writeln!(t, "  {}", listed.join(", "));
        let _ = writeln!(
            t,
            "\nfaults injected: {} ({:.1}% of requests), by kind:",
            thousands(total_faults),
            100.0 * total_faults as f64 / (total_requests.max(1) as f64)
        );
        for kind in FaultKind::ALL {
            let n = tally.by_kind.get(&kind).copied().unwrap_or(0);
            let statuses: Vec<String> = kind
                .statuses()
                .iter()
                .map(|s| {
                    let n = tally.by_status.get(s).copied().unwrap_or(0);
                    format!("{s}: {}", thousands(n))
                })
                .collect();
            let detail = if statuses.is_empty() {
                String::new()
            } else {
                format!(" ({})", statuses.join(", "))
            };
            let _ = writeln!(t, "  {:<30} {:>7}{detail}", kind.name(), thousands(n));
        }
        let by_endpoint: Vec<String> = soaked_endpoints()
            .map(|e| {
                let n = tally.by_endpoint.get(e.name()).copied().unwrap_or(0);
                format!("{e} {}", thousands(n))
            })
            .collect();
        let _ = writeln!(t, "by endpoint: {}", by_endpoint.join(", "));
        let _ = writeln!(t, "\nwhat the SDK said:");
        let _ = writeln!(t, "  payments and deposits: {}", counts(&first));
        let _ = writeln!(t, "  refunds: {}", counts(&refunds));
        let _ = writeln!(
            t,
            "  after settling by reference: {} (confirmed only then: {})",
            counts(&settled),
            thousands(recovered as u64)
        );
        let _ = writeln!(t, "\ninvariants:");
        let _ = writeln!(
            t,
            "  {} no reference initiated twice: {} references; at most {} payment request(s) per \
             reference (the server's count), {} payment or deposit request(s), {} refund(s); {} \
             request(s) with a reference of no job",
            breaches.mark(Invariant::InitiatedOnce),
            thousands(jobs.len() as u64),
            max_payment_requests,
            max_initiations,
            max_refunds,
            strangers
        );
        let _ = writeln!(
            t,
            "  {} the SDK's view after settling equals the ledger, amounts included: confirmed \
             payments {} for {} XOF (ledger collected {} XOF); deposits {} for {} XOF (paid out \
             {} XOF); pending {} for {} XOF (pending {} XOF); refunds the SDK confirmed {} for {} \
             XOF, refunds made {} for {} XOF (refunded {} XOF), of which {} among the {} refunds \
             whose outcome the SDK left unknown; unsettled {}",
            breaches.mark(Invariant::BooksAgree),
            thousands(collected.count as u64),
            thousands(collected.xof),
            thousands(ledger.collected),
            thousands(paid_out.count as u64),
            thousands(paid_out.xof),
            thousands(ledger.paid_out),
            thousands(pending.count as u64),
            thousands(pending.xof),
            thousands(ledger.pending),
            thousands(refunded_sdk.count as u64),
            thousands(refunded_sdk.xof),
            thousands(refunded_books.count as u64),
            thousands(refunded_books.xof),
            thousands(ledger.refunded),
            thousands(refund_unknown_made as u64),
            thousands(refund_unknown as u64),
            thousands(unsettled as u64)
        );
        let _ = writeln!(
            t,
            "  {} no false refusal: none of the {} errors that say the server answered (a \
             refusal, not a server error) came with money moved",
            breaches.mark(Invariant::RefusalsMovedNothing),
            thousands(answered_errors as u64)
        );
        let _ = writeln!(
            t,
            "  {} every outcome ({}) and every error after send ({}) carries its reference",
            breaches.mark(Invariant::ReferenceCarried),
            thousands(outcomes as u64),
            thousands(errors_after_send as u64)
        );
        let _ = writeln!(
            t,
            "  {} no panic ({panics})",
            breaches.mark(Invariant::NoPanic)
        );
        let _ = writeln!(
            t,
            "  {} no call outlived its window by more than WINDOW_GRACE ({} s): {} payments, the \
             longest {} ms, at most {} ms past timeout + window ({} ms); {} refunds and deposits, \
             the longest {} ms, at most {} ms past the timeout ({} ms)",
            breaches.mark(Invariant::WithinWindow),
            WINDOW_GRACE.as_secs(),
            thousands(pays.calls as u64),
            pays.longest.as_millis(),
            pays.overshoot.as_millis(),
            (settings.timeout + settings.window).as_millis(),
            thousands(others.calls as u64),
            others.longest.as_millis(),
            others.overshoot.as_millis(),
            settings.timeout.as_millis()
        );
        for line in &uncovered {
            let _ = writeln!(t, "  not covered: {line}");
        }
        if breaches.total() > 0 {
            let _ = writeln!(t, "\n{} violation(s):", breaches.total());
            for v in &breaches.kept {
                let _ = writeln!(t, "  - {v}");
            }
        }
        let _ = write!(
            t,
            "\nrerun: cargo xtask soak --seed {} --payments {} --concurrency {}",
            settings.seed, settings.payments, settings.concurrency
        );
        Report {
            text: t,
            violation_count: breaches.total(),
            violations: breaches.kept,
            uncovered,
            jobs: jobs.len(),
            faults: total_faults,
            requests: total_requests,
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// How a call ended, for the tallies: the status, or the error's kind.
pub(super) fn call_name(call: &Call) -> String {
    match &call.result {
        Ok(seen) => seen.status.as_str().to_owned(),
        Err(failure) => format!("error ({})", failure.kind),
    }
}

pub(super) fn view_name(view: View, record: &Record) -> String {
    match view {
        View::Status(status) => status.as_str().to_owned(),
        View::NotSent => "not sent".to_owned(),
        View::Unsettled => match &record.settled {
            Some(Err(failure)) => format!("unsettled ({})", failure.text),
            _ => "unsettled".to_owned(),
        },
    }
}

/// `name count, ...`, largest first.
pub(super) fn counts(tally: &BTreeMap<String, usize>) -> String {
    if tally.is_empty() {
        return "none".to_owned();
    }
    let mut items: Vec<(&String, &usize)> = tally.iter().collect();
    items.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    items
        .iter()
        .map(|(name, n)| format!("{name} {}", thousands(**n as u64)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `1234567` as `1,234,567`.
pub(super) fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}
