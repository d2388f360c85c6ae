//! Transport fakes for tests that need no server at all (feature `test-util`).
//!
//! Tests of code that drives a [`Client`](crate::Client) or a [`Transport`], in this crate
//! and in yours, use the same fakes:
//!
//! - Use [`capture_request`] when you want to see the exact request the code under test
//!   sends (URL, credentials, JSON body) and answer it with one canned response.
//! - Use [`ReplayTransport`] when you want to script a sequence of raw answers, including
//!   ones the fake server would never give (odd codes, typos such as `"Succesfull"`), and
//!   lost answers; it records every request.
//! - Use [`NeverTransport`] when you want a request that never completes, to test the
//!   caller's timeouts (with tokio's paused clock the timeout fires at once).
//! - Use [`money_call`], [`lookup_call`] and [`assert_wire`] when you write a carrier: they
//!   build the calls the client gives a [`MobileCarrier`](crate::MobileCarrier) and check the
//!   exact path and JSON body it makes of them (golden request tests).
//! - Use `qosic_mock::MockQosic` (the fake QosIc server) for everything stateful: payments,
//!   status checks, refunds, subscribers, faults. `qosic_mock::fakes` re-exports this module.
//!
//! ```toml
//! [dev-dependencies]
//! qosic-core = { version = "0.1", features = ["test-util"] }
//! ```

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;

use crate::carrier::{LookupCall, MoneyCall, WireRequest};
use crate::transport::{
    ApiRequest, ApiResponse, Delivery, Transport, TransportError, TransportErrorKind,
};
use crate::types::{Amount, Msisdn, Name, TransactionRef};
use crate::{Error, Operation};

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The answer a fake gives when its script is used up or it has nothing to say.
#[derive(Debug)]
struct Exhausted(&'static str);

impl fmt::Display for Exhausted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for Exhausted {}

/// One scripted step of a [`ReplayTransport`].
#[derive(Debug)]
enum Step {
    Answer(ApiResponse),
    Fail(TransportErrorKind, Delivery),
}

/// A transport that answers from a script, in order, and records every request.
///
/// ```
/// use qosic_core::{ApiRequest, Credentials, Delivery, Transport};
/// use qosic_core::test_util::ReplayTransport;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let transport = ReplayTransport::new()
///     .answer(202, r#"{"responsecode":"01","responsemsg":"Succesfull"}"#)
///     .lose_answer();
/// let request = || ApiRequest::new("http://x/p", Credentials::new("l", "p"), b"{}".to_vec());
/// assert_eq!(transport.send(request()).await.unwrap().status, 202);
/// let lost = transport.send(request()).await.unwrap_err();
/// assert_eq!(lost.delivery(), Delivery::MaybeSent);
/// assert_eq!(transport.requests().len(), 2);
/// transport.assert_used_up();
/// # }
/// ```
///
/// Clones share the script and the record. When the script is used up, `send` fails with
/// [`TransportErrorKind::Other`] and [`Delivery::NotSent`].
#[derive(Debug, Clone, Default)]
pub struct ReplayTransport {
    script: Arc<Mutex<VecDeque<Step>>>,
    requests: Arc<Mutex<Vec<ApiRequest>>>,
}

impl ReplayTransport {
    /// An empty script.
    pub fn new() -> Self {
        ReplayTransport::default()
    }

    /// Adds an answer with this status and body.
    #[must_use]
    pub fn answer(self, status: u16, body: impl Into<Vec<u8>>) -> Self {
        lock(&self.script).push_back(Step::Answer(ApiResponse::new(status, body)));
        self
    }

    /// Adds a lost answer: `ConnectionLost` with [`Delivery::MaybeSent`].
    #[must_use]
    pub fn lose_answer(self) -> Self {
        self.fail(TransportErrorKind::ConnectionLost, Delivery::MaybeSent)
    }

    /// Adds a transport failure of this kind and delivery.
    #[must_use]
    pub fn fail(self, kind: TransportErrorKind, delivery: Delivery) -> Self {
        lock(&self.script).push_back(Step::Fail(kind, delivery));
        self
    }

    /// Every request sent so far, oldest first.
    pub fn requests(&self) -> Vec<ApiRequest> {
        lock(&self.requests).clone()
    }

    /// Asserts that every scripted step was used.
    ///
    /// # Panics
    ///
    /// When steps are left, naming how many and the requests received.
    #[track_caller]
    pub fn assert_used_up(&self) {
        let left = lock(&self.script).len();
        if left > 0 {
            panic!(
                "ReplayTransport: {left} scripted step(s) not used; requests received: {:#?}",
                self.requests()
            );
        }
    }
}

#[async_trait]
impl Transport for ReplayTransport {
    async fn send(&self, request: ApiRequest) -> Result<ApiResponse, TransportError> {
        lock(&self.requests).push(request);
        let step = lock(&self.script).pop_front();
        match step {
            Some(Step::Answer(response)) => Ok(response),
            Some(Step::Fail(kind, delivery)) => Err(TransportError::new(kind, delivery)),
            None => Err(
                TransportError::new(TransportErrorKind::Other, Delivery::NotSent)
                    .with_source(Exhausted("ReplayTransport: the script is used up")),
            ),
        }
    }
}

/// A transport whose requests never complete. It counts them.
///
/// ```
/// use std::time::Duration;
/// use qosic_core::{ApiRequest, Credentials, Transport};
/// use qosic_core::test_util::NeverTransport;
///
/// # fn main() {
/// # let rt = tokio::runtime::Builder::new_current_thread()
/// #     .enable_time().start_paused(true).build().unwrap();
/// # rt.block_on(async {
/// let transport = NeverTransport::new();
/// let request = ApiRequest::new("http://x/p", Credentials::new("l", "p"), Vec::new());
/// let waited = tokio::time::timeout(Duration::from_secs(80), transport.send(request)).await;
/// assert!(waited.is_err()); // timed out, at once on the paused clock
/// assert_eq!(transport.calls(), 1);
/// # });
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct NeverTransport {
    calls: Arc<Mutex<usize>>,
}

impl NeverTransport {
    /// A transport that never answers.
    pub fn new() -> Self {
        NeverTransport::default()
    }

    /// How many requests were sent to it.
    pub fn calls(&self) -> usize {
        *lock(&self.calls)
    }
}

#[async_trait]
impl Transport for NeverTransport {
    async fn send(&self, _request: ApiRequest) -> Result<ApiResponse, TransportError> {
        *lock(&self.calls) += 1;
        std::future::pending().await
    }
}

/// The transport half of [`capture_request`]: answers every request with one response
/// and hands the requests to its [`CaptureHandle`].
#[derive(Debug, Clone)]
pub struct CaptureTransport {
    response: ApiResponse,
    captured: Arc<Mutex<VecDeque<ApiRequest>>>,
}

/// The test's half of [`capture_request`]: takes the captured requests.
#[derive(Debug, Clone)]
pub struct CaptureHandle {
    captured: Arc<Mutex<VecDeque<ApiRequest>>>,
}

impl CaptureHandle {
    /// The oldest captured request not yet taken.
    ///
    /// # Panics
    ///
    /// When no request was captured.
    #[track_caller]
    pub fn expect_request(&self) -> ApiRequest {
        match lock(&self.captured).pop_front() {
            Some(request) => request,
            None => panic!("capture_request: no request was sent"),
        }
    }

    /// The oldest captured request not yet taken, if any.
    pub fn take(&self) -> Option<ApiRequest> {
        lock(&self.captured).pop_front()
    }
}

/// A transport that captures the requests sent to it and answers each with `response`
/// (default: 200 with an empty JSON object).
///
/// ```
/// use qosic_core::{ApiRequest, ApiResponse, Credentials, Transport};
/// use qosic_core::test_util::capture_request;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let (transport, handle) = capture_request(Some(ApiResponse::new(202, "{}")));
/// let sent = ApiRequest::new(
///     "https://api.qosic.net/QosicBridge/user/requestpayment",
///     Credentials::new("merchant", "secret"),
///     br#"{"transref":"R"}"#.to_vec(),
/// );
/// assert_eq!(transport.send(sent).await.unwrap().status, 202);
/// let request = handle.expect_request();
/// assert_eq!(request.path(), "/QosicBridge/user/requestpayment");
/// assert_eq!(request.credentials().login(), "merchant");
/// # }
/// ```
pub fn capture_request(response: Option<ApiResponse>) -> (CaptureTransport, CaptureHandle) {
    let captured = Arc::new(Mutex::new(VecDeque::new()));
    (
        CaptureTransport {
            response: response.unwrap_or_else(|| ApiResponse::new(200, "{}")),
            captured: Arc::clone(&captured),
        },
        CaptureHandle { captured },
    )
}

#[async_trait]
impl Transport for CaptureTransport {
    async fn send(&self, request: ApiRequest) -> Result<ApiResponse, TransportError> {
        lock(&self.captured).push_back(request);
        Ok(self.response.clone())
    }
}

/// The [`MoneyCall`] the client would give a carrier for a payment or deposit of `amount` XOF
/// to `phone` under `reference`, with the customer's names (`""` for none).
///
/// # Panics
///
/// When an argument is not valid (this is for tests: the panic names the field).
///
/// ```
/// use qosic_core::test_util::money_call;
///
/// let call = money_call("ORDER-1", "22997000100", 1500, "Ada", "");
/// assert_eq!(call.phone.international(), "22997000100");
/// assert_eq!(call.amount.xof(), 1500);
/// ```
#[track_caller]
pub fn money_call(reference: &str, phone: &str, amount: u64, first: &str, last: &str) -> MoneyCall {
    MoneyCall {
        reference: TransactionRef::new(reference).unwrap_or_else(|e| panic!("{e}")),
        phone: Msisdn::parse(phone).unwrap_or_else(|e| panic!("{e}")),
        amount: Amount::new(amount).unwrap_or_else(|e| panic!("{e}")),
        first_name: Name::new("first_name", first).unwrap_or_else(|e| panic!("{e}")),
        last_name: Name::new("last_name", last).unwrap_or_else(|e| panic!("{e}")),
    }
}

/// The [`LookupCall`] the client would give a carrier for a status check or refund of
/// `reference`, with the operator's own reference when the carrier needs one (MOOV).
///
/// # Panics
///
/// When `reference` is not a valid reference.
#[track_caller]
pub fn lookup_call(reference: &str, operator_ref: Option<&str>) -> LookupCall {
    LookupCall {
        reference: TransactionRef::new(reference).unwrap_or_else(|e| panic!("{e}")),
        operator_ref: operator_ref.map(str::to_owned),
    }
}

/// Asserts that a carrier made exactly this request: `path`, and `body` to the byte.
///
/// # Panics
///
/// When the carrier refused to make the request, or made another one.
#[track_caller]
pub fn assert_wire(request: Result<WireRequest, Error>, path: &str, body: &str) {
    let request = request.unwrap_or_else(|e| panic!("the carrier made no request: {e}"));
    let made = String::from_utf8_lossy(&request.body);
    assert_eq!((request.path.as_str(), &*made), (path, body));
}

/// Asserts that a carrier refused to make a request because it does not offer the
/// operation: [`Error::Unsupported`] naming `carrier` and `operation`, with its usual words.
///
/// # Panics
///
/// When the carrier made a request, or refused it for another reason.
#[track_caller]
pub fn assert_unsupported(
    request: Result<WireRequest, Error>,
    carrier: &str,
    operation: Operation,
) {
    match &request {
        Err(
            e @ Error::Unsupported {
                carrier: c,
                operation: o,
            },
        ) => {
            assert_eq!((c.as_str(), *o), (carrier, operation));
            assert_eq!(
                e.to_string(),
                format!("{carrier} does not support the {operation} operation")
            );
        }
        other => panic!("expected Unsupported, got {other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Credentials;

    fn request() -> ApiRequest {
        ApiRequest::new("http://x/y", Credentials::new("a", "b"), Vec::new())
    }

    #[tokio::test]
    async fn an_exhausted_replay_is_not_sent() {
        let t = ReplayTransport::new();
        let err = t.send(request()).await.unwrap_err();
        assert_eq!(err.delivery(), Delivery::NotSent);
        assert_eq!(err.kind(), TransportErrorKind::Other);
    }

    #[tokio::test]
    async fn leftover_steps_are_reported() {
        let t = ReplayTransport::new().answer(200, "{}");
        let err = std::panic::catch_unwind(|| t.assert_used_up()).unwrap_err();
        assert!(err
            .downcast::<String>()
            .unwrap()
            .contains("1 scripted step"));
    }

    #[tokio::test]
    async fn capture_without_a_request_panics() {
        let (_, handle) = capture_request(None);
        assert!(handle.take().is_none());
        assert!(std::panic::catch_unwind(|| handle.expect_request()).is_err());
    }
}
