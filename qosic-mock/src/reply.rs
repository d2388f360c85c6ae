//! What every way in shares: a request as the handlers see it ([`Incoming`]), the answer
//! they give ([`Reply`], [`Action`]), and the JSON helpers of the admin API.

use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

use crate::config::Limits;
use crate::fault::Fault;

/// Why a request's body was not read whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyProblem {
    /// Longer than [`Limits::max_body`]: answered 413.
    TooLarge,
    /// Not received within [`Limits::body_timeout`]: answered 408.
    TimedOut,
    /// The server already holds as many request bodies as it allows at once: answered 503.
    Busy,
}

/// A request, whatever way it came in.
#[derive(Debug)]
pub(crate) struct Incoming<'a> {
    pub(crate) method: &'a str,
    pub(crate) path: &'a str,
    /// The query string, without `?`.
    pub(crate) query: Option<&'a str>,
    pub(crate) authorization: Option<&'a str>,
    /// The `Content-Type` header, if any.
    pub(crate) content_type: Option<&'a str>,
    /// Whether the request carries the [`crate::ADMIN_HEADER`] header.
    pub(crate) admin_header: bool,
    pub(crate) body: &'a [u8],
    /// Why `body` is not the whole body, if it is not.
    pub(crate) problem: Option<BodyProblem>,
}

/// An answer to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) content_type: &'static str,
    pub(crate) body: Vec<u8>,
    /// How long the server takes before answering.
    pub(crate) delay: Duration,
}

impl Reply {
    /// `body` as JSON, written by serde_json.
    pub(crate) fn json<T: Serialize + ?Sized>(status: u16, body: &T) -> Reply {
        match serde_json::to_vec(body) {
            Ok(bytes) => Reply::json_bytes(status, bytes),
            Err(e) => fail(500, &format!("cannot serialize: {e}")),
        }
    }

    pub(crate) fn json_bytes(status: u16, body: Vec<u8>) -> Reply {
        Reply::with_type(status, "application/json", body)
    }

    pub(crate) fn text(status: u16, body: &str) -> Reply {
        Reply::with_type(status, "text/plain; charset=utf-8", body.into())
    }

    pub(crate) fn with_type(status: u16, content_type: &'static str, body: Vec<u8>) -> Reply {
        Reply {
            status,
            content_type,
            body,
            delay: Duration::ZERO,
        }
    }
}

/// Work that builds a large answer, run away from the server's event loop.
pub(crate) type Render = Box<dyn FnOnce() -> Reply + Send>;

/// What the front end (HTTP or in-process) must do.
pub(crate) enum Action {
    /// Wait `reply.delay`, then send `reply`.
    Respond(Reply),
    /// Wait `delay`, then close the connection without an answer.
    Drop { delay: Duration },
    /// Build the answer on a blocking thread (the HTTP server) or at once (in-process):
    /// large admin answers, so that serializing them stalls no other request.
    Render(Render),
}

/// A JSON problem answer: `{"title","status","detail"}`.
pub(crate) fn problem(status: u16, title: &str, detail: &str) -> Reply {
    Reply::json(
        status,
        &json!({"title": title, "status": status, "detail": detail}),
    )
}

/// The value behind `mutex`, whatever a panic while it was held left: a test double keeps
/// serving rather than failing every later request.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A JSON problem whose title is the status's reason phrase.
pub(crate) fn fail(status: u16, detail: &str) -> Reply {
    problem(status, reason(status), detail)
}

/// The reason phrase of a status (`Error` for one without a standard phrase).
pub(crate) fn reason(status: u16) -> &'static str {
    http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error")
}

/// The answer to a body that was not read whole.
pub(crate) fn body_problem(problem: BodyProblem, limits: &Limits) -> Reply {
    match problem {
        BodyProblem::TooLarge => fail(
            413,
            &format!("request bodies are limited to {} bytes", limits.max_body),
        ),
        BodyProblem::TimedOut => fail(
            408,
            &format!(
                "the request body did not arrive within {:?} of its headers",
                limits.body_timeout
            ),
        ),
        BodyProblem::Busy => fail(
            503,
            "the fake server holds as many request bodies as it allows at once; try again",
        ),
    }
}

/// The `name=value` pairs of a query string or form body (`a=1&b`: `("a", "1")`,
/// `("b", "")`), empty pairs skipped; nothing is decoded.
pub(crate) fn pairs(text: &str) -> impl Iterator<Item = (&str, &str)> {
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').unwrap_or((p, "")))
}

/// The first 200 characters of `s`, for error messages.
pub(crate) fn clip(s: &str) -> String {
    s.chars().take(200).collect()
}

/// `value` as a 200 JSON answer.
pub(crate) fn render<T: Serialize>(value: &T) -> Reply {
    Reply::json(200, value)
}

/// An admin call's body, read with serde.
pub(crate) fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    serde_json::from_slice(body).map_err(|e| format!("invalid JSON body: {e}"))
}

/// `value` as a JSON value (`null` if it cannot be one).
pub(crate) fn to_value<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// A delay in milliseconds from the admin API, at most [`Fault::MAX_ADMIN_DELAY`].
pub(crate) fn admin_delay(field: &str, ms: u64) -> Result<Duration, String> {
    let delay = Duration::from_millis(ms);
    if delay > Fault::MAX_ADMIN_DELAY {
        return Err(format!(
            "{field} must be at most {} (10 minutes), got {ms}",
            Fault::MAX_ADMIN_DELAY.as_millis()
        ));
    }
    Ok(delay)
}
