//! Callbacks like QosIc's: when a transaction ends (a payment confirmed or failed, a deposit
//! done), the fake server posts QosIc's callback payload to the callback URL, and hands
//! what it sent to a [`CallbackSink`] a test can await.
//!
//! ```json
//! {"status":"SUCCESSFUL","transRef":"T1","specialfield1":"SUCCESSFUL","amount":"100","serviceRef":"10000001","code":"200"}
//! ```
//!
//! One sender per server: a bounded queue ([`crate::DEFAULT_CALLBACK_QUEUE`] callbacks waiting
//! or in flight; beyond, a callback is dropped and the drop journaled) and one worker task
//! that sends them in order, each POST under [`crate::DEFAULT_CALLBACK_TIMEOUT`] (connect,
//! send, answer). The receiver's answer is journaled ([`SentCallback::delivery`]); like
//! QosIc, the sender does not retry. Callbacks due later (a subscriber who approves after a
//! delay, a delayed fault) wait on tokio's clock, so a paused test clock makes them free.
//!
//! The worker and the timers run on the tokio runtime of the request that ended the
//! transaction: the HTTP server's own runtime, or the test's with the in-process transport.
//! hyper stays private here too: the callback's POST is hyper's client connection over a
//! tokio `TcpStream`.

use std::collections::VecDeque;
use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::header::{CONNECTION, CONTENT_TYPE, HOST, USER_AGENT};
use hyper_util::rt::TokioIo;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{json, Value};
use tokio::sync::{mpsc, Notify};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::admin::{admin_delay, clip, parse, render};
use crate::mock::MockQosic;
use crate::state::{problem, Action, Reply, Shared, TransactionKind, MAX_FAULTS};

/// How long one callback's POST may take by default (connect, send, answer):
/// [`crate::MockQosicBuilder::callback_timeout`].
pub const DEFAULT_CALLBACK_TIMEOUT: Duration = Duration::from_secs(10);

/// How many callbacks may wait (queued, on a timer, held or in flight) by default:
/// [`crate::MockQosicBuilder::callback_queue`]. Beyond, a callback is dropped and journaled.
pub const DEFAULT_CALLBACK_QUEUE: usize = 1024;

/// How many callbacks a [`CallbackSink`] holds before the test reads them; beyond, the sink
/// misses them ([`CallbackSink::missed`]).
pub const CALLBACK_SINK_CAPACITY: usize = 1024;

/// The most bytes of a receiver's answer kept in the journal.
const ANSWER_LIMIT: usize = 1024;

/// How long a callback sent out of order waits for the next one before it goes anyway.
const OUT_OF_ORDER_HOLD: Duration = Duration::from_secs(60);

/// The callback settings of a server, from its builder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CallbackConfig {
    /// Where callbacks are posted, as given; checked when the server is built.
    pub(crate) url: Option<String>,
    /// How long one POST may take.
    pub(crate) timeout: Duration,
    /// How many callbacks may wait at once.
    pub(crate) queue: usize,
    /// Whether callbacks may go to any host; otherwise only to loopback addresses.
    pub(crate) anywhere: bool,
}

impl Default for CallbackConfig {
    fn default() -> Self {
        CallbackConfig {
            url: None,
            timeout: DEFAULT_CALLBACK_TIMEOUT,
            queue: DEFAULT_CALLBACK_QUEUE,
            anywhere: false,
        }
    }
}

impl CallbackConfig {
    /// Whether the settings can be used: a valid URL, a timeout, a queue.
    pub(crate) fn check(&self) -> Result<(), String> {
        if let Some(url) = &self.url {
            Target::parse(url)?;
        }
        if self.timeout.is_zero() {
            return Err("callback_timeout must be longer than zero".to_owned());
        }
        if self.queue == 0 {
            return Err("callback_queue must be at least 1".to_owned());
        }
        Ok(())
    }
}

/// A parsed callback URL: `http://HOST[:PORT][/PATH]`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Target {
    url: String,
    host: String,
    port: u16,
    authority: String,
    path: String,
}

impl Target {
    fn parse(url: &str) -> Result<Target, String> {
        let trimmed = url.trim();
        let shown: String = trimmed.chars().take(200).collect();
        let uri: http::Uri = trimmed.parse().map_err(|e| {
            format!("callback URL {shown:?} is not a URL ({e}): expected http://HOST:PORT/PATH")
        })?;
        match uri.scheme_str() {
            Some("http") => {}
            Some("https") => {
                return Err(format!(
                    "callback URL {shown:?}: the fake server posts callbacks over plain HTTP \
                     only; give an http:// URL (a receiver of the test suite, on loopback)"
                ))
            }
            _ => {
                return Err(format!(
                    "callback URL {shown:?}: expected http://HOST:PORT/PATH"
                ))
            }
        }
        let authority = uri
            .authority()
            .filter(|a| !a.host().is_empty())
            .ok_or_else(|| {
                format!("callback URL {shown:?} has no host: expected http://HOST:PORT/PATH")
            })?;
        if authority.as_str().contains('@') {
            return Err(format!(
                "callback URL {shown:?}: user names and passwords in callback URLs are not supported"
            ));
        }
        Ok(Target {
            url: trimmed.to_owned(),
            host: authority
                .host()
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_owned(),
            port: authority.port_u16().unwrap_or(80),
            authority: authority.as_str().to_owned(),
            path: uri
                .path_and_query()
                .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned()),
        })
    }
}

// ----- Faults -----

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CallbackFaultKind {
    Dropped,
    Delayed(Duration),
    Duplicated,
    OutOfOrder,
    Forged,
}

/// A fault to inject into the next callbacks: what a webhook sender and the network do on a
/// bad day, and what an attacker who found the callback URL does.
///
/// A fault applies to every callback until [`MockQosic::clear_callback_faults`] or a reset,
/// unless limited with [`CallbackFault::times`]; when several match, the oldest one not used
/// up wins. [`CallbackFault::forged`] applies only to callbacks of payments that failed.
///
/// ```
/// use std::time::Duration;
/// use qosic_mock::CallbackFault;
///
/// let lost = CallbackFault::dropped().times(1);
/// let late = CallbackFault::delayed(Duration::from_secs(30));
/// let twice = CallbackFault::duplicated();
/// let swapped = CallbackFault::out_of_order().times(1);
/// let lie = CallbackFault::forged().times(1);
/// # let _ = (lost, late, twice, swapped, lie);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "a fault does nothing until given to MockQosic::callback_fault"]
pub struct CallbackFault {
    kind: CallbackFaultKind,
    times: Option<usize>,
}

impl CallbackFault {
    fn new(kind: CallbackFaultKind) -> Self {
        CallbackFault { kind, times: None }
    }

    /// The callback is never sent (journaled as dropped). The receiver must not depend on
    /// callbacks: QosIc does not retry.
    pub fn dropped() -> Self {
        CallbackFault::new(CallbackFaultKind::Dropped)
    }

    /// The callback is sent `delay` later (tokio's clock), after the callbacks of
    /// transactions that ended in between.
    pub fn delayed(delay: Duration) -> Self {
        CallbackFault::new(CallbackFaultKind::Delayed(delay))
    }

    /// The callback is sent twice, one right after the other.
    pub fn duplicated() -> Self {
        CallbackFault::new(CallbackFaultKind::Duplicated)
    }

    /// The callback is held until the next callback has been sent, then sent: the two
    /// arrive in the reverse order of their transactions' ends. Held at most 60 s (tokio's
    /// clock) when no other callback comes.
    pub fn out_of_order() -> Self {
        CallbackFault::new(CallbackFaultKind::OutOfOrder)
    }

    /// A forged callback: a payment that failed (declined, insufficient funds) is called
    /// back as `SUCCESSFUL`, code `200`, with its amount and reference, as anyone who found
    /// the URL could post. Applies only to failed payments; a receiver must refuse it after
    /// a status check. See also [`MockQosic::forge_callback`], for any reference.
    pub fn forged() -> Self {
        CallbackFault::new(CallbackFaultKind::Forged)
    }

    /// Applies to the next `n` matching callbacks only.
    pub fn times(mut self, n: usize) -> Self {
        self.times = Some(n);
        self
    }

    fn matches(&self, ended: &Ended) -> bool {
        self.kind != CallbackFaultKind::Forged
            || (ended.kind == TransactionKind::Payment && !ended.succeeded)
    }

    fn describe(&self) -> String {
        match self.kind {
            CallbackFaultKind::Dropped => "dropped".to_owned(),
            CallbackFaultKind::Delayed(d) => format!("delayed {d:?}"),
            CallbackFaultKind::Duplicated => "duplicated".to_owned(),
            CallbackFaultKind::OutOfOrder => "out of order".to_owned(),
            CallbackFaultKind::Forged => "forged".to_owned(),
        }
    }
}

#[derive(Debug)]
struct FaultSlot {
    fault: CallbackFault,
    used: usize,
}

// ----- What was sent -----

/// What became of one callback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
#[non_exhaustive]
pub enum CallbackDelivery {
    /// No callback URL was set: the callback went to the [`CallbackSink`] only (in-process
    /// tests).
    InProcess,
    /// The receiver answered with this HTTP status (whatever it is, the sender does not
    /// retry, like QosIc).
    Answered {
        /// The HTTP status.
        status: u16,
        /// The start of the answer's body (1 KiB at most).
        body: String,
    },
    /// The POST failed: refused, timed out, closed without an answer...
    Failed {
        /// Why, in words.
        reason: String,
    },
    /// Never sent: dropped by a [`CallbackFault::dropped`], or because the queue was full.
    Dropped {
        /// Why, in words.
        reason: String,
    },
}

/// One callback of the fake server, as the journal of callbacks keeps it and a
/// [`CallbackSink`] receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct SentCallback {
    /// Its number among the callbacks journaled since the start (or the last reset), from 1.
    pub seq: u64,
    /// The transaction's reference (`transRef`).
    pub reference: String,
    /// `SUCCESSFUL` or `FAILED`, as in the payload.
    pub status: String,
    /// The amount in the payload, in whole XOF.
    pub amount: u64,
    /// The JSON payload, as sent (QosIc's keys: `status`, `transRef`, `specialfield1`,
    /// `amount`, `serviceRef`, `code`).
    #[serde(serialize_with = "as_json")]
    pub body: String,
    /// The URL it was posted to, if any.
    pub url: Option<String>,
    /// What became of it.
    pub delivery: CallbackDelivery,
    /// The fault applied to it, in words (`dropped`, `delayed 5s`, `duplicated`,
    /// `out of order`, `forged`), if any.
    pub fault: Option<String>,
}

impl SentCallback {
    /// The payload as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    /// Whether it reached a receiver (or the sink, with no URL): not dropped, not failed.
    pub fn delivered(&self) -> bool {
        matches!(
            self.delivery,
            CallbackDelivery::InProcess | CallbackDelivery::Answered { .. }
        )
    }
}

fn as_json<S: Serializer>(body: &str, serializer: S) -> Result<S::Ok, S::Error> {
    match serde_json::from_str::<Value>(body) {
        Ok(value) => value.serialize(serializer),
        Err(_) => serializer.serialize_str(body),
    }
}

/// The callbacks the fake server sends, as they go: from [`MockQosic::callback_sink`].
///
/// It receives every callback sent (to the URL if one is set, else in-process only), with
/// what the receiver answered, in the order they were sent; dropped callbacks do not come
/// (the journal, [`MockQosic::callbacks`], has them). It holds
/// [`CALLBACK_SINK_CAPACITY`] callbacks the test has not read yet.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap().block_on(async {
/// use qosic_core::PaymentRequest;
/// use qosic_mock::MockQosic;
///
/// let mock = MockQosic::in_process();
/// let mut callbacks = mock.callback_sink();
/// let outcome = mock.client().pay(PaymentRequest::new("22997000100", 1000)).await?;
///
/// let callback = callbacks.next().await.expect("a callback");
/// assert_eq!(callback.reference, outcome.reference().as_str());
/// assert_eq!(callback.json()["status"], "SUCCESSFUL");
/// assert_eq!(callback.json()["amount"], "1000");
/// # Ok::<(), qosic_core::Error>(())
/// # }).unwrap();
/// ```
#[derive(Debug)]
pub struct CallbackSink {
    receiver: mpsc::Receiver<SentCallback>,
    core: Arc<Core>,
}

impl CallbackSink {
    /// How long [`CallbackSink::next`] waits, on tokio's clock: 10 minutes (free with a
    /// paused clock, where a callback due later comes at once).
    pub const WAIT: Duration = Duration::from_secs(600);

    /// The next callback sent, waiting at most [`CallbackSink::WAIT`]; `None` when none
    /// came by then, when the server was dropped, or when a newer sink replaced this one.
    pub async fn next(&mut self) -> Option<SentCallback> {
        self.next_within(CallbackSink::WAIT).await
    }

    /// The next callback sent, waiting at most `wait` (tokio's clock).
    pub async fn next_within(&mut self, wait: Duration) -> Option<SentCallback> {
        tokio::time::timeout(wait, self.receiver.recv())
            .await
            .ok()
            .flatten()
    }

    /// The next callback if one was sent already, without waiting.
    pub fn try_next(&mut self) -> Option<SentCallback> {
        self.receiver.try_recv().ok()
    }

    /// How many callbacks this sink missed because [`CALLBACK_SINK_CAPACITY`] were unread.
    pub fn missed(&self) -> u64 {
        self.core.lock().sink_missed
    }
}

// ----- The sender -----

/// A transaction that ended, as the state tells it.
#[derive(Debug, Clone)]
pub(crate) struct Ended {
    pub(crate) reference: Arc<str>,
    pub(crate) kind: TransactionKind,
    pub(crate) succeeded: bool,
    pub(crate) amount: u64,
    pub(crate) service_ref: String,
}

/// QosIc's callback body, keys in its order.
#[derive(Serialize)]
struct Payload<'a> {
    status: &'a str,
    #[serde(rename = "transRef")]
    trans_ref: &'a str,
    specialfield1: &'a str,
    amount: String,
    #[serde(rename = "serviceRef")]
    service_ref: &'a str,
    code: &'a str,
}

/// One callback to send (or to journal as dropped).
#[derive(Debug, Clone)]
struct Item {
    reference: Arc<str>,
    successful: bool,
    amount: u64,
    body: Arc<str>,
    fault: Option<String>,
    /// Why it is not sent, when it is not.
    dropped: Option<String>,
    /// Sent after the next callback.
    hold: bool,
    generation: u64,
}

impl Item {
    fn new(ended: &Ended, successful: bool, generation: u64) -> Item {
        let status = if successful { "SUCCESSFUL" } else { "FAILED" };
        let payload = Payload {
            status,
            trans_ref: &ended.reference,
            specialfield1: status,
            amount: ended.amount.to_string(),
            service_ref: &ended.service_ref,
            code: if successful { "200" } else { "-1" },
        };
        let body = serde_json::to_string(&payload).unwrap_or_default();
        Item {
            reference: Arc::clone(&ended.reference),
            successful,
            amount: ended.amount,
            body: body.into(),
            fault: None,
            dropped: None,
            hold: false,
            generation,
        }
    }
}

/// The callback sender of one server; dropping it stops its worker and timers.
pub(crate) struct Callbacks {
    core: Arc<Core>,
}

impl fmt::Debug for Callbacks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Callbacks").finish_non_exhaustive()
    }
}

impl Drop for Callbacks {
    fn drop(&mut self) {
        let mut state = self.core.lock();
        state.closed = true;
        state.queue.clear();
        // The sink's receiver sees the end.
        state.sink = None;
        drop(state);
        self.core.wake.notify_one();
    }
}

struct Core {
    timeout: Duration,
    /// [`CallbackConfig::anywhere`].
    anywhere: bool,
    queue: usize,
    journal_capacity: usize,
    /// Whether anything listens (a URL or a sink): the state's hooks return at once when not.
    enabled: AtomicBool,
    wake: Notify,
    /// Notified by a reset: callbacks on a timer end at once instead of sleeping on.
    reset: Notify,
    state: Mutex<SenderState>,
}

impl fmt::Debug for Core {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Core").finish_non_exhaustive()
    }
}

#[derive(Default)]
struct SenderState {
    target: Option<Target>,
    sink: Option<mpsc::Sender<SentCallback>>,
    sink_missed: u64,
    faults: Vec<FaultSlot>,
    queue: VecDeque<Item>,
    /// Callbacks queued, on a timer, held or in flight.
    outstanding: usize,
    /// Of those, the callbacks on a timer (of this generation).
    timers: usize,
    journal: VecDeque<SentCallback>,
    seq: u64,
    /// Bumped by a reset: timers of an older generation are forgotten.
    generation: u64,
    worker: Option<JoinHandle<()>>,
    closed: bool,
}

enum Next {
    Item(Item),
    Empty,
    Closed,
}

impl Core {
    fn lock(&self) -> MutexGuard<'_, SenderState> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn refresh_enabled(&self, state: &SenderState) {
        let enabled = state.target.is_some() || state.sink.is_some();
        self.enabled.store(enabled, Ordering::Release);
    }

    /// Journals a callback and hands it to the sink unless it was dropped.
    fn record(
        &self,
        state: &mut SenderState,
        item: &Item,
        url: Option<String>,
        delivery: CallbackDelivery,
    ) {
        state.seq += 1;
        let sent = SentCallback {
            seq: state.seq,
            reference: item.reference.to_string(),
            status: if item.successful {
                "SUCCESSFUL"
            } else {
                "FAILED"
            }
            .to_owned(),
            amount: item.amount,
            body: item.body.to_string(),
            url,
            delivery,
            fault: item.fault.clone(),
        };
        tracing::debug!(
            seq = sent.seq,
            transref = %sent.reference,
            status = %sent.status,
            delivery = ?sent.delivery,
            fault = sent.fault.as_deref().unwrap_or("-"),
            "qosic-mock callback"
        );
        if !matches!(sent.delivery, CallbackDelivery::Dropped { .. }) {
            if let Some(sink) = &state.sink {
                if sink.try_send(sent.clone()).is_err() {
                    state.sink_missed += 1;
                }
            }
        }
        if self.journal_capacity == 0 {
            return;
        }
        while state.journal.len() >= self.journal_capacity {
            state.journal.pop_front();
        }
        state.journal.push_back(sent);
    }

    /// Queues `item` now, or after `after` on tokio's clock; drops it when the queue is full.
    fn schedule(self: &Arc<Self>, state: &mut SenderState, item: Item, after: Duration) {
        if state.outstanding >= self.queue {
            let reason = format!(
                "the callback queue is full ({} callbacks waiting; MockQosicBuilder::callback_queue)",
                self.queue
            );
            self.record(state, &item, None, CallbackDelivery::Dropped { reason });
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            let reason = "no tokio runtime to send it from".to_owned();
            self.record(state, &item, None, CallbackDelivery::Dropped { reason });
            return;
        };
        state.outstanding += 1;
        if after.is_zero() {
            state.queue.push_back(item);
            self.ensure_worker(state, &runtime);
            self.wake.notify_one();
        } else {
            state.timers += 1;
            let core = Arc::clone(self);
            let due = Instant::now() + after;
            runtime.spawn(async move {
                let reset = core.reset.notified();
                tokio::pin!(reset);
                reset.as_mut().enable();
                // A reset before `due` forgot this callback (and released its place in the
                // queue). Not `tokio::select!`: the crate builds without tokio's macros.
                if tokio::time::timeout_at(due, reset).await.is_err() {
                    core.enqueue_later(item);
                }
            });
        }
    }

    /// A timer's callback is due: queue it, unless the server was reset or dropped since.
    fn enqueue_later(self: &Arc<Self>, item: Item) {
        let mut state = self.lock();
        if state.closed {
            return;
        }
        if item.generation != state.generation {
            // A reset forgot it, and released its place in the queue then.
            return;
        }
        state.timers = state.timers.saturating_sub(1);
        state.queue.push_back(item);
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            self.ensure_worker(&mut state, &runtime);
        }
        drop(state);
        self.wake.notify_one();
    }

    fn ensure_worker(self: &Arc<Self>, state: &mut SenderState, runtime: &tokio::runtime::Handle) {
        // A worker whose runtime was shut down (a test's runtime) is finished: start another.
        if state.worker.as_ref().is_none_or(JoinHandle::is_finished) {
            state.worker = Some(runtime.spawn(run(Arc::clone(self))));
        }
    }

    fn next_item(&self) -> Next {
        let mut state = self.lock();
        if state.closed {
            return Next::Closed;
        }
        match state.queue.pop_front() {
            Some(item) => Next::Item(item),
            None => Next::Empty,
        }
    }

    /// Sends one callback (or not, when dropped) and journals what became of it.
    async fn deliver(&self, item: Item) {
        let (target, timeout) = (self.lock().target.clone(), self.timeout);
        let (url, delivery) = match (&item.dropped, &target) {
            (Some(reason), _) => (
                None,
                CallbackDelivery::Dropped {
                    reason: reason.clone(),
                },
            ),
            (None, None) => (None, CallbackDelivery::InProcess),
            (None, Some(target)) => (
                Some(target.url.clone()),
                post(target, &item.body, timeout, self.anywhere).await,
            ),
        };
        let mut state = self.lock();
        state.outstanding = state.outstanding.saturating_sub(1);
        if item.generation == state.generation && !state.closed {
            self.record(&mut state, &item, url, delivery);
        }
    }
}

/// The worker: sends queued callbacks one after the other, in order.
async fn run(core: Arc<Core>) {
    loop {
        let item = match core.next_item() {
            Next::Item(item) => item,
            Next::Closed => return,
            Next::Empty => {
                core.wake.notified().await;
                continue;
            }
        };
        if !item.hold {
            core.deliver(item).await;
            continue;
        }
        // Out of order: the next callback goes first.
        let deadline = Instant::now() + OUT_OF_ORDER_HOLD;
        let next = loop {
            match core.next_item() {
                Next::Item(next) => break Some(next),
                Next::Closed => return,
                Next::Empty => {
                    if tokio::time::timeout_at(deadline, core.wake.notified())
                        .await
                        .is_err()
                    {
                        break None;
                    }
                }
            }
        };
        if let Some(next) = next {
            core.deliver(next).await;
        }
        core.deliver(item).await;
    }
}

/// Aborts a spawned task when dropped (a connection's driver, when the POST times out).
struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// POSTs `body` to `target` within `timeout`.
async fn post(target: &Target, body: &str, timeout: Duration, anywhere: bool) -> CallbackDelivery {
    match tokio::time::timeout(timeout, send(target, body, anywhere)).await {
        Ok(Ok((status, body))) => CallbackDelivery::Answered { status, body },
        Ok(Err(reason)) => CallbackDelivery::Failed { reason },
        Err(_) => CallbackDelivery::Failed {
            reason: format!(
                "no answer from {} within {timeout:?} (the callback timeout)",
                target.authority
            ),
        },
    }
}

/// The addresses of `target` that a callback may go to: its loopback ones, or all of them
/// when `anywhere`. An error says why there is none.
async fn addresses(target: &Target, anywhere: bool) -> Result<Vec<SocketAddr>, String> {
    let authority = &target.authority;
    let all: Vec<SocketAddr> = tokio::net::lookup_host((target.host.as_str(), target.port))
        .await
        .map_err(|e| format!("cannot resolve {authority}: {e}"))?
        .collect();
    if anywhere {
        return Ok(all);
    }
    let (allowed, refused): (Vec<SocketAddr>, Vec<SocketAddr>) =
        all.into_iter().partition(|a| a.ip().is_loopback());
    if allowed.is_empty() {
        let refused: Vec<String> = refused.iter().map(|a| a.ip().to_string()).collect();
        return Err(format!(
            "not sent: {authority} is not a loopback address ({}), and callbacks go only to \
             loopback unless the server is started with --callbacks-anywhere \
             (MockQosicBuilder::callbacks_anywhere)",
            refused.join(", ")
        ));
    }
    Ok(allowed)
}

async fn send(target: &Target, body: &str, anywhere: bool) -> Result<(u16, String), String> {
    let authority = &target.authority;
    let stream = tokio::net::TcpStream::connect(&*addresses(target, anywhere).await?)
        .await
        .map_err(|e| format!("cannot connect to {authority}: {e}"))?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("HTTP handshake with {authority} failed: {e}"))?;
    let _driver = AbortOnDrop(tokio::spawn(async move {
        let _ = connection.await;
    }));
    let request = hyper::Request::post(target.path.as_str())
        .header(HOST, authority.as_str())
        .header(CONTENT_TYPE, "application/json")
        .header(
            USER_AGENT,
            concat!("qosic-mock/", env!("CARGO_PKG_VERSION")),
        )
        .header(CONNECTION, "close")
        .body(Full::new(Bytes::copy_from_slice(body.as_bytes())))
        .map_err(|e| format!("cannot build the request to {authority}: {e}"))?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| format!("{authority} closed the connection without an answer: {e}"))?;
    let status = response.status().as_u16();
    let answer = match Limited::new(response.into_body(), ANSWER_LIMIT)
        .collect()
        .await
    {
        Ok(collected) => String::from_utf8_lossy(&collected.to_bytes()).into_owned(),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => {
            format!("(an answer body over {ANSWER_LIMIT} bytes, not kept)")
        }
        Err(_) => "(the answer body was cut short)".to_owned(),
    };
    Ok((status, answer))
}

impl Callbacks {
    pub(crate) fn new(config: &CallbackConfig, journal_capacity: usize) -> Callbacks {
        let target = config
            .url
            .as_deref()
            .and_then(|url| Target::parse(url).ok());
        let core = Core {
            timeout: config.timeout,
            anywhere: config.anywhere,
            queue: config.queue.max(1),
            journal_capacity,
            enabled: AtomicBool::new(target.is_some()),
            wake: Notify::new(),
            reset: Notify::new(),
            state: Mutex::new(SenderState {
                target,
                ..SenderState::default()
            }),
        };
        Callbacks {
            core: Arc::new(core),
        }
    }

    /// Whether anything listens for callbacks (a URL or a sink).
    pub(crate) fn enabled(&self) -> bool {
        self.core.enabled.load(Ordering::Acquire)
    }

    /// A transaction ended `after` from now: send its callback then, with the fault that
    /// applies, if any.
    pub(crate) fn ended(&self, ended: &Ended, after: Duration) {
        if !self.enabled() {
            return;
        }
        let core = &self.core;
        let mut state = core.lock();
        if state.closed {
            return;
        }
        let generation = state.generation;
        let fault = state.faults.iter_mut().find(|slot| {
            slot.fault.times.is_none_or(|n| slot.used < n) && slot.fault.matches(ended)
        });
        let fault = fault.map(|slot| {
            slot.used += 1;
            slot.fault.clone()
        });
        let Some(fault) = fault else {
            let item = Item::new(ended, ended.succeeded, generation);
            core.schedule(&mut state, item, after);
            return;
        };
        let forged = fault.kind == CallbackFaultKind::Forged;
        let mut item = Item::new(ended, ended.succeeded || forged, generation);
        item.fault = Some(fault.describe());
        match fault.kind {
            CallbackFaultKind::Dropped => {
                item.dropped = Some("dropped by a callback fault".to_owned());
                core.schedule(&mut state, item, after);
            }
            CallbackFaultKind::Delayed(delay) => {
                core.schedule(&mut state, item, after.saturating_add(delay));
            }
            CallbackFaultKind::Duplicated => {
                core.schedule(&mut state, item.clone(), after);
                core.schedule(&mut state, item, after);
            }
            CallbackFaultKind::OutOfOrder => {
                item.hold = true;
                core.schedule(&mut state, item, after);
            }
            CallbackFaultKind::Forged => core.schedule(&mut state, item, after),
        }
    }

    /// Sends a forged `SUCCESSFUL` callback now.
    fn forge(&self, ended: &Ended) {
        let mut state = self.core.lock();
        if state.closed {
            return;
        }
        let mut item = Item::new(ended, true, state.generation);
        item.fault = Some("forged".to_owned());
        self.core.schedule(&mut state, item, Duration::ZERO);
    }

    /// Forgets the journal of callbacks, the faults and the callbacks not sent yet; the URL
    /// and the sink stay.
    pub(crate) fn reset(&self) {
        let mut state = self.core.lock();
        state.generation += 1;
        // Queued callbacks and those on a timer are forgotten, and their places released; those
        // in flight release theirs when they end.
        let forgotten = state.queue.len() + state.timers;
        state.queue = VecDeque::new();
        state.timers = 0;
        state.outstanding = state.outstanding.saturating_sub(forgotten);
        state.faults = Vec::new();
        state.journal = VecDeque::new();
        state.seq = 0;
        drop(state);
        self.core.reset.notify_waiters();
    }

    fn set_url(&self, url: Option<&str>) -> Result<(), String> {
        let target = url.map(Target::parse).transpose()?;
        let mut state = self.core.lock();
        state.target = target;
        self.core.refresh_enabled(&state);
        Ok(())
    }

    fn url(&self) -> Option<String> {
        self.core.lock().target.as_ref().map(|t| t.url.clone())
    }

    fn sink(&self) -> CallbackSink {
        let (sender, receiver) = mpsc::channel(CALLBACK_SINK_CAPACITY);
        let mut state = self.core.lock();
        state.sink = Some(sender);
        state.sink_missed = 0;
        self.core.refresh_enabled(&state);
        CallbackSink {
            receiver,
            core: Arc::clone(&self.core),
        }
    }

    fn add_fault(&self, fault: CallbackFault) -> Result<(), String> {
        let mut state = self.core.lock();
        if state.faults.len() >= MAX_FAULTS {
            return Err(format!(
                "at most {MAX_FAULTS} callback faults can be programmed at once; remove them \
                 with DELETE /__admin/callbacks/faults"
            ));
        }
        state.faults.push(FaultSlot { fault, used: 0 });
        Ok(())
    }

    fn clear_faults(&self) {
        self.core.lock().faults = Vec::new();
    }

    fn journal(&self) -> Vec<SentCallback> {
        self.core.lock().journal.iter().cloned().collect()
    }
}

// ----- What tests use -----

impl MockQosic {
    /// Posts QosIc's callbacks to `url` from now on (`http://HOST:PORT/PATH`), as
    /// [`crate::MockQosicBuilder::callback_url`] does from the start.
    ///
    /// # Panics
    ///
    /// When `url` is not an `http://` URL with a host.
    #[track_caller]
    pub fn set_callback_url(&self, url: &str) {
        if let Err(e) = self.shared.callbacks.set_url(Some(url)) {
            panic!("qosic-mock: {e}");
        }
    }

    /// Stops posting callbacks to a URL (a [`CallbackSink`] still gets them).
    pub fn remove_callback_url(&self) {
        let _ = self.shared.callbacks.set_url(None);
    }

    /// The URL callbacks are posted to, if any.
    pub fn callback_url(&self) -> Option<String> {
        self.shared.callbacks.url()
    }

    /// A sink that receives every callback sent from now on (see [`CallbackSink`]). With no
    /// callback URL, callbacks go to the sink only: in-process, on tokio's paused clock.
    /// A new sink replaces the previous one, which then ends.
    pub fn callback_sink(&self) -> CallbackSink {
        self.shared.callbacks.sink()
    }

    /// Injects a fault into the next callbacks (see [`CallbackFault`]).
    ///
    /// # Panics
    ///
    /// When 1,024 callback faults are programmed already.
    #[track_caller]
    pub fn callback_fault(&self, fault: CallbackFault) {
        if let Err(e) = self.shared.callbacks.add_fault(fault) {
            panic!("qosic-mock: {e}");
        }
    }

    /// Removes every callback fault.
    pub fn clear_callback_faults(&self) {
        self.shared.callbacks.clear_faults();
    }

    /// Sends a forged callback now: `SUCCESSFUL`, code `200`, for `reference`, whatever the
    /// server knows of it (pending, failed, unknown), as anyone who found the callback URL
    /// could post. The amount and `serviceRef` are the transaction's when the server knows
    /// the reference (`amount` then replaces its amount when given); otherwise `amount` is
    /// needed and `serviceRef` is `"0"`.
    ///
    /// # Panics
    ///
    /// When the reference is unknown and no amount is given.
    #[track_caller]
    pub fn forge_callback(&self, reference: &str, amount: Option<u64>) {
        if let Err(e) = forge(&self.shared, reference, amount) {
            panic!("qosic-mock: {e}");
        }
    }

    /// The callbacks sent (and dropped) so far, oldest first: the last
    /// [`crate::MockQosicBuilder::journal_capacity`] of them.
    pub fn callbacks(&self) -> Vec<SentCallback> {
        self.shared.callbacks.journal()
    }
}

fn forge(shared: &Shared, reference: &str, amount: Option<u64>) -> Result<(), String> {
    if reference.is_empty() {
        return Err("a forged callback needs a reference".to_owned());
    }
    if reference.len() > crate::state::MAX_TRANSREF {
        return Err(format!(
            "a forged callback's reference has at most {} bytes, like any transref the server accepts (got {})",
            crate::state::MAX_TRANSREF,
            reference.len()
        ));
    }
    let known = shared.transaction(reference);
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
    shared.callbacks.forge(&Ended {
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

// ----- The admin API -----

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UrlSpec {
    url: String,
}

/// The callback fault kinds of the admin API, by serde name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum FaultName {
    Dropped,
    Delayed,
    Duplicated,
    OutOfOrder,
    Forged,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultSpec {
    kind: FaultName,
    delay_ms: Option<u64>,
    times: Option<usize>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ForgeSpec {
    reference: String,
    amount: Option<u64>,
}

/// `/__admin/callbacks` and below (the caller checked the access and the body).
pub(crate) fn admin(shared: &Shared, method: &str, route: &str, body: &[u8]) -> Action {
    let callbacks = &shared.callbacks;
    let reply = match (method, route) {
        ("GET", "/__admin/callbacks") => {
            let journal = callbacks.journal();
            // Serialized away from the lock and, over HTTP, away from the event loop.
            return Action::Render(Box::new(move || render(&journal)));
        }
        ("GET", "/__admin/callbacks/url") => Reply::json(200, &json!({"url": callbacks.url()})),
        ("PUT", "/__admin/callbacks/url") => {
            outcome(parse::<UrlSpec>(body).and_then(|spec| callbacks.set_url(Some(&spec.url))))
        }
        ("DELETE", "/__admin/callbacks/url") => outcome(callbacks.set_url(None)),
        ("POST", "/__admin/callbacks/faults") => outcome(
            parse::<FaultSpec>(body)
                .and_then(fault)
                .and_then(|f| callbacks.add_fault(f)),
        ),
        ("DELETE", "/__admin/callbacks/faults") => {
            callbacks.clear_faults();
            outcome(Ok(()))
        }
        ("POST", "/__admin/callbacks/forge") => outcome(
            parse::<ForgeSpec>(body).and_then(|spec| forge(shared, &spec.reference, spec.amount)),
        ),
        (method, route) => problem(
            404,
            "Not Found",
            &format!(
                "no admin endpoint {} {}; see the qosic-mock crate docs (\"Callbacks\")",
                clip(method),
                clip(route)
            ),
        ),
    };
    Action::Respond(reply)
}

fn outcome(result: Result<(), String>) -> Reply {
    match result {
        Ok(()) => Reply::json(200, &json!({"ok": true})),
        Err(e) => problem(400, "Bad Request", &e),
    }
}

fn fault(spec: FaultSpec) -> Result<CallbackFault, String> {
    let delay = spec
        .delay_ms
        .map(|ms| admin_delay("delay_ms", ms))
        .transpose()?;
    let mut fault = match (spec.kind, delay) {
        (FaultName::Delayed, Some(delay)) => CallbackFault::delayed(delay),
        (FaultName::Delayed, None) => {
            return Err("a delayed callback fault needs \"delay_ms\" (at most 600000)".to_owned())
        }
        (_, Some(_)) => return Err("only a delayed callback fault takes \"delay_ms\"".to_owned()),
        (FaultName::Dropped, None) => CallbackFault::dropped(),
        (FaultName::Duplicated, None) => CallbackFault::duplicated(),
        (FaultName::OutOfOrder, None) => CallbackFault::out_of_order(),
        (FaultName::Forged, None) => CallbackFault::forged(),
    };
    if let Some(n) = spec.times {
        fault = fault.times(n);
    }
    Ok(fault)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callback_urls() {
        let t = Target::parse("http://127.0.0.1:8080/hooks/qosic?x=1").unwrap();
        assert_eq!(
            (
                t.host.as_str(),
                t.port,
                t.authority.as_str(),
                t.path.as_str()
            ),
            ("127.0.0.1", 8080, "127.0.0.1:8080", "/hooks/qosic?x=1")
        );
        let t = Target::parse(" http://[::1]:9/ ").unwrap();
        assert_eq!((t.host.as_str(), t.port, t.path.as_str()), ("::1", 9, "/"));
        let t = Target::parse("http://receiver").unwrap();
        assert_eq!((t.port, t.path.as_str()), (80, "/"));
        for (url, why) in [
            ("https://example.com/hook", "plain HTTP only"),
            ("ftp://x/", "expected http://"),
            ("127.0.0.1:80/hook", "expected http://"),
            ("http://", "not a URL"),
            ("not a url", "not a URL"),
            ("http://user:pw@host/", "not supported"),
        ] {
            let err = Target::parse(url).unwrap_err();
            assert!(err.contains(why), "{url}: {err}");
        }
    }

    #[test]
    fn the_payload_is_qosics() {
        let ended = Ended {
            reference: Arc::from("455855"),
            kind: TransactionKind::Payment,
            succeeded: true,
            amount: 2000,
            service_ref: "14557856".to_owned(),
        };
        assert_eq!(
            &*Item::new(&ended, true, 0).body,
            r#"{"status":"SUCCESSFUL","transRef":"455855","specialfield1":"SUCCESSFUL","amount":"2000","serviceRef":"14557856","code":"200"}"#
        );
        assert_eq!(
            &*Item::new(&ended, false, 0).body,
            r#"{"status":"FAILED","transRef":"455855","specialfield1":"FAILED","amount":"2000","serviceRef":"14557856","code":"-1"}"#
        );
    }

    #[test]
    fn admin_faults() {
        let spec = |s: &str| parse::<FaultSpec>(s.as_bytes()).and_then(fault);
        assert_eq!(
            spec(r#"{"kind":"delayed","delay_ms":5000,"times":2}"#).unwrap(),
            CallbackFault::delayed(Duration::from_secs(5)).times(2)
        );
        assert_eq!(
            spec(r#"{"kind":"forged"}"#).unwrap(),
            CallbackFault::forged()
        );
        assert!(spec(r#"{"kind":"delayed"}"#)
            .unwrap_err()
            .contains("needs \"delay_ms\""));
        assert!(spec(r#"{"kind":"dropped","delay_ms":1}"#)
            .unwrap_err()
            .contains("only a delayed"));
        assert!(spec(r#"{"kind":"delayed","delay_ms":600001}"#)
            .unwrap_err()
            .contains("at most 600000"));
        let err = spec(r#"{"kind":"lost"}"#).unwrap_err();
        assert!(
            err.contains(
                "expected one of `dropped`, `delayed`, `duplicated`, `out_of_order`, `forged`"
            ),
            "{err}"
        );
    }
}
