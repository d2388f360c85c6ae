//! The [`MobileCarrier`] trait: what a carrier knows of the wire, and nothing of I/O.
//!
//! A carrier (MTN, MOOV, Celtiis…) says which numbers it serves, turns an operation into a
//! [`WireRequest`] (path and JSON body) and reads an answer into a [`Reply`]. The [`Client`]
//! runs the flow (send, poll, decide) once for every carrier, so the promises of the SDK hold
//! whatever the carrier.
//!
//! Carrier authors do not start from nothing: what every QosIc carrier shares is here, public.
//! A [`CarrierSpec`] describes a carrier as data (its [`Carrier`] name, country, an endpoint
//! per operation, [`Flow`], [`StatusRequest`] shape, codes, [`PhoneFormat`]); a
//! [`QosicCarrier`] makes it work (request bodies, settings, [`read_answer`]); and
//! [`thin_carrier!`](crate::thin_carrier) gives a carrier type wrapping one its setters and
//! its [`MobileCarrier`] implementation. `qosic-mock` serves the same specs.
//!
//! [`Client`]: crate::Client

mod answer;
mod identity;
mod phone;
mod qosic;
mod spec;

pub use answer::read_answer;
pub use identity::Carrier;
pub use phone::PhoneFormat;
pub use qosic::{from_env, QosicCarrier};
pub use spec::{AnswerCode, CarrierSpec, Flow, StatusRequest};

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::error::Error;
use crate::transport::ApiResponse;
use crate::types::{Amount, ClientId, Msisdn, Name, TransactionRef};

/// An operation of the QosIc API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// Collect money from a subscriber (request a payment).
    Payment,
    /// Check the status of a transaction.
    Status,
    /// Give back a confirmed payment.
    Refund,
    /// Pay money out to a subscriber.
    Deposit,
    /// Look up who holds the account of a number (`getaccountholderinfo`).
    AccountHolder,
    /// Read the amount available to withdraw (`getavailableamountowithdraw`).
    Balance,
    /// Start a card payment on QosIc's hosted card page (`initTransaction`).
    CardCheckout,
    /// Check a card payment's status.
    CardStatus,
}

impl Operation {
    /// The operation's name in logs and errors: `payment`, `status`, `refund`, `deposit`,
    /// `account_holder`, `balance`, `card checkout`, `card status`.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Payment => "payment",
            Operation::Status => "status",
            Operation::Refund => "refund",
            Operation::Deposit => "deposit",
            Operation::AccountHolder => "account_holder",
            Operation::Balance => "balance",
            Operation::CardCheckout => "card checkout",
            Operation::CardStatus => "card status",
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How long and how often the client checks the status of a pending payment.
///
/// The defaults are the Python SDK's: a check every 10 s for 120 s. [`PollingPolicy::new`]
/// enforces the SDK's bounds (step 5 to 30 s, window 60 to 180 s);
/// [`PollingPolicy::unbounded`] lifts them, for tests and benchmarks against a fake server.
///
/// ```
/// use std::time::Duration;
/// use qosic_core::PollingPolicy;
/// let policy = PollingPolicy::new(Duration::from_secs(5), Duration::from_secs(180))?.max_checks(20);
/// assert_eq!(policy.step(), Duration::from_secs(5));
/// assert!(PollingPolicy::new(Duration::from_secs(1), Duration::from_secs(60)).is_err());
/// # Ok::<(), qosic_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollingPolicy {
    step: Duration,
    window: Duration,
    max_checks: Option<u32>,
}

impl Default for PollingPolicy {
    fn default() -> Self {
        PollingPolicy {
            step: Duration::from_secs(10),
            window: Duration::from_secs(120),
            max_checks: None,
        }
    }
}

impl PollingPolicy {
    /// A check every `step` (5 to 30 s) until `window` (60 to 180 s) has passed: the bounds
    /// QosIc's production service is polled within.
    ///
    /// Tests against a fake server want shorter ones: [`PollingPolicy::unbounded`] takes any
    /// positive step and window, and the fake server's ready clients use it
    /// (`mock.client()` in-process, `mock.http_client()` over HTTP, from `qosic::mock`).
    ///
    /// ```
    /// use std::time::Duration;
    /// use qosic_core::PollingPolicy;
    ///
    /// let err = PollingPolicy::new(Duration::from_millis(50), Duration::from_secs(3)).unwrap_err();
    /// assert!(err.to_string().contains("PollingPolicy::unbounded"));
    /// let fast = PollingPolicy::unbounded(Duration::from_millis(50), Duration::from_secs(3))?;
    /// assert_eq!(fast.step(), Duration::from_millis(50));
    /// # Ok::<(), qosic_core::Error>(())
    /// ```
    pub fn new(step: Duration, window: Duration) -> Result<PollingPolicy, Error> {
        const FOR_TESTS: &str = "; for tests against a fake server, PollingPolicy::unbounded \
            takes any positive step and window, and qosic::mock's mock.client() (in-process) and \
            mock.http_client() (over HTTP) come with a fast policy";
        if !(Duration::from_secs(5)..=Duration::from_secs(30)).contains(&step) {
            return Err(Error::config(
                "polling step",
                format!("between 5 and 30 seconds (QosIc's production bounds){FOR_TESTS}"),
            ));
        }
        if !(Duration::from_secs(60)..=Duration::from_secs(180)).contains(&window) {
            return Err(Error::config(
                "polling window",
                format!("between 60 and 180 seconds (QosIc's production bounds){FOR_TESTS}"),
            ));
        }
        Ok(PollingPolicy {
            step,
            window,
            max_checks: None,
        })
    }

    /// Any positive step and window, without the SDK's bounds. Meant for fake servers.
    pub fn unbounded(step: Duration, window: Duration) -> Result<PollingPolicy, Error> {
        if step.is_zero() || window.is_zero() {
            return Err(Error::config(
                "polling step and window",
                "positive durations",
            ));
        }
        Ok(PollingPolicy {
            step,
            window,
            max_checks: None,
        })
    }

    /// At most `n` status checks (at least one), even if the window is still open.
    pub fn max_checks(mut self, n: u32) -> PollingPolicy {
        self.max_checks = Some(n.max(1));
        self
    }

    /// The time between two status checks.
    pub fn step(&self) -> Duration {
        self.step
    }

    /// How long the client waits for a terminal answer before reporting the payment pending.
    pub fn window(&self) -> Duration {
        self.window
    }

    /// The maximum number of status checks, if any.
    pub fn max_checks_limit(&self) -> Option<u32> {
        self.max_checks
    }
}

/// Makes fresh transaction references for a carrier (the Python SDK's `reference_factory`).
///
/// The default makes 20-character references (`Q` + time + counter + randomness) that do not
/// collide in practice, across processes and restarts. A custom factory's references are
/// checked ([`TransactionRef`]) and the client refuses one it has already used.
///
/// ```
/// use qosic_core::References;
/// let refs = References::default();
/// let (a, b) = (refs.next(), refs.next());
/// assert_ne!(a, b);
/// assert_eq!(a.len(), 20);
/// let custom = References::from_fn(|| "ORDER-42".to_owned());
/// assert_eq!(custom.next(), "ORDER-42");
/// ```
#[derive(Clone)]
pub struct References(Arc<dyn Fn() -> String + Send + Sync>);

impl References {
    /// References made by `factory`.
    pub fn from_fn(factory: impl Fn() -> String + Send + Sync + 'static) -> References {
        References(Arc::new(factory))
    }

    /// A fresh reference (not yet validated).
    pub fn next(&self) -> String {
        (self.0)()
    }
}

impl Default for References {
    fn default() -> Self {
        References::from_fn(default_reference)
    }
}

impl fmt::Debug for References {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("References(..)")
    }
}

/// Appends the last `width` base-36 digits of `n` to `out`.
fn push_base36(out: &mut String, mut n: u64, width: usize) {
    const DIGITS: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut digits = [b'0'; 16];
    let width = width.min(digits.len());
    for slot in digits[..width].iter_mut().rev() {
        *slot = DIGITS[(n % 36) as usize];
        n /= 36;
    }
    out.extend(digits[..width].iter().map(|&d| char::from(d)));
}

/// `Q` + 8 base-36 digits of milliseconds + 3 of a process counter + 8 of randomness.
fn default_reference() -> String {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    static SEED: std::sync::OnceLock<RandomState> = std::sync::OnceLock::new();

    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let mut hasher = SEED.get_or_init(RandomState::new).build_hasher();
    hasher.write_u64(count);
    hasher.write_u128(now.as_nanos());
    hasher.write_u32(std::process::id());
    let millis = now.as_millis() as u64 % 36u64.pow(8);
    // One allocation: this runs for every payment.
    let mut reference = String::with_capacity(20);
    reference.push('Q');
    push_base36(&mut reference, millis, 8);
    push_base36(&mut reference, count % 36u64.pow(3), 3);
    push_base36(&mut reference, hasher.finish(), 8);
    reference
}

/// A payment or deposit, validated, as the carrier turns it into a request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoneyCall {
    /// The fresh transaction reference.
    pub reference: TransactionRef,
    /// The subscriber's number.
    pub phone: Msisdn,
    /// The amount.
    pub amount: Amount,
    /// The customer's first name (may be empty).
    pub first_name: Name,
    /// The customer's last name (may be empty).
    pub last_name: Name,
}

/// A call on an existing transaction (status, refund).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookupCall {
    /// The transaction's reference.
    pub reference: TransactionRef,
    /// The operator's own transaction id (MOOV's `specialfield1`), when known.
    pub operator_ref: Option<String>,
}

/// A request as the carrier shapes it: a path under the base URL and a JSON body.
///
/// `Debug` shows the body as text with phone numbers masked.
#[derive(Clone, PartialEq, Eq)]
pub struct WireRequest {
    /// The path, e.g. `/QosicBridge/user/requestpayment`.
    pub path: String,
    /// The JSON body.
    pub body: Vec<u8>,
}

impl fmt::Debug for WireRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WireRequest")
            .field("path", &self.path)
            .field("body", &crate::wire::masked_text(&self.body))
            .finish()
    }
}

/// What an answer means, as a carrier reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Verdict {
    /// Done: the money moved (payment or deposit made, refund made).
    Confirmed,
    /// Accepted; the customer has not answered yet.
    Pending,
    /// Ended without moving money: declined, insufficient funds, refund refused…
    Failed,
    /// QosIc knows no transaction by this reference (yet): status `-1` with `serviceref` `"0"`.
    UnknownReference,
    /// The answer cannot be read (not JSON, no code): the outcome is unknown.
    Unreadable,
    /// HTTP 401.
    InvalidCredentials,
    /// HTTP 404 with code `-2`.
    InvalidClientId,
    /// HTTP 417: no mobile-money account.
    NoAccount,
    /// HTTP 5xx.
    ServerError,
    /// Any other refusal (HTTP 4xx).
    Rejected,
}

/// A carrier's reading of one answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// What the answer means.
    pub verdict: Verdict,
    /// QosIc's `responsecode`, as sent.
    pub code: Option<String>,
    /// QosIc's `responsemsg` (or the start of a non-JSON body).
    pub message: Option<String>,
    /// The operator's reference (`serviceref`), when given.
    pub service_ref: Option<String>,
    /// QosIc's `comment`: the reason of a decline, when given (`TRANSACTION DECLINED`).
    pub comment: Option<String>,
    /// The transaction reference the answer is about (`transref`), when it names one.
    ///
    /// The client compares it with the reference it sent: an answer about another
    /// transaction never settles this one (its outcome stays unknown, and the client checks
    /// the status of its own reference).
    pub echoed_ref: Option<String>,
}

impl Reply {
    /// A reply with only a verdict.
    pub fn new(verdict: Verdict) -> Reply {
        Reply {
            verdict,
            code: None,
            message: None,
            service_ref: None,
            comment: None,
            echoed_ref: None,
        }
    }
}

/// A mobile-money carrier reachable through QosIc.
///
/// Implementations are pure: they build requests and read answers, never owning a connection,
/// so they are tested with JSON fixtures alone. Operations the carrier lacks keep the default
/// methods, which fail with [`Error::Unsupported`] before any I/O.
#[cfg_attr(test, mockall::automock)]
pub trait MobileCarrier: Send + Sync + fmt::Debug {
    /// The carrier's name, e.g. `MTN`. Callers name carriers by it (case-insensitive).
    fn name(&self) -> &str;

    /// The client id of the merchant's account with this carrier.
    fn client_id(&self) -> &ClientId;

    /// Whether this carrier serves the number (by prefix: a hint where numbers are portable).
    fn serves(&self, phone: &Msisdn) -> bool;

    /// The largest amount the carrier accepts in one operation, if known.
    fn max_amount(&self) -> Option<Amount> {
        None
    }

    /// How to wait for a pending payment; `None` for carriers that answer synchronously.
    fn polling(&self) -> Option<PollingPolicy>;

    /// A fresh transaction reference.
    fn new_reference(&self) -> String {
        default_reference()
    }

    /// The request that starts a payment.
    fn payment(&self, call: &MoneyCall) -> Result<WireRequest, Error>;

    /// The request that checks a transaction's status.
    fn status(&self, call: &LookupCall) -> Result<WireRequest, Error>;

    /// The request that refunds a confirmed payment.
    fn refund(&self, call: &LookupCall) -> Result<WireRequest, Error> {
        let _ = call;
        Err(Error::Unsupported {
            carrier: self.name().to_owned(),
            operation: Operation::Refund,
        })
    }

    /// The request that pays money out to a subscriber.
    fn deposit(&self, call: &MoneyCall) -> Result<WireRequest, Error> {
        let _ = call;
        Err(Error::Unsupported {
            carrier: self.name().to_owned(),
            operation: Operation::Deposit,
        })
    }

    /// The request that asks who holds the account of `phone` (`{msisdn, clientid}`).
    fn account_holder(&self, phone: &Msisdn) -> Result<WireRequest, Error> {
        let _ = phone;
        Err(Error::Unsupported {
            carrier: self.name().to_owned(),
            operation: Operation::AccountHolder,
        })
    }

    /// The request that reads the amount available to withdraw (`{clientid}`).
    fn balance(&self) -> Result<WireRequest, Error> {
        Err(Error::Unsupported {
            carrier: self.name().to_owned(),
            operation: Operation::Balance,
        })
    }

    /// Reads the answer to `operation`. Must not panic, whatever the answer.
    fn read(&self, operation: Operation, response: &ApiResponse) -> Reply;
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn default_references_are_valid_and_distinct() {
        let refs = References::default();
        let mut seen = HashSet::new();
        for _ in 0..10_000 {
            let r = refs.next();
            assert!(TransactionRef::new(r.clone()).is_ok(), "{r}");
            assert!(seen.insert(r));
        }
    }

    #[test]
    fn polling_bounds() {
        assert!(PollingPolicy::new(Duration::from_secs(30), Duration::from_secs(181)).is_err());
        assert!(PollingPolicy::new(Duration::from_secs(31), Duration::from_secs(120)).is_err());
        assert!(
            PollingPolicy::unbounded(Duration::from_millis(10), Duration::from_secs(1)).is_ok()
        );
        assert!(PollingPolicy::unbounded(Duration::ZERO, Duration::from_secs(1)).is_err());
        assert_eq!(
            PollingPolicy::default().max_checks(0).max_checks_limit(),
            Some(1)
        );
    }
}
