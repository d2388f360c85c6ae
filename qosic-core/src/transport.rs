//! The I/O seam: [`Transport`] sends one JSON POST and returns the status and body.
//!
//! A transport owns connections, TLS, timeouts and size limits. It never interprets QosIc
//! response codes: a 401 or a 500 is a successful send that returns an [`ApiResponse`].
//! It fails with a [`TransportError`] only when no complete answer came back, and then says
//! whether the request may have reached the server ([`Delivery`]), which is what lets the
//! client keep its no-double-charge promise.
//!
//! Implementations: `qosic_http::HttpTransport` (reqwest, for production) and the in-process
//! transport of `qosic-mock` (no sockets, for tests).

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;

use crate::secret::Credentials;

/// Whether a request reached QosIc.
///
/// The SDK never re-sends a payment whose delivery is not [`Delivery::NotSent`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Delivery {
    /// The request certainly did not leave: bad input, DNS, connect or TLS failure.
    /// Sending it again cannot double a payment.
    NotSent,
    /// The request may have been received and acted on, but no complete answer came back
    /// (timeout after writing, connection reset, answer lost), or the answer was a server
    /// error (HTTP 5xx), which does not say whether the request was acted on.
    MaybeSent,
    /// The server answered.
    Answered,
}

impl fmt::Display for Delivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Delivery::NotSent => "not sent",
            Delivery::MaybeSent => "may have been sent",
            Delivery::Answered => "answered",
        })
    }
}

/// One call to QosIc: a POST of a JSON body to `url` with HTTP Basic auth.
///
/// `Debug` never shows the password (see [`Credentials`]) and shows the body as text with
/// phone numbers masked.
#[derive(Clone)]
pub struct ApiRequest {
    url: String,
    credentials: Credentials,
    body: Vec<u8>,
}

impl ApiRequest {
    /// A POST of `body` (JSON) to `url`, authenticated with `credentials`.
    pub fn new(url: impl Into<String>, credentials: Credentials, body: Vec<u8>) -> Self {
        ApiRequest {
            url: url.into(),
            credentials,
            body,
        }
    }

    /// The absolute URL, e.g. `https://api.qosic.net/QosicBridge/user/requestpayment`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The path part of the URL, e.g. `/QosicBridge/user/requestpayment` (no query string).
    pub fn path(&self) -> &str {
        let after_scheme = self
            .url
            .split_once("://")
            .map_or(self.url.as_str(), |(_, rest)| rest);
        let path = after_scheme.find('/').map_or("/", |i| &after_scheme[i..]);
        path.split(['?', '#']).next().unwrap_or(path)
    }

    /// The credentials to send as HTTP Basic auth.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// The JSON body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }
}

impl fmt::Debug for ApiRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiRequest")
            .field("url", &self.url)
            .field("credentials", &self.credentials)
            .field("body", &crate::wire::masked_text(&self.body))
            .finish()
    }
}

/// What the server answered: an HTTP status and the raw body, whatever they are.
///
/// `Debug` shows the body as text with phone numbers masked.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiResponse {
    /// The HTTP status code.
    pub status: u16,
    /// The body, as received (it may be JSON, plain text, HTML or empty).
    pub body: Vec<u8>,
}

impl ApiResponse {
    /// A response with this status and body.
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Self {
        ApiResponse {
            status,
            body: body.into(),
        }
    }

    /// The body as text, with invalid UTF-8 replaced.
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }
}

impl fmt::Debug for ApiResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiResponse")
            .field("status", &self.status)
            .field("body", &crate::wire::masked_text(&self.body))
            .finish()
    }
}

/// What went wrong in a [`TransportError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The URL or request could not be built. Not sent.
    InvalidRequest,
    /// Name resolution or TCP connect failed. Not sent.
    Connect,
    /// The TLS handshake failed (for example an untrusted certificate). Not sent.
    Tls,
    /// No complete answer within the time limit.
    Timeout,
    /// The connection closed or reset before a complete answer.
    ConnectionLost,
    /// The answer's body is larger than the transport accepts.
    BodyTooLarge,
    /// Any other failure.
    Other,
}

impl fmt::Display for TransportErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransportErrorKind::InvalidRequest => "invalid request",
            TransportErrorKind::Connect => "connection failed",
            TransportErrorKind::Tls => "TLS handshake failed",
            TransportErrorKind::Timeout => "timed out",
            TransportErrorKind::ConnectionLost => "connection lost",
            TransportErrorKind::BodyTooLarge => "response body too large",
            TransportErrorKind::Other => "transport error",
        })
    }
}

type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// A send that got no complete answer.
///
/// [`TransportError::delivery`] says whether the request may have reached the server.
/// The source error (from reqwest, hyper or io) is chained, never flattened.
#[derive(Debug)]
pub struct TransportError {
    kind: TransportErrorKind,
    delivery: Delivery,
    reason: Option<Box<str>>,
    source: Option<BoxError>,
}

impl TransportError {
    /// An error of `kind`, with the delivery state the transport knows.
    ///
    /// `delivery` must be [`Delivery::NotSent`] only when the request certainly did not leave;
    /// [`Delivery::Answered`] is read as [`Delivery::MaybeSent`] (a transport error has no answer).
    pub fn new(kind: TransportErrorKind, delivery: Delivery) -> Self {
        let delivery = match delivery {
            Delivery::Answered => Delivery::MaybeSent,
            other => other,
        };
        TransportError {
            kind,
            delivery,
            reason: None,
            source: None,
        }
    }

    /// Says why, in plain words, with the fix when there is one: `connection refused by
    /// 127.0.0.1:9 (is the server running, and is the base URL right?)`. Transports should set
    /// it: it is what [`Error`](crate::Error) shows. Without it, the kind is shown.
    pub fn with_reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into().into_boxed_str());
        self
    }

    /// Why, in plain words: the reason the transport gave, or else the kind.
    pub fn reason(&self) -> std::borrow::Cow<'_, str> {
        match &self.reason {
            Some(reason) => std::borrow::Cow::Borrowed(reason),
            None => std::borrow::Cow::Owned(self.kind.to_string()),
        }
    }

    /// Attaches the underlying error.
    pub fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// Whether the request may have reached the server.
    pub fn delivery(&self) -> Delivery {
        self.delivery
    }

    /// Whether the request timed out.
    pub fn is_timeout(&self) -> bool {
        self.kind == TransportErrorKind::Timeout
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (request {})", self.reason(), self.delivery)
    }
}

impl StdError for TransportError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

/// Sends requests to QosIc. The one place where I/O happens.
///
/// Implementations must be cheap to share (`Arc<dyn Transport>`), apply a timeout to every
/// call, bound the size of the bodies they read, and never log the `Authorization` header.
///
/// # Example: a transport that answers every call with the same bytes
///
/// ```
/// use async_trait::async_trait;
/// use qosic_core::{ApiRequest, ApiResponse, Transport, TransportError};
///
/// #[derive(Debug)]
/// struct AlwaysPending;
///
/// #[async_trait]
/// impl Transport for AlwaysPending {
///     async fn send(&self, _request: ApiRequest) -> Result<ApiResponse, TransportError> {
///         Ok(ApiResponse::new(202, r#"{"responsecode":"01","responsemsg":"PENDING"}"#))
///     }
/// }
/// ```
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait Transport: Send + Sync + fmt::Debug {
    /// Sends one request and returns the server's answer, whatever its status.
    async fn send(&self, request: ApiRequest) -> Result<ApiResponse, TransportError>;
}

#[async_trait]
impl<T: Transport + ?Sized> Transport for Arc<T> {
    async fn send(&self, request: ApiRequest) -> Result<ApiResponse, TransportError> {
        (**self).send(request).await
    }
}

#[async_trait]
impl<T: Transport + ?Sized> Transport for Box<T> {
    async fn send(&self, request: ApiRequest) -> Result<ApiResponse, TransportError> {
        (**self).send(request).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_is_extracted_from_the_url() {
        let creds = Credentials::new("a", "b");
        let req = |url: &str| ApiRequest::new(url, creds.clone(), Vec::new());
        assert_eq!(
            req("https://api.qosic.net/QosicBridge/user/refund").path(),
            "/QosicBridge/user/refund"
        );
        assert_eq!(req("http://127.0.0.1:9/x/y?z=1").path(), "/x/y");
        assert_eq!(req("http://host").path(), "/");
    }

    #[test]
    fn transport_error_is_send_sync_and_keeps_its_source() {
        fn assert_send_sync<T: Send + Sync + 'static>() {}
        assert_send_sync::<TransportError>();
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset by peer");
        let err = TransportError::new(TransportErrorKind::ConnectionLost, Delivery::Answered)
            .with_source(io);
        assert_eq!(err.delivery(), Delivery::MaybeSent);
        assert_eq!(
            err.to_string(),
            "connection lost (request may have been sent)"
        );
        assert_eq!(StdError::source(&err).unwrap().to_string(), "reset by peer");
    }
}
