//! The journal: the last requests received, in a ring of compact entries (the raw body, at
//! most [`JOURNAL_BODY_LIMIT`] bytes, rather than parsed JSON, which can take ten times the
//! memory). Nothing that decides whether a test passes reads it: verification has counters
//! of its own (`state.rs`, `Tally`).

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

use crate::endpoint::Endpoint;

/// How many requests the journal keeps by default; older ones are dropped first.
pub const DEFAULT_JOURNAL_CAPACITY: usize = 4096;

/// The largest body the journal keeps whole, in bytes; a longer body keeps its first
/// `JOURNAL_BODY_LIMIT` bytes, in [`RecordedRequest::body_excerpt`].
pub const JOURNAL_BODY_LIMIT: usize = 4096;

/// The longest path the journal keeps, in bytes (longer ones are cut, with `…`).
const PATH_LIMIT: usize = 1024;

/// The longest method the journal keeps, in bytes.
const METHOD_LIMIT: usize = 32;

/// One request the server received, as kept in the journal.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// Its number among the requests received since the start (or the last reset), from 1.
    /// Numbers missing at the front of the journal are requests dropped to keep it capped.
    pub seq: u64,
    /// The HTTP method (the in-process transport always sends `POST`).
    pub method: String,
    /// The request path, e.g. `/QosicBridge/user/requestpayment` (cut after 1 KiB).
    pub path: String,
    /// The endpoint the path names, if any.
    pub endpoint: Option<Endpoint>,
    /// The body parsed as JSON. `None` when it is not JSON, when the credentials were
    /// refused (the journal keeps no body for those), or when it was longer than
    /// [`JOURNAL_BODY_LIMIT`] (see [`RecordedRequest::body_excerpt`]).
    pub body: Option<Value>,
    /// The size of the body received, in bytes (also when the body is not kept).
    pub body_len: usize,
    /// For a body longer than [`JOURNAL_BODY_LIMIT`] (credentials accepted): its first
    /// bytes as text, then `…[truncated: N bytes in all]`.
    pub body_excerpt: Option<String>,
    /// Whether the Basic auth credentials were the right ones.
    pub auth_accepted: bool,
    /// The HTTP status answered, or `None` when no answer was sent (dropped connection).
    pub status: Option<u16>,
    /// The fault injected into this request, described in words, if any.
    pub fault: Option<String>,
}

impl RecordedRequest {
    /// The `transref` of the body, if it has one.
    pub fn transref(&self) -> Option<&str> {
        self.field("transref")
    }

    /// A string field of the body, if present.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.body.as_ref()?.get(name)?.as_str()
    }

    /// One line for reports.
    pub(crate) fn line(&self) -> String {
        let endpoint = self.endpoint.map_or("-", Endpoint::name);
        let auth = if self.auth_accepted {
            "auth ok"
        } else {
            "auth refused"
        };
        let status = self
            .status
            .map_or_else(|| "no answer".to_owned(), |s| s.to_string());
        let body = match (&self.body, &self.body_excerpt) {
            (Some(body), _) => body.to_string(),
            (None, Some(excerpt)) => excerpt.clone(),
            (None, None) if !self.auth_accepted => {
                format!("(body not kept: {} bytes)", self.body_len)
            }
            (None, None) => "(not JSON)".to_owned(),
        };
        let fault = self
            .fault
            .as_ref()
            .map_or_else(String::new, |f| format!(" [fault: {f}]"));
        format!(
            "{} {} ({endpoint}, {auth}) -> {status}{fault} {body}",
            self.method, self.path
        )
    }
}

/// A journal entry, compact (the body as bytes): converted to a [`RecordedRequest`] when
/// read.
#[derive(Debug)]
pub(crate) struct Entry {
    seq: u64,
    method: String,
    path: String,
    pub(crate) endpoint: Option<Endpoint>,
    /// The body's bytes kept: none, all of them, or the first [`JOURNAL_BODY_LIMIT`].
    body: Box<[u8]>,
    body_len: usize,
    auth_accepted: bool,
    status: Option<u16>,
    fault: Option<String>,
}

/// What the handler tells the journal about one request.
#[derive(Debug)]
pub(crate) struct NewEntry<'a> {
    pub(crate) method: &'a str,
    pub(crate) path: &'a str,
    pub(crate) endpoint: Option<Endpoint>,
    pub(crate) body: &'a [u8],
    /// The body's full size (`body` may be empty when it was not read).
    pub(crate) body_len: usize,
    pub(crate) auth_accepted: bool,
    pub(crate) status: Option<u16>,
    pub(crate) fault: Option<String>,
}

impl Entry {
    pub(crate) fn to_recorded(&self) -> RecordedRequest {
        let (body, body_excerpt) = match self.body.len() {
            0 => (None, None),
            kept if kept == self.body_len => (serde_json::from_slice(&self.body).ok(), None),
            _ => (
                None,
                Some(format!(
                    "{}…[truncated: {} bytes in all]",
                    String::from_utf8_lossy(&self.body),
                    self.body_len
                )),
            ),
        };
        RecordedRequest {
            seq: self.seq,
            method: self.method.to_string(),
            path: self.path.to_string(),
            endpoint: self.endpoint,
            body,
            body_len: self.body_len,
            body_excerpt,
            auth_accepted: self.auth_accepted,
            status: self.status,
            fault: self.fault.clone(),
        }
    }

    fn new(seq: u64, new: NewEntry<'_>) -> Entry {
        let kept = match new.auth_accepted {
            true => &new.body[..new.body.len().min(JOURNAL_BODY_LIMIT)],
            false => &[],
        };
        Entry {
            seq,
            method: clip(new.method, METHOD_LIMIT),
            path: clip(new.path, PATH_LIMIT),
            endpoint: new.endpoint,
            body: kept.into(),
            body_len: new.body_len,
            auth_accepted: new.auth_accepted,
            status: new.status,
            fault: new.fault,
        }
    }
}

/// The last `capacity` requests, oldest first, and how many were received in all.
#[derive(Debug)]
pub(crate) struct Journal {
    entries: VecDeque<Arc<Entry>>,
    capacity: usize,
    received: u64,
}

impl Journal {
    pub(crate) fn new(capacity: usize) -> Journal {
        Journal {
            // Grows as requests come: a large capacity costs nothing until it is used.
            entries: VecDeque::new(),
            capacity,
            received: 0,
        }
    }

    /// Records a request, dropping the oldest entry when the journal is full.
    pub(crate) fn push(&mut self, new: NewEntry<'_>) {
        self.received += 1;
        if self.capacity == 0 {
            return;
        }
        while self.entries.len() >= self.capacity {
            self.entries.pop_front();
        }
        self.entries
            .push_back(Arc::new(Entry::new(self.received, new)));
    }

    /// Requests received since the start or the last reset.
    pub(crate) fn received(&self) -> u64 {
        self.received
    }

    /// Requests dropped to keep the journal at its capacity.
    pub(crate) fn dropped(&self) -> u64 {
        self.received - self.entries.len() as u64
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    /// The entries numbered after `since`, oldest first, at most `limit` of them.
    /// Cheap (reference counts only), so that the lock is held briefly.
    pub(crate) fn snapshot(&self, since: u64, limit: usize) -> Vec<Arc<Entry>> {
        // Numbers are consecutive: the entry numbered `since + 1` is at `since + 1 - first`.
        let first = self.entries.front().map_or(0, |e| e.seq);
        let skip = usize::try_from(since.saturating_add(1).saturating_sub(first))
            .unwrap_or(usize::MAX)
            .min(self.entries.len());
        self.entries
            .iter()
            .skip(skip)
            .take(limit)
            .cloned()
            .collect()
    }

    /// The last `n` entries, oldest first.
    pub(crate) fn last(&self, n: usize) -> Vec<Arc<Entry>> {
        let skip = self.entries.len().saturating_sub(n);
        self.entries.iter().skip(skip).cloned().collect()
    }
}

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary,
/// with `…` when something was cut.
fn clip(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// A report of the last requests, for panics and `GET /__admin/verify`.
pub(crate) fn report(journal: &Journal) -> String {
    /// Reports show this many requests at most, the last ones.
    const SHOWN: usize = 100;
    let received = journal.received();
    if received == 0 {
        return "Requests received: none".to_owned();
    }
    let shown = journal.last(SHOWN);
    let mut out = if shown.len() as u64 == received {
        format!("Requests received ({received}):")
    } else {
        format!(
            "Requests received ({received}; the last {} shown, {} earlier not shown):",
            shown.len(),
            received - shown.len() as u64
        )
    };
    for entry in shown {
        let _ = write!(out, "\n  {}. {}", entry.seq, entry.to_recorded().line());
    }
    out
}
