//! A fake QosIc server.
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]

mod admin;
mod endpoint;
mod fault;
mod mock;
mod numbering;
mod server;
mod state;
mod subscriber;
mod transport;

pub use endpoint::{Carrier, Endpoint, UnknownEndpoint};
pub use fault::Fault;
pub use mock::{MockQosic, MockQosicBuilder};
pub use numbering::PhoneForms;
pub use state::{Ledger, RecordedRequest, TransactionKind, TransactionState, TransactionView};
pub use subscriber::Subscriber;
pub use transport::InProcessTransport;

/// The API login the server accepts by default.
pub const DEFAULT_LOGIN: &str = "merchant";
/// The API password the server accepts by default.
pub const DEFAULT_PASSWORD: &str = "secret";
/// MTN's client id by default.
pub const DEFAULT_MTN_CLIENT_ID: &str = "MTN_CLIENT";
/// MOOV's client id by default.
pub const DEFAULT_MOOV_CLIENT_ID: &str = "MOOV_CLIENT";
/// Celtiis's client id by default.
pub const DEFAULT_CELTIIS_CLIENT_ID: &str = "CELTIIS_CLIENT";
/// The base URL of a fake server without an HTTP server ([`MockQosic::in_process`]).
pub const IN_PROCESS_URI: &str = "http://in-process.qosic-mock.invalid";
