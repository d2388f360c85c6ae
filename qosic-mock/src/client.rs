//! A ready SDK client for tests: [`MockQosic::client`] and [`MockQosic::client_builder`].

use std::sync::Arc;
use std::time::Duration;

use qosic_carriers_bj::{Celtiis, Moov, Mtn};
use qosic_core::{Client, ClientBuilder, MobileCarrier, PollingPolicy};

use crate::{Carrier, MockQosic};

/// The polling policy of [`MockQosic::client`]: a status check every 10 ms, for at most
/// 120 s (QosIc's default window).
///
/// With the fake server, a customer who approves is confirmed at the first status check, so a
/// payment takes about 10 ms on the real clock. Tests of slow customers (a subscriber who
/// approves after a minute, one who never answers) should run on tokio's paused clock
/// (`#[tokio::test(start_paused = true)]`), where the whole window takes milliseconds.
pub const TEST_POLLING_STEP: Duration = Duration::from_millis(10);

impl MockQosic {
    /// A [`Client`] wired to this fake server, ready for a test: its credentials, the Benin
    /// carriers (`Mtn`, `Moov`, `Celtiis`) with its client ids, a fast polling policy
    /// ([`TEST_POLLING_STEP`]), and the in-process transport (no sockets; works on tokio's
    /// paused clock, and shares the state of an HTTP mock too).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap().block_on(async {
    /// use qosic_core::{PaymentRequest, Status};
    /// let mock = qosic_mock::MockQosic::in_process();
    /// let outcome = mock.client().pay(PaymentRequest::new("22997000100", 1000)).await?;
    /// assert_eq!(outcome.status(), Status::Confirmed);
    /// mock.assert_debited_once(outcome.reference().as_str());
    /// # Ok::<(), qosic_core::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn client(&self) -> Client {
        self.client_builder()
            .build()
            .unwrap_or_else(|e| unreachable!("a client of the fake server always builds: {e}"))
    }

    /// The builder behind [`MockQosic::client`], to change something before building: another
    /// transport (an HTTP one, with [`MockQosic::uri`] as base URL, already set), other
    /// carriers, a default country.
    pub fn client_builder(&self) -> ClientBuilder {
        let polling = PollingPolicy::unbounded(TEST_POLLING_STEP, Duration::from_secs(120))
            .unwrap_or_default();
        let carriers = self
            .test_carriers(polling)
            .unwrap_or_else(|e| unreachable!("the fake server's client ids are valid: {e}"));
        Client::builder()
            .base_url(self.uri())
            .credentials(self.credentials())
            .carriers(carriers)
            .transport(self.transport())
    }

    fn test_carriers(
        &self,
        polling: PollingPolicy,
    ) -> Result<Vec<Arc<dyn MobileCarrier>>, qosic_core::Error> {
        Ok(vec![
            Arc::new(Mtn::new(self.client_id(Carrier::Mtn))?.with_polling(polling)),
            Arc::new(Moov::new(self.client_id(Carrier::Moov))?.with_polling(polling)),
            Arc::new(Celtiis::new(self.client_id(Carrier::Celtiis))?.with_polling(polling)),
        ])
    }
}
