//! The fake server's ready client over real HTTP: [`MockQosicHttp::http_client`].
//!
//! It lives in the facade because it joins two crates that must not know each other:
//! `qosic-mock` (the fake server) never depends on `qosic-http` (the transport).

use std::time::Duration;

use qosic_mock::MockQosic;

use crate::{Client, ClientBuilder, Error, PollingPolicy};

/// The polling policy of [`MockQosicHttp::http_client`]: a status check every 10 ms, for at
/// most 10 s. Over HTTP tokio's clock runs for real, so the window is short: a subscriber who
/// never answers ends a payment pending after 10 s, not after QosIc's two minutes.
pub const HTTP_TEST_POLLING_WINDOW: Duration = Duration::from_secs(10);

/// A ready SDK client for a fake server started over HTTP ([`MockQosic::start`]): the
/// server's credentials and carriers, the real HTTP transport, and a fast polling policy.
///
/// Bring it into scope with `use qosic::mock::MockQosicHttp as _;` (an extension trait: the
/// fake server's crate does not depend on the HTTP transport).
///
/// ```
/// # #[tokio::main]
/// # async fn main() -> Result<(), qosic::Error> {
/// use qosic::mock::{MockQosic, MockQosicHttp as _};
/// use qosic::{PaymentRequest, Status};
///
/// let mock = MockQosic::start().await;              // a real server on a loopback port
/// let client = mock.http_client()?;                 // over HTTP, polling every 10 ms
/// let outcome = client.pay(PaymentRequest::new("22997000100", 1000)).await?;
/// assert_eq!(outcome.status(), Status::Confirmed);
/// mock.assert_debited_once(outcome.reference());
/// # Ok(()) }
/// ```
///
/// Tests over HTTP run on tokio's real clock (an HTTP client's timeouts would fire at once on
/// a paused one); for tests of slow customers on the paused clock, use the in-process
/// `mock.client()`.
pub trait MockQosicHttp {
    /// A client of this fake server over HTTP: [`MockQosicHttp::http_client_builder`], built.
    ///
    /// Fails with [`Error::Config`] for a fake server without HTTP
    /// ([`MockQosic::in_process`]), and with [`Error::Setup`] when the HTTP transport cannot
    /// be set up.
    fn http_client(&self) -> Result<Client, Error>;

    /// The builder behind [`MockQosicHttp::http_client`], to change something before
    /// building: its transport (an `HttpTransport` of your own, with `.transport(..)`), other
    /// carriers, a default country.
    fn http_client_builder(&self) -> ClientBuilder;
}

impl MockQosicHttp for MockQosic {
    fn http_client(&self) -> Result<Client, Error> {
        if self.address().is_none() {
            return Err(Error::config(
                "the fake server",
                "one serving HTTP, started with MockQosic::start().await, for http_client(); \
                 this one is in-process (MockQosic::in_process()): use mock.client()",
            ));
        }
        self.http_client_builder().build()
    }

    fn http_client_builder(&self) -> ClientBuilder {
        let polling =
            PollingPolicy::unbounded(qosic_mock::TEST_POLLING_STEP, HTTP_TEST_POLLING_WINDOW)
                .unwrap_or_default();
        crate::builder()
            .base_url(self.uri())
            .credentials(self.credentials())
            .carriers(self.carriers(polling))
            .card_key(qosic_mock::DEFAULT_CARD_KEY)
            .card_base_url(self.uri())
    }
}
