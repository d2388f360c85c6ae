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

/// Why a base URL was refused by [`BaseUrl::parse`]; its `Display` says what to write instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrlError {
    expected: &'static str,
}

impl BaseUrlError {
    /// What a base URL must look like, in plain words (for [`Error::Config`](crate::Error)).
    pub fn expected(&self) -> &'static str {
        self.expected
    }
}

impl fmt::Display for BaseUrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid base URL: expected {}", self.expected)
    }
}

impl StdError for BaseUrlError {}

/// A base URL, checked and split once, when the client is built: `https://api.qosic.net`
/// (the default), a fake server's `http://127.0.0.1:PORT`, or a gateway's URL with a path
/// prefix (`https://gateway.example/qosic`).
///
/// Requests carry it with their path ([`ApiRequest::to`]), so that nothing parses a URL
/// string per request. Cheap to clone (an `Arc` inside); clones share the transport's
/// derived form ([`BaseUrl::derived`]).
///
/// ```
/// use qosic_core::BaseUrl;
///
/// let base = BaseUrl::parse("https://api.qosic.net/").unwrap();
/// assert_eq!(base.as_str(), "https://api.qosic.net");
/// assert_eq!((base.scheme(), base.authority(), base.prefix()), ("https", "api.qosic.net", ""));
/// assert_eq!(base.join("/QosicBridge/user/refund"), "https://api.qosic.net/QosicBridge/user/refund");
///
/// // The SDK appends paths to it: a query string or a fragment would end up before them.
/// let error = BaseUrl::parse("https://api.qosic.net/?key=1").unwrap_err();
/// assert!(error.to_string().contains("without a query string"));
/// ```
#[derive(Clone)]
pub struct BaseUrl {
    inner: Arc<BaseInner>,
}

struct BaseInner {
    /// The URL without a trailing `/`.
    text: Box<str>,
    /// Where the authority starts (after `://`).
    authority_start: usize,
    /// Where the path prefix starts (the end of the authority).
    prefix_start: usize,
    /// A transport's own form of this URL, made once (see [`BaseUrl::derived`]).
    derived: std::sync::OnceLock<Box<dyn std::any::Any + Send + Sync>>,
}

const BASE_URL_FORM: &str = "an http:// or https:// URL with a host, no spaces, no user name or \
                             password, and no query string or fragment (the SDK appends the \
                             API's paths to it), such as https://api.qosic.net";

impl BaseUrl {
    /// Checks and splits `url` (surrounding spaces and trailing slashes are dropped).
    ///
    /// # Errors
    ///
    /// When `url` is not `http://` or `https://` followed by a host, holds a space or a user
    /// name (`user@`), or has a query string (`?`) or fragment (`#`): the SDK appends the API's
    /// paths to the base URL, so they would end up inside the query or fragment.
    pub fn parse(url: &str) -> Result<BaseUrl, BaseUrlError> {
        let text = url.trim().trim_end_matches('/');
        let refuse = |why: &'static str| Err(BaseUrlError { expected: why });
        let authority_start = if text.starts_with("https://") {
            "https://".len()
        } else if text.starts_with("http://") {
            "http://".len()
        } else {
            return refuse(BASE_URL_FORM);
        };
        if text.contains(['?', '#']) {
            return refuse(
                "a base URL without a query string (?) or fragment (#): the SDK appends the \
                 API's paths to it, such as https://api.qosic.net; put a gateway's key in a \
                 header of your own transport instead",
            );
        }
        let rest = &text[authority_start..];
        let authority_len = rest.find('/').unwrap_or(rest.len());
        let authority = &rest[..authority_len];
        if authority.is_empty()
            || authority.contains('@')
            || text.contains(|c: char| c.is_whitespace() || c.is_control())
        {
            return refuse(BASE_URL_FORM);
        }
        Ok(BaseUrl {
            inner: Arc::new(BaseInner {
                text: text.into(),
                authority_start,
                prefix_start: authority_start + authority_len,
                derived: std::sync::OnceLock::new(),
            }),
        })
    }

    /// An unchecked base URL: `text` as given, for [`ApiRequest::new`] with a URL that does not
    /// parse (the transport then refuses the request, as it refused the URL before).
    fn unchecked(text: &str) -> BaseUrl {
        BaseUrl {
            inner: Arc::new(BaseInner {
                text: text.into(),
                authority_start: 0,
                prefix_start: text.len(),
                derived: std::sync::OnceLock::new(),
            }),
        }
    }

    /// The URL, without a trailing `/`: `https://api.qosic.net`.
    pub fn as_str(&self) -> &str {
        &self.inner.text
    }

    /// `https` or `http`.
    pub fn scheme(&self) -> &str {
        self.inner.text[..self.inner.authority_start].trim_end_matches("://")
    }

    /// The host and port as written: `api.qosic.net`, `127.0.0.1:8080`.
    pub fn authority(&self) -> &str {
        &self.inner.text[self.inner.authority_start..self.inner.prefix_start]
    }

    /// The path before the API's paths, without a trailing `/`: usually empty.
    pub fn prefix(&self) -> &str {
        &self.inner.text[self.inner.prefix_start..]
    }

    /// The absolute URL of `path` (which starts with `/`).
    pub fn join(&self, path: &str) -> String {
        let mut url = String::with_capacity(self.inner.text.len() + path.len());
        url.push_str(&self.inner.text);
        url.push_str(path);
        url
    }

    /// A value derived once from this base URL by a transport, such as the base URL parsed
    /// into its HTTP library's URL type: made by `make` on the first call, then shared by
    /// every request built from this base URL (and its clones).
    ///
    /// `None` when a value of another type was stored first (one base URL used by two kinds
    /// of transport): the caller then makes its value itself.
    pub fn derived<T: std::any::Any + Send + Sync>(
        &self,
        make: impl FnOnce(&BaseUrl) -> T,
    ) -> Option<&T> {
        self.inner
            .derived
            .get_or_init(|| Box::new(make(self)))
            .downcast_ref()
    }
}

impl PartialEq for BaseUrl {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for BaseUrl {}

impl fmt::Debug for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for BaseUrl {
    type Err = BaseUrlError;

    fn from_str(url: &str) -> Result<BaseUrl, BaseUrlError> {
        BaseUrl::parse(url)
    }
}

/// One call to QosIc: a POST of a JSON body to a path under a [`BaseUrl`], with HTTP Basic
/// auth.
///
/// `Debug` never shows the password (see [`Credentials`]) and shows the body as text with
/// phone numbers masked.
#[derive(Clone)]
pub struct ApiRequest {
    base: BaseUrl,
    path: String,
    credentials: Credentials,
    body: Vec<u8>,
    /// The most this request may take, when the client gives it less than the transport's
    /// own whole-call timeout (the last status checks of a polling window).
    timeout: Option<std::time::Duration>,
}

impl ApiRequest {
    /// A POST of `body` (JSON) to `path` (which starts with `/`) under `base`, authenticated
    /// with `credentials`. What the client sends: no URL is parsed.
    pub fn to(
        base: &BaseUrl,
        path: impl Into<String>,
        credentials: Credentials,
        body: Vec<u8>,
    ) -> Self {
        ApiRequest {
            base: base.clone(),
            path: path.into(),
            credentials,
            body,
            timeout: None,
        }
    }

    /// A POST of `body` (JSON) to the absolute `url`, authenticated with `credentials`: for
    /// requests made by hand (tests, tools). The URL is split into a base URL and a path here,
    /// once; a URL that does not parse is kept whole, for the transport to refuse.
    pub fn new(url: impl Into<String>, credentials: Credentials, body: Vec<u8>) -> Self {
        let url = url.into();
        // QosIc's API has no query strings: a hand-made one is dropped, as before.
        let without_query = url.split(['?', '#']).next().unwrap_or("");
        let split = BaseUrl::parse(without_query).and_then(|whole| {
            let origin = &whole.as_str()[..whole.inner.prefix_start];
            let path = match whole.prefix() {
                "" => "/",
                prefix => prefix,
            };
            Ok((BaseUrl::parse(origin)?, path.to_owned()))
        });
        let (base, path) = split.unwrap_or_else(|_| (BaseUrl::unchecked(&url), String::new()));
        ApiRequest {
            base,
            path,
            credentials,
            body,
            timeout: None,
        }
    }

    /// The base URL it goes to.
    pub fn base(&self) -> &BaseUrl {
        &self.base
    }

    /// The absolute URL, e.g. `https://api.qosic.net/QosicBridge/user/requestpayment`
    /// (made on each call: transports use [`ApiRequest::base`] and [`ApiRequest::path`]).
    pub fn url(&self) -> String {
        self.base.join(&self.path)
    }

    /// The path under the base URL, e.g. `/QosicBridge/user/requestpayment`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The credentials to send as HTTP Basic auth.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// The JSON body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// Takes the body out, leaving it empty: for a transport that sends it without a copy.
    pub fn take_body(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.body)
    }

    /// The same request, to be given up after `timeout` (from when the transport starts it),
    /// if its own whole-call timeout is longer. The client sets it on a status check when the
    /// transport says it honours it ([`Transport::honours_request_timeout`]), so that a check
    /// made near the end of a polling window ends with the window plus its grace.
    #[must_use]
    pub fn with_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The time this request may take at most, when it was given one
    /// ([`ApiRequest::with_timeout`]); `None`: the transport's own timeout applies.
    pub fn timeout(&self) -> Option<std::time::Duration> {
        self.timeout
    }
}

impl fmt::Debug for ApiRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiRequest")
            .field("base", &self.base)
            .field("path", &self.path)
            .field("credentials", &self.credentials)
            .field("body", &crate::wire::masked_text(&self.body))
            .field("timeout", &self.timeout)
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
    ///
    /// A reason may quote a server (a certificate's names, a library's message about bytes it
    /// received), so it is kept as [`server_text::reason`](crate::server_text::reason) makes
    /// it: control characters escaped, cut after 512 characters.
    pub fn with_reason(mut self, reason: impl Into<String>) -> Self {
        let reason = crate::server_text::reason_owned(reason.into());
        self.reason = Some(reason.into_boxed_str());
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

    /// True when [`Transport::send`] gives a request up once its [`ApiRequest::timeout`] has
    /// passed (failing with [`TransportErrorKind::Timeout`]), with no more than a
    /// millisecond's delay. The client then leaves the end of a polling window to the
    /// transport; otherwise (the default) it runs a timer of its own around each status check.
    /// Either way a wait ends within its window plus [`WINDOW_GRACE`](crate::WINDOW_GRACE).
    fn honours_request_timeout(&self) -> bool {
        false
    }
}

#[async_trait]
impl<T: Transport + ?Sized> Transport for Arc<T> {
    async fn send(&self, request: ApiRequest) -> Result<ApiResponse, TransportError> {
        (**self).send(request).await
    }

    fn honours_request_timeout(&self) -> bool {
        (**self).honours_request_timeout()
    }
}

#[async_trait]
impl<T: Transport + ?Sized> Transport for Box<T> {
    async fn send(&self, request: ApiRequest) -> Result<ApiResponse, TransportError> {
        (**self).send(request).await
    }

    fn honours_request_timeout(&self) -> bool {
        (**self).honours_request_timeout()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_checked_and_split_once() {
        let base = BaseUrl::parse(" http://127.0.0.1:9/gw/qosic/ ").unwrap();
        assert_eq!(base.as_str(), "http://127.0.0.1:9/gw/qosic");
        assert_eq!(base.scheme(), "http");
        assert_eq!(base.authority(), "127.0.0.1:9");
        assert_eq!(base.prefix(), "/gw/qosic");
        assert_eq!(base.join("/x"), "http://127.0.0.1:9/gw/qosic/x");
        for bad in [
            "",
            "api.qosic.net",
            "ftp://api.qosic.net",
            "https://",
            "https:///x",
            "https://user:pw@api.qosic.net",
            "https://api qosic.net",
        ] {
            let error = BaseUrl::parse(bad).unwrap_err();
            assert!(
                error.to_string().contains("such as https://api.qosic.net"),
                "{bad}: {error}"
            );
        }
        for bad in [
            "https://api.qosic.net?key=1",
            "https://api.qosic.net/gw/#top",
            "http://h/?",
        ] {
            let error = BaseUrl::parse(bad).unwrap_err();
            assert!(
                error
                    .to_string()
                    .contains("without a query string (?) or fragment (#)"),
                "{bad}: {error}"
            );
        }
    }

    #[test]
    fn a_transport_derives_its_form_of_the_base_url_once() {
        let base = BaseUrl::parse("http://h").unwrap();
        let clone = base.clone();
        let mut made = 0;
        assert_eq!(
            base.derived(|b| {
                made += 1;
                b.authority().len()
            }),
            Some(&1)
        );
        assert_eq!(
            clone.derived(|_| {
                made += 1;
                7_usize
            }),
            Some(&1)
        );
        assert_eq!(made, 1);
        // Another type stored first: the caller makes its own.
        assert_eq!(clone.derived(|_| "other"), None);
    }

    #[test]
    fn requests_carry_a_base_url_and_a_path() {
        let creds = Credentials::new("a", "b");
        let base = BaseUrl::parse("https://api.qosic.net").unwrap();
        let request = ApiRequest::to(&base, "/QosicBridge/user/refund", creds, b"{}".to_vec());
        assert_eq!(request.path(), "/QosicBridge/user/refund");
        assert_eq!(request.base(), &base);
        assert_eq!(
            request.url(),
            "https://api.qosic.net/QosicBridge/user/refund"
        );
    }

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
        assert_eq!(req("http://host:1/a").base().as_str(), "http://host:1");
        // A URL that does not parse is kept whole, for the transport to refuse.
        assert_eq!(req("not a url").url(), "not a url");
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
