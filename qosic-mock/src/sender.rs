//! The callback sender of one server: a bounded queue and one worker task that posts the
//! callbacks in order (see `callback.rs` for what it sends). It is fed the transactions
//! that ended ([`Callbacks::ended`]) and never reads the server's state.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::header::{CONNECTION, CONTENT_TYPE, HOST, USER_AGENT};
use hyper_util::rt::TokioIo;
use tokio::runtime::Handle;
use tokio::sync::{mpsc, Notify};
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::Instant;

use crate::callback::{
    CallbackDelivery, CallbackFault, CallbackFaultKind, CallbackSink, Ended, SentCallback, Target,
    CALLBACK_SINK_CAPACITY,
};
use crate::config::{CallbackConfig, MAX_FAULTS};
use crate::reply::lock;

/// The most bytes of a receiver's answer kept in the journal.
const ANSWER_LIMIT: usize = 1024;

/// How long a callback sent out of order waits for the next one before it goes anyway.
const OUT_OF_ORDER_HOLD: Duration = Duration::from_secs(60);

/// One callback to send (or to journal as dropped).
#[derive(Debug, Clone)]
struct Item {
    /// As journaled, but for its number, URL and delivery.
    sent: SentCallback,
    /// Why it is not sent, when it is not.
    dropped: Option<String>,
    /// Sent after the next callback.
    hold: bool,
    generation: u64,
}

impl Item {
    fn new(ended: &Ended, successful: bool, generation: u64) -> Item {
        let status = if successful { "SUCCESSFUL" } else { "FAILED" };
        let sent = SentCallback {
            seq: 0,
            reference: ended.reference.to_string(),
            status: status.to_owned(),
            amount: ended.amount,
            body: ended.payload(successful),
            url: None,
            delivery: CallbackDelivery::InProcess,
            fault: None,
        };
        Item {
            sent,
            dropped: None,
            hold: false,
            generation,
        }
    }
}

/// The callback sender of one server; dropping it stops its worker and timers.
#[derive(Debug)]
pub(crate) struct Callbacks {
    core: Arc<Core>,
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

#[derive(Debug)]
struct Core {
    timeout: Duration,
    /// [`CallbackConfig::anywhere`].
    anywhere: bool,
    queue: usize,
    journal_capacity: usize,
    wake: Notify,
    /// Notified by a reset: callbacks on a timer end at once instead of sleeping on.
    reset: Notify,
    state: Mutex<SenderState>,
}

#[derive(Debug, Default)]
struct SenderState {
    target: Option<Target>,
    sink: Option<mpsc::Sender<SentCallback>>,
    /// Shared with the sink, which reports it.
    sink_missed: Arc<AtomicU64>,
    /// The faults programmed, each with how many callbacks it applied to.
    faults: Vec<(CallbackFault, usize)>,
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

impl Core {
    fn lock(&self) -> MutexGuard<'_, SenderState> {
        lock(&self.state)
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
        let mut sent = item.sent.clone();
        (sent.seq, sent.url, sent.delivery) = (state.seq, url, delivery);
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
                    state.sink_missed.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        if self.journal_capacity > 0 {
            while state.journal.len() >= self.journal_capacity {
                state.journal.pop_front();
            }
            state.journal.push_back(sent);
        }
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
        let Ok(runtime) = Handle::try_current() else {
            let reason = "no tokio runtime to send it from".to_owned();
            self.record(state, &item, None, CallbackDelivery::Dropped { reason });
            return;
        };
        state.outstanding += 1;
        if after.is_zero() {
            self.enqueue(state, item, &runtime);
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
        // A reset forgot it (and released its place in the queue), or the server is gone.
        if state.closed || item.generation != state.generation {
            return;
        }
        state.timers = state.timers.saturating_sub(1);
        self.enqueue(&mut state, item, &tokio::runtime::Handle::current());
    }

    /// Queues `item` for the worker, started on `runtime` if there is none running.
    fn enqueue(self: &Arc<Self>, state: &mut SenderState, item: Item, runtime: &Handle) {
        state.queue.push_back(item);
        // A worker whose runtime was shut down (a test's runtime) is finished: start another.
        if state.worker.as_ref().is_none_or(JoinHandle::is_finished) {
            state.worker = Some(runtime.spawn(run(Arc::clone(self))));
        }
        self.wake.notify_one();
    }

    /// The next queued callback, waiting for one; `None` once the sender is dropped.
    async fn next_item(&self) -> Option<Item> {
        loop {
            {
                let mut state = self.lock();
                if state.closed {
                    return None;
                }
                if let Some(item) = state.queue.pop_front() {
                    return Some(item);
                }
            }
            // A wake since the check left a permit: this returns at once then.
            self.wake.notified().await;
        }
    }

    /// Sends one callback (or not, when dropped) and journals what became of it.
    async fn deliver(&self, item: Item) {
        let target = self.lock().target.clone();
        let (url, delivery) = match (item.dropped.clone(), target) {
            (Some(reason), _) => (None, CallbackDelivery::Dropped { reason }),
            (None, None) => (None, CallbackDelivery::InProcess),
            (None, Some(target)) => {
                let delivery = post(&target, &item.sent.body, self.timeout, self.anywhere).await;
                (Some(target.url), delivery)
            }
        };
        let mut state = self.lock();
        state.outstanding = state.outstanding.saturating_sub(1);
        if item.generation == state.generation && !state.closed {
            self.record(&mut state, &item, url, delivery);
        }
    }
}

/// The worker: sends queued callbacks one after the other, in order; a callback out of
/// order goes after the next one, or after [`OUT_OF_ORDER_HOLD`] when none comes.
async fn run(core: Arc<Core>) {
    while let Some(item) = core.next_item().await {
        if item.hold {
            match tokio::time::timeout(OUT_OF_ORDER_HOLD, core.next_item()).await {
                Ok(Some(next)) => core.deliver(next).await,
                Ok(None) => return,
                Err(_elapsed) => {}
            }
        }
        core.deliver(item).await;
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
    let all: Vec<SocketAddr> = tokio::net::lookup_host(target.addr.as_str())
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
    // The connection's driver, aborted with the set when this returns or times out.
    let mut driver = JoinSet::new();
    driver.spawn(async move { connection.await.ok() });
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
        // Checked when the server was built.
        let target = config.url.as_deref().and_then(|u| Target::parse(u).ok());
        let core = Core {
            timeout: config.timeout,
            anywhere: config.anywhere,
            queue: config.queue.max(1),
            journal_capacity,
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

    /// A transaction ended `after` from now: send its callback then, with the fault that
    /// applies, if any.
    pub(crate) fn ended(&self, ended: &Ended, after: Duration) {
        let core = &self.core;
        let mut state = core.lock();
        // Nobody listens (no URL, no sink), or the server is gone.
        if state.closed || (state.target.is_none() && state.sink.is_none()) {
            return;
        }
        let generation = state.generation;
        let fault = state
            .faults
            .iter_mut()
            .find(|(fault, used)| fault.times.is_none_or(|n| *used < n) && fault.matches(ended));
        let fault = fault.map(|slot| {
            slot.1 += 1;
            slot.0.clone()
        });
        let forged = fault
            .as_ref()
            .is_some_and(|f| f.kind == CallbackFaultKind::Forged);
        let mut item = Item::new(ended, ended.succeeded || forged, generation);
        item.sent.fault = fault.as_ref().map(CallbackFault::describe);
        let mut after = after;
        match fault.map(|f| f.kind) {
            Some(CallbackFaultKind::Dropped) => {
                item.dropped = Some("dropped by a callback fault".to_owned());
            }
            Some(CallbackFaultKind::Delayed(delay)) => after = after.saturating_add(delay),
            Some(CallbackFaultKind::Duplicated) => core.schedule(&mut state, item.clone(), after),
            Some(CallbackFaultKind::OutOfOrder) => item.hold = true,
            Some(CallbackFaultKind::Forged) | None => {}
        }
        core.schedule(&mut state, item, after);
    }

    /// Sends a forged `SUCCESSFUL` callback now.
    pub(crate) fn forge(&self, ended: &Ended) {
        let mut state = self.core.lock();
        if state.closed {
            return;
        }
        let mut item = Item::new(ended, true, state.generation);
        item.sent.fault = Some("forged".to_owned());
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

    pub(crate) fn set_url(&self, url: Option<&str>) -> Result<(), String> {
        self.core.lock().target = url.map(Target::parse).transpose()?;
        Ok(())
    }

    pub(crate) fn url(&self) -> Option<String> {
        self.core.lock().target.as_ref().map(|t| t.url.clone())
    }

    pub(crate) fn sink(&self) -> CallbackSink {
        let (sender, receiver) = mpsc::channel(CALLBACK_SINK_CAPACITY);
        let mut state = self.core.lock();
        let missed = Arc::new(AtomicU64::new(0));
        state.sink = Some(sender);
        state.sink_missed = Arc::clone(&missed);
        CallbackSink { receiver, missed }
    }

    pub(crate) fn add_fault(&self, fault: CallbackFault) -> Result<(), String> {
        let mut state = self.core.lock();
        if state.faults.len() >= MAX_FAULTS {
            return Err(format!(
                "at most {MAX_FAULTS} callback faults can be programmed at once; remove them \
                 with DELETE /__admin/callbacks/faults"
            ));
        }
        state.faults.push((fault, 0));
        Ok(())
    }

    pub(crate) fn clear_faults(&self) {
        self.core.lock().faults = Vec::new();
    }

    pub(crate) fn journal(&self) -> Vec<SentCallback> {
        self.core.lock().journal.iter().cloned().collect()
    }
}
