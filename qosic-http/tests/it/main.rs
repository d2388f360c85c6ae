//! Integration tests of qosic-http against loopback servers: qosic-mock (the fake QosIc
//! server, plain HTTP) and the small hyper server of `support` (plain HTTP and HTTPS with a
//! certificate made in the test, with replies QosIc never sends: stalls, huge bodies, dropped
//! connections). Nothing reaches the internet.
//!
//! Run them with the default features, with `--no-default-features` (plain HTTP only: the
//! `no_tls` module replaces `tls`) or with `--all-features`.

mod errors;
mod from_client;
mod limits;
mod logging;
mod mock;
#[cfg(not(any(feature = "rustls", feature = "native-tls")))]
mod no_tls;
mod proxy;
mod reasons;
mod server_text;
mod support;
mod timeouts;
#[cfg(any(feature = "rustls", feature = "native-tls"))]
mod tls;
#[cfg(feature = "rustls")]
mod tls_reasons;
mod wire;
