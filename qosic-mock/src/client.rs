//! A ready SDK client for tests: [`MockQosic::client`] and [`MockQosic::client_builder`].

use std::sync::Arc;
use std::time::Duration;

use qosic_core::carrier::QosicCarrier;
use qosic_core::{Client, ClientBuilder, MobileCarrier, PollingPolicy};

use crate::mock::MockQosic;

/// The polling step of [`MockQosic::client`]: a status check every 10 ms, for at most 120 s
/// (QosIc's default window; free on tokio's paused clock).
pub const TEST_POLLING_STEP: Duration = Duration::from_millis(10);

impl MockQosic {
    /// A [`Client`] wired to this fake server: its credentials, carriers
    /// ([`MockQosic::carriers`]), [`TEST_POLLING_STEP`] and in-process transport.
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

    /// The builder behind [`MockQosic::client`], to change something before building (the
    /// base URL is [`MockQosic::uri`], the card key [`DEFAULT_CARD_KEY`](crate::DEFAULT_CARD_KEY));
    /// over real HTTP, see `mock.http_client()` in the `qosic` crate.
    pub fn client_builder(&self) -> ClientBuilder {
        let polling = PollingPolicy::unbounded(TEST_POLLING_STEP, Duration::from_secs(120))
            .unwrap_or_default();
        let carriers = self.carriers(polling);
        Client::builder()
            .base_url(self.uri())
            .credentials(self.credentials())
            .carriers(carriers)
            .transport(self.transport())
            .card_key(crate::DEFAULT_CARD_KEY)
            .card_base_url(self.uri())
    }

    /// The SDK's carriers for every carrier served, with its client ids and `polling`; a
    /// client id the SDK refuses leaves its carrier out.
    pub fn carriers(&self, polling: PollingPolicy) -> Vec<Arc<dyn MobileCarrier>> {
        crate::endpoint::table()
            .carriers
            .iter()
            .filter_map(|served| {
                let id = self.shared.config.client_ids.get(served.spec.carrier())?;
                let carrier = QosicCarrier::new(served.spec, id).ok()?;
                Some(carrier.with_polling(polling).shared())
            })
            .collect()
    }
}
