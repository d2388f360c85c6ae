//! The Rust SDK for the [QosIc](https://www.qosic.com) mobile-money API (Benin and Togo:
//! MTN MoMo, Moov Money, Celtiis Cash, T-Money, Flooz): the one crate an application adds.
//!
//! It takes payments and waits for the customer's approval without ever charging twice,
//! checks, refunds and pays out, and comes with a stateful fake QosIc server for tests.
//! The crates behind it (`qosic-core`, `qosic-http`, `qosic-carriers`, `qosic-mock`) stay
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
//! ```rust
//! // src/main.rs
//! use qosic::benin::{Moov, Mtn};
//!
//! fn main() -> Result<(), qosic::Error> {
//!     let client = qosic::builder()              // the HTTP transport, TLS verified
//!         .login("my-api-login")                 // the API user of the QosIc dashboard
//!         .password("my-api-password")
//!         .carrier(Mtn::new("MY_MTN_CLIENT_ID")?)
//!         .carrier(Moov::new("MY_MOOV_CLIENT_ID")?)
//!         .build()?;                             // base URL https://api.qosic.net unless .base_url(..)
//!     println!("{client:?}");                    // no password, no full phone number
//!     Ok(())
//! }
//! ```
//!
//! Or from the environment: `QOSIC_LOGIN`, `QOSIC_PASSWORD`, `QOSIC_BASE_URL` (optional), and
//! a client id per carrier (`QOSIC_MTN_CLIENT_ID`, `QOSIC_MOOV_CLIENT_ID`,
//! `QOSIC_CELTIIS_CLIENT_ID`, `QOSIC_TMONEY_CLIENT_ID`, `QOSIC_FLOOZ_CLIENT_ID`): every
//! carrier whose variable is set is configured.
//!
//! ```rust,no_run
//! // src/main.rs
//! fn main() -> Result<(), qosic::Error> {
//!     let client = qosic::from_env()?; // an error names the missing variable
//!     println!("{} carriers configured", client.carriers().count());
//!     Ok(())
//! }
//! ```
//!
//! `Client` is cheap to clone and safe to share across tasks: build one at start-up.
//! `Debug` of the client, the credentials and the requests shows no password and no full phone
//! number.
//!
//! # Take a payment and wait for the customer
//!
//! ```rust,no_run
//! // src/main.rs
//! use qosic::{PaymentRequest, Status};
//!
//! #[tokio::main]
//! async fn main() -> Result<(), qosic::Error> {
//!     let client = qosic::from_env()?;
//!     let request = PaymentRequest::new("+229 01 97 00 01 00", 1000)
//!         .first_name("Ada")
//!         .last_name("Lovelace");
//!     let outcome = client.pay(request).await?;
//!     match outcome.status() {
//!         Status::Confirmed => println!("paid, reference {}", outcome.reference()),
//!         Status::Failed => println!("declined: {}", outcome.reason().unwrap_or("no reason given")),
//!         // Pending (the window closed first) or unknown (no answer): the customer may still pay.
//!         // Check the same reference later; never pay again under a new one.
//!         _ => println!("not settled yet: check {} later", outcome.reference()),
//!     }
//!     Ok(())
//! }
//! ```
//!
//! MTN and Celtiis answer "pending" and the client checks the status every 10 s for 120 s
//! (change it with `Mtn::with_polling`); MOOV answers once the customer has approved.
//! The carrier is picked by the number's prefix, or named: `.carrier("MOOV")` for a ported
//! number.
//!
//! # Don't block a server while the customer approves
//!
//! ```rust,no_run
//! // src/main.rs
//! use qosic::{Client, Lookup, PaymentRequest, Status};
//!
//! /// At checkout: returns at once, with what to store with the order before answering your
//! /// caller (or the whole `started.lookup()` as JSON, with the `serde` feature).
//! async fn start_payment(client: &Client) -> Result<(String, String), qosic::Error> {
//!     let started = client.initiate(PaymentRequest::new("22997000100", 1000)).await?;
//!     Ok((started.reference().to_string(), started.phone().to_string()))
//! }
//!
//! /// Later, in a job, maybe after a restart.
//! async fn follow_up(client: &Client, reference: &str, phone: &str) -> Result<Status, qosic::Error> {
//!     let lookup = Lookup::parse(reference, phone)?;
//!     let now = client.check_status(lookup.clone()).await?; // one status check
//!     if now.status().is_terminal() {
//!         return Ok(now.status());
//!     }
//!     let done = client.wait(lookup).await?; // or wait under the polling policy
//!     Ok(done.status())
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), qosic::Error> {
//!     let client = qosic::from_env()?;
//!     let (reference, phone) = start_payment(&client).await?;
//!     println!("{reference}: {}", follow_up(&client, &reference, &phone).await?);
//!     Ok(())
//! }
//! ```
//!
//! # Refund and pay out
//!
//! ```rust,no_run
//! // src/main.rs
//! use qosic::{DepositRequest, Lookup};
//!
//! #[tokio::main]
//! async fn main() -> Result<(), qosic::Error> {
//!     let client = qosic::from_env()?;
//!     let paid = Lookup::parse("ORDER-1234", "22997000100")?; // a payment you stored (or outcome.lookup())
//!     let refund = client.refund(paid).await?; // MTN; MOOV has none (Error::Unsupported, before any I/O)
//!     let payout = client.deposit(DepositRequest::new("22997000100", 5000)).await?; // MTN and MOOV
//!     println!("refund {}, payout {}", refund.status(), payout.status());
//!     Ok(())
//! }
//! ```
//!
//! # Who holds a number
//!
//! Before the first deposit to a number you have never paid, check who holds it: `client.account_holder(phone)` returns the holder's names and account status, or `AccountHolder::NotFound` when the number has no mobile-money account (an answer, not an error).
//! `deposit` stays one call; the check is yours to make, and costs one request.
//! Names are personal data: `Debug` and `Display` mask them (`J*** D***`), like numbers.
//!
//! ```rust,no_run
//! // src/main.rs
//! use qosic::{AccountHolder, DepositRequest};
//!
//! #[tokio::main]
//! async fn main() -> Result<(), qosic::Error> {
//!     let client = qosic::from_env()?;
//!     // Before the first payout to a number: who holds it? (MTN and MOOV; one request, no money moved)
//!     match client.account_holder("22997000100").await? {
//!         AccountHolder::Found(holder) if holder.status().is_active() => {
//!             // Compare with the name your customer gave; log only holder.masked_name().
//!             if holder.last_name().eq_ignore_ascii_case("Dossou") {
//!                 client.deposit(DepositRequest::new("22997000100", 5000)).await?;
//!             }
//!         }
//!         AccountHolder::Found(holder) => println!("account {}: not paying out", holder.status()),
//!         _ => println!("no mobile-money account: not paying out"),
//!     }
//!     Ok(())
//! }
//! ```
//!
//! # Balance
//!
//! `client.balance(carrier)` asks QosIc for the amount available to withdraw on the merchant's account with that carrier (`getavailableamountowithdraw`, with its client id).
//!
//! ```rust,no_run
//! // src/main.rs
//! #[tokio::main]
//! async fn main() -> Result<(), qosic::Error> {
//!     let client = qosic::from_env()?;
//!     let balance = client.balance("MTN").await?; // with MTN's client id; Celtiis, Togo: Error::Unsupported
//!     println!("{} XOF available to withdraw on {}", balance.xof(), balance.carrier());
//!     Ok(())
//! }
//! ```
//!
//! # Card payments
//!
//! Card payments go through QosIc's hosted card page ("b-card"): `client.card_checkout` posts `initTransaction` with the merchant's card key (`qosKey`: `ClientBuilder::card_key`, or `QOSIC_CARD_KEY`; host `QOSIC_CARD_BASE_URL`, default `https://b-card.qosic.net`) and returns the page to send the customer to; `client.card_status` reads the status, in either shape QosIc answers (its docs' and its WordPress plugin's, `PENDIND` included). The key never appears in logs or `Debug`.
//!
//! ```rust,no_run
//! // src/main.rs
//! use qosic::{CardCheckout, Status};
//!
//! #[tokio::main]
//! async fn main() -> Result<(), qosic::Error> {
//!     // Needs the card key: .card_key("…") on the builder, or QOSIC_CARD_KEY with qosic::from_env().
//!     let client = qosic::from_env()?;
//!     let session = client
//!         .card_checkout(
//!             CardCheckout::new(5000, "https://shop.example/orders/42")
//!                 .description("Order 42")
//!                 .customer_email("ada@example.com"),
//!         )
//!         .await?;
//!     // Redirect the customer to session.url(); store session.reference() with the order.
//!     // When they come back (and from a job, for those who never do), ask QosIc:
//!     let payment = client.card_status(session.reference().as_str()).await?;
//!     if payment.status() == Status::Confirmed { /* mark the order paid (once) */ }
//!     Ok(())
//! }
//! ```
//!
//! # Callbacks
//!
//! QosIc posts a callback to the URL set in its dashboard when a transaction ends. The
//! callback is not signed: anyone who finds the URL can post one that says an unpaid order
//! was paid. So never settle an order on the callback alone: [`Client::verify_callback`]
//! checks that the callback is about the order you stored (same reference, same amount,
//! since QosIc's status carries no amount), then asks QosIc for the status of that
//! reference, and settles only when QosIc's answer backs the callback. It changes nothing,
//! so a callback that comes twice is verified twice, harmlessly. QosIc does not retry
//! callbacks either: keep the job that checks pending orders.
//!
//! ```rust
//! // src/callbacks.rs (a module of your application)
//! use std::collections::HashMap;
//!
//! use qosic::{Callback, Client, Lookup};
//!
//! /// An order as you stored it when the payment started.
//! pub struct Order {
//!     pub reference: String,
//!     pub phone: String,
//!     pub amount: u64,
//! }
//!
//! /// Whether the callback in `body` (the raw request body) says, backed by QosIc, that its
//! /// order is paid.
//! pub async fn paid_by_callback(
//!     client: &Client,
//!     orders: &HashMap<String, Order>,
//!     body: &[u8],
//! ) -> Result<bool, Box<dyn std::error::Error>> {
//!     let callback = Callback::parse(body)?;
//!     let order = orders.get(callback.reference()).ok_or("no such order")?; // what you stored
//!     let lookup = Lookup::parse(&order.reference, &order.phone)?;
//!     let outcome = client.verify_callback(&callback, lookup, order.amount).await?; // one status check
//!     Ok(outcome.success()) // mark the order paid (once) only then: QosIc itself says so
//! }
//! ```
//!
//! [`Callback::parse`] reads the raw body, whatever the web framework, as leniently as the
//! answers (numbers or strings, missing fields, unknown statuses), and refuses what is not a
//! QosIc callback. An error of [`Client::verify_callback`] says whether the callback was
//! refused ([`CallbackError::is_refused`]: not this order's, another amount, or a status that
//! does not back it) or could not be checked yet. In an [axum](https://docs.rs/axum) handler:
//!
//! ```
//! # #[cfg(feature = "mock")]
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # use std::collections::HashMap;
//! # use std::sync::{Arc, Mutex};
//! # #[derive(Clone)] struct Order { reference: String, phone: String, amount: u64, paid: bool }
//! # impl Order { fn lookup(&self) -> qosic::Lookup { qosic::Lookup::parse(&self.reference, &self.phone).unwrap() } }
//! # #[derive(Clone, Default)] struct Orders(Arc<Mutex<HashMap<String, Order>>>);
//! # impl Orders {
//! #     fn find(&self, reference: &str) -> Option<Order> { self.0.lock().unwrap().get(reference).cloned() }
//! #     fn settle(&self, order: &Order, status: qosic::Status) {
//! #         if let Some(o) = self.0.lock().unwrap().get_mut(&order.reference) { o.paid = status == qosic::Status::Confirmed; }
//! #     }
//! # }
//! use axum::{body::Bytes, extract::State, http::StatusCode, routing::post, Router};
//! use qosic::{Callback, Client};
//!
//! #[derive(Clone)]
//! struct App {
//!     client: Client,
//!     orders: Orders, // your store of orders, by reference
//! }
//!
//! async fn qosic_callback(State(app): State<App>, body: Bytes) -> StatusCode {
//!     let Ok(callback) = Callback::parse(&body) else {
//!         return StatusCode::BAD_REQUEST; // not a QosIc callback
//!     };
//!     let Some(order) = app.orders.find(callback.reference()) else {
//!         return StatusCode::NOT_FOUND; // none of our references
//!     };
//!     match app.client.verify_callback(&callback, order.lookup(), order.amount).await {
//!         Ok(outcome) => {
//!             app.orders.settle(&order, outcome.status()); // idempotent: duplicates are harmless
//!             StatusCode::OK
//!         }
//!         // Forged, another order's or another amount: the order does not change.
//!         Err(refused) if refused.is_refused() => StatusCode::BAD_REQUEST,
//!         // The status check failed: verify again later, or let the status job settle it.
//!         Err(_) => StatusCode::SERVICE_UNAVAILABLE,
//!     }
//! }
//!
//! # let mock = qosic::mock::MockQosic::in_process();
//! # let client = mock.client();
//! # let orders = Orders::default();
//! let app: Router = Router::new()
//!     .route("/qosic/callback", post(qosic_callback))
//!     .with_state(App { client, orders }); // then axum::serve(listener, app)
//! # let _ = app;
//! # let state = App { client: mock.client(), orders: Orders::default() };
//! # let mut sink = mock.callback_sink();
//! # mock.subscriber("22997000100", qosic::mock::Subscriber::approves_after(std::time::Duration::from_secs(30)));
//! # for (phone, amount) in [("22997000100", 1000), ("22997000193", 2000)] {
//! #     let started = state.client.initiate(qosic::PaymentRequest::new(phone, amount)).await?;
//! #     let reference = started.reference().to_string();
//! #     state.orders.0.lock().unwrap().insert(reference.clone(), Order { reference, phone: phone.into(), amount, paid: false });
//! # }
//! # let genuine = sink.next().await.ok_or("no callback")?;
//! # assert_eq!(qosic_callback(State(state.clone()), Bytes::from(genuine.body.clone())).await, StatusCode::OK);
//! # assert_eq!(qosic_callback(State(state.clone()), Bytes::from(genuine.body.clone())).await, StatusCode::OK);
//! # assert!(state.orders.find(&genuine.reference).unwrap().paid);
//! # let pending = state.orders.0.lock().unwrap().values().find(|o| o.amount == 2000).unwrap().reference.clone();
//! # mock.forge_callback(&pending, None);
//! # let forged = sink.next().await.ok_or("no callback")?;
//! # assert_eq!(qosic_callback(State(state.clone()), Bytes::from(forged.body)).await, StatusCode::BAD_REQUEST);
//! # assert!(!state.orders.find(&pending).unwrap().paid);
//! # assert_eq!(qosic_callback(State(state.clone()), Bytes::from_static(b"<html>")).await, StatusCode::BAD_REQUEST);
//! # mock.forge_callback("NOT-OURS", Some(5));
//! # let stranger = sink.next().await.ok_or("no callback")?;
//! # assert_eq!(qosic_callback(State(state.clone()), Bytes::from(stranger.body)).await, StatusCode::NOT_FOUND);
//! # Ok(()) }
//! # #[cfg(not(feature = "mock"))] fn main() {}
//! ```
//!
//! To test a handler, `qosic::mock::MockQosic` calls back like QosIc, to a URL
//! (`.callback_url(..)` of its builder) or to a sink a test awaits on the paused clock
//! (`mock.callback_sink()`), with dropped, delayed, duplicated, out-of-order and forged
//! callbacks on demand (`qosic::mock::CallbackFault`).
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
//! ```rust
//! // src/main.rs
//! use qosic::benin::Mtn;
//! use qosic::{Delivery, PaymentRequest};
//!
//! #[tokio::main]
//! async fn main() -> Result<(), qosic::Error> {
//!     let client = qosic::builder()
//!         .login("my-api-login")
//!         .password("my-api-password")
//!         .carrier(Mtn::new("MY_MTN_CLIENT_ID")?)
//!         .build()?;
//!     let err = client.pay(PaymentRequest::new("22997000100", 0)).await.unwrap_err();
//!     assert_eq!(err.to_string(), "invalid amount: expected a positive whole number of XOF (e.g. 1000)");
//!     assert_eq!(err.delivery(), Delivery::NotSent); // refused before any I/O
//!     Ok(())
//! }
//! ```
//!
//! # Testing against the fake server
//!
//! With the `mock` feature (in `[dev-dependencies]`), `qosic::mock::MockQosic` is a stateful fake
//! QosIc: subscribers who approve, decline or never answer, faults, a journal and a money
//! ledger. `mock.client()` is a client wired to it (its credentials and client ids, a fast
//! polling policy, the in-process transport). In a `#[tokio::test(start_paused = true)]`
//! test, a two-minute polling window takes milliseconds:
//!
//! ```rust
//! // tests/payments.rs (qosic's `mock` feature and tokio's `test-util` in [dev-dependencies])
//! use qosic::mock::{MockQosic, Subscriber};
//! use qosic::{PaymentRequest, Status};
//!
//! #[tokio::test(start_paused = true)]
//! async fn an_approved_payment_is_debited_once() -> Result<(), qosic::Error> {
//!     let mock = MockQosic::in_process();
//!     mock.subscriber("22997000100", Subscriber::approves_after_checks(3));
//!     let outcome = mock.client().pay(PaymentRequest::new("22997000100", 1000)).await?;
//!     assert_eq!(outcome.status(), Status::Confirmed);
//!     mock.assert_debited_once(outcome.reference());
//!     assert_eq!(mock.ledger().collected, 1000);
//!     Ok(())
//! }
//! ```
//!
//! Numbers behave by their last two digits with no set-up: `90` declines, `91` insufficient
//! funds, `92` no mobile-money account, `93` never answers, `94` server error; any other
//! number approves at the first status check. To test over real HTTP, start the server with
//! `MockQosic::start().await` and give the client an HTTP transport with `.transport(..)` and
//! `.base_url(mock.uri())`; tokio's clock must then run for real (an HTTP client's timeouts
//! fire at once on a paused clock), so use a short polling policy instead.
//!
//! For answers the fake server never gives (a lost answer, an odd body), script them with
//! the transport fakes of the `test-util` feature (part of `mock`), `qosic::test_util`; they record
//! every request:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> Result<(), qosic::Error> {
//! use qosic::test_util::ReplayTransport;
//! use qosic::{Client, PaymentRequest, Status};
//!
//! // The payment is accepted, the answer to the first status check is lost, the second confirms.
//! let transport = ReplayTransport::new()
//!     .answer(202, r#"{"responsecode":"01","responsemsg":"PENDING"}"#)
//!     .lose_answer()
//!     .answer(200, r#"{"responsecode":"00","responsemsg":"SUCCESSFUL"}"#);
//! let client = Client::builder()
//!     .login("merchant")
//!     .password("secret")
//!     .carrier(qosic::benin::Mtn::new("MTN_CLIENT")?)
//!     .transport(transport.clone())
//!     .build()?;
//! let outcome = client.pay(PaymentRequest::new("22997000100", 1000)).await?;
//! assert_eq!(outcome.status(), Status::Confirmed);
//! assert_eq!(transport.requests().len(), 3); // one payment request, two status checks
//! transport.assert_used_up();
//! # Ok(()) }
//! ```
//!
//! # Blocking
//!
//! With the `blocking` feature, `qosic::blocking::Client` offers the same operations to
//! synchronous programs, on a runtime thread of its own:
//!
//! ```rust,no_run
//! // src/main.rs, with qosic's `blocking` feature
//! use qosic::PaymentRequest;
//!
//! fn main() -> Result<(), qosic::Error> {
//!     let client = qosic::blocking::Client::from_env()?; // or blocking::Client::new(async_client)
//!     let outcome = client.pay(PaymentRequest::new("22997000100", 1000))?;
//!     println!("{}: {}", outcome.reference(), outcome.status());
//!     Ok(())
//! }
//! ```
//!
//! # Optional features
//!
//! Read from this crate's `Cargo.toml`, where each is documented once. The countries are a
//! feature each (`benin`, `togo`), re-exported from `qosic-carriers` as modules of the same
//! names.
#![cfg_attr(feature = "document-features", doc = document_features::document_features!())]
#![cfg_attr(
    not(feature = "document-features"),
    doc = "The list is rendered when the docs are built with the `document-features` feature, as on \
           docs.rs: `cargo doc -p qosic --features document-features`. Without it, see the \
           `[features]` table of this crate's `Cargo.toml`."
)]
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]
#![warn(clippy::print_stdout, clippy::print_stderr)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub use qosic_core::{
    Amount, Carrier, Client, ClientBuilder, ClientId, Country, Credentials, Delivery,
    DepositRequest, Error, Lookup, Msisdn, Name, Operation, Outcome, PaymentRequest, PollingPolicy,
    RawResponse, Secret, Status, TransactionRef, DEFAULT_BASE_URL, WINDOW_GRACE,
};
// Who holds a number, the balance, and card payments (see the guide's sections of the same names).
pub use qosic_core::{
    AccountHolder, AccountStatus, Balance, CardCheckout, CardPayment, CardSession, Holder,
    DEFAULT_CARD_BASE_URL,
};
// QosIc's callbacks, settled only by a status check (see the guide's "Callbacks").
pub use qosic_core::{Callback, CallbackError, CallbackStatus};

/// For carrier authors: the [`MobileCarrier`](carrier::MobileCarrier) trait, what it builds
/// and reads, and the QosIc machinery every carrier shares
/// ([`CarrierSpec`](carrier::CarrierSpec), [`QosicCarrier`](carrier::QosicCarrier),
/// [`read_answer`](carrier::read_answer), [`thin_carrier!`](carrier::thin_carrier)).
pub mod carrier {
    pub use qosic_core::carrier::{
        from_env, read_answer, AnswerCode, CarrierSpec, Flow, PhoneFormat, QosicCarrier,
        StatusRequest,
    };
    pub use qosic_core::thin_carrier;
    pub use qosic_core::wire;
    pub use qosic_core::{
        Carrier, LookupCall, MobileCarrier, MoneyCall, References, Reply, Verdict, WireRequest,
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

// The countries, a module and a feature each: `benin`, `togo` (from `qosic-carriers`).
// Empty in a build without any country feature. A glob, so that a new country needs no line
// here; each named below as well, because rustdoc does not carry another crate's `doc(cfg)`
// through a re-export: without them docs.rs shows no feature label on `benin` and `togo`.
#[allow(unused_imports, unreachable_pub)]
#[doc(inline)]
pub use qosic_carriers::countries::*;

#[cfg(feature = "benin")]
#[cfg_attr(docsrs, doc(cfg(feature = "benin")))]
#[doc(inline)]
pub use qosic_carriers::countries::benin;

#[cfg(feature = "togo")]
#[cfg_attr(docsrs, doc(cfg(feature = "togo")))]
#[doc(inline)]
pub use qosic_carriers::countries::togo;

/// The fake QosIc server (`qosic-mock`) and its test helpers, for `[dev-dependencies]`:
/// [`MockQosic`](mock::MockQosic) with its in-process client (`mock.client()`), and, with the
/// `http` feature, its client over real HTTP ([`MockQosicHttp`](mock::MockQosicHttp):
/// `mock.http_client()`).
#[cfg(feature = "mock")]
#[cfg_attr(docsrs, doc(cfg(feature = "mock")))]
pub mod mock {
    #[doc(inline)]
    pub use qosic_mock::*;

    #[cfg(feature = "http")]
    #[cfg_attr(docsrs, doc(cfg(feature = "http")))]
    pub use crate::mock_http::{MockQosicHttp, HTTP_TEST_POLLING_WINDOW};
}

#[cfg(all(feature = "mock", feature = "http"))]
mod mock_http;

#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
#[doc(inline)]
pub use qosic_core::test_util;

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

/// The carriers of the countries this crate was built with (its country features, such as
/// `benin` and `togo`), as the SDK describes them: [`from_env`] configures those whose client
/// id is set.
///
/// ```
/// let specs = qosic::carrier_specs();
/// # #[cfg(feature = "benin")]
/// assert!(specs.iter().any(|s| s.name() == "MTN" && s.client_id_var() == "QOSIC_MTN_CLIENT_ID"));
/// ```
pub fn carrier_specs() -> Vec<&'static carrier::CarrierSpec> {
    qosic_carriers::specs().collect()
}

/// A ready client from the environment, like `aws_config::load_from_env`.
///
/// Reads `QOSIC_LOGIN` and `QOSIC_PASSWORD` (required), `QOSIC_BASE_URL` (optional, default
/// [`DEFAULT_BASE_URL`]), `QOSIC_CARD_KEY` and `QOSIC_CARD_BASE_URL` (optional: card
/// payments, default [`DEFAULT_CARD_BASE_URL`]), and configures every carrier of [`carrier_specs`] whose client id
/// is set (`QOSIC_<CARRIER>_CLIENT_ID`: `QOSIC_MTN_CLIENT_ID`, `QOSIC_TMONEY_CLIENT_ID`…, each
/// spec's [`client_id_var`](carrier::CarrierSpec::client_id_var)). The transport is the HTTP
/// one. An error names the missing variable.
#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub fn from_env() -> Result<Client, Error> {
    let builder = with_http(ClientBuilder::from_env());
    match carrier::from_env(&carrier_specs()) {
        Ok(carriers) => builder.carriers(carriers).build(),
        // A missing login or password is reported before a missing client id.
        Err(no_carrier) => Err(match builder.build() {
            Err(error @ Error::Config { field, .. }) if field != "carriers" => error,
            _ => no_carrier,
        }),
    }
}
