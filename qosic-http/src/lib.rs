//! The production HTTP transport of the QosIc mobile-money SDK.
//!
//! [`HttpTransport`] implements qosic-core's [`Transport`](qosic_core::Transport): it sends
//! each [`ApiRequest`](qosic_core::ApiRequest) as a JSON `POST` with HTTP Basic auth, and
//! returns the status and body, whatever they are. It carries bytes safely and fast and
//! interprets nothing of QosIc: a `401` or a `500` is an answer, not an error. This is the
//! only crate of the SDK that speaks HTTP, through reqwest (re-exported as [`reqwest`], for
//! [`HttpTransport::from_client`]).
//!
//! ## Brief overview
//!
//! - **TLS is verified** by default, with rustls and the *ring* crypto provider. A private
//!   certificate authority goes through [`HttpTransportBuilder::add_root_certificate`]; a
//!   server's self-signed certificate (the QosIc staging host's) through
//!   [`HttpTransportBuilder::trust_self_signed_certificate`] (see
//!   [below](#staging-servers-with-a-self-signed-certificate)). Verification is turned off
//!   only by [`HttpTransportBuilder::danger_accept_invalid_certs`], which logs a warning.
//! - **Every call is bounded**: a connect timeout ([`DEFAULT_CONNECT_TIMEOUT`], 10 s), a
//!   whole-call timeout ([`DEFAULT_TIMEOUT`], 80 s, because MOOV answers only once the
//!   customer approved; it ends a call after its limit, never before, and as measured late by
//!   the time tokio's timer takes to fire, 1 to 3 ms), and a body limit ([`DEFAULT_MAX_RESPONSE_SIZE`], 1 MiB) enforced while
//!   reading, so a huge answer never fills memory.
//! - **One connection pool**: clones of a transport share it, and it is safe to use from many
//!   tasks at once. Build one transport and clone it.
//! - **No redirects, no retries**: a request that may have reached QosIc is never sent again
//!   by this crate.
//! - **Proxies** are reqwest's: those named by `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and
//!   `NO_PROXY` are used (`http://`, `https://`, and `socks5://` with the `socks` feature;
//!   `https://` requests through a tunnel, TLS still verified with the server), or the one
//!   given to [`HttpTransportBuilder::proxy`]; [`HttpTransportBuilder::no_proxy`] ignores them.
//! - **Your own client**: [`HttpTransport::from_client`] sends through a `reqwest::Client` you
//!   built; the whole-call deadline and the body limit still hold.
//!
//! ## Errors
//!
//! A call fails with a [`TransportError`](qosic_core::TransportError) only when no complete
//! answer came back. Its [`reason`](qosic_core::TransportError::reason) says why in plain
//! words, names the host and port (never the path, query string or credentials: a URL may
//! carry secrets), and gives the fix; `qosic_core::Error` shows it after the operation,
//! whether the request was sent, and the reference:
//!
//! ```text
//! payment request not sent (reference Q…): connection refused by 127.0.0.1:8080 (is the server running, and is the base URL right?)
//! status request not sent (reference Q…): could not resolve the host name qosic-staging.invalid (is the base URL right, and does this machine's DNS work?)
//! status request may have been sent (reference Q…): timed out waiting for the answer from api.qosic.net:443 after 80s (the request timeout): the server may have received the request, so check its status before paying again; HttpTransportBuilder::timeout raises the limit
//! payment request not sent (reference Q…): certificate of staging.example is a CA certificate (CA:TRUE, the default of openssl req -x509) used as the server's own, which TLS refuses even when it is added with add_root_certificate (trust this exact certificate with trust_self_signed_certificate, or give the server a certificate signed by that CA)
//! ```
//!
//! The library errors below (reqwest, hyper, io, rustls) stay chained as the
//! [`source`](std::error::Error::source), without the URL; the chain never repeats the
//! reason, so `{:#}`-style printing (anyhow, eyre) shows each cause once.
//!
//! Its [`delivery`](qosic_core::TransportError::delivery) is what keeps the SDK's
//! no-double-charge promise:
//!
//! | what happened | kind | delivery |
//! |---|---|---|
//! | bad URL, URL with `user:password@`, scheme other than http(s) | `InvalidRequest` | `NotSent` |
//! | DNS failure, connection refused, proxy unreachable or refusing the tunnel | `Connect` | `NotSent` |
//! | tokio's clock paused | `Other` | `NotSent` |
//! | certificate refused, handshake failed | `Tls` | `NotSent` |
//! | connect timeout | `Timeout` | `NotSent` |
//! | timeout after connecting | `Timeout` | `MaybeSent` |
//! | connection closed or reset before a complete answer | `ConnectionLost` | `MaybeSent` |
//! | body over the limit | `BodyTooLarge` | `MaybeSent` |
//! | anything else (for example an answer that is not HTTP) | `Other` | `MaybeSent` |
//!
//! Building a transport fails with this crate's [`Error`], which converts into
//! `qosic_core::Error` (`could not set up the HTTP transport: …`), so `?` works in a function
//! that returns either.
//!
//! ## Staging servers with a self-signed certificate
//!
//! A test server's certificate made with `openssl req -x509` is self-signed and, by
//! openssl's default, a CA certificate (`CA:TRUE`). TLS refuses a CA certificate as a server's
//! own even when it is trusted as a root, so [`HttpTransportBuilder::add_root_certificate`]
//! does not help (the error says so). Pin it instead, with
//! [`HttpTransportBuilder::trust_self_signed_certificate`]: the server that presents exactly
//! this certificate is trusted, provided the certificate names the URL's host, is within its
//! dates, and the server holds its private key. Nothing else changes: every other server is
//! verified as before, and the pinned certificate vouches for no other.
//!
//! ```no_run
//! use qosic_http::{Certificate, HttpTransport};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // The staging server's own certificate (not a CA's), for example fetched once with
//! // `openssl s_client -connect staging.example:443 </dev/null | openssl x509 > staging.pem`
//! // and checked with whoever runs the server.
//! let staging = Certificate::from_pem(&std::fs::read("staging.pem")?)?;
//! let transport = HttpTransport::builder()
//!     .trust_self_signed_certificate(staging)
//!     .build()?;
//! // Then: Client::builder().base_url("https://staging.example").transport(transport)…
//! # let _ = transport;
//! # Ok(())
//! # }
//! ```
//!
//! The certificate's subject alternative names must list the host of the base URL (a DNS name,
//! or an IP address: `-addext subjectAltName=IP:10.0.0.5`); the common name alone does not
//! count. Only the `rustls` backend can pin; with `native-tls`, `build` fails with
//! [`Error::PinningUnavailable`].
//!
//! ## Testing: the HTTP transport needs tokio's real clock
//!
//! Under `#[tokio::test(start_paused = true)]` or after `tokio::time::pause()`, tokio moves its
//! clock forward as soon as every task waits, so this transport's timeouts would fire at once.
//! It therefore refuses to send while the clock is paused: every call fails at once, before a
//! byte leaves (`NotSent`, so `Client::pay` returns an error, never an outcome), with the
//! reason `request to 127.0.0.1:8080 not sent: tokio's clock is paused …`. Test with a paused
//! clock against
//! qosic-mock's in-process transport (`MockQosic::transport()`, no sockets), and keep the real
//! clock for tests of the HTTP transport against `MockQosic::start()`.
//!
//! ## Logging
//!
//! Through `tracing`: each call logs at `DEBUG` its method, URL path, status, body sizes and
//! elapsed time; the answer's body is logged at `TRACE` only. The request body (it holds the
//! customer's phone number), the `Authorization` header and the password are never logged;
//! the host and port appear only in the reason of a failed call.
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
//! assert_eq!(
//!     error.reason(),
//!     format!("connection refused by 127.0.0.1:{port} (is the server running, and is the base URL right?)")
//! );
//! # Ok(())
//! # }
//! ```
//!
//! ## Optional Features
//!
//! - **`rustls`** (default): TLS with rustls and the *ring* crypto provider (no aws-lc-rs, no
//!   C toolchain beyond *ring*'s). Alone, it trusts only the roots added with
//!   [`HttpTransportBuilder::add_root_certificate`] and the certificates pinned with
//!   [`HttpTransportBuilder::trust_self_signed_certificate`]; building without either fails
//!   with [`Error::NoRootCertificates`].
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
//! `https://` URL fails before any I/O with `InvalidRequest` / `NotSent` (the reason says to
//! enable a TLS feature). This is meant for
//! test suites that talk to qosic-mock over loopback.
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]
#![warn(clippy::print_stdout, clippy::print_stderr)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod builder;
mod certificate;
mod error;
mod reason;
#[cfg(feature = "rustls")]
mod tls;
mod transport;

pub use builder::HttpTransportBuilder;
pub use certificate::Certificate;
pub use error::{BodyTooLarge, Error};
pub use transport::{
    HttpTransport, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_SIZE, DEFAULT_POOL_IDLE_TIMEOUT,
    DEFAULT_TIMEOUT, DEFAULT_USER_AGENT,
};

/// The reqwest this crate sends through, for [`HttpTransport::from_client`]: build your
/// `reqwest::Client` with it, so that its version is the one this crate expects.
pub use reqwest;
