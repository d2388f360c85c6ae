//! The errors of this crate: [`Error`] for building a transport, [`BodyTooLarge`] as the source
//! of a [`TransportError`](qosic_core::TransportError) of kind
//! [`BodyTooLarge`](qosic_core::TransportErrorKind::BodyTooLarge).
//!
//! Errors of a call ([`Transport::send`](qosic_core::Transport::send)) are core's
//! `TransportError`: they say what happened on the wire and whether the request may have been
//! sent. The reqwest error is chained as their source, with its URL removed (a URL may carry
//! credentials).

use std::error::Error as StdError;
use std::fmt;

pub(crate) type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// Why a [`HttpTransport`](crate::HttpTransport) or a [`Certificate`](crate::Certificate)
/// could not be made.
///
/// Setters of [`HttpTransportBuilder`](crate::HttpTransportBuilder) never fail: their errors
/// surface at [`build`](crate::HttpTransportBuilder::build).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The bytes given as a certificate are not a certificate (bad PEM, bad base64, not DER),
    /// or the TLS backend cannot read it.
    #[error("invalid certificate: expected PEM with a CERTIFICATE section or DER bytes")]
    InvalidCertificate(#[source] BoxError),
    /// The PEM input holds no `CERTIFICATE` section.
    #[error(
        "no certificate found in the PEM input: expected a -----BEGIN CERTIFICATE----- section"
    )]
    NoCertificate,
    /// A setting is out of range, for example a zero timeout.
    #[error("invalid setting: {0}")]
    InvalidSetting(&'static str),
    /// The user agent is not a valid HTTP header value.
    #[error(
        "invalid user agent: expected visible ASCII without line breaks (an HTTP header value)"
    )]
    InvalidUserAgent(#[source] BoxError),
    /// A TLS setting was given, but the crate was built without a TLS backend
    /// (neither the `rustls` nor the `native-tls` feature).
    #[error("TLS is not available: enable the `rustls` or `native-tls` feature of qosic-http")]
    TlsUnavailable,
    /// Certificate verification is on, but there is no root certificate to verify against:
    /// the `rustls` backend was built without `platform-roots` or `webpki-roots` (or
    /// built-in roots were turned off) and no root was added nor certificate pinned.
    #[error(
        "no root certificates: enable the `platform-roots` or `webpki-roots` feature of \
         qosic-http, add one with `add_root_certificate`, or pin a server's self-signed \
         certificate with `trust_self_signed_certificate`"
    )]
    NoRootCertificates,
    /// A certificate was given to
    /// [`trust_self_signed_certificate`](crate::HttpTransportBuilder::trust_self_signed_certificate),
    /// but the transport uses the `native-tls` backend, which cannot pin a certificate.
    #[error(
        "trust_self_signed_certificate needs the rustls backend, and native-tls cannot pin a \
         certificate: use rustls (the default), or add_root_certificate, which also trusts \
         every certificate this one signs"
    )]
    PinningUnavailable,
    /// The TLS backend refused the configuration (for example the platform's certificate
    /// store could not be read).
    #[error(
        "the TLS library refused the configuration (is the system's certificate store \
         readable?)"
    )]
    Tls(#[source] BoxError),
    /// The URL given to [`proxy`](crate::HttpTransportBuilder::proxy) is not a proxy's this
    /// crate can use.
    #[error(
        "invalid proxy URL: expected http://host:port, https://host:port or, with qosic-http's \
         `socks` feature, socks5://host:port (add user:password@ before the host for a proxy \
         that asks for a password)"
    )]
    InvalidProxy,
    /// reqwest could not build the HTTP client from these settings.
    #[error("reqwest could not build the HTTP client (check the TLS settings)")]
    Client(#[source] BoxError),
}

/// So that `HttpTransport::new()?` works in a function returning `qosic_core::Error`: an
/// [`Error::Setup`](qosic_core::Error::Setup) of `the HTTP transport`, displayed as
/// `could not set up the HTTP transport: {this error}`.
///
/// ```
/// fn transport() -> Result<qosic_http::HttpTransport, qosic_core::Error> {
///     Ok(qosic_http::HttpTransport::builder().build()?)
/// }
/// # transport().unwrap();
/// ```
impl From<Error> for qosic_core::Error {
    fn from(error: Error) -> qosic_core::Error {
        qosic_core::Error::setup("the HTTP transport", error)
    }
}

/// The answer's body is larger than the transport accepts
/// (see [`HttpTransportBuilder::max_response_size`](crate::HttpTransportBuilder::max_response_size)).
///
/// It is the source of a [`TransportError`](qosic_core::TransportError) of kind
/// [`BodyTooLarge`](qosic_core::TransportErrorKind::BodyTooLarge): the server received the
/// request, so the error says it may have been sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyTooLarge {
    limit: usize,
    content_length: Option<u64>,
}

impl BodyTooLarge {
    pub(crate) fn new(limit: usize, content_length: Option<u64>) -> Self {
        BodyTooLarge {
            limit,
            content_length,
        }
    }

    /// The limit, in bytes.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// The length the server announced in `Content-Length`, when it did and it was above the
    /// limit. `None` when the body was cut while it was being read.
    pub fn content_length(&self) -> Option<u64> {
        self.content_length
    }
}

impl fmt::Display for BodyTooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.content_length {
            Some(length) => write!(
                f,
                "response body of {length} bytes (Content-Length) exceeds the limit of {} bytes",
                self.limit
            ),
            None => write!(f, "response body exceeds the limit of {} bytes", self.limit),
        }
    }
}

impl StdError for BodyTooLarge {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_send_sync_and_small() {
        fn assert_send_sync<T: Send + Sync + 'static>() {}
        assert_send_sync::<Error>();
        assert_send_sync::<BodyTooLarge>();
        assert!(std::mem::size_of::<Error>() <= 3 * std::mem::size_of::<usize>());
    }

    #[test]
    fn messages_are_lowercase_without_a_period() {
        let messages = [
            Error::NoCertificate.to_string(),
            Error::InvalidSetting("timeout must be greater than zero").to_string(),
            Error::TlsUnavailable.to_string(),
            Error::NoRootCertificates.to_string(),
            Error::PinningUnavailable.to_string(),
            Error::InvalidCertificate("x".into()).to_string(),
            Error::InvalidUserAgent("x".into()).to_string(),
            Error::Tls("x".into()).to_string(),
            Error::InvalidProxy.to_string(),
            Error::Client("x".into()).to_string(),
            BodyTooLarge::new(10, Some(20)).to_string(),
            BodyTooLarge::new(10, None).to_string(),
        ];
        for message in messages {
            assert!(!message.ends_with('.'), "{message}");
            // Lowercase, except for an acronym such as "TLS".
            let first_word = message.split(' ').next().unwrap();
            assert!(
                first_word == first_word.to_lowercase() || first_word == first_word.to_uppercase(),
                "{message}"
            );
        }
    }

    #[test]
    fn converts_into_a_core_setup_error_without_repeating_itself() {
        let error = Error::InvalidCertificate("bad base64".into());
        let core: qosic_core::Error = error.into();
        assert_eq!(
            core.to_string(),
            "could not set up the HTTP transport: invalid certificate: expected PEM with a \
             CERTIFICATE section or DER bytes"
        );
        assert_eq!(core.delivery(), qosic_core::Delivery::NotSent);
        // The next cause is the one below qosic-http's error, not qosic-http's error again.
        assert_eq!(
            std::error::Error::source(&core).unwrap().to_string(),
            "bad base64"
        );
    }
}
