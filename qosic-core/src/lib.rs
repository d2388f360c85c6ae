//! Domain types, errors and the `Client` of the QosIc mobile-money SDK.
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]

pub mod secret;
pub mod transport;

pub use secret::{Credentials, Secret};
pub use transport::{
    ApiRequest, ApiResponse, Delivery, Transport, TransportError, TransportErrorKind,
};
