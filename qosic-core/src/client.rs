//! The [`Client`]: validates input, picks the carrier, sends through the transport, polls, and
//! keeps the SDK's promises.
//!
//! # The promises, and where they are kept
//!
//! - **No double charge.** A payment or deposit request is sent once; nothing here retries it.
//!   References come fresh from the carrier's generator, and the client refuses a reference it
//!   has already sent a payment or deposit with. What that check covers: the last 100,000
//!   references this `Client` (and its clones) sent, in this process. A reference is claimed
//!   only once its request is built, and given back when the request certainly did not leave
//!   ([`Delivery::NotSent`]: a refused connection, a DNS or TLS failure), so sending the same
//!   order id again after such an error is safe. Across processes and restarts, use
//!   references that are unique by construction (the default generator's are; QosIc itself
//!   refuses a reused reference).
//! - **An answer settles only its own payment.** An answer whose `transref` names another
//!   transaction leaves the outcome unknown, and the client checks the status of its own
//!   reference.
//! - **The window is a deadline.** A call that waits returns within the payment request's
//!   timeout, plus the polling window, plus [`WINDOW_GRACE`]: the last status check gets only
//!   the time left in the window plus the grace.
//! - **Phone numbers stay masked, and a server's text cannot lie on a screen.** Texts from the
//!   server (messages, comments, codes, body excerpts) are masked
//!   ([`mask_numbers`](crate::wire::mask_numbers)) and made safe to show
//!   ([`server_text`](crate::server_text): control characters escaped, invalid UTF-8
//!   replaced, cut after 512 characters) before an outcome, an error or a log line shows them.
//! - **A timeout is not a failure.** After a lost answer the outcome is [`Status::Unknown`] and
//!   the client checks the status of that same reference; when the polling window closes on a
//!   pending payment the outcome is [`Status::Pending`].
//! - **Terminal answers stop polling**: confirmed or failed, at once.
//! - **Nothing lost.** Errors raised after a request may have left carry the reference.
//! - **A refusal is about the request refused.** An error that says QosIc answered
//!   ([`Delivery::Answered`]) from [`Client::pay`], [`Client::deposit`] or [`Client::refund`]
//!   means that request was refused and nothing was made; a server error (HTTP 5xx) is
//!   [`Delivery::MaybeSent`], since the server may have acted before failing; and a status
//!   check refused after the payment was accepted ends `pay`'s wait with the outcome known so
//!   far, not with that refusal.
//! - **Bad input is refused before I/O**, with the field named.

use std::fmt;
use std::sync::{Arc, Mutex};

use tracing::Instrument;

use crate::callback::{Callback, CallbackError};
use crate::carrier::{LookupCall, MobileCarrier, MoneyCall, Operation, WireRequest};
use crate::error::Error;
use crate::outcome::{Outcome, Status};
use crate::request::{DepositRequest, Lookup, PaymentRequest};
use crate::secret::Credentials;
use crate::transport::{BaseUrl, Delivery, Transport};
use crate::types::{Amount, Country, Msisdn, Name, TransactionRef};

mod builder;
mod exchange;
mod operations;
mod poll;
mod references;

pub use builder::ClientBuilder;
use exchange::Sent;
use poll::Refusal;
use references::UsedReferences;

/// QosIc's production base URL.
pub const DEFAULT_BASE_URL: &str = "https://api.qosic.net";

/// How long a status check may run past the end of the polling window.
///
/// The polling window is a deadline for the whole wait: a status check that starts just
/// before the window closes gets the time left plus this grace, not the transport's full
/// timeout. So [`Client::pay`] returns within the payment request's timeout, plus the
/// window, plus this grace, whatever the server does.
pub const WINDOW_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// A QosIc client: credentials, carriers, a transport and a base URL.
///
/// Cheap to clone (an `Arc` inside) and safe to share across tasks: build one at start-up and
/// clone it where needed; there is no need to wrap it in another `Arc`.
///
/// # Example
///
/// A payment against a stand-in transport that answers like QosIc's MOOV endpoint:
///
/// ```
/// # use async_trait::async_trait;
/// # use qosic_core::*;
/// # #[derive(Debug)] struct Moov(ClientId);
/// # impl MobileCarrier for Moov {
/// #     fn name(&self) -> &str { "MOOV" }
/// #     fn client_id(&self) -> &ClientId { &self.0 }
/// #     fn serves(&self, _: &Msisdn) -> bool { true }
/// #     fn polling(&self) -> Option<PollingPolicy> { None }
/// #     fn payment(&self, _: &MoneyCall) -> Result<WireRequest, Error> {
/// #         Ok(WireRequest { path: "/QosicBridge/user/requestpaymentmv".into(), body: b"{}".to_vec() })
/// #     }
/// #     fn status(&self, _: &LookupCall) -> Result<WireRequest, Error> { unreachable!() }
/// #     fn read(&self, _: Operation, _: &ApiResponse) -> Reply { Reply::new(Verdict::Confirmed) }
/// # }
/// # #[derive(Debug)] struct Ok200;
/// # #[async_trait] impl Transport for Ok200 {
/// #     async fn send(&self, _: ApiRequest) -> Result<ApiResponse, TransportError> {
/// #         Ok(ApiResponse::new(200, r#"{"responsecode":"0"}"#))
/// #     }
/// # }
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// let client = Client::builder()
///     .login("merchant")
///     .password("secret")
///     .carrier(Moov(ClientId::new("MOOV_CLIENT")?))
///     .transport(Ok200)
///     .build()?;
///
/// let outcome = client
///     .pay(PaymentRequest::new("22995000100", 1000).first_name("Ada").last_name("Lovelace"))
///     .await?;
/// assert!(outcome.success());
/// assert_eq!(outcome.carrier(), "MOOV");
/// println!("paid: {}", outcome.reference());
/// # Ok::<(), Error>(())
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    credentials: Credentials,
    /// Checked and split once, at build: requests carry it with their path.
    base_url: BaseUrl,
    carriers: Vec<Arc<dyn MobileCarrier>>,
    /// The carriers' names, in their order, shared by the outcomes.
    carrier_names: Vec<Arc<str>>,
    transport: Arc<dyn Transport>,
    default_country: Option<Country>,
    used: Mutex<UsedReferences>,
    /// The merchant's card key and card host, when card payments are configured.
    card: Option<crate::card::CardSettings>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let carriers: Vec<&str> = self.inner.carriers.iter().map(|c| c.name()).collect();
        f.debug_struct("Client")
            .field("credentials", &self.inner.credentials)
            .field("base_url", &self.inner.base_url)
            .field("carriers", &carriers)
            .field("transport", &self.inner.transport)
            .field("default_country", &self.inner.default_country)
            .field("card", &self.inner.card)
            .finish()
    }
}

/// A fresh reference from `carrier`'s factory, checked.
fn new_reference(carrier: &Arc<dyn MobileCarrier>) -> Result<TransactionRef, Error> {
    TransactionRef::new(carrier.new_reference()).map_err(|_| {
        Error::config(
            "reference factory",
            "references of 4 to 64 characters, each an ASCII letter, digit, '_' or '-'",
        )
    })
}

/// A validated payment or deposit, ready to send.
struct Prepared {
    carrier: Arc<dyn MobileCarrier>,
    call: MoneyCall,
    /// The payment or deposit request, built once while preparing.
    wire: WireRequest,
}

/// The transaction a call is about, for outcomes and errors.
struct Subject<'a> {
    operation: Operation,
    carrier: &'a Arc<dyn MobileCarrier>,
    reference: &'a TransactionRef,
    phone: &'a Msisdn,
    amount: Option<Amount>,
}

impl Client {
    /// A [`ClientBuilder`].
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// A [`ClientBuilder`] with credentials and base URL from the environment (see
    /// [`ClientBuilder::from_env`]); add carriers and a transport, then build.
    ///
    /// Deprecated: it reads no carrier and sets no transport, so `Client::from_env().build()`
    /// failed where `qosic::from_env()`, which does both, works. Use `qosic::from_env()`, or
    /// [`ClientBuilder::from_env`] when adding carriers and a transport yourself.
    #[deprecated(
        since = "0.1.1",
        note = "use qosic::from_env(), which also reads every carrier's client id and sets the \
                HTTP transport, or ClientBuilder::from_env() to add carriers and a transport \
                yourself"
    )]
    pub fn from_env() -> ClientBuilder {
        ClientBuilder::from_env()
    }

    /// The configured carriers.
    pub fn carriers(&self) -> impl Iterator<Item = &dyn MobileCarrier> {
        self.inner.carriers.iter().map(|c| &**c)
    }

    /// The base URL.
    pub fn base_url(&self) -> &str {
        self.inner.base_url.as_str()
    }

    /// Takes a payment and waits for the customer's answer.
    ///
    /// Starts the payment, then, for carriers that answer later (MTN, Celtiis), checks its
    /// status under the carrier's [`PollingPolicy`](crate::PollingPolicy) until a terminal
    /// answer or the end of the window. The outcome is:
    /// - [`Status::Confirmed`] or [`Status::Failed`] when QosIc said so;
    /// - [`Status::Pending`] when the window closed first (the customer may still approve);
    /// - [`Status::Unknown`] when the payment request may have reached QosIc but no answer
    ///   says what became of it.
    ///
    /// Never sends the payment request twice. Fails before any I/O on invalid input, and with
    /// an error carrying the reference when QosIc refuses the payment request or it may have
    /// gone through without an answer that says so (a server error). Once the payment request
    /// was accepted, a refused status check (bad credentials, unknown client id, another 4xx)
    /// ends the wait but not with that refusal: the outcome is the one known so far, pending
    /// or unknown, since the payment itself was not refused.
    ///
    /// The returned future is `Send`; nothing happens until it is awaited.
    pub fn pay(
        &self,
        request: PaymentRequest,
    ) -> impl std::future::Future<Output = Result<Outcome, Error>> + Send + '_ {
        // A waiting payment keeps only what its wait needs: the request and the prepared
        // payment are boxed, and the payment request's and the wait's states are boxed while
        // they run, so that none of them takes room in the future for the whole wait
        // (docs/BENCHMARKS.md, benchmark 3: memory per pending payment).
        let request = Box::new(request);
        async move {
            let prepared = Box::new(self.prepare_payment(*request)?);
            let span = operation_span("pay", &prepared);
            async move {
                let carrier = Arc::clone(&prepared.carrier);
                let outcome = Box::pin(self.start(Operation::Payment, *prepared)).await?;
                match (outcome.status, carrier.polling()) {
                    (Status::Pending | Status::Unknown, Some(_)) => {
                        Box::pin(self.poll(&carrier, outcome, Refusal::EndsTheWait)).await
                    }
                    _ => Ok(outcome),
                }
            }
            .instrument(span)
            .await
        }
    }

    /// Starts a payment and returns at once, without waiting for the customer.
    ///
    /// For servers that must not wait: store [`Outcome::lookup`], answer your own caller, and
    /// later call [`Client::check_status`] or [`Client::wait`].
    pub async fn initiate(&self, request: PaymentRequest) -> Result<Outcome, Error> {
        let prepared = self.prepare_payment(request)?;
        let span = operation_span("initiate", &prepared);
        self.start(Operation::Payment, prepared)
            .instrument(span)
            .await
    }

    /// Checks a transaction's status once.
    pub async fn check_status(&self, lookup: Lookup) -> Result<Outcome, Error> {
        let (carrier, call, phone) = self.resolve_lookup(&lookup)?;
        let span = lookup_span("check_status", &carrier, &call.reference, &phone);
        async {
            let subject = Subject {
                operation: Operation::Status,
                carrier: &carrier,
                reference: &call.reference,
                phone: &phone,
                amount: None,
            };
            self.check_once(&subject, &call, None).await
        }
        .instrument(span)
        .await
    }

    /// Waits for a terminal answer on an existing transaction, under the carrier's polling
    /// policy (for example to resume after a restart). The first check comes after one step.
    pub async fn wait(&self, lookup: Lookup) -> Result<Outcome, Error> {
        let (carrier, call, phone) = self.resolve_lookup(&lookup)?;
        let span = lookup_span("wait", &carrier, &call.reference, &phone);
        let start = Outcome {
            operation: Operation::Status,
            status: Status::Unknown,
            reference: call.reference.clone(),
            phone: phone.clone(),
            carrier: Arc::from(carrier.name()),
            amount: None,
            code: None,
            message: None,
            comment: None,
            service_ref: call.operator_ref.clone(),
            raw: None,
            status_checks: 0,
        };
        self.poll(&carrier, start, Refusal::IsAnError)
            .instrument(span)
            .await
    }

    /// Refunds a confirmed payment (the Python SDK's `refund(reference, phone)`).
    ///
    /// The outcome is confirmed when QosIc made the refund and failed when it refused it.
    /// Carriers without refunds (MOOV) fail with [`Error::Unsupported`] before any I/O.
    pub async fn refund(&self, lookup: Lookup) -> Result<Outcome, Error> {
        let (carrier, call, phone) = self.resolve_lookup(&lookup)?;
        let wire = carrier.refund(&call)?;
        let span = lookup_span("refund", &carrier, &call.reference, &phone);
        async {
            let subject = Subject {
                operation: Operation::Refund,
                carrier: &carrier,
                reference: &call.reference,
                phone: &phone,
                amount: None,
            };
            match self.send(&subject, wire, None).await? {
                Sent::Answered(reply, raw) => self.decide(&subject, reply, raw),
                Sent::Uncertain(error) => Ok(self.unanswered(&subject, &error)),
            }
        }
        .instrument(span)
        .await
    }

    /// Pays money out to a subscriber (QosIc's deposit). Synchronous: no polling.
    ///
    /// Never sent twice; after a lost answer the outcome is [`Status::Unknown`].
    pub async fn deposit(&self, request: DepositRequest) -> Result<Outcome, Error> {
        let prepared = self.prepare(
            Operation::Deposit,
            &request.phone,
            request.amount,
            None,
            None,
            request.carrier.as_deref(),
            request.reference,
        )?;
        let span = operation_span("deposit", &prepared);
        self.start(Operation::Deposit, prepared)
            .instrument(span)
            .await
    }

    fn parse_phone(&self, phone: &str) -> Result<Msisdn, Error> {
        match self.inner.default_country {
            Some(country) => Msisdn::parse_with_default(phone, country),
            None => Msisdn::parse(phone),
        }
    }

    fn find_carrier(
        &self,
        named: Option<&str>,
        phone: &Msisdn,
    ) -> Result<Arc<dyn MobileCarrier>, Error> {
        let carriers = &self.inner.carriers;
        let found = match named {
            Some(name) => carriers
                .iter()
                .find(|c| c.name().eq_ignore_ascii_case(name.trim()))
                .ok_or_else(|| {
                    Error::invalid_argument(
                        "carrier",
                        format!("one of the configured carriers: {}", self.carrier_names()),
                    )
                })?,
            None => carriers.iter().find(|c| c.serves(phone)).ok_or_else(|| {
                Error::ProviderNotFound {
                    phone: phone.masked(),
                    configured: self.carrier_names(),
                }
            })?,
        };
        Ok(Arc::clone(found))
    }

    fn carrier_names(&self) -> String {
        self.inner
            .carriers
            .iter()
            .map(|c| c.name())
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn prepare_payment(&self, request: PaymentRequest) -> Result<Prepared, Error> {
        self.prepare(
            Operation::Payment,
            &request.phone,
            request.amount,
            request.first_name.as_deref(),
            request.last_name.as_deref(),
            request.carrier.as_deref(),
            request.reference,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn prepare(
        &self,
        operation: Operation,
        phone: &str,
        amount: u64,
        first_name: Option<&str>,
        last_name: Option<&str>,
        carrier: Option<&str>,
        reference: Option<String>,
    ) -> Result<Prepared, Error> {
        let phone = self.parse_phone(phone)?;
        let amount = Amount::new(amount)?;
        let first_name = Name::new("first_name", first_name.unwrap_or(""))?;
        let last_name = Name::new("last_name", last_name.unwrap_or(""))?;
        let carrier = self.find_carrier(carrier, &phone)?;
        if let Some(max) = carrier.max_amount() {
            if amount > max {
                return Err(Error::invalid_argument(
                    "amount",
                    format!(
                        "at most {max} for {} (a positive whole number of XOF)",
                        carrier.name()
                    ),
                ));
            }
        }
        // Building the wire request before any I/O makes unsupported operations fail early.
        let build = |call: &MoneyCall| -> Result<WireRequest, Error> {
            match operation {
                Operation::Deposit => carrier.deposit(call),
                _ => carrier.payment(call),
            }
        };
        // A reference is claimed only once its request is built, so nothing that fails before
        // sending burns it; `start` gives it back when the request was certainly not sent.
        let given = reference.is_some();
        let reference = match reference {
            Some(given) => TransactionRef::new(given)?,
            None => new_reference(&carrier)?,
        };
        let mut call = MoneyCall {
            reference,
            phone,
            amount,
            first_name,
            last_name,
        };
        let mut tries = 1;
        let wire = loop {
            let wire = build(&call)?;
            if self.claim(&call.reference) {
                break wire;
            }
            if given {
                return Err(Error::invalid_argument(
                    "reference",
                    "a reference not used before: this client already sent a payment or deposit with it",
                ));
            }
            if tries == 3 {
                return Err(Error::config(
                    "reference factory",
                    "a fresh reference on every call (it repeated one)",
                ));
            }
            tries += 1;
            call.reference = new_reference(&carrier)?;
        };
        Ok(Prepared {
            carrier,
            call,
            wire,
        })
    }

    /// Gives a reference back: its request certainly did not leave, so it may be sent again.
    fn release(&self, reference: &TransactionRef) {
        let mut used = self.inner.used.lock().unwrap_or_else(|e| e.into_inner());
        used.release(reference.as_str());
    }

    fn claim(&self, reference: &TransactionRef) -> bool {
        // A poisoned lock only means another thread panicked mid-insert; the set is still usable.
        let mut used = self.inner.used.lock().unwrap_or_else(|e| e.into_inner());
        used.claim(reference.as_str())
    }

    fn resolve_lookup(
        &self,
        lookup: &Lookup,
    ) -> Result<(Arc<dyn MobileCarrier>, LookupCall, Msisdn), Error> {
        let reference = lookup.reference.clone();
        let phone = lookup.phone.clone();
        let carrier = self.find_carrier(lookup.carrier.as_deref(), &phone)?;
        let call = LookupCall {
            reference,
            operator_ref: lookup.operator_ref.clone().filter(|r| !r.is_empty()),
        };
        Ok((carrier, call, phone))
    }

    /// Sends the payment or deposit once and reads the answer; never polls.
    async fn start(&self, operation: Operation, prepared: Prepared) -> Result<Outcome, Error> {
        let Prepared {
            carrier,
            call,
            wire,
        } = prepared;
        let carrier = &carrier;
        let subject = Subject {
            operation,
            carrier,
            reference: &call.reference,
            phone: &call.phone,
            amount: Some(call.amount),
        };
        let sent = match self.send(&subject, wire, None).await {
            Ok(sent) => sent,
            Err(error) => {
                if error.delivery() == Delivery::NotSent {
                    self.release(&call.reference);
                }
                return Err(error);
            }
        };
        match sent {
            Sent::Answered(reply, raw) => self.decide(&subject, reply, raw),
            Sent::Uncertain(error) => Ok(self.unanswered(&subject, &error)),
        }
    }

    /// Settles a QosIc callback by QosIc's own word (see the [`callback`](crate::callback)
    /// module): checks that `callback` is about the order stored as `lookup` (the same
    /// reference) for `amount` XOF (the amount stored with the order; QosIc's status carries
    /// none), then checks the status of that reference once, and returns the status check's
    /// [`Outcome`] when it backs the callback: [`Status::Confirmed`] for a `SUCCESSFUL`
    /// callback, [`Status::Failed`] for a `FAILED` one.
    ///
    /// Refuses, with an error whose [`CallbackError::is_refused`] is true, a callback about
    /// another reference or another amount (before any I/O), and a callback the status
    /// contradicts ([`CallbackError::Untrusted`]): `SUCCESSFUL` for a payment QosIc reports
    /// pending, failed or unknown is a forgery, or came before QosIc's status caught up.
    /// Fails with [`CallbackError::Check`] when the status check could not be made.
    ///
    /// It changes nothing and costs one status request, so a callback that comes twice
    /// (QosIc's or a forger's) can be verified twice, harmlessly: keep settling idempotent
    /// on your side (mark an order paid once).
    pub async fn verify_callback(
        &self,
        callback: &Callback,
        lookup: Lookup,
        amount: u64,
    ) -> Result<Outcome, CallbackError> {
        crate::callback::verify(self, callback, lookup, amount).await
    }
}

fn operation_span(name: &'static str, prepared: &Prepared) -> tracing::Span {
    tracing::info_span!(
        "qosic",
        op = name,
        carrier = prepared.carrier.name(),
        reference = %prepared.call.reference,
        phone = %prepared.call.phone.masked(),
        amount = prepared.call.amount.xof(),
    )
}

fn lookup_span(
    name: &'static str,
    carrier: &Arc<dyn MobileCarrier>,
    reference: &TransactionRef,
    phone: &Msisdn,
) -> tracing::Span {
    tracing::info_span!("qosic", op = name, carrier = carrier.name(), reference = %reference, phone = %phone.masked())
}

#[cfg(test)]
#[path = "client_tests.rs"]
mod tests;
