//! The fault soak: thousands of payments, refunds and deposits through the SDK and its real
//! HTTP transport against `qosic-mock` on loopback, with faults injected into a fixed share
//! of the requests, then checks of the SDK's promises against the fake server's books.
//!
//! # How a run goes
//!
//! 1. **The plan.** A seed ([`Settings::seed`]) makes the jobs: for each, the carrier (MTN,
//!    MOOV, Celtiis), the operation (pay; pay then refund, MTN; deposit, MTN and MOOV), a
//!    phone number whose last two digits pick the customer's behaviour (`qosic-mock`'s magic
//!    numbers: approves, declines, insufficient funds, no account, never answers, server
//!    error), an amount, and a reference of its own. It also decides, for the `n`-th request
//!    that carries a job's reference, whether that request gets a fault and which one
//!    ([`FaultKind`]: every HTTP status class, delays past the client's timeout and within
//!    it, malformed, empty and HTML bodies, dropped connections, answers lost after the
//!    server acted, answers about another reference, and spoiled answers after the server
//!    acted). The plan is a function of the seed alone, so a rerun with the same seed
//!    injects the same faults into the same requests ([`Plan::fingerprint`] tells).
//! 2. **The run.** The fake server serves over loopback HTTP and applies the plan
//!    ([`qosic::mock::MockQosic::fault_plan`]). A [`qosic::Client`] with the HTTP transport
//!    (short request timeout, short polling window: the real clock runs) works through the
//!    jobs, [`Settings::concurrency`] at a time, timing every call.
//! 3. **Settling.** With the faults cleared, every payment or deposit the SDK left pending
//!    or unknown, or that ended in an error after its request may have left, is checked by
//!    its reference ([`qosic::Client::check_status`]), as a merchant would.
//! 4. **The checks** ([`Report::violations`] lists every breach):
//!    - no reference was initiated twice: the fake server's count of payment requests per
//!      reference, and of payment and deposit requests seen by the plan, are at most one;
//!      no refund was sent twice;
//!    - the SDK's view after settling equals the server's books, amounts included: the
//!      payments it reports confirmed are exactly those the ledger collected, its deposits
//!      those the ledger paid out, its pending ones those the ledger holds pending; nothing
//!      the SDK reports failed, unknown or not sent moved money; a refund it reports
//!      confirmed was made and one it reports failed or refused was not;
//!    - every outcome carries its own reference, and every error raised after a request
//!      may have left carries it too;
//!    - no task panicked, in the SDK or in the server (a panic hook counts them);
//!    - no call outlived its window by more than [`qosic::WINDOW_GRACE`]: a payment returns
//!      within the request timeout plus the polling window plus the grace, a refund or a
//!      deposit within the request timeout plus the grace.
//!
//! `examples/tests/soak.rs` runs a CI-sized soak; `cargo xtask soak` a larger one, through
//! `examples/soak.rs`. `docs/RELIABILITY.md` has the figures.

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::fmt::Write as _;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use qosic::benin::numbering::prefixes;
use qosic::benin::{Celtiis, Moov, Mtn};
use qosic::http::HttpTransport;
use qosic::mock::{
    Endpoint, Fault, MockQosic, PlannedRequest, TransactionKind, TransactionState, TransactionView,
};
use qosic::{
    Client, Delivery, DepositRequest, Error, Lookup, Outcome, PaymentRequest, PollingPolicy,
    Status, WINDOW_GRACE,
};

/// How many violations a report keeps the text of (all are counted).
const KEPT_VIOLATIONS: usize = 50;

/// How many times settling checks a reference whose status check failed in transit.
const SETTLE_ATTEMPTS: u32 = 5;

/// The settings of a soak.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The seed of the plan: the same seed gives the same jobs and the same faults.
    pub seed: u64,
    /// How many jobs (payments, payments then refunds, deposits) to run.
    pub payments: usize,
    /// How many jobs run at once.
    pub concurrency: usize,
    /// The share of requests that get a fault, in percent (0 to 100).
    pub fault_percent: u32,
    /// The HTTP transport's timeout per request.
    pub timeout: Duration,
    /// The polling window of every carrier.
    pub window: Duration,
    /// The time between two status checks.
    pub step: Duration,
}

impl Settings {
    /// The defaults, with this seed: 1,500 jobs, 32 at once, faults on 20% of requests,
    /// a 400 ms request timeout, a 1 s polling window with a check every 25 ms.
    pub fn new(seed: u64) -> Settings {
        Settings {
            seed,
            payments: 1_500,
            concurrency: 32,
            fault_percent: 20,
            timeout: Duration::from_millis(400),
            window: Duration::from_secs(1),
            step: Duration::from_millis(25),
        }
    }

    /// The delay of a [`FaultKind::SlowPastTimeout`] fault: twice the request timeout.
    pub fn slow_past_timeout(&self) -> Duration {
        self.timeout * 2
    }

    /// The delay of a [`FaultKind::SlowWithinTimeout`] fault: a quarter of the timeout.
    pub fn slow_within_timeout(&self) -> Duration {
        self.timeout / 4
    }
}

/// A seed from the operating system's randomness (std's hasher keys), for runs that are
/// not given one. Print it: it is what replays the run.
pub fn random_seed() -> u64 {
    std::collections::hash_map::RandomState::new().hash_one(Instant::now())
}

/// A carrier of the soak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Carrier {
    /// MTN Benin.
    Mtn,
    /// Moov Africa Benin.
    Moov,
    /// Celtiis.
    Celtiis,
}

impl Carrier {
    /// The carrier's name in the SDK: `MTN`, `MOOV`, `CELTIIS`.
    pub fn name(self) -> &'static str {
        match self {
            Carrier::Mtn => Mtn::NAME,
            Carrier::Moov => Moov::NAME,
            Carrier::Celtiis => Celtiis::NAME,
        }
    }

    fn operator(self) -> qosic::Carrier {
        match self {
            Carrier::Mtn => Mtn::CARRIER,
            Carrier::Moov => Moov::CARRIER,
            Carrier::Celtiis => Celtiis::CARRIER,
        }
    }
}

/// What a job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Operation {
    /// Takes a payment and waits for the customer.
    Pay,
    /// Takes a payment, and refunds it when it is confirmed (MTN).
    PayThenRefund,
    /// Pays money out (MTN and MOOV).
    Deposit,
}

impl Operation {
    /// A short name for reports.
    pub fn name(self) -> &'static str {
        match self {
            Operation::Pay => "pay",
            Operation::PayThenRefund => "pay+refund",
            Operation::Deposit => "deposit",
        }
    }
}

/// A kind of fault the plan injects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FaultKind {
    /// A 2xx status with a body that is not an answer (200, 201, 202, 204).
    Status2xx,
    /// A 3xx status (301, 302, 307, 308): the transport follows no redirect.
    Status3xx,
    /// A 4xx status with QosIc's body for it (400, 401, 403, 404, 409, 417, 429).
    Status4xx,
    /// A 5xx status (500, 502, 503, 504).
    Status5xx,
    /// The normal answer, after twice the client's request timeout (acted on).
    SlowPastTimeout,
    /// The normal answer, after a quarter of the client's request timeout (acted on).
    SlowWithinTimeout,
    /// 200 with truncated JSON (not acted on).
    MalformedBody,
    /// 200 with an empty body (not acted on).
    EmptyBody,
    /// 502 with an HTML page, as a proxy sends (not acted on).
    HtmlError,
    /// The connection closed without an answer (not acted on).
    DroppedConnection,
    /// The server acts on the request, then closes the connection without an answer.
    LostAnswer,
    /// The endpoint's success answer about another reference (not acted on).
    WrongReference,
    /// The server acts on the request, then answers with truncated JSON.
    MalformedAfterCommit,
    /// The server acts on the request, then answers with an empty body.
    EmptyAfterCommit,
    /// The server acts on the request, then answers with an HTML error page.
    HtmlAfterCommit,
    /// The server acts on the request, then answers about another reference.
    WrongReferenceAfterCommit,
}

impl FaultKind {
    /// Every kind, in the order reports list them.
    pub const ALL: [FaultKind; 16] = [
        FaultKind::Status2xx,
        FaultKind::Status3xx,
        FaultKind::Status4xx,
        FaultKind::Status5xx,
        FaultKind::SlowPastTimeout,
        FaultKind::SlowWithinTimeout,
        FaultKind::MalformedBody,
        FaultKind::EmptyBody,
        FaultKind::HtmlError,
        FaultKind::DroppedConnection,
        FaultKind::LostAnswer,
        FaultKind::WrongReference,
        FaultKind::MalformedAfterCommit,
        FaultKind::EmptyAfterCommit,
        FaultKind::HtmlAfterCommit,
        FaultKind::WrongReferenceAfterCommit,
    ];

    /// A short name for reports.
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::Status2xx => "status 2xx",
            FaultKind::Status3xx => "status 3xx",
            FaultKind::Status4xx => "status 4xx",
            FaultKind::Status5xx => "status 5xx",
            FaultKind::SlowPastTimeout => "delay past the timeout",
            FaultKind::SlowWithinTimeout => "delay within the timeout",
            FaultKind::MalformedBody => "malformed body",
            FaultKind::EmptyBody => "empty body",
            FaultKind::HtmlError => "HTML error page",
            FaultKind::DroppedConnection => "dropped connection",
            FaultKind::LostAnswer => "answer lost after commit",
            FaultKind::WrongReference => "wrong echoed reference",
            FaultKind::MalformedAfterCommit => "malformed body after commit",
            FaultKind::EmptyAfterCommit => "empty body after commit",
            FaultKind::HtmlAfterCommit => "HTML error after commit",
            FaultKind::WrongReferenceAfterCommit => "wrong reference after commit",
        }
    }

    /// The statuses a status fault of this kind picks from (empty for other kinds).
    pub fn statuses(self) -> &'static [u16] {
        match self {
            FaultKind::Status2xx => &[200, 201, 202, 204],
            FaultKind::Status3xx => &[301, 302, 307, 308],
            FaultKind::Status4xx => &[400, 401, 403, 404, 409, 417, 429],
            FaultKind::Status5xx => &[500, 502, 503, 504],
            _ => &[],
        }
    }
}

/// One fault of the plan: its kind, and the status for status faults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PlannedFault {
    /// The kind.
    pub kind: FaultKind,
    /// The HTTP status, for the status kinds.
    pub status: Option<u16>,
}

impl PlannedFault {
    /// The fault the fake server injects.
    pub fn fault(&self, settings: &Settings) -> Fault {
        match self.kind {
            FaultKind::Status2xx
            | FaultKind::Status3xx
            | FaultKind::Status4xx
            | FaultKind::Status5xx => Fault::status(self.status.unwrap_or(500)),
            FaultKind::SlowPastTimeout => Fault::delay(settings.slow_past_timeout()),
            FaultKind::SlowWithinTimeout => Fault::delay(settings.slow_within_timeout()),
            FaultKind::MalformedBody => Fault::malformed_body(),
            FaultKind::EmptyBody => Fault::empty_body(),
            FaultKind::HtmlError => Fault::html_error(),
            FaultKind::DroppedConnection => Fault::dropped_connection(),
            FaultKind::LostAnswer => Fault::lost_answer(),
            FaultKind::WrongReference => Fault::wrong_reference(),
            FaultKind::MalformedAfterCommit => Fault::malformed_body().after_recording(),
            FaultKind::EmptyAfterCommit => Fault::empty_body().after_recording(),
            FaultKind::HtmlAfterCommit => Fault::html_error().after_recording(),
            FaultKind::WrongReferenceAfterCommit => Fault::wrong_reference().after_recording(),
        }
    }
}

/// One job of the plan.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Job {
    /// The job's rank in the plan.
    pub index: usize,
    /// The carrier whose number it uses (the client routes by the number).
    pub carrier: Carrier,
    /// What it does.
    pub operation: Operation,
    /// The customer's number, international form.
    pub phone: String,
    /// The amount, in XOF.
    pub amount: u64,
    /// Its reference (given by the caller, so that the plan can key faults on it).
    pub reference: String,
    /// The seed of its faults.
    fault_seed: u64,
}

/// The jobs and faults a seed makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    seed: u64,
    fault_percent: u32,
    prefix: String,
    jobs: Vec<Job>,
}

impl Plan {
    /// The plan of `settings`: a function of the seed, the number of jobs and the fault share.
    pub fn new(settings: &Settings) -> Plan {
        let mut rng = fastrand::Rng::with_seed(settings.seed);
        let prefix = format!("SOAK-{:016X}-", settings.seed);
        let jobs = (0..settings.payments)
            .map(|index| {
                let (carrier, operation) = match rng.u32(0..100) {
                    0..25 => (Carrier::Mtn, Operation::Pay),
                    25..45 => (Carrier::Moov, Operation::Pay),
                    45..60 => (Carrier::Celtiis, Operation::Pay),
                    60..75 => (Carrier::Mtn, Operation::PayThenRefund),
                    75..88 => (Carrier::Mtn, Operation::Deposit),
                    _ => (Carrier::Moov, Operation::Deposit),
                };
                Job {
                    index,
                    carrier,
                    operation,
                    phone: phone_number(&mut rng, carrier),
                    amount: rng.u64(100..=500_000),
                    reference: format!("{prefix}{index:07}"),
                    fault_seed: rng.u64(..),
                }
            })
            .collect();
        Plan {
            seed: settings.seed,
            fault_percent: settings.fault_percent.min(100),
            prefix,
            jobs,
        }
    }

    /// The jobs, in order.
    pub fn jobs(&self) -> &[Job] {
        &self.jobs
    }

    /// The fault for the request of rank `rank` (0 for the first) among those that carry
    /// the reference of job `job`, if it gets one.
    pub fn fault(&self, job: usize, rank: u32) -> Option<PlannedFault> {
        let job = self.jobs.get(job)?;
        let mixed = job.fault_seed ^ u64::from(rank).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let mut rng = fastrand::Rng::with_seed(mixed);
        if rng.u32(0..100) >= self.fault_percent {
            return None;
        }
        let kind = FaultKind::ALL[rng.usize(..FaultKind::ALL.len())];
        let statuses = kind.statuses();
        let status = (!statuses.is_empty()).then(|| statuses[rng.usize(..statuses.len())]);
        Some(PlannedFault { kind, status })
    }

    /// The job a reference belongs to.
    fn job_of(&self, reference: &str) -> Option<usize> {
        let index: usize = reference.strip_prefix(&self.prefix)?.parse().ok()?;
        (index < self.jobs.len()).then_some(index)
    }

    /// A digest of the jobs and of the faults of their first 16 requests: two runs with
    /// the same seed and size print the same fingerprint (with the same build of this
    /// program; std's hasher may change between Rust releases).
    pub fn fingerprint(&self) -> u64 {
        let mut hasher = DefaultHasher::new();
        self.seed.hash(&mut hasher);
        for job in &self.jobs {
            job.hash(&mut hasher);
            for rank in 0..16 {
                self.fault(job.index, rank).hash(&mut hasher);
            }
        }
        hasher.finish()
    }
}

/// A number of `carrier` (legacy 8-digit or 10-digit plan), whose last two digits pick the
/// customer's behaviour in `qosic-mock`: 6% decline (90), 3% insufficient funds (91), 2% no
/// account (92), 3% never answer (93), 2% server error (94), the others approve.
fn phone_number(rng: &mut fastrand::Rng, carrier: Carrier) -> String {
    let ten_digit = rng.bool();
    let held: Vec<u8> = prefixes(carrier.operator(), ten_digit).collect();
    let prefix = held[rng.usize(..held.len())];
    let last = match rng.u32(0..100) {
        0..6 => 90,
        6..9 => 91,
        9..11 => 92,
        11..14 => 93,
        14..16 => 94,
        _ => rng.u32(0..90),
    };
    let middle = rng.u32(0..10_000);
    let plan = if ten_digit { "01" } else { "" };
    format!("229{plan}{prefix:02}{middle:04}{last:02}")
}

/// What the fault plan saw on the server, counted as requests arrive.
#[derive(Debug)]
struct Observed {
    /// Requests per job so far (the rank of the next one).
    ranks: Vec<AtomicU32>,
    /// Payment and deposit requests per job.
    initiations: Vec<AtomicU32>,
    /// Refund requests per job.
    refunds: Vec<AtomicU32>,
    /// Requests per endpoint, indexed like [`soaked_endpoints`].
    requests: Vec<AtomicU64>,
    /// Requests whose reference is none of the plan's.
    strangers: AtomicU64,
    faults: Mutex<FaultTally>,
}

/// The endpoints the soak drives: every endpoint of the Benin carriers the fake server serves.
fn soaked_endpoints() -> impl Iterator<Item = Endpoint> {
    let benin = [Mtn::CARRIER, Moov::CARRIER, Celtiis::CARRIER];
    Endpoint::all().filter(move |e| benin.contains(&e.carrier()))
}

#[derive(Debug, Default, Clone)]
struct FaultTally {
    by_kind: BTreeMap<FaultKind, u64>,
    by_status: BTreeMap<u16, u64>,
    by_endpoint: BTreeMap<&'static str, u64>,
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
struct Call {
    elapsed: Duration,
    result: Result<Seen, Failure>,
}

/// An outcome, as kept.
#[derive(Debug, Clone)]
struct Seen {
    status: Status,
    reference: String,
    service_ref: Option<String>,
    status_checks: u32,
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
struct Failure {
    delivery: Delivery,
    reference: Option<String>,
    kind: &'static str,
    text: String,
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
struct Record {
    /// The payment or deposit.
    first: Call,
    /// The refund, for jobs that refund a confirmed payment.
    refund: Option<Call>,
    /// The status after settling, for payments and deposits left unsettled.
    settled: Option<Result<Status, Failure>>,
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
    fn view(&self) -> View {
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
enum View {
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

/// The fake server's books, read after the run.
#[derive(Debug)]
struct Books {
    transactions: HashMap<String, TransactionView>,
    ledger: qosic::mock::Ledger,
    /// The server's count of payment requests per job (exact, kept apart from its journal).
    payment_requests: Vec<usize>,
}

impl Books {
    fn read(mock: &MockQosic, plan: &Plan) -> Books {
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
struct Checked<'a> {
    settings: &'a Settings,
    plan: &'a Plan,
    records: &'a [Option<Record>],
    observed: &'a Observed,
    books: &'a Books,
    panics: usize,
    run_time: Duration,
    settle_time: Duration,
    settled_count: usize,
}

/// The invariants a soak checks, in the order reports list them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Invariant {
    InitiatedOnce,
    BooksAgree,
    RefusalsMovedNothing,
    ReferenceCarried,
    NoPanic,
    WithinWindow,
}

/// Breaches, by invariant: all counted, the first [`KEPT_VIOLATIONS`] kept.
#[derive(Debug, Default)]
struct Breaches {
    counts: BTreeMap<Invariant, usize>,
    kept: Vec<String>,
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

    fn total(&self) -> usize {
        self.counts.values().sum()
    }

    fn mark(&self, invariant: Invariant) -> &'static str {
        if self.count(invariant) == 0 {
            "[held]  "
        } else {
            "[BROKEN]"
        }
    }
}

/// Sums of money, in XOF, and how many transactions they cover.
#[derive(Debug, Default, Clone, Copy)]
struct Money {
    count: usize,
    xof: u64,
}

impl Money {
    fn add(&mut self, xof: u64) {
        self.count += 1;
        self.xof = self.xof.saturating_add(xof);
    }
}

/// The longest call of a kind, and its overshoot past the bound that has no grace.
#[derive(Debug, Default, Clone, Copy)]
struct Longest {
    calls: usize,
    longest: Duration,
    overshoot: Duration,
}

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

    fn check(input: Checked<'_>) -> Report {
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

        // The text.
        let requests: Vec<(Endpoint, u64)> = soaked_endpoints()
            .zip(&observed.requests)
            .map(|(e, n)| (e, n.load(Ordering::Relaxed)))
            .collect();
        let total_requests: u64 = requests.iter().map(|(_, n)| n).sum();
        let total_faults: u64 = tally.by_kind.values().sum();
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
fn call_name(call: &Call) -> String {
    match &call.result {
        Ok(seen) => seen.status.as_str().to_owned(),
        Err(failure) => format!("error ({})", failure.kind),
    }
}

fn view_name(view: View, record: &Record) -> String {
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
fn counts(tally: &BTreeMap<String, usize>) -> String {
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
fn thousands(n: u64) -> String {
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
