//! Domain types, errors and the [`Client`] of the QosIc mobile-money SDK.
//!
//! QosIc (QOS-IC, "QosicBridge") collects and pays out mobile money in Benin (MTN MoMo, Moov
//! Money, Celtiis Cash) and Togo (T-Money, Flooz). This crate holds what every part of the SDK
//! shares:
//!
//! - validated values: [`Msisdn`] (Benin's 8- and 10-digit plans, Togo), [`Amount`] (whole
//!   XOF), [`TransactionRef`], [`ClientId`], [`Secret`] and [`Credentials`];
//! - the [`Transport`] trait (the one place where I/O happens): `qosic_http::HttpTransport`
//!   implements it on a `reqwest::Client` (rustls with ring, or native-tls), `qosic-mock`
//!   in-process; this crate itself has no HTTP library and does no I/O;
//! - the [`MobileCarrier`] trait (pure: builds requests and reads answers), and the machinery
//!   every QosIc carrier shares, in [`carrier`]: a [`Carrier`] identity, a carrier described
//!   as data ([`carrier::CarrierSpec`]) and made to work ([`carrier::QosicCarrier`]);
//!   `qosic-carriers-bj` (MTN, MOOV, Celtiis) and `qosic-carriers-tg` (T-Money, Flooz) declare
//!   their carriers with it;
//! - the [`Client`], which runs every operation the same way for every carrier and keeps the
//!   SDK's promises (see the [`client`] module);
//! - [`Outcome`] and [`Error`];
//! - [`server_text`]: a server's text made safe to show (control characters escaped, invalid
//!   UTF-8 replaced, length bounded) before it reaches an outcome, an error or a log line;
//! - [`Callback`], QosIc's callbacks, settled only by a status check
//!   ([`Client::verify_callback`]).
//! - with the `test-util` feature, `test_util`: transport fakes for tests that need no
//!   server (`ReplayTransport`, `NeverTransport`, `capture_request`).
//!
//! # Brief overview
//!
//! ```text
//! PaymentRequest ─► Client ─► MobileCarrier::payment ─► WireRequest ─► Transport::send
//!                     ▲                                                      │
//!                  Outcome ◄── Client (poll, decide) ◄── MobileCarrier::read ◄┘
//! ```
//!
//! Most applications use it through the `qosic` crate, which re-exports it with the carriers
//! (`qosic::benin`, `qosic::togo`) and the HTTP transport (`qosic::builder()` and
//! `qosic::from_env()` set it up); see the workspace README for a full program.
// `deny`, not `forbid`, under test: a unit test sets environment variables (edition 2024: `unsafe`).
#![cfg_attr(not(test), forbid(unsafe_code))]
#![cfg_attr(test, deny(unsafe_code))]
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]
#![warn(clippy::print_stdout, clippy::print_stderr)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod account;
pub mod callback;
pub mod card;
pub mod carrier;
pub mod client;
pub mod error;
pub mod outcome;
pub mod request;
pub mod secret;
pub mod server_text;
#[cfg(any(test, feature = "test-util"))]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub mod test_util;
pub mod transport;
pub mod types;
pub mod wire;

pub use account::{AccountHolder, AccountStatus, Balance, Holder};
pub use callback::{Callback, CallbackError, CallbackStatus};
pub use card::{CardCheckout, CardPayment, CardSession, DEFAULT_CARD_BASE_URL};
pub use carrier::{
    Carrier, LookupCall, MobileCarrier, MoneyCall, Operation, PollingPolicy, References, Reply,
    Verdict, WireRequest,
};
pub use client::{Client, ClientBuilder, DEFAULT_BASE_URL, WINDOW_GRACE};
pub use error::Error;
pub use outcome::{Outcome, RawResponse, Status};
pub use request::{DepositRequest, Lookup, PaymentRequest};
pub use secret::{Credentials, Secret};
pub use transport::{
    ApiRequest, ApiResponse, BaseUrl, BaseUrlError, Delivery, Transport, TransportError,
    TransportErrorKind,
};
pub use types::{Amount, ClientId, Country, Msisdn, Name, TransactionRef};
