//! The plan: the jobs of a soak and the faults of their requests, a function of the seed alone.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use qosic::benin::numbering::prefixes;
use qosic::benin::{Celtiis, Moov, Mtn};
use qosic::mock::Fault;

use super::Settings;

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
    pub(super) fn job_of(&self, reference: &str) -> Option<usize> {
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
