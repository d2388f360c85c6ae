//! Faults on demand: what a real network and a real QosIc do on a bad day.

use std::sync::Arc;
use std::time::Duration;

use crate::endpoint::Endpoint;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FaultKind {
    Status(u16),
    Delay,
    MalformedBody,
    EmptyBody,
    HtmlError,
    DropConnection,
    WrongReference,
}

/// A fault to inject into the next matching requests (see the crate guide, "Faults"): not
/// acted on (nothing recorded) unless [`Fault::after_recording`], [`Fault::lost_answer`] or
/// [`Fault::delay`].
///
/// ```
/// use std::time::Duration;
/// use qosic_mock::{Endpoint, Fault};
///
/// let two_503s = Fault::status(503).times(2).on(Endpoint::MtnPayment);
/// let slow_status = Fault::delay(Duration::from_secs(30)).on(Endpoint::MtnStatus);
/// let lost = Fault::lost_answer().times(1).on(Endpoint::MtnPayment);
/// let foreign = Fault::wrong_reference().on(Endpoint::MtnStatus);
/// # let _ = (two_503s, slow_status, lost, foreign);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "a fault does nothing until given to MockQosic::fault"]
pub struct Fault {
    pub(crate) kind: FaultKind,
    pub(crate) times: Option<usize>,
    pub(crate) endpoint: Option<Endpoint>,
    pub(crate) delay: Duration,
    pub(crate) after_recording: bool,
    pub(crate) status: Option<u16>,
}

impl Fault {
    /// The reference a [`Fault::wrong_reference`] answer carries: `SOMEONE-ELSE`.
    pub const FOREIGN_REFERENCE: &'static str = "SOMEONE-ELSE";

    /// The longest delay the admin API accepts (`delay_ms`, `after_ms`): 10 minutes.
    /// The builder API takes any delay, since a paused test clock makes delays free.
    pub const MAX_ADMIN_DELAY: Duration = Duration::from_secs(600);

    fn new(kind: FaultKind) -> Self {
        Fault {
            kind,
            times: None,
            endpoint: None,
            delay: Duration::ZERO,
            after_recording: false,
            status: None,
        }
    }

    /// Answers with this HTTP status and QosIc's body for it: plain text for 401, the `-2`
    /// JSON for 404, `ACCOUNTHOLDER_NOT_FOUND` for 417, else the JSON problem. A final status
    /// (200 to 599) only: [`crate::MockQosic::fault`] panics on others, the admin API refuses them.
    pub fn status(status: u16) -> Self {
        Fault::new(FaultKind::Status(status))
    }

    /// Answers normally, after `delay` (slept with `tokio::time::sleep`).
    pub fn delay(delay: Duration) -> Self {
        Fault::new(FaultKind::Delay).delayed(delay)
    }

    /// Answers 200 with truncated JSON (`{"responsecode":"00","responsemsg":"SUCC`).
    pub fn malformed_body() -> Self {
        Fault::new(FaultKind::MalformedBody)
    }

    /// Answers 200 with an empty body.
    pub fn empty_body() -> Self {
        Fault::new(FaultKind::EmptyBody)
    }

    /// Answers 502 with an HTML error page, as a reverse proxy in front of QosIc would.
    pub fn html_error() -> Self {
        Fault::new(FaultKind::HtmlError)
    }

    /// Closes the connection without answering; the request is not acted on.
    pub fn dropped_connection() -> Self {
        Fault::new(FaultKind::DropConnection)
    }

    /// Acts on the request (the payment is recorded) and then closes the connection
    /// without answering.
    pub fn lost_answer() -> Self {
        Fault::dropped_connection().after_recording()
    }

    /// Answers as if about another transaction: the endpoint's success answer (status
    /// `00`, MOOV payment `0`, MTN / Celtiis payment 202 `01`, refund and deposit `00`)
    /// carrying `"transref":"SOMEONE-ELSE"` ([`Fault::FOREIGN_REFERENCE`]). A client must
    /// never settle its own payment on such an answer.
    pub fn wrong_reference() -> Self {
        Fault::new(FaultKind::WrongReference)
    }

    setters! {
        /// Applies to the next `n` matching requests only.
        fn times(n: usize) { times = Some(n) }
        /// Applies to requests to this endpoint only.
        fn on(endpoint: Endpoint) { endpoint = Some(endpoint) }
        /// Waits `delay` before the faulty answer (or before dropping the connection).
        fn delayed(delay: Duration) { delay = delay }
        /// Acts on the request before spoiling its answer (see the type's docs).
        fn after_recording() { after_recording = true }
        /// The HTTP status that goes with a malformed, empty or HTML body
        /// (defaults: 200, 200 and 502). Ignored by other faults.
        fn with_status(status: u16) { status = Some(status) }
    }

    /// Whether the statuses are final HTTP statuses (200 to 599): anything else is not an
    /// answer a client can get (1xx are interim; 600 and above are not HTTP).
    pub(crate) fn check(&self) -> Result<(), String> {
        let status = match self.kind {
            FaultKind::Status(s) => Some(s),
            _ => self.status,
        };
        match status {
            Some(s) if !(200..=599).contains(&s) => Err(format!(
                "fault status {s} is not a final HTTP status: use 200 to 599"
            )),
            _ => Ok(()),
        }
    }

    pub(crate) fn describe(&self) -> String {
        let what = match self.kind {
            FaultKind::Status(s) => format!("status {s}"),
            FaultKind::Delay => format!("delay {:?}", self.delay),
            FaultKind::MalformedBody => "malformed body".to_owned(),
            FaultKind::EmptyBody => "empty body".to_owned(),
            FaultKind::HtmlError => "html error".to_owned(),
            FaultKind::DropConnection if self.after_recording => "lost answer".to_owned(),
            FaultKind::DropConnection => "dropped connection".to_owned(),
            FaultKind::WrongReference => "wrong reference".to_owned(),
        };
        if self.after_recording && self.kind != FaultKind::DropConnection {
            format!("{what} (after recording)")
        } else {
            what
        }
    }
}

/// What a fault plan ([`crate::MockQosic::fault_plan`]) sees of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PlannedRequest<'a> {
    /// The endpoint the request is for.
    pub endpoint: Endpoint,
    /// Its `transref`, when its credentials were accepted and its body is JSON with one.
    pub transref: Option<&'a str>,
}

/// A fault plan ([`crate::MockQosic::fault_plan`]): decides, request by request, which
/// fault (if any) to inject.
pub(crate) type FaultPlan = Arc<dyn Fn(&PlannedRequest<'_>) -> Option<Fault> + Send + Sync>;
