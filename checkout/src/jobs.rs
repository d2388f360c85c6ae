//! The jobs that take each payment to its end: [`Engine`], and the apalis worker that runs it.
//!
//! One kind of job, [`Drive`]: "take step N of order R". What the step does depends on the
//! order's state:
//!
//! | state | the job |
//! |---|---|
//! | `created` | marks the order `sending` (committed), sends the payment request (a card order: the card checkout, [`CARD`]) once, records the answer |
//! | `sending` | the job before it died after marking it: the request may have left, so it is **not** sent again; the order goes to `pending` and is settled by status checks |
//! | `pending` | one status check; the next is scheduled `check_interval` later, until the window closes |
//! | `still_pending`, `unknown` | reconciliation: one status check 1, 5, 15 and 60 minutes after the window, then hourly, for `reconcile_period` (48 h by default), then `needs_attention`; "check again" or a callback brings it forward (at most one per order per `min_early_check_interval`) |
//! | `needs_attention` | one status check, when "check again" or a callback asks |
//! | `confirmed`, `failed` | nothing |
//!
//! Each job ends with [`Store::advance`], which records the result, advances the step and
//! queues the next job in one transaction; a job whose step is already done does nothing.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use apalis::prelude::{BoxDynError, Data};
use qosic::{Client, Delivery, Lookup, PaymentRequest, Status};
use tokio::task::JoinHandle;

use crate::config::{
    Config, CALL_TIMEOUT, JOB_TIMEOUT, MAX_EARLY_CHECKS_TRACKED, MAX_SEND_ATTEMPTS,
};
use crate::hub::Hub;
use crate::metrics::Metrics;
use crate::store::{now_ms, Drive, NewOrder, Order, State, Store, StoreError, QUEUE};

/// Runs the steps of orders: the SDK client, the store, and where to announce changes.
#[derive(Clone)]
pub struct Engine {
    store: Store,
    client: Client,
    hub: Hub,
    check_interval: Duration,
    window: Duration,
    reconcile_period: Duration,
    instance: Arc<str>,
    early: Arc<EarlyChecks>,
    clock: Clock,
    metrics: Arc<Metrics>,
    /// The shop's public address, for the card page's return URL ([`card`]).
    public_url: Option<Arc<str>>,
}

#[path = "card.rs"]
mod card;
pub use card::CARD;

/// The engine's time: the wall clock, plus an offset that only tests move
/// ([`Engine::advance_clock`]), so that hours of reconciliation take milliseconds. (tokio's
/// paused clock does not fit: it jumps ahead whenever the runtime waits for SQLite's thread.)
#[derive(Debug, Clone, Default)]
struct Clock {
    offset_ms: Arc<AtomicI64>,
}

impl Clock {
    fn now_ms(&self) -> i64 {
        now_ms().saturating_add(self.offset_ms.load(Ordering::Relaxed))
    }
}

/// When reconciliation checks an order again after its window closed: 1, 5, 15 and 60 minutes
/// after, then every hour.
const RECONCILE_MINUTES: [i64; 4] = [1, 5, 15, 60];

/// The time (unix ms) of the next reconciliation check of an order whose window closed at
/// `window_ends`, checked at `now`; `None` once `period` has passed since the window closed.
/// The last check falls at the end of the period.
pub fn next_reconcile(window_ends: i64, now: i64, period: Duration) -> Option<i64> {
    let end = window_ends.saturating_add(ms(period));
    if now >= end {
        return None;
    }
    let minute = 60_000_i64;
    let elapsed = now.saturating_sub(window_ends).max(0);
    let offset = RECONCILE_MINUTES
        .iter()
        .map(|m| m * minute)
        .find(|&offset| offset > elapsed)
        .unwrap_or_else(|| (elapsed / (60 * minute) + 1) * 60 * minute);
    Some(window_ends.saturating_add(offset).min(end))
}

/// What [`Engine::check_now`] did.
#[derive(Debug)]
pub enum CheckNow {
    /// A status check of the order is queued to run now; the order as stored.
    Queued(Order),
    /// Nothing to check: the order is unknown, not sent yet, or final.
    Nothing,
    /// The order was checked early less than [`Config::min_early_check_interval`] ago: no
    /// new check; its scheduled checks go on. The order as it stands, and when to ask again.
    TooSoon {
        /// The order as it stands.
        order: Order,
        /// When an early check will be taken again.
        retry_after: Duration,
    },
}

/// The early status checks this instance made lately, by reference, so that each order gets
/// at most one per interval; never more than [`MAX_EARLY_CHECKS_TRACKED`] of them.
#[derive(Debug)]
struct EarlyChecks {
    interval: Duration,
    last: Mutex<HashMap<String, Instant>>,
}

impl EarlyChecks {
    /// Whether `reference` may be checked early at `now`, and if so, notes it; else how long
    /// until it may.
    fn admit(&self, reference: &str, now: Instant) -> Result<(), Duration> {
        let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(at) = last.get(reference) {
            let since = now.saturating_duration_since(*at);
            if since < self.interval {
                return Err(self.interval - since);
            }
        }
        if last.len() >= MAX_EARLY_CHECKS_TRACKED {
            last.retain(|_, at| now.saturating_duration_since(*at) < self.interval);
            if last.len() >= MAX_EARLY_CHECKS_TRACKED {
                return Err(self.interval);
            }
        }
        last.insert(reference.to_owned(), now);
        Ok(())
    }
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("store", &self.store)
            .field("instance", &self.instance)
            .field("check_interval", &self.check_interval)
            .field("window", &self.window)
            .field("min_early_check_interval", &self.early.interval)
            .finish_non_exhaustive()
    }
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl Engine {
    /// An engine on this store, client and hub, with the config's timings.
    pub fn new(store: Store, client: Client, hub: Hub, config: &Config) -> Engine {
        Engine {
            store,
            client,
            hub,
            check_interval: config.check_interval,
            window: config.window,
            reconcile_period: config.reconcile_period,
            instance: Arc::from(config.instance.as_str()),
            early: Arc::new(EarlyChecks {
                interval: config.min_early_check_interval,
                last: Mutex::new(HashMap::new()),
            }),
            clock: Clock::default(),
            metrics: Arc::new(Metrics::new()),
            public_url: config.public_url.as_deref().map(Arc::from),
        }
    }

    /// This instance's metrics.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// The engine's time, unix milliseconds: the wall clock, unless a test moved it.
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Moves the engine's time forward by `by`, for tests of what happens hours later
    /// (reconciliation). Jobs it schedules are due by this time.
    #[doc(hidden)]
    pub fn advance_clock(&self, by: Duration) {
        self.clock.offset_ms.fetch_add(ms(by), Ordering::Relaxed);
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The SDK client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The hub of order changes.
    pub fn hub(&self) -> &Hub {
        &self.hub
    }

    /// This instance's name.
    pub fn instance(&self) -> &str {
        &self.instance
    }

    /// Stores a new order with its first job (the outbox), logs it and announces it. A form
    /// token already used stores nothing and returns the order it made, with `false`.
    pub async fn create(&self, new: &NewOrder) -> Result<(Order, bool), StoreError> {
        let (order, created) = self.store.create_order(new, &self.instance).await?;
        if created {
            log_transition(&order, None);
            self.hub.publish(order.view());
        } else {
            tracing::info!(
                "order {}: the same form was posted again; no new order",
                order.reference
            );
        }
        Ok((order, created))
    }

    /// Queues one status check of the order now, if it is pending, still pending or unknown
    /// ([`CheckNow::Queued`]); [`CheckNow::Nothing`] otherwise (not found, not sent yet, or
    /// final).
    ///
    /// "Check again" calls it, and so does the callback handler, since a callback is verified
    /// by a status check of the stored reference before it settles anything. The check
    /// replaces the one scheduled (the step advances), so the payment is never checked twice
    /// at once. An order checked early less than [`Config::min_early_check_interval`] ago gets
    /// no new check ([`CheckNow::TooSoon`]): a flood of callbacks costs QosIc one status check
    /// per order per interval.
    pub async fn check_now(&self, reference: &str) -> Result<CheckNow, StoreError> {
        let Some(order) = self.store.order(reference).await? else {
            return Ok(CheckNow::Nothing);
        };
        self.check_order_now(order).await
    }

    /// [`Engine::check_now`] for an order already read.
    pub async fn check_order_now(&self, order: Order) -> Result<CheckNow, StoreError> {
        if !matches!(
            order.state,
            State::Pending | State::StillPending | State::Unknown | State::NeedsAttention
        ) {
            return Ok(CheckNow::Nothing);
        }
        if let Err(retry_after) = self.early.admit(&order.reference, Instant::now()) {
            tracing::info!(
                "order {}: checked early less than {} s ago, the scheduled checks go on",
                order.reference,
                self.early.interval.as_secs()
            );
            return Ok(CheckNow::TooSoon { order, retry_after });
        }
        let stored = self
            .store
            .advance(&order, &order, Some(self.now_ms()), &self.instance)
            .await?;
        Ok(match stored {
            Some(stored) => {
                self.hub.publish(stored.view());
                CheckNow::Queued(stored)
            }
            // Another job advanced it first: it was being checked anyway.
            None => CheckNow::Nothing,
        })
    }

    /// Runs one job: the step it names, if the order is still at that step.
    pub async fn drive(&self, job: &Drive) -> Result<(), StoreError> {
        let Some(order) = self.store.order(&job.order).await? else {
            tracing::warn!("job for unknown order {}: nothing to do", job.order);
            return Ok(());
        };
        if order.step != job.step {
            tracing::debug!(
                "order {} is at step {}, the job was for step {}: already done",
                order.reference,
                order.step,
                job.step
            );
            return Ok(());
        }
        match order.state {
            State::Created if order.carrier == CARD => self.send_card(order).await,
            State::Created => self.send(order).await,
            State::Sending => self.resume_sending(order).await,
            State::Pending | State::StillPending | State::Unknown | State::NeedsAttention => {
                self.check(order).await
            }
            State::Confirmed | State::Failed | State::Refunded => Ok(()),
        }
    }

    /// Claims a `created` order for sending (one sender wins, whatever the instances):
    /// the order as `sending`, or `None` when another sender has it.
    pub(super) async fn claim(&self, order: Order) -> Result<Option<Order>, StoreError> {
        if !self
            .store
            .claim_sending(&order.reference, order.step)
            .await?
        {
            return Ok(None);
        }
        Ok(Some(Order {
            state: State::Sending,
            ..order
        }))
    }

    /// `created`: claim, send once, record the answer.
    async fn send(&self, order: Order) -> Result<(), StoreError> {
        let Some(before) = self.claim(order).await? else {
            return Ok(());
        };
        let mut request =
            PaymentRequest::new(&before.phone, u64::try_from(before.amount).unwrap_or(0))
                .reference(&before.reference)
                .carrier(&before.carrier);
        if !before.first_name.is_empty() {
            request = request.first_name(&before.first_name);
        }
        if !before.last_name.is_empty() {
            request = request.last_name(&before.last_name);
        }
        self.metrics.payment_requests.inc();
        let result = tokio::time::timeout(CALL_TIMEOUT, self.client.initiate(request)).await;
        let now = self.now_ms();
        let mut after = before.clone();
        let mut next = None;
        if let Some(outcome) =
            self.answer_of(result, "the payment request", &mut after, &mut next, now)
        {
            if let Some(service_ref) = outcome.service_ref() {
                after.operator_ref = Some(service_ref.to_owned());
            }
            match outcome.status() {
                Status::Confirmed => {
                    after.state = State::Confirmed;
                    after.reason = outcome.reason().map(str::to_owned);
                }
                Status::Failed => {
                    after.state = State::Failed;
                    after.reason = Some(outcome.reason().unwrap_or("declined").to_owned());
                }
                _ => self.follow(&mut after, &mut next, now),
            }
        }
        self.commit(&before, after, next).await
    }

    /// The answer to a request that may move money (a payment request, a card checkout),
    /// `what` naming it in the order's reason; `None` when there is none to read, the order
    /// then set for what comes next:
    ///
    /// - certainly not sent (QosIc unreachable): the same reference is sent again later, with
    ///   a growing wait, at most [`MAX_SEND_ATTEMPTS`] times, then the order fails;
    /// - refused by QosIc (it answered): failed;
    /// - anything else, or no answer within [`CALL_TIMEOUT`]: the request may have left, so it
    ///   is never sent again; status checks settle it ([`Engine::follow`]).
    fn answer_of<T>(
        &self,
        result: Result<Result<T, qosic::Error>, tokio::time::error::Elapsed>,
        what: &str,
        after: &mut Order,
        next: &mut Option<i64>,
        now: i64,
    ) -> Option<T> {
        let error = match result {
            Ok(Ok(answer)) => return Some(answer),
            Ok(Err(error)) => error,
            Err(_elapsed) => {
                self.follow(after, next, now);
                return None;
            }
        };
        match error.delivery() {
            Delivery::NotSent => {
                after.send_attempts += 1;
                if after.send_attempts >= MAX_SEND_ATTEMPTS {
                    after.state = State::Failed;
                    after.reason = Some(format!(
                        "{what} could not be sent after {} attempts: {error}",
                        after.send_attempts
                    ));
                } else {
                    after.state = State::Created;
                    after.reason = Some(format!("not sent yet, trying again: {error}"));
                    let backoff = 1_000 * (1_i64 << after.send_attempts.clamp(0, 6));
                    *next = Some(now + backoff);
                }
            }
            Delivery::Answered => {
                after.state = State::Failed;
                after.reason = Some(error.to_string());
            }
            _ => self.follow(after, next, now),
        }
        None
    }

    /// The request left (or may have): the order is pending, its window opens now and its
    /// first status check is due after `check_interval`.
    fn follow(&self, after: &mut Order, next: &mut Option<i64>, now: i64) {
        after.state = State::Pending;
        after.reason = None;
        after.window_ends = Some(now + ms(self.window));
        *next = Some(now + ms(self.check_interval));
    }

    /// `sending` at the job's step: the job before this one died between marking the order
    /// and recording the answer. The request may have left, so settle by status checks.
    async fn resume_sending(&self, order: Order) -> Result<(), StoreError> {
        tracing::info!(
            "order {} was being sent when its worker stopped: checking its status, never sending it again",
            order.reference
        );
        let now = self.now_ms();
        let after = Order {
            state: State::Pending,
            reason: None,
            window_ends: Some(now + ms(self.window)),
            ..order.clone()
        };
        self.commit(&order, after, Some(now)).await
    }

    /// One status check, then the next one or the end of the window.
    async fn check(&self, order: Order) -> Result<(), StoreError> {
        if order.carrier == CARD {
            return self.check_card(order).await;
        }
        let mut lookup = Lookup::parse(&order.reference, &order.phone)
            .map_err(|e| StoreError::Corrupt(format!("order {}: {e}", order.reference)))?
            .carrier(&order.carrier);
        if let Some(operator_ref) = &order.operator_ref {
            lookup = lookup.operator_ref(operator_ref);
        }
        let call = self.client.check_status(lookup);
        self.check_with(order, call, |outcome| {
            (outcome.status(), outcome.reason().map(str::to_owned))
        })
        .await
    }

    /// One status check (`call`, the SDK's, read by `read`), bounded by [`CALL_TIMEOUT`], then
    /// settled: an error or no answer is `Unknown`, with why.
    pub(super) async fn check_with<T>(
        &self,
        order: Order,
        call: impl std::future::Future<Output = Result<T, qosic::Error>>,
        read: impl FnOnce(T) -> (Status, Option<String>),
    ) -> Result<(), StoreError> {
        self.metrics.status_checks.inc();
        let result = tokio::time::timeout(CALL_TIMEOUT, call).await;
        let now = self.now_ms();
        let mut after = order.clone();
        after.checks += 1;
        let (status, reason) = match result {
            Ok(Ok(answer)) => read(answer),
            Ok(Err(error)) => (Status::Unknown, Some(error.to_string())),
            Err(_) => (
                Status::Unknown,
                Some(format!(
                    "the status check got no answer within {} s",
                    CALL_TIMEOUT.as_secs()
                )),
            ),
        };
        self.settle(order, after, status, reason, now).await
    }

    /// Records a status check's answer: settled, the next check, or reconciliation.
    async fn settle(
        &self,
        order: Order,
        mut after: Order,
        status: Status,
        reason: Option<String>,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut next = None;
        match status {
            Status::Confirmed => {
                after.state = State::Confirmed;
                after.reason = reason;
            }
            Status::Failed => {
                after.state = State::Failed;
                after.reason = Some(reason.unwrap_or_else(|| "declined".to_owned()));
            }
            _ => {
                let window_ends = order.window_ends.unwrap_or(now);
                if order.state == State::Pending && now < window_ends {
                    after.reason = None;
                    next = Some((now + ms(self.check_interval)).min(window_ends));
                } else {
                    if status == Status::Pending {
                        after.state = State::StillPending;
                        after.reason = None;
                    } else {
                        after.state = State::Unknown;
                        after.reason = reason;
                    }
                    // Reconciliation: checked again later, so that a late approval (its
                    // callback lost) settles; past the period, the operator looks at it.
                    match next_reconcile(window_ends, now, self.reconcile_period) {
                        Some(at) => next = Some(at),
                        None => after.state = State::NeedsAttention,
                    }
                }
            }
        }
        self.commit(&order, after, next).await
    }

    async fn commit(
        &self,
        before: &Order,
        after: Order,
        next: Option<i64>,
    ) -> Result<(), StoreError> {
        let mut base = before.clone();
        loop {
            let Some(stored) = self
                .store
                .advance(&base, &after, next, &self.instance)
                .await?
            else {
                match self.brought_forward(&base, &after).await? {
                    Some(current) => {
                        base = current;
                        continue;
                    }
                    None => {
                        tracing::debug!(
                            "order {} step {} was recorded by another job",
                            before.reference,
                            before.step
                        );
                        return Ok(());
                    }
                }
            };
            if stored.state != before.state {
                log_transition(&stored, Some(before.state));
            }
            if stored.state.is_final() && !before.state.is_final() {
                let ms = stored.updated_at.saturating_sub(stored.created_at).max(0);
                self.metrics.time_to_settle.observe(ms as f64 / 1000.0);
            }
            self.hub.publish(stored.view());
            return Ok(());
        }
    }

    /// The order as it stands, when the only change since `base` is an early check queued
    /// while this status check was in flight ("check again" or a callback,
    /// [`Engine::check_order_now`]: the step advanced, nothing else): this check's answer is
    /// then recorded on that step, and the early check's job finds its step done. Without
    /// this, a callback that came during a check threw the check's answer away and asked
    /// QosIc again (1.02 checks per order under load). `None` when the order changed
    /// otherwise, or `after` is not a status check's result.
    async fn brought_forward(
        &self,
        base: &Order,
        after: &Order,
    ) -> Result<Option<Order>, StoreError> {
        if after.checks != base.checks + 1 {
            return Ok(None);
        }
        let Some(current) = self.store.order(&base.reference).await? else {
            return Ok(None);
        };
        let only_brought_forward = current.step == base.step + 1
            && current.state == base.state
            && current.checks == base.checks
            && current.window_ends == base.window_ends;
        Ok(only_brought_forward.then_some(current))
    }
}

/// The operator's line: one per transition, with the reference, the masked phone and the state.
fn log_transition(order: &Order, from: Option<State>) {
    let from = from.map(|s| format!("{s} -> ")).unwrap_or_default();
    // A card order has no phone.
    let phone = match order.masked_phone() {
        phone if phone.is_empty() => "-".to_owned(),
        phone => phone,
    };
    match &order.reason {
        Some(reason) => tracing::info!(
            "order {} {} {} XOF {}: {from}{} ({reason})",
            order.reference,
            phone,
            order.amount,
            order.carrier,
            order.state
        ),
        None => tracing::info!(
            "order {} {} {} XOF {}: {from}{}",
            order.reference,
            phone,
            order.amount,
            order.carrier,
            order.state
        ),
    }
}

/// The apalis task function.
async fn drive_job(job: Drive, engine: Data<Arc<Engine>>) -> Result<(), BoxDynError> {
    engine.drive(&job).await.map_err(|e| {
        tracing::warn!(
            "job for order {} step {} failed: {e}; apalis retries it",
            job.order,
            job.step
        );
        Box::new(e) as BoxDynError
    })
}

/// Runs the apalis worker of this instance until the task is aborted; a worker that stops
/// (its database connection lost, say) is started again under a new name after a second.
///
/// Each run registers under a name of its own (`INSTANCE-STARTMS-wN`), so that the jobs a dead run
/// held are handed over by apalis's heartbeat check, by this instance or another.
pub fn spawn_worker(engine: Arc<Engine>, config: &Config) -> JoinHandle<()> {
    spawn_worker_named(engine, config, worker_prefix(config))
}

/// The start of this process's worker names, `INSTANCE-STARTMS-`: the start time keeps the
/// names of two processes apart even when they share an instance name (apalis refuses a name
/// whose worker was seen alive in the last heartbeat).
pub fn worker_prefix(config: &Config) -> String {
    format!("{}-{}-", config.instance, now_ms())
}

/// [`spawn_worker`], with the workers named `PREFIXwN` (see [`worker_prefix`]), so that the
/// caller can find their jobs and heartbeats.
pub fn spawn_worker_named(engine: Arc<Engine>, config: &Config, prefix: String) -> JoinHandle<()> {
    let heartbeat = config.heartbeat;
    let poll = config.poll_interval;
    let concurrency = config.worker_concurrency.max(1);
    let instance = prefix;
    tokio::spawn(async move {
        crate::poll::keep_running(&format!("{instance}w"), "worker", |name| {
            let engine = Arc::clone(&engine);
            async move { run_worker(&engine, &name, heartbeat, poll, concurrency).await }
        })
        .await;
    })
}

/// How old a finished job must be before [`spawn_pruner`] deletes it.
pub const PRUNE_AGE: Duration = Duration::from_secs(3600);

/// At start and every 10 minutes: gives back their attempts to jobs apalis gave up on
/// ([`Store::revive_dead_jobs`]), and deletes finished jobs older than [`PRUNE_AGE`] (10,000
/// at a time), so that apalis's table does not grow with every status check ever made.
pub fn spawn_pruner(store: Store) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(600));
        loop {
            tick.tick().await;
            match tokio::time::timeout(Duration::from_secs(60), store.revive_dead_jobs()).await {
                Ok(Ok(0)) => {}
                Ok(Ok(n)) => tracing::warn!("{n} jobs had failed too often; they run again"),
                Ok(Err(e)) => tracing::warn!("cannot revive failed jobs: {e}"),
                Err(_) => tracing::warn!("reviving failed jobs took over 60 s; trying again later"),
            }
            match tokio::time::timeout(Duration::from_secs(60), store.prune_jobs(PRUNE_AGE, 10_000))
                .await
            {
                Ok(Ok(0)) => {}
                Ok(Ok(n)) => tracing::debug!("deleted {n} finished jobs"),
                Ok(Err(e)) => tracing::warn!("cannot delete finished jobs: {e}"),
                Err(_) => {
                    tracing::warn!("deleting finished jobs took over 60 s; trying again later")
                }
            }
        }
    })
}

async fn run_worker(
    engine: &Arc<Engine>,
    name: &str,
    heartbeat: Duration,
    poll: Duration,
    concurrency: usize,
) -> Result<(), BoxDynError> {
    let spec = crate::poll::WorkerSpec {
        queue: QUEUE,
        heartbeat,
        poll,
        concurrency,
        timeout: JOB_TIMEOUT,
    };
    crate::poll::run_worker!(
        engine.store(),
        spec,
        Drive,
        name,
        Arc::clone(engine),
        drive_job
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn reconciliation_backs_off_then_checks_hourly_until_the_period_ends() {
        let minute = 60_000;
        let period = Duration::from_secs(48 * 3600);
        let w = 1_000_000;
        assert_eq!(next_reconcile(w, w, period), Some(w + minute));
        assert_eq!(next_reconcile(w, w + 1, period), Some(w + minute));
        assert_eq!(next_reconcile(w, w + minute, period), Some(w + 5 * minute));
        assert_eq!(
            next_reconcile(w, w + 5 * minute, period),
            Some(w + 15 * minute)
        );
        assert_eq!(
            next_reconcile(w, w + 15 * minute, period),
            Some(w + 60 * minute)
        );
        assert_eq!(
            next_reconcile(w, w + 60 * minute, period),
            Some(w + 120 * minute)
        );
        assert_eq!(
            next_reconcile(w, w + 61 * minute, period),
            Some(w + 120 * minute)
        );
        assert_eq!(
            next_reconcile(w, w + 47 * 60 * minute + 1, period),
            Some(w + 48 * 60 * minute)
        );
        assert_eq!(next_reconcile(w, w + 48 * 60 * minute, period), None);
        // A period shorter than the back-off: the last check at its end.
        assert_eq!(
            next_reconcile(w, w + 2 * minute, Duration::from_secs(180)),
            Some(w + 3 * minute)
        );
    }

    use super::*;

    fn early(interval: Duration) -> EarlyChecks {
        EarlyChecks {
            interval,
            last: Mutex::new(HashMap::new()),
        }
    }

    #[test]
    fn one_early_check_per_order_per_interval() {
        let checks = early(Duration::from_secs(5));
        let t0 = Instant::now();
        assert_eq!(checks.admit("A", t0), Ok(()));
        assert_eq!(
            checks.admit("A", t0 + Duration::from_secs(2)),
            Err(Duration::from_secs(3))
        );
        assert_eq!(checks.admit("B", t0 + Duration::from_secs(2)), Ok(()));
        assert_eq!(checks.admit("A", t0 + Duration::from_secs(5)), Ok(()));
    }

    #[test]
    fn the_memory_of_early_checks_is_bounded() {
        let checks = early(Duration::from_secs(5));
        let t0 = Instant::now();
        for i in 0..MAX_EARLY_CHECKS_TRACKED {
            assert_eq!(checks.admit(&i.to_string(), t0), Ok(()));
        }
        // Full of recent checks: one more waits for the scheduled checks.
        assert_eq!(checks.admit("new", t0), Err(Duration::from_secs(5)));
        assert_eq!(checks.last.lock().unwrap().len(), MAX_EARLY_CHECKS_TRACKED);
        // Once they are old, they make room.
        assert_eq!(checks.admit("new", t0 + Duration::from_secs(5)), Ok(()));
        assert_eq!(checks.last.lock().unwrap().len(), 1);
    }
}
