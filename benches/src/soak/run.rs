//! The run: the fake server applies the plan, a client works through the jobs and records
//! what each call said, then the payments left open are settled by reference.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use qosic::benin::{Celtiis, Moov, Mtn};
use qosic::http::HttpTransport;
use qosic::mock::{Endpoint, Fault, MockQosic, PlannedRequest};
use qosic::{
    Client, Delivery, DepositRequest, Error, Lookup, Outcome, PaymentRequest, PollingPolicy, Status,
};

use super::check::{Books, Checked};
use super::plan::{FaultKind, Job, Operation, Plan};
use super::report::Report;
use super::Settings;

/// How many times settling checks a reference whose status check failed in transit.
const SETTLE_ATTEMPTS: u32 = 5;

/// What the fault plan saw on the server, counted as requests arrive.
#[derive(Debug)]
pub(super) struct Observed {
    /// Requests per job so far (the rank of the next one).
    ranks: Vec<AtomicU32>,
    /// Payment and deposit requests per job.
    pub(super) initiations: Vec<AtomicU32>,
    /// Refund requests per job.
    pub(super) refunds: Vec<AtomicU32>,
    /// Requests per endpoint, indexed like [`soaked_endpoints`].
    pub(super) requests: Vec<AtomicU64>,
    /// Requests whose reference is none of the plan's.
    pub(super) strangers: AtomicU64,
    pub(super) faults: Mutex<FaultTally>,
}

/// The endpoints the soak drives: every endpoint of the Benin carriers the fake server serves.
pub(super) fn soaked_endpoints() -> impl Iterator<Item = Endpoint> {
    let benin = [Mtn::CARRIER, Moov::CARRIER, Celtiis::CARRIER];
    // The money operations: the soak moves money; look-ups (account holder, balance) move none.
    Endpoint::all().filter(move |e| {
        benin.contains(&e.carrier())
            && matches!(
                e.operation(),
                qosic::Operation::Payment
                    | qosic::Operation::Status
                    | qosic::Operation::Refund
                    | qosic::Operation::Deposit
            )
    })
}

#[derive(Debug, Default, Clone)]
pub(super) struct FaultTally {
    pub(super) by_kind: BTreeMap<FaultKind, u64>,
    pub(super) by_status: BTreeMap<u16, u64>,
    pub(super) by_endpoint: BTreeMap<&'static str, u64>,
}

impl Observed {
    fn new(jobs: usize) -> Observed {
        let counters = || (0..jobs).map(|_| AtomicU32::new(0)).collect::<Vec<_>>();
        Observed {
            ranks: counters(),
            initiations: counters(),
            refunds: counters(),
            requests: soaked_endpoints().map(|_| AtomicU64::new(0)).collect(),
            strangers: AtomicU64::new(0),
            faults: Mutex::new(FaultTally::default()),
        }
    }

    /// Counts `request` and returns its fault, if the plan gives it one.
    fn decide(
        &self,
        plan: &Plan,
        settings: &Settings,
        request: &PlannedRequest<'_>,
    ) -> Option<Fault> {
        let endpoint = request.endpoint;
        if let Some(i) = soaked_endpoints().position(|e| e == endpoint) {
            self.requests[i].fetch_add(1, Ordering::Relaxed);
        }
        let Some(job) = request.transref.and_then(|r| plan.job_of(r)) else {
            self.strangers.fetch_add(1, Ordering::Relaxed);
            return None;
        };
        let rank = self.ranks[job].fetch_add(1, Ordering::Relaxed);
        if endpoint == Endpoint::MtnRefund {
            self.refunds[job].fetch_add(1, Ordering::Relaxed);
        } else if !is_status(endpoint) {
            self.initiations[job].fetch_add(1, Ordering::Relaxed);
        }
        let planned = plan.fault(job, rank)?;
        let mut tally = self.faults.lock().unwrap_or_else(|e| e.into_inner());
        *tally.by_kind.entry(planned.kind).or_default() += 1;
        if let Some(status) = planned.status {
            *tally.by_status.entry(status).or_default() += 1;
        }
        *tally.by_endpoint.entry(endpoint.name()).or_default() += 1;
        Some(planned.fault(settings))
    }
}

fn is_status(endpoint: Endpoint) -> bool {
    matches!(
        endpoint,
        Endpoint::MtnStatus | Endpoint::MoovStatus | Endpoint::CeltiisStatus
    )
}

/// How one call ended.
#[derive(Debug, Clone)]
pub(super) struct Call {
    pub(super) elapsed: Duration,
    pub(super) result: Result<Seen, Failure>,
}

/// An outcome, as kept.
#[derive(Debug, Clone)]
pub(super) struct Seen {
    pub(super) status: Status,
    pub(super) reference: String,
    service_ref: Option<String>,
    pub(super) status_checks: u32,
}

impl Seen {
    fn of(outcome: &Outcome) -> Seen {
        Seen {
            status: outcome.status(),
            reference: outcome.reference().to_string(),
            service_ref: outcome.service_ref().map(str::to_owned),
            status_checks: outcome.status_checks(),
        }
    }
}

/// An error, as kept.
#[derive(Debug, Clone)]
pub(super) struct Failure {
    pub(super) delivery: Delivery,
    pub(super) reference: Option<String>,
    pub(super) kind: &'static str,
    pub(super) text: String,
}

impl Failure {
    fn of(error: &Error) -> Failure {
        Failure {
            delivery: error.delivery(),
            reference: error.reference().map(ToString::to_string),
            kind: error_kind(error),
            text: error.to_string(),
        }
    }
}

/// A short name for an error's variant (and transport errors' kind).
fn error_kind(error: &Error) -> &'static str {
    match error {
        Error::ServerError { .. } => "server error",
        Error::UserAccountNotFound { .. } => "no account",
        Error::InvalidClientId { .. } => "invalid client id",
        Error::InvalidCredentials { .. } => "invalid credentials",
        Error::Rejected { .. } => "rejected",
        Error::Transport { source, .. } if source.delivery() == Delivery::NotSent => {
            "transport, not sent"
        }
        Error::Transport { .. } => "transport, maybe sent",
        _ if error.is_invalid_input() => "invalid input",
        _ => "other",
    }
}

/// What a job did.
#[derive(Debug, Clone)]
pub(super) struct Record {
    /// The payment or deposit.
    pub(super) first: Call,
    /// The refund, for jobs that refund a confirmed payment.
    pub(super) refund: Option<Call>,
    /// The status after settling, for payments and deposits left unsettled.
    pub(super) settled: Option<Result<Status, Failure>>,
}

impl Record {
    /// Whether the payment or deposit needs a status check to be known.
    fn needs_settling(&self) -> bool {
        match &self.first.result {
            Ok(seen) => !seen.status.is_terminal(),
            Err(failure) => failure.delivery != Delivery::NotSent,
        }
    }

    /// The SDK's last word on the payment or deposit.
    pub(super) fn view(&self) -> View {
        match (&self.settled, &self.first.result) {
            (Some(Ok(status)), _) => View::Status(*status),
            (Some(Err(_)), _) => View::Unsettled,
            (None, Ok(seen)) => View::Status(seen.status),
            (None, Err(f)) if f.delivery == Delivery::NotSent => View::NotSent,
            (None, Err(_)) => View::Unsettled,
        }
    }
}

/// The SDK's view of a payment or deposit after settling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum View {
    Status(Status),
    NotSent,
    Unsettled,
}

/// Counts a panic in any thread while alive; puts the previous hook back when dropped.
struct PanicCounter {
    count: Arc<AtomicUsize>,
    previous: Arc<dyn Fn(&std::panic::PanicHookInfo<'_>) + Send + Sync>,
}

impl PanicCounter {
    fn install() -> PanicCounter {
        let count = Arc::new(AtomicUsize::new(0));
        let previous: Arc<dyn Fn(&std::panic::PanicHookInfo<'_>) + Send + Sync> =
            Arc::from(std::panic::take_hook());
        let (counted, chained) = (Arc::clone(&count), Arc::clone(&previous));
        std::panic::set_hook(Box::new(move |info| {
            counted.fetch_add(1, Ordering::SeqCst);
            chained(info);
        }));
        PanicCounter { count, previous }
    }

    fn count(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }
}

impl Drop for PanicCounter {
    fn drop(&mut self) {
        let previous = Arc::clone(&self.previous);
        std::panic::set_hook(Box::new(move |info| previous(info)));
    }
}

/// Why a soak could not run.
#[derive(Debug)]
pub enum SetupError {
    /// The fake server could not start.
    Server(std::io::Error),
    /// The client could not be built.
    Client(Error),
    /// The settings are not usable.
    Settings(String),
}

impl fmt::Display for SetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SetupError::Server(e) => write!(f, "the fake server could not start: {e}"),
            SetupError::Client(e) => write!(f, "the client could not be built: {e}"),
            SetupError::Settings(e) => write!(f, "bad settings: {e}"),
        }
    }
}

impl std::error::Error for SetupError {}

/// Runs a soak: the plan of `settings`, against a fake server of its own.
///
/// Installs a panic hook for the duration of the run (to count panics in every thread,
/// the server's included) and puts the previous one back at the end. Needs a tokio
/// runtime with time and I/O enabled; a multi-threaded one brings concurrency to the CPU.
pub async fn run(settings: &Settings) -> Result<Report, SetupError> {
    if settings.payments == 0 || settings.concurrency == 0 {
        return Err(SetupError::Settings(
            "payments and concurrency must be at least 1".to_owned(),
        ));
    }
    if settings.fault_percent > 100 {
        return Err(SetupError::Settings(
            "the fault share is a percentage, 0 to 100".to_owned(),
        ));
    }
    let plan = Arc::new(Plan::new(settings));
    let mock = MockQosic::builder()
        .max_transactions(settings.payments.saturating_add(1_000))
        .try_start()
        .await
        .map_err(SetupError::Server)?;
    let observed = Arc::new(Observed::new(settings.payments));
    {
        let (plan, observed, settings) =
            (Arc::clone(&plan), Arc::clone(&observed), settings.clone());
        mock.fault_plan(move |request| observed.decide(&plan, &settings, request));
    }
    let client = client(&mock, settings).map_err(SetupError::Client)?;
    let panics = PanicCounter::install();

    let started = Instant::now();
    let (mut records, task_panics) = run_all(&client, &plan, settings.concurrency).await;
    let run_time = started.elapsed();

    // Settle with the faults gone, as a merchant's job would: by reference.
    mock.clear_faults();
    let settle_started = Instant::now();
    let to_settle: Vec<usize> = records
        .iter()
        .enumerate()
        .filter(|(_, r)| r.as_ref().is_some_and(Record::needs_settling))
        .map(|(i, _)| i)
        .collect();
    let settled = settle(&client, &plan, &records, &to_settle, settings.concurrency).await;
    for (index, status) in settled {
        if let Some(Some(record)) = records.get_mut(index) {
            record.settled = Some(status);
        }
    }
    let settle_time = settle_started.elapsed();

    let books = Books::read(&mock, &plan);
    let report = Report::check(Checked {
        settings,
        plan: &plan,
        records: &records,
        observed: &observed,
        books: &books,
        panics: panics.count() + task_panics,
        run_time,
        settle_time,
        settled_count: to_settle.len(),
    });
    drop(panics);
    Ok(report)
}

/// A client of `mock` over the HTTP transport, with the soak's timeout and polling.
fn client(mock: &MockQosic, settings: &Settings) -> Result<Client, Error> {
    let polling = PollingPolicy::unbounded(settings.step, settings.window)?;
    let transport = HttpTransport::builder()
        .timeout(settings.timeout)
        .connect_timeout(settings.timeout)
        .build()?;
    qosic::builder()
        .base_url(mock.uri())
        .credentials(mock.credentials())
        .carrier(Mtn::new(qosic::mock::DEFAULT_MTN_CLIENT_ID)?.with_polling(polling))
        .carrier(Moov::new(qosic::mock::DEFAULT_MOOV_CLIENT_ID)?.with_polling(polling))
        .carrier(Celtiis::new(qosic::mock::DEFAULT_CELTIIS_CLIENT_ID)?.with_polling(polling))
        .transport(transport)
        .build()
}

/// Runs every job, `concurrency` at a time, each job in a task of its own (a
/// panic is counted and loses only that job's record).
async fn run_all(
    client: &Client,
    plan: &Arc<Plan>,
    concurrency: usize,
) -> (Vec<Option<Record>>, usize) {
    let next = Arc::new(AtomicUsize::new(0));
    let panics = Arc::new(AtomicUsize::new(0));
    let mut workers = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let (client, plan, next, panics) = (
            client.clone(),
            Arc::clone(plan),
            Arc::clone(&next),
            Arc::clone(&panics),
        );
        workers.push(tokio::spawn(async move {
            let mut done = Vec::new();
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some(job) = plan.jobs().get(index).cloned() else {
                    break;
                };
                match tokio::spawn(run_job(client.clone(), job)).await {
                    Ok(record) => done.push((index, record)),
                    Err(_) => {
                        panics.fetch_add(1, Ordering::SeqCst);
                    }
                }
            }
            done
        }));
    }
    let mut records: Vec<Option<Record>> = vec![None; plan.jobs().len()];
    for worker in workers {
        match worker.await {
            Ok(done) => {
                for (index, record) in done {
                    records[index] = Some(record);
                }
            }
            Err(_) => {
                panics.fetch_add(1, Ordering::SeqCst);
            }
        }
    }
    (records, panics.load(Ordering::SeqCst))
}

async fn run_job(client: Client, job: Job) -> Record {
    match job.operation {
        Operation::Pay | Operation::PayThenRefund => {
            let request = PaymentRequest::new(job.phone.as_str(), job.amount)
                .first_name("Ada")
                .last_name("Soak")
                .reference(job.reference.as_str());
            let started = Instant::now();
            let paid = client.pay(request).await;
            let first = Call {
                elapsed: started.elapsed(),
                result: paid.as_ref().map(Seen::of).map_err(Failure::of),
            };
            let refund = match paid {
                Ok(outcome) if job.operation == Operation::PayThenRefund && outcome.success() => {
                    let started = Instant::now();
                    let refunded = client.refund(outcome.lookup()).await;
                    Some(Call {
                        elapsed: started.elapsed(),
                        result: refunded.as_ref().map(Seen::of).map_err(Failure::of),
                    })
                }
                _ => None,
            };
            Record {
                first,
                refund,
                settled: None,
            }
        }
        Operation::Deposit => {
            let request = DepositRequest::new(job.phone.as_str(), job.amount)
                .reference(job.reference.as_str());
            let started = Instant::now();
            let paid = client.deposit(request).await;
            Record {
                first: Call {
                    elapsed: started.elapsed(),
                    result: paid.as_ref().map(Seen::of).map_err(Failure::of),
                },
                refund: None,
                settled: None,
            }
        }
    }
}

/// Checks the status of each job of `indices` by its reference, retrying status checks
/// that failed in transit.
async fn settle(
    client: &Client,
    plan: &Arc<Plan>,
    records: &[Option<Record>],
    indices: &[usize],
    concurrency: usize,
) -> Vec<(usize, Result<Status, Failure>)> {
    let lookups: Vec<(usize, Result<Lookup, Failure>)> = indices
        .iter()
        .map(|&i| {
            let job = &plan.jobs()[i];
            let operator_ref = records[i]
                .as_ref()
                .and_then(|r| r.first.result.as_ref().ok())
                .and_then(|seen| seen.service_ref.clone());
            let lookup = Lookup::parse(&job.reference, &job.phone)
                .map(|l| {
                    let l = l.carrier(job.carrier.name());
                    match operator_ref {
                        Some(r) => l.operator_ref(r),
                        None => l,
                    }
                })
                .map_err(|e| Failure::of(&e));
            (i, lookup)
        })
        .collect();
    let queue = Arc::new(Mutex::new(lookups));
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (client, queue) = (client.clone(), Arc::clone(&queue));
        workers.push(tokio::spawn(async move {
            let mut done = Vec::new();
            loop {
                let item = queue.lock().unwrap_or_else(|e| e.into_inner()).pop();
                let Some((index, lookup)) = item else { break };
                let status = match lookup {
                    Ok(lookup) => check(&client, lookup).await,
                    Err(failure) => Err(failure),
                };
                done.push((index, status));
            }
            done
        }));
    }
    let mut settled = Vec::with_capacity(indices.len());
    for worker in workers {
        if let Ok(done) = worker.await {
            settled.extend(done);
        }
    }
    settled
}

async fn check(client: &Client, lookup: Lookup) -> Result<Status, Failure> {
    let mut last = None;
    for _ in 0..SETTLE_ATTEMPTS {
        match client.check_status(lookup.clone()).await {
            Ok(outcome) => return Ok(outcome.status()),
            Err(error @ (Error::Transport { .. } | Error::ServerError { .. })) => {
                last = Some(Failure::of(&error));
            }
            Err(error) => return Err(Failure::of(&error)),
        }
    }
    Err(last.unwrap_or_else(|| Failure {
        delivery: Delivery::NotSent,
        reference: None,
        kind: "other",
        text: "no status check was made".to_owned(),
    }))
}
