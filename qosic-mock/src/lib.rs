#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]
#![warn(clippy::print_stdout, clippy::print_stderr)]
#![cfg_attr(docsrs, feature(doc_cfg))]

/// Builder setters that take `self`, store one value (from their argument, if any) and
/// return `self`: `/// docs` then `fn name(arg: Type) { field.path = value }`.
macro_rules! setters {
    ($($(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ty)?) { $($field:ident).+ = $value:expr })*) => {
        $($(#[$doc])* pub fn $name(mut self $(, $arg: $ty)?) -> Self {
            self.$($field).+ = $value;
            self
        })*
    };
}

mod admin;
mod balance;
mod callback;
mod callback_admin;
mod card;
mod client;
mod config;
mod endpoint;
pub mod fakes;
mod fault;
mod handler;
mod holder;
mod journal;
mod mock;
mod model;
mod numbering;
mod protocol;
mod reply;
mod sender;
mod server;
mod shared;
mod state;
mod subscriber;
mod transport;
mod wire;

pub use callback::{
    CallbackDelivery, CallbackFault, CallbackSink, SentCallback, CALLBACK_SINK_CAPACITY,
    DEFAULT_CALLBACK_QUEUE, DEFAULT_CALLBACK_TIMEOUT,
};
pub use client::TEST_POLLING_STEP;

/// The carriers the fake server serves, as the SDK describes them (their answers follow the
/// description), Benin carriers first; see the crate guide, "The protocol served".
///
/// ```
/// let names: Vec<&str> = qosic_mock::carrier_specs().map(|s| s.name()).collect();
/// assert_eq!(names[..3], ["MTN", "MOOV", "CELTIIS"]);
/// ```
pub fn carrier_specs() -> impl Iterator<Item = &'static qosic_core::carrier::CarrierSpec> {
    crate::endpoint::table().carriers.iter().map(|c| c.spec)
}
pub use card::{APPROVED_CARD, DECLINED_CARD, DEFAULT_CARD_KEY, NEVER_FINISHING_CARD};
pub use endpoint::{Carrier, Endpoint, Operation, UnknownEndpoint};
pub use fakes::{
    capture_request, CaptureHandle, CaptureTransport, NeverTransport, ReplayTransport,
};
pub use fault::{Fault, PlannedRequest};
pub use holder::{HolderInfo, DEFAULT_FIRST_NAME, DEFAULT_LAST_NAME};
pub use journal::{RecordedRequest, DEFAULT_JOURNAL_CAPACITY, JOURNAL_BODY_LIMIT};
pub use mock::{MockQosic, MockQosicBuilder};
pub use model::{Ledger, TransactionKind, TransactionState, TransactionView};
pub use numbering::PhoneForms;
pub use subscriber::Subscriber;
pub use transport::InProcessTransport;

pub use config::{
    ADMIN_HEADER, DEFAULT_BODY_TIMEOUT, DEFAULT_CELTIIS_CLIENT_ID, DEFAULT_HEADER_TIMEOUT,
    DEFAULT_IDLE_TIMEOUT, DEFAULT_LOGIN, DEFAULT_MAX_BODY, DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_TRANSACTIONS, DEFAULT_MOOV_CLIENT_ID, DEFAULT_MTN_CLIENT_ID, DEFAULT_PASSWORD,
    IN_PROCESS_URI,
};
