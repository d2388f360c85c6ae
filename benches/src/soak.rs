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
//! The code follows those steps: `plan` makes the jobs and faults, `run` runs and settles them,
//! `check` holds the SDK's view against the server's books, `report` writes what was found.
//!
//! `tests/soak.rs` runs a CI-sized soak; `cargo xtask soak` a larger one, through the `soak`
//! program (`src/bin/soak.rs`). `docs/RELIABILITY.md` has the figures.

use std::hash::BuildHasher;
use std::time::{Duration, Instant};

mod check;
mod plan;
mod report;
mod run;

pub use plan::{Carrier, FaultKind, Job, Operation, Plan, PlannedFault};
pub use report::Report;
pub use run::{run, SetupError};

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
