//! The production HTTP transport of the QosIc mobile-money SDK.
//!
//! [`HttpTransport`] implements qosic-core's [`Transport`](qosic_core::Transport): it sends
//! each [`ApiRequest`](qosic_core::ApiRequest) as a JSON `POST` with HTTP Basic auth, and
//! returns the status and body, whatever they are. It carries bytes safely and fast and
//! interprets nothing of QosIc: a `401` or a `500` is an answer, not an error. This is the
//! only crate of the SDK that knows reqwest.
//!
//! ## Brief overview
//!
//! - **TLS is verified** by default, with rustls and the *ring* crypto provider. Extra roots
//!   (the QosIc staging host has a self-signed certificate) go through
//!   [`HttpTransportBuilder::add_root_certificate`]. Verification is turned off only by
//!   [`HttpTransportBuilder::danger_accept_invalid_certs`], which logs a warning.
//! - **Every call is bounded**: a connect timeout ([`DEFAULT_CONNECT_TIMEOUT`], 10 s), a
//!   whole-call timeout ([`DEFAULT_TIMEOUT`], 80 s, because MOOV answers only once the
//!   customer approved), and a body limit ([`DEFAULT_MAX_RESPONSE_SIZE`], 1 MiB) enforced while
//!   reading, so a huge answer never fills memory.
//! - **One connection pool**: clones of a transport share it, and it is safe to use from many
//!   tasks at once. Build one transport and clone it.
//! - **No redirects, no retries**: a request that may have reached QosIc is never sent again
//!   by this crate.
//!
//! ## Errors: was the request sent?
//!
//! A call fails with a [`TransportError`](qosic_core::TransportError) only when no complete
//! answer came back. Its [`delivery`](qosic_core::TransportError::delivery) is what keeps the
//! SDK's no-double-charge promise:
//!
//! | what happened | kind | delivery |
//! |---|---|---|
//! | bad URL, URL with `user:password@`, scheme other than http(s) | `InvalidRequest` | `NotSent` |
//! | DNS failure, connection refused | `Connect` | `NotSent` |
//! | certificate refused, handshake failed | `Tls` | `NotSent` |
//! | connect timeout | `Timeout` | `NotSent` |
//! | timeout after connecting | `Timeout` | `MaybeSent` |
//! | connection closed or reset before a complete answer | `ConnectionLost` | `MaybeSent` |
//! | body over the limit | `BodyTooLarge` | `MaybeSent` |
//! | anything else (for example an answer that is not HTTP) | `Other` | `MaybeSent` |
//!
//! The reqwest error is chained as the source, without its URL (a URL may carry
//! credentials).
//!
//! ## Logging
//!
//! Through `tracing`: each call logs at `DEBUG` its method, URL path, status, body sizes and
//! elapsed time; the answer's body is logged at `TRACE` only. The request body (it holds the
//! customer's phone number), the host, the `Authorization` header and the password are never
//! logged.
//!
//! ## Example
//!
//! Against qosic-mock, the fake QosIc server (plain HTTP on loopback); for production, use
//! `https://api.qosic.net` and your own credentials.
//!
//! ```
//! use qosic_core::{ApiRequest, Credentials, Delivery, Transport, TransportErrorKind};
//! use qosic_http::HttpTransport;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let qosic = qosic_mock::MockQosic::start().await;
//!
//! // Build one transport and clone it where needed: clones share the connection pool.
//! let transport = HttpTransport::builder()
//!     .timeout(std::time::Duration::from_secs(90))
//!     .build()?;
//!
//! let request = ApiRequest::new(
//!     format!("{}/QosicBridge/user/requestpayment", qosic.uri()),
//!     Credentials::new("merchant", "secret"),
//!     br#"{"msisdn":"22997000001","amount":"100","firstname":"Ada","lastname":"Lovelace",
//!         "transref":"order-42","clientid":"MTN_CLIENT"}"#.to_vec(),
//! );
//! let response = transport.send(request).await?;
//! assert_eq!(response.status, 202); // MTN: accepted, pending the customer's approval
//!
//! // Where nothing listens, the connection is refused: the request was not sent, and may
//! // safely be tried again.
//! let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
//! let request = ApiRequest::new(
//!     format!("http://127.0.0.1:{port}/QosicBridge/user/requestpayment"),
//!     Credentials::new("merchant", "secret"),
//!     Vec::new(),
//! );
//! let error = transport.send(request).await.unwrap_err();
//! assert_eq!(error.kind(), TransportErrorKind::Connect);
//! assert_eq!(error.delivery(), Delivery::NotSent);
//! # Ok(())
//! # }
//! ```
//!
//! ## Optional Features
//!
//! - **`rustls`** (default): TLS with rustls and the *ring* crypto provider (no aws-lc-rs, no
//!   C toolchain beyond *ring*'s). Alone, it trusts only the roots added with
//!   [`HttpTransportBuilder::add_root_certificate`]; building without any root fails with
//!   [`Error::NoRootCertificates`].
//! - **`platform-roots`** (default, implies `rustls`): trust the operating system's
//!   certificate store, through rustls-platform-verifier.
//! - **`webpki-roots`** (implies `rustls`): trust Mozilla's roots compiled into the binary
//!   (for containers without a certificate store). With `platform-roots` too, a certificate
//!   is accepted when either trusts it.
//! - **`native-tls`**: TLS with the platform's library (OpenSSL on Linux, Security.framework
//!   on macOS, SChannel on Windows) and its roots. When `rustls` is enabled as well, rustls
//!   is used unless the builder calls `tls_backend_native`.
//!
//! With no TLS feature (`default-features = false`), the transport speaks plain HTTP only:
//! `build` fails with [`Error::TlsUnavailable`] when a TLS setting is given, and a call to an
//! `https://` URL fails before any I/O with `InvalidRequest` / `NotSent`. This is meant for
//! test suites that talk to qosic-mock over loopback.
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]
#![warn(clippy::print_stdout, clippy::print_stderr)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod certificate;
mod error;
#[cfg(feature = "rustls")]
mod tls;
mod transport;

pub use certificate::Certificate;
pub use error::{BodyTooLarge, Error};
pub use transport::{
    HttpTransport, HttpTransportBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_SIZE,
    DEFAULT_POOL_IDLE_TIMEOUT, DEFAULT_TIMEOUT, DEFAULT_USER_AGENT,
};
