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
//! - **Phone numbers stay masked.** Texts from the server (messages, comments, body excerpts)
//!   are masked ([`mask_numbers`]) before an outcome, an error or a
//!   log line shows them.
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

use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex};

use tokio::time::Instant;
use tracing::Instrument;

use crate::callback::{Callback, CallbackError};
use crate::carrier::{
    LookupCall, MobileCarrier, MoneyCall, Operation, Reply, Verdict, WireRequest,
};
use crate::error::Error;
use crate::outcome::{Outcome, RawResponse, Status};
use crate::request::{DepositRequest, Lookup, PaymentRequest};
use crate::secret::{Credentials, Secret};
use crate::transport::{
    ApiRequest, ApiResponse, BaseUrl, Delivery, Transport, TransportError, TransportErrorKind,
};
use crate::types::{Amount, Country, Msisdn, Name, TransactionRef};
use crate::wire::{excerpt, mask_numbers};

/// QosIc's production base URL.
pub const DEFAULT_BASE_URL: &str = "https://api.qosic.net";

/// How many references of past payments and deposits a client remembers to refuse their reuse.
const REMEMBERED_REFERENCES: usize = 100_000;

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
}

#[derive(Default)]
struct UsedReferences {
    /// One allocation per reference, shared by the set and the order.
    set: HashSet<Arc<str>>,
    order: VecDeque<Arc<str>>,
}

impl UsedReferences {
    /// Records `reference`; false when it was already used.
    fn claim(&mut self, reference: &str) -> bool {
        if self.set.contains(reference) {
            return false;
        }
        let reference: Arc<str> = Arc::from(reference);
        self.set.insert(Arc::clone(&reference));
        self.order.push_back(reference);
        if self.order.len() > REMEMBERED_REFERENCES {
            if let Some(old) = self.order.pop_front() {
                self.set.remove(&old);
            }
        }
        true
    }

    /// Forgets `reference`, so that it can be claimed again.
    fn release(&mut self, reference: &str) {
        if self.set.remove(reference) {
            if let Some(i) = self.order.iter().rposition(|r| &**r == reference) {
                self.order.remove(i);
            }
        }
    }
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
            .finish()
    }
}

/// Builds a [`Client`]. Setters never fail; [`ClientBuilder::build`] reports the first problem.
#[must_use]
pub struct ClientBuilder {
    login: Option<String>,
    password: Option<Secret>,
    base_url: String,
    carriers: Vec<Arc<dyn MobileCarrier>>,
    transport: Option<Arc<dyn Transport>>,
    default_transport: Option<TransportFactory>,
    default_country: Option<Country>,
    error: Option<Error>,
}

/// Makes the transport a builder uses when none was given.
type TransportFactory = Box<dyn FnOnce() -> Result<Arc<dyn Transport>, Error> + Send>;

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("login", &self.login)
            .field("password", &self.password)
            .field("base_url", &self.base_url)
            .field("carriers", &self.carriers)
            .field("transport", &self.transport)
            .field("default_country", &self.default_country)
            .finish()
    }
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            login: None,
            password: None,
            base_url: DEFAULT_BASE_URL.to_owned(),
            carriers: Vec::new(),
            transport: None,
            default_transport: None,
            default_country: None,
            error: None,
        }
    }
}

/// Reads an environment variable; `None` when unset or empty.
fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl ClientBuilder {
    /// A builder with the default base URL and nothing else.
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder with the login, password and base URL from the environment:
    /// `QOSIC_LOGIN`, `QOSIC_PASSWORD` (both required) and `QOSIC_BASE_URL` (optional,
    /// default [`DEFAULT_BASE_URL`]). Carriers read their client ids themselves
    /// (`QOSIC_MTN_CLIENT_ID`…; see `qosic_carriers_bj::from_env`).
    pub fn from_env() -> Self {
        let mut builder = ClientBuilder::new();
        if let Some(url) = env_var("QOSIC_BASE_URL") {
            builder = builder.base_url(url);
        }
        match (env_var("QOSIC_LOGIN"), env_var("QOSIC_PASSWORD")) {
            (Some(login), Some(password)) => builder.login(login).password(password),
            (None, _) => builder.fail(Error::config(
                "QOSIC_LOGIN",
                "the QosIc API login, in the environment",
            )),
            (_, None) => builder.fail(Error::config(
                "QOSIC_PASSWORD",
                "the QosIc API password, in the environment",
            )),
        }
    }

    fn fail(mut self, error: Error) -> Self {
        self.error.get_or_insert(error);
        self
    }

    /// The API login (user name) from the QosIc dashboard.
    pub fn login(mut self, login: impl Into<String>) -> Self {
        self.login = Some(login.into());
        self
    }

    /// The API password.
    pub fn password(mut self, password: impl Into<Secret>) -> Self {
        self.password = Some(password.into());
        self
    }

    /// Login and password together.
    pub fn credentials(self, credentials: Credentials) -> Self {
        let password = credentials.password().clone();
        self.login(credentials.login()).password(password)
    }

    /// The base URL, e.g. `https://api.qosic.net` (the default) or a fake server's URL; a
    /// gateway's path prefix is kept (`https://gateway.example/qosic`).
    ///
    /// [`ClientBuilder::build`] checks it once (see [`BaseUrl::parse`]): it refuses anything
    /// but `http://` or `https://` with a host, a user name or password, and a query string or
    /// fragment, since the API's paths are appended to it.
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into().trim().trim_end_matches('/').to_owned();
        self
    }

    /// Adds a carrier. Numbers go to the first added carrier that serves them.
    pub fn carrier(self, carrier: impl MobileCarrier + 'static) -> Self {
        self.shared_carrier(Arc::new(carrier))
    }

    /// Adds a shared carrier.
    pub fn shared_carrier(mut self, carrier: Arc<dyn MobileCarrier>) -> Self {
        self.carriers.push(carrier);
        self
    }

    /// Adds several shared carriers.
    pub fn carriers(mut self, carriers: impl IntoIterator<Item = Arc<dyn MobileCarrier>>) -> Self {
        self.carriers.extend(carriers);
        self
    }

    /// The transport, e.g. `qosic_http::HttpTransport`.
    pub fn transport(self, transport: impl Transport + 'static) -> Self {
        self.shared_transport(Arc::new(transport))
    }

    /// A shared transport.
    pub fn shared_transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// The transport to use when [`ClientBuilder::transport`] is not called, made by
    /// `factory` at [`ClientBuilder::build`] (and only then). The `qosic` crate's
    /// `qosic::builder()` and `qosic::from_env()` set the HTTP transport here.
    pub fn default_transport(
        mut self,
        factory: impl FnOnce() -> Result<Arc<dyn Transport>, Error> + Send + 'static,
    ) -> Self {
        self.default_transport = Some(Box::new(factory));
        self
    }

    /// Accepts local numbers (without calling code) of this country.
    pub fn default_country(mut self, country: Country) -> Self {
        self.default_country = Some(country);
        self
    }

    /// Checks the settings and builds the client.
    pub fn build(self) -> Result<Client, Error> {
        if let Some(error) = self.error {
            return Err(error);
        }
        let login = self
            .login
            .filter(|l| !l.is_empty())
            .ok_or_else(|| Error::config("login", "the QosIc API login"))?;
        if login.contains(':') {
            return Err(Error::config(
                "login",
                "a login without ':' (HTTP Basic auth cannot carry it)",
            ));
        }
        let password = self
            .password
            .filter(|p| !p.is_empty())
            .ok_or_else(|| Error::config("password", "the QosIc API password"))?;
        let base_url =
            BaseUrl::parse(&self.base_url).map_err(|e| Error::config("base_url", e.expected()))?;
        if base_url.scheme() == "http" && !is_loopback(base_url.authority()) {
            tracing::warn!(base_url = %base_url, "plain-HTTP base URL: credentials and phone numbers travel in clear");
        }
        if self.carriers.is_empty() {
            return Err(Error::config(
                "carriers",
                "at least one carrier, such as qosic_carriers_bj::Mtn",
            ));
        }
        for (i, carrier) in self.carriers.iter().enumerate() {
            if self.carriers[..i]
                .iter()
                .any(|c| c.name().eq_ignore_ascii_case(carrier.name()))
            {
                return Err(Error::config(
                    "carriers",
                    format!("one carrier per name ({} is added twice)", carrier.name()),
                ));
            }
        }
        let transport = match (self.transport, self.default_transport) {
            (Some(transport), _) => transport,
            (None, Some(factory)) => factory()?,
            (None, None) => {
                return Err(Error::config(
                    "transport",
                    "a transport, such as qosic_http::HttpTransport (qosic::builder() and \
                     qosic::from_env() of the `qosic` crate use it by default)",
                ))
            }
        };
        Ok(Client {
            inner: Arc::new(Inner {
                credentials: Credentials::new(login, password),
                base_url,
                carrier_names: self.carriers.iter().map(|c| Arc::from(c.name())).collect(),
                carriers: self.carriers,
                transport,
                default_country: self.default_country,
                used: Mutex::new(UsedReferences::default()),
            }),
        })
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

fn is_loopback(host: &str) -> bool {
    let authority = host.split('/').next().unwrap_or(host);
    let name = match authority.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => authority,
    };
    let name = name.trim_start_matches('[').trim_end_matches(']');
    name == "localhost"
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
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

/// What a refused status check does to a wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    /// It ends the wait with the outcome known so far: the wait follows a payment request
    /// that was accepted or may have been ([`Client::pay`]), which a refused status check
    /// does not undo.
    EndsTheWait,
    /// It is the call's error: the wait is a lookup ([`Client::wait`]).
    IsAnError,
}

/// How a send ended, before interpretation.
enum Sent {
    Answered(Reply, RawResponse),
    /// The request may have been received, and no readable answer came.
    Uncertain,
}

impl Client {
    /// A [`ClientBuilder`].
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// A [`ClientBuilder`] with credentials and base URL from the environment (see
    /// [`ClientBuilder::from_env`]); add carriers and a transport, then build.
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
                Sent::Uncertain => Ok(self.unknown(&subject)),
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
            Sent::Uncertain => Ok(self.unknown(&subject)),
        }
    }

    /// Sends one request. Transport failures are errors when nothing left, `Uncertain` otherwise.
    ///
    /// `timeout`: the most the transport may take, for one that honours it
    /// ([`Transport::honours_request_timeout`]).
    async fn send(
        &self,
        subject: &Subject<'_>,
        wire: WireRequest,
        timeout: Option<std::time::Duration>,
    ) -> Result<Sent, Error> {
        tracing::debug!(path = %wire.path, "sending {} request", subject.operation);
        let mut request = ApiRequest::to(
            &self.inner.base_url,
            wire.path,
            self.inner.credentials.clone(),
            wire.body,
        );
        if let Some(timeout) = timeout {
            request = request.with_timeout(timeout);
        }
        // Through the trait object itself: `Arc<dyn Transport>` also implements `Transport`, and
        // calling that impl would box one more future per request.
        match (*self.inner.transport).send(request).await {
            Ok(response) => {
                let mut reply = subject.carrier.read(subject.operation, &response);
                // Servers echo phone numbers in their texts, even in the code: mask them
                // before anything shows or logs them.
                reply.code = reply.code.map(masked);
                reply.message = reply.message.map(masked);
                reply.comment = reply.comment.map(masked);
                tracing::debug!(
                    http_status = response.status,
                    code = reply.code.as_deref().unwrap_or(""),
                    verdict = ?reply.verdict,
                    "{} answer",
                    subject.operation
                );
                Ok(Sent::Answered(reply, raw(response)))
            }
            Err(error) if error.delivery() == Delivery::NotSent => Err(Error::Transport {
                operation: subject.operation,
                reference: Some(subject.reference.clone()),
                source: error,
            }),
            Err(error) => {
                tracing::warn!(error = %error, "{} request may have been sent, no answer", subject.operation);
                // Status checks are safe to repeat: report them as errors so polling can retry.
                if subject.operation == Operation::Status {
                    return Err(Error::Transport {
                        operation: subject.operation,
                        reference: Some(subject.reference.clone()),
                        source: error,
                    });
                }
                Ok(Sent::Uncertain)
            }
        }
    }

    /// Turns an answer into an outcome, or into an error for refusals.
    fn decide(
        &self,
        subject: &Subject<'_>,
        mut reply: Reply,
        raw: RawResponse,
    ) -> Result<Outcome, Error> {
        // Only refusals carry it: cloned when one is made, not for every answer.
        let reference = || Some(subject.reference.clone());
        let foreign = reply
            .echoed_ref
            .as_deref()
            .is_some_and(|echoed| !echoed.is_empty() && echoed != subject.reference.as_str());
        let status = match reply.verdict {
            // An answer about another transaction says nothing about ours.
            Verdict::Confirmed
            | Verdict::Failed
            | Verdict::Pending
            | Verdict::UnknownReference
            | Verdict::Unreadable
                if foreign =>
            {
                tracing::warn!(
                    http_status = raw.status,
                    "{} answer names another reference: ignored, outcome unknown",
                    subject.operation
                );
                reply.code = None;
                reply.comment = None;
                reply.message = Some(format!(
                    "the answer was about another reference ({}), not this one",
                    reply
                        .echoed_ref
                        .as_deref()
                        .map(mask_numbers)
                        .unwrap_or_default()
                ));
                Status::Unknown
            }
            Verdict::Confirmed => Status::Confirmed,
            Verdict::Failed => Status::Failed,
            Verdict::Pending => Status::Pending,
            Verdict::UnknownReference | Verdict::Unreadable => Status::Unknown,
            Verdict::InvalidCredentials => {
                return Err(Error::InvalidCredentials {
                    reference: reference(),
                })
            }
            Verdict::InvalidClientId => {
                return Err(Error::InvalidClientId {
                    carrier: subject.carrier.name().to_owned(),
                    reference: reference(),
                })
            }
            Verdict::NoAccount => {
                return Err(Error::UserAccountNotFound {
                    phone: subject.phone.masked(),
                    reference: reference(),
                })
            }
            Verdict::ServerError => {
                return Err(Error::ServerError {
                    status: Some(raw.status),
                    reason: reply
                        .message
                        .unwrap_or_else(|| excerpt(raw.body.as_bytes(), 200)),
                    reference: reference(),
                })
            }
            Verdict::Rejected => {
                return Err(Error::Rejected {
                    operation: subject.operation,
                    status: raw.status,
                    code: reply.code,
                    message: reply
                        .message
                        .unwrap_or_else(|| excerpt(raw.body.as_bytes(), 200)),
                    reference: reference(),
                })
            }
        };
        if reply.verdict == Verdict::Unreadable {
            tracing::warn!(
                http_status = raw.status,
                "unreadable {} answer: outcome unknown",
                subject.operation
            );
        }
        let mut outcome = self.unknown(subject);
        outcome.status = status;
        outcome.code = reply.code;
        outcome.message = reply.message;
        outcome.comment = reply.comment;
        outcome.service_ref = if foreign { None } else { reply.service_ref };
        outcome.raw = Some(raw);
        Ok(outcome)
    }

    /// The carrier's name, shared: made once per carrier at build, not per answer.
    fn carrier_name(&self, carrier: &Arc<dyn MobileCarrier>) -> Arc<str> {
        let inner = &self.inner;
        match inner.carriers.iter().position(|c| Arc::ptr_eq(c, carrier)) {
            Some(i) => Arc::clone(&inner.carrier_names[i]),
            None => Arc::from(carrier.name()),
        }
    }

    fn unknown(&self, subject: &Subject<'_>) -> Outcome {
        Outcome {
            operation: subject.operation,
            status: Status::Unknown,
            reference: subject.reference.clone(),
            phone: subject.phone.clone(),
            carrier: self.carrier_name(subject.carrier),
            amount: subject.amount,
            code: None,
            message: None,
            comment: None,
            service_ref: None,
            raw: None,
            status_checks: 0,
        }
    }

    async fn check_once(
        &self,
        subject: &Subject<'_>,
        call: &LookupCall,
        timeout: Option<std::time::Duration>,
    ) -> Result<Outcome, Error> {
        let wire = subject.carrier.status(call)?;
        match self.send(subject, wire, timeout).await? {
            Sent::Answered(reply, raw) => self.decide(subject, reply, raw),
            Sent::Uncertain => Ok(self.unknown(subject)),
        }
    }

    /// Checks the status of `last`'s transaction until a terminal answer or the end of the
    /// carrier's window. Transient trouble (timeouts, 5xx, unreadable answers) does not end
    /// the wait; refusals (credentials, client id) do, as `refusal` says.
    // Not an `async fn` on purpose: see the comment in the body.
    #[allow(clippy::manual_async_fn)]
    fn poll<'a>(
        &'a self,
        carrier: &'a Arc<dyn MobileCarrier>,
        mut last: Outcome,
        refusal: Refusal,
    ) -> impl std::future::Future<Output = Result<Outcome, Error>> + Send + 'a {
        // Not an `async fn`, whose arguments are stored twice in its future (as arguments,
        // then moved into its body): `last` is a few hundred bytes that every waiting payment
        // keeps (benchmark 3).
        async move {
            let policy = carrier.polling().unwrap_or_default();
            let deadline = Instant::now() + policy.window();
            let transport_times_out = self.inner.transport.honours_request_timeout();
            let call = LookupCall {
                reference: last.reference.clone(),
                operator_ref: last.service_ref.clone(),
            };
            let subject = Subject {
                operation: Operation::Status,
                carrier,
                reference: &call.reference,
                phone: &last.phone,
                amount: last.amount,
            };
            let mut checks = 0u32;
            loop {
                if policy.max_checks_limit().is_some_and(|max| checks >= max) {
                    break;
                }
                let next = Instant::now() + policy.step();
                if next > deadline {
                    break;
                }
                if next > Instant::now() {
                    tokio::time::sleep_until(next).await;
                } else if checks > 0 {
                    // Already due again (a sub-microsecond step, for fake servers): skip tokio's
                    // timer, whose 1 ms resolution would add up to a millisecond, but yield once,
                    // so that a transport that never waits (in-process) cannot keep this task
                    // running for a whole window. The first check goes out at once: the payment
                    // request before it was an await point, and a yield there costs a scheduler
                    // wake-up per payment (docs/BENCHMARKS.md, "Profile").
                    yield_once().await;
                }
                checks += 1;
                let time_left = deadline.saturating_duration_since(Instant::now()) + WINDOW_GRACE;
                // Boxed: the request's state lives on the heap only while it is in flight, so
                // that a payment waiting for its next check holds only the waiting state
                // (benchmark 3: memory per pending payment).
                let checked = if transport_times_out {
                    // The transport ends the check by `time_left` itself (`HttpTransport`:
                    // reqwest's own timer, which every request has anyway), so a timer of
                    // ours would be a second one per check (docs/BENCHMARKS.md, round five).
                    Box::pin(self.check_once(&subject, &call, Some(time_left))).await
                } else {
                    let check = Box::pin(self.check_once(&subject, &call, None));
                    tokio::time::timeout(time_left, check)
                    .await
                    .unwrap_or_else(|_| {
                        Err(Error::Transport {
                            operation: Operation::Status,
                            reference: Some(call.reference.clone()),
                            source: TransportError::new(TransportErrorKind::Timeout, Delivery::MaybeSent)
                                .with_reason(format!(
                                    "no answer before the polling window closed ({} s left in the window, plus {} s of grace)",
                                    time_left.saturating_sub(WINDOW_GRACE).as_secs(),
                                    WINDOW_GRACE.as_secs()
                                )),
                        })
                    })
                };
                match checked {
                    Ok(outcome) if outcome.status.is_terminal() => {
                        tracing::info!(status = %outcome.status, checks, "payment {}", outcome.status);
                        return Ok(Outcome {
                            operation: last.operation,
                            amount: last.amount,
                            status_checks: checks,
                            ..outcome
                        });
                    }
                    Ok(outcome) => {
                        tracing::debug!(check = checks, status = %outcome.status, "still waiting");
                        // Once QosIc has said pending, a later "unknown" does not undo it.
                        if outcome.status == Status::Pending || last.status == Status::Unknown {
                            last.status = outcome.status;
                            last.code = outcome.code;
                            last.message = outcome.message;
                            last.comment = outcome.comment;
                            last.raw = outcome.raw;
                            if outcome.service_ref.is_some() {
                                last.service_ref = outcome.service_ref;
                            }
                        }
                    }
                    Err(error @ (Error::Transport { .. } | Error::ServerError { .. })) => {
                        tracing::warn!(check = checks, error = %error, "status check failed; will check again");
                    }
                    Err(error) if refusal == Refusal::IsAnError => return Err(error),
                    Err(error) => {
                        // The payment was accepted (or may have been): a refused status check says
                        // nothing about it, so the outcome stays what it was.
                        tracing::warn!(check = checks, error = %error, "status check refused; the payment stays {}", last.status);
                        last.status_checks = checks;
                        return Ok(last);
                    }
                }
            }
            tracing::info!(status = %last.status, checks, "polling window closed without a terminal answer");
            last.status_checks = checks;
            Ok(last)
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

/// Returns `Pending` once (after waking itself), then `Ready`: a yield point that needs no
/// tokio runtime feature beyond `time`.
async fn yield_once() {
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if yielded {
            std::task::Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    })
    .await;
}

/// A server's text with phone numbers masked.
fn masked(text: String) -> String {
    match mask_numbers(&text) {
        std::borrow::Cow::Borrowed(_) => text,
        std::borrow::Cow::Owned(masked) => masked,
    }
}

/// The answer kept in the outcome; the body moves into it (no copy when it is UTF-8).
fn raw(response: ApiResponse) -> RawResponse {
    let body = match String::from_utf8(response.body) {
        Ok(text) => text,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    };
    RawResponse {
        status: response.status,
        body,
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
