//! The Rust SDK for the [QosIc](https://www.qosic.com) mobile-money API (Benin and Togo:
//! MTN MoMo, Moov Money, Celtiis Cash): the one crate an application adds.
//!
//! It takes payments and waits for the customer's approval without ever charging twice,
//! checks, refunds and pays out, and comes with a stateful fake QosIc server for tests.
//! The crates behind it (`qosic-core`, `qosic-http`, `qosic-carriers-bj`, `qosic-mock`) stay
//! available to those who want them; this crate re-exports what an application names.
//!
//! # Install
//!
//! ```toml
//! [dependencies]
//! qosic = "0.1"
//! tokio = { version = "1", features = ["macros", "rt-multi-thread"] }
//!
//! [dev-dependencies]
//! qosic = { version = "0.1", features = ["mock"] }
//! tokio = { version = "1", features = ["macros", "rt-multi-thread", "test-util"] }
//! ```
//!
//! # Set up a client
//!
//! ```
//! use qosic::benin::{Moov, Mtn};
//!
//! let client = qosic::builder()              // the HTTP transport, TLS verified
//!     .login("my-api-login")                 // the API user of the QosIc dashboard
//!     .password("my-api-password")
//!     .carrier(Mtn::new("MY_MTN_CLIENT_ID")?)
//!     .carrier(Moov::new("MY_MOOV_CLIENT_ID")?)
//!     .build()?;                             // base URL https://api.qosic.net unless .base_url(..)
//! # let _ = client;
//! # Ok::<(), qosic::Error>(())
//! ```
//!
//! Or from the environment: `QOSIC_LOGIN`, `QOSIC_PASSWORD`, `QOSIC_BASE_URL` (optional), and
//! a client id per carrier (`QOSIC_MTN_CLIENT_ID`, `QOSIC_MOOV_CLIENT_ID`,
//! `QOSIC_CELTIIS_CLIENT_ID`): every carrier whose variable is set is configured.
//!
//! ```
//! # unsafe { std::env::set_var("QOSIC_LOGIN", "merchant"); std::env::set_var("QOSIC_PASSWORD", "secret"); }
//! # unsafe { std::env::set_var("QOSIC_MTN_CLIENT_ID", "MTN_CLIENT"); }
//! let client = qosic::from_env()?;
//! # assert_eq!(client.carriers().count(), 1);
//! # Ok::<(), qosic::Error>(())
//! ```
//!
//! `Client` is cheap to clone and safe to share across tasks: build one at start-up.
//! `Debug` of the client, the credentials and the requests shows no password and no full phone
//! number.
//!
//! # Take a payment and wait for the customer
//!
//! ```
//! # #[cfg(feature = "mock")]
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> Result<(), qosic::Error> {
//! # let mock = qosic::mock::MockQosic::in_process();
//! # let client = mock.client();
//! use qosic::{PaymentRequest, Status};
//!
//! let request = PaymentRequest::new("+229 01 97 00 01 00", 1000)
//!     .first_name("Ada")
//!     .last_name("Lovelace");
//! let outcome = client.pay(request).await?;
//! match outcome.status() {
//!     Status::Confirmed => println!("paid, reference {}", outcome.reference()),
//!     Status::Failed => println!("declined: {}", outcome.reason().unwrap_or("no reason given")),
//!     // Pending (the window closed first) or unknown (no answer): the customer may still pay.
//!     // Check the same reference later; never pay again under a new one.
//!     _ => println!("not settled yet: check {} later", outcome.reference()),
//! }
//! # Ok(()) }
//! # #[cfg(not(feature = "mock"))] fn main() {}
//! ```
//!
//! MTN and Celtiis answer "pending" and the client checks the status every 10 s for 120 s
//! (change it with `Mtn::with_polling`); MOOV answers once the customer has approved.
//! The carrier is picked by the number's prefix, or named: `.carrier("MOOV")` for a ported
//! number.
//!
//! # Don't block a server while the customer approves
//!
//! ```
//! # #[cfg(feature = "mock")]
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> Result<(), qosic::Error> {
//! # let mock = qosic::mock::MockQosic::in_process();
//! # let client = mock.client();
//! # use qosic::PaymentRequest;
//! let started = client.initiate(PaymentRequest::new("22997000100", 1000)).await?; // returns at once
//! // Store these with the order before answering your caller (or the whole `started.lookup()`
//! // as JSON, with the `serde` feature):
//! let (reference, phone) = (started.reference().to_string(), started.phone().to_string());
//!
//! // Later, in a job, maybe after a restart:
//! let lookup = qosic::Lookup::parse(&reference, &phone)?;
//! let now = client.check_status(lookup.clone()).await?; // one status check
//! let done = client.wait(lookup).await?;                // or wait under the polling policy
//! # assert!(done.success()); let _ = now;
//! # Ok(()) }
//! # #[cfg(not(feature = "mock"))] fn main() {}
//! ```
//!
//! # Refund and pay out
//!
//! ```
//! # #[cfg(feature = "mock")]
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> Result<(), qosic::Error> {
//! # let mock = qosic::mock::MockQosic::in_process();
//! # let client = mock.client();
//! # use qosic::{DepositRequest, PaymentRequest};
//! # let outcome = client.pay(PaymentRequest::new("22997000100", 1000)).await?;
//! let refund = client.refund(outcome.lookup()).await?; // MTN; MOOV has none (Error::Unsupported, before any I/O)
//! let payout = client.deposit(DepositRequest::new("22997000100", 5000)).await?; // MTN and MOOV
//! # assert!(refund.success() && payout.success());
//! # Ok(()) }
//! # #[cfg(not(feature = "mock"))] fn main() {}
//! ```
//!
//! # Errors
//!
//! One [`Error`], with the Python SDK's six errors kept by name (`ServerError`,
//! `UserAccountNotFound`, `ProviderNotFound`, `InvalidPhoneNumber`, `InvalidClientId`,
//! `InvalidCredentials`), plus `InvalidArgument`, `Unsupported`, `Rejected`, `Transport`,
//! `Setup` and `Config`. Its message says why, in plain words, with the fix where there is
//! one; [`Error::delivery`] says whether the request was not sent, may have been sent, or was
//! answered, and [`Error::reference`] gives the reference of every call that may have reached
//! QosIc. After an error that may have been sent (a lost answer, a timeout, or a server error:
//! a 5xx does not say whether QosIc acted first), check the status of that reference before
//! anything else, and never pay again under a new one. Errors of the HTTP transport convert
//! into it, so `?` works everywhere.
//!
//! ```
//! # #[cfg(feature = "mock")]
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> Result<(), qosic::Error> {
//! # let mock = qosic::mock::MockQosic::in_process();
//! # let client = mock.client();
//! # use qosic::PaymentRequest;
//! let err = client.pay(PaymentRequest::new("22997000100", 0)).await.unwrap_err();
//! assert_eq!(err.to_string(), "invalid amount: expected a positive whole number of XOF (e.g. 1000)");
//! assert_eq!(err.delivery(), qosic::Delivery::NotSent); // refused before any I/O
//! # Ok(()) }
//! # #[cfg(not(feature = "mock"))] fn main() {}
//! ```
//!
//! # Testing against the fake server
//!
//! With the `mock` feature (in `[dev-dependencies]`), [`mock::MockQosic`] is a stateful fake
//! QosIc: subscribers who approve, decline or never answer, faults, a journal and a money
//! ledger. `mock.client()` is a client wired to it (its credentials and client ids, a fast
//! polling policy, the in-process transport). In a `#[tokio::test(start_paused = true)]`
//! test, a two-minute polling window takes milliseconds:
//!
//! ```
//! # #[cfg(feature = "mock")]
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> Result<(), qosic::Error> {
//! use qosic::mock::{MockQosic, Subscriber};
//! use qosic::{PaymentRequest, Status};
//!
//! let mock = MockQosic::in_process();
//! mock.subscriber("22997000100", Subscriber::approves_after_checks(3));
//! let outcome = mock.client().pay(PaymentRequest::new("22997000100", 1000)).await?;
//! assert_eq!(outcome.status(), Status::Confirmed);
//! mock.assert_debited_once(outcome.reference());
//! assert_eq!(mock.ledger().collected, 1000);
//! # Ok(()) }
//! # #[cfg(not(feature = "mock"))] fn main() {}
//! ```
//!
//! Numbers behave by their last two digits with no set-up: `90` declines, `91` insufficient
//! funds, `92` no mobile-money account, `93` never answers, `94` server error; any other
//! number approves at the first status check. To test over real HTTP, start the server with
//! `MockQosic::start().await` and give the client an HTTP transport with `.transport(..)` and
//! `.base_url(mock.uri())`; tokio's clock must then run for real (an HTTP client's timeouts
//! fire at once on a paused clock), so use a short polling policy instead.
//!
//! # Blocking
//!
//! With the `blocking` feature, `qosic::blocking::Client` offers the same operations to
//! synchronous programs, on a runtime thread of its own:
//!
//! ```
//! # #[cfg(all(feature = "blocking", feature = "mock"))]
//! fn main() -> Result<(), qosic::Error> {
//!     // In production: let client = qosic::blocking::Client::from_env()?;
//!     let mock = qosic::mock::MockQosic::in_process();
//!     let client = qosic::blocking::Client::new(mock.client())?;
//!
//!     let outcome = client.pay(qosic::PaymentRequest::new("22997000100", 1000))?;
//!     println!("{}: {}", outcome.reference(), outcome.status());
//!     Ok(())
//! }
//! # #[cfg(not(all(feature = "blocking", feature = "mock")))] fn main() {}
//! ```
//!
//! # Optional features
//!
//! - `http` (default): the HTTP transport, [`http::HttpTransport`], used by [`builder`] and
//!   [`from_env`].
//! - `rustls` (default): TLS with rustls (ring) and the system's certificate store.
//! - `native-tls`: TLS with the platform's library instead (turn default features off).
//! - `benin` (default): the Benin carriers, [`benin::Mtn`], [`benin::Moov`], [`benin::Celtiis`].
//! - `blocking`: [`blocking::Client`].
//! - `serde`: `Serialize` and `Deserialize` for [`Lookup`].
//! - `mock`: the fake server, [`mock`], for tests.
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]
#![warn(clippy::print_stdout, clippy::print_stderr)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub use qosic_core::{
    Amount, Client, ClientBuilder, ClientId, Country, Credentials, Delivery, DepositRequest, Error,
    Lookup, Msisdn, Name, Operation, Outcome, PaymentRequest, PollingPolicy, RawResponse, Secret,
    Status, TransactionRef, DEFAULT_BASE_URL, WINDOW_GRACE,
};

/// For carrier authors: the [`MobileCarrier`](carrier::MobileCarrier) trait and what it
/// builds and reads.
pub mod carrier {
    pub use qosic_core::wire;
    pub use qosic_core::{
        LookupCall, MobileCarrier, MoneyCall, References, Reply, Verdict, WireRequest,
    };
}

/// The I/O seam: the [`Transport`](transport::Transport) trait, and the HTTP transport with
/// the `http` feature.
pub mod transport {
    pub use qosic_core::{ApiRequest, ApiResponse, Transport, TransportError, TransportErrorKind};
    #[cfg(feature = "http")]
    #[cfg_attr(docsrs, doc(cfg(feature = "http")))]
    pub use qosic_http::{HttpTransport, HttpTransportBuilder};
}

#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
#[doc(inline)]
pub use qosic_http as http;

#[cfg(feature = "benin")]
#[cfg_attr(docsrs, doc(cfg(feature = "benin")))]
#[doc(inline)]
pub use qosic_carriers_bj as benin;

#[cfg(feature = "mock")]
#[cfg_attr(docsrs, doc(cfg(feature = "mock")))]
#[doc(inline)]
pub use qosic_mock as mock;

#[cfg(feature = "blocking")]
#[cfg_attr(docsrs, doc(cfg(feature = "blocking")))]
pub mod blocking;

/// A [`ClientBuilder`] whose transport, unless one is given, is the HTTP transport with its
/// defaults (TLS verified, 80 s timeout).
///
/// ```
/// let client = qosic::builder()
///     .login("merchant")
///     .password("secret")
///     .carrier(qosic::benin::Mtn::new("MTN_CLIENT")?)
///     .build()?;
/// # let _ = client;
/// # Ok::<(), qosic::Error>(())
/// ```
#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub fn builder() -> ClientBuilder {
    with_http(Client::builder())
}

#[cfg(feature = "http")]
fn with_http(builder: ClientBuilder) -> ClientBuilder {
    builder.default_transport(|| {
        let transport =
            qosic_http::HttpTransport::new().map_err(|e| Error::setup("the HTTP transport", e))?;
        Ok(std::sync::Arc::new(transport) as std::sync::Arc<dyn transport::Transport>)
    })
}

/// A ready client from the environment, like `aws_config::load_from_env`.
///
/// Reads `QOSIC_LOGIN` and `QOSIC_PASSWORD` (required), `QOSIC_BASE_URL` (optional, default
/// [`DEFAULT_BASE_URL`]), and configures every carrier whose client id is set:
/// `QOSIC_MTN_CLIENT_ID`, `QOSIC_MOOV_CLIENT_ID`, `QOSIC_CELTIIS_CLIENT_ID`. The transport is
/// the HTTP one. An error names the missing variable.
#[cfg(all(feature = "http", feature = "benin"))]
#[cfg_attr(docsrs, doc(cfg(all(feature = "http", feature = "benin"))))]
pub fn from_env() -> Result<Client, Error> {
    let builder = with_http(ClientBuilder::from_env());
    match qosic_carriers_bj::from_env() {
        Ok(carriers) => builder.carriers(carriers).build(),
        // A missing login or password is reported before a missing client id.
        Err(no_carrier) => Err(match builder.build() {
            Err(error @ Error::Config { field, .. }) if field != "carriers" => error,
            _ => no_carrier,
        }),
    }
}
