//! Callbacks as tests see them (faults, what was sent, the sink), the callback URL
//! ([`Target`]) and QosIc's payload ([`Ended`]); `sender.rs` posts them.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde::{Serialize, Serializer};
use serde_json::Value;
use tokio::sync::mpsc;

use crate::model::TransactionKind;

/// How long one callback's POST may take by default (connect, send, answer):
/// [`crate::MockQosicBuilder::callback_timeout`].
pub const DEFAULT_CALLBACK_TIMEOUT: Duration = Duration::from_secs(10);

/// How many callbacks may wait (queued, on a timer, held or in flight) by default:
/// [`crate::MockQosicBuilder::callback_queue`]. Beyond, a callback is dropped and journaled.
pub const DEFAULT_CALLBACK_QUEUE: usize = 1024;

/// How many callbacks a [`CallbackSink`] holds before the test reads them; beyond, the sink
/// misses them ([`CallbackSink::missed`]).
pub const CALLBACK_SINK_CAPACITY: usize = 1024;

/// A parsed callback URL: `http://HOST[:PORT][/PATH]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    pub(crate) url: String,
    /// `HOST:PORT`, the port 80 when the URL has none.
    pub(crate) addr: String,
    pub(crate) authority: String,
    pub(crate) path: String,
}

impl Target {
    pub(crate) fn parse(url: &str) -> Result<Target, String> {
        let trimmed = url.trim();
        let shown: String = trimmed.chars().take(200).collect();
        let uri: http::Uri = trimmed.parse().map_err(|e| {
            format!("callback URL {shown:?} is not a URL ({e}): expected http://HOST:PORT/PATH")
        })?;
        let why = match uri.scheme_str() {
            Some("http") => None,
            Some("https") => Some(
                "the fake server posts callbacks over plain HTTP only; give an http:// URL (a \
                 receiver of the test suite, on loopback)",
            ),
            _ => Some("expected http://HOST:PORT/PATH"),
        };
        if let Some(why) = why {
            return Err(format!("callback URL {shown:?}: {why}"));
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
        let (host, port) = (authority.host(), authority.port_u16().unwrap_or(80));
        Ok(Target {
            url: trimmed.to_owned(),
            addr: format!("{host}:{port}"),
            authority: authority.as_str().to_owned(),
            path: uri.path_and_query().map_or("/", |p| p.as_str()).to_owned(),
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CallbackFaultKind {
    Dropped,
    Delayed(Duration),
    Duplicated,
    OutOfOrder,
    Forged,
}

/// A fault to inject into the next callbacks (the crate docs' "Callbacks" has the table):
/// each applies until [`crate::MockQosic::clear_callback_faults`] or a reset, unless limited
/// with [`CallbackFault::times`]; when several match, the oldest one not used up wins.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "a fault does nothing until given to MockQosic::callback_fault"]
pub struct CallbackFault {
    pub(crate) kind: CallbackFaultKind,
    pub(crate) times: Option<usize>,
}

impl CallbackFault {
    fn new(kind: CallbackFaultKind) -> Self {
        CallbackFault { kind, times: None }
    }

    /// The callback is never sent (journaled as dropped).
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

    /// The callback is held until the next callback has been sent (at most 60 s, tokio's
    /// clock), then sent.
    pub fn out_of_order() -> Self {
        CallbackFault::new(CallbackFaultKind::OutOfOrder)
    }

    /// A failed payment is called back as `SUCCESSFUL`, code `200` (applies only to failed
    /// payments; [`crate::MockQosic::forge_callback`] forges one for any reference).
    pub fn forged() -> Self {
        CallbackFault::new(CallbackFaultKind::Forged)
    }

    /// Applies to the next `n` matching callbacks only.
    pub fn times(mut self, n: usize) -> Self {
        self.times = Some(n);
        self
    }

    pub(crate) fn matches(&self, ended: &Ended) -> bool {
        self.kind != CallbackFaultKind::Forged
            || (ended.kind == TransactionKind::Payment && !ended.succeeded)
    }

    pub(crate) fn describe(&self) -> String {
        match self.kind {
            CallbackFaultKind::Delayed(d) => format!("delayed {d:?}"),
            CallbackFaultKind::OutOfOrder => "out of order".to_owned(),
            // `dropped`, `duplicated`, `forged`.
            kind => format!("{kind:?}").to_ascii_lowercase(),
        }
    }
}

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
    /// The fault applied to it, in words (`dropped`, `delayed 5s`, `out of order`...).
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

/// The callbacks the fake server sends (not those dropped), in order, with what the receiver
/// answered: from [`crate::MockQosic::callback_sink`] (the crate docs' "Callbacks").
#[derive(Debug)]
pub struct CallbackSink {
    pub(crate) receiver: mpsc::Receiver<SentCallback>,
    /// Callbacks missed, counted by the sender.
    pub(crate) missed: Arc<AtomicU64>,
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
        self.missed.load(Ordering::Relaxed)
    }
}

/// A transaction that ended, as the state tells it.
#[derive(Debug, Clone)]
pub(crate) struct Ended {
    pub(crate) reference: Arc<str>,
    pub(crate) kind: TransactionKind,
    pub(crate) succeeded: bool,
    pub(crate) amount: u64,
    pub(crate) service_ref: String,
}

impl Ended {
    /// QosIc's callback body, `SUCCESSFUL` or `FAILED`.
    pub(crate) fn payload(&self, successful: bool) -> String {
        let status = if successful { "SUCCESSFUL" } else { "FAILED" };
        let payload = Payload {
            status,
            trans_ref: &self.reference,
            specialfield1: status,
            amount: self.amount.to_string(),
            service_ref: &self.service_ref,
            code: if successful { "200" } else { "-1" },
        };
        serde_json::to_string(&payload).unwrap_or_default()
    }
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
