//! A ready SDK client for tests: [`MockQosic::client`] and [`MockQosic::client_builder`].

use std::sync::Arc;
use std::time::Duration;

use qosic_core::carrier::QosicCarrier;
use qosic_core::{Client, ClientBuilder, MobileCarrier, PollingPolicy};

use crate::mock::MockQosic;

/// The polling policy of [`MockQosic::client`]: a status check every 10 ms, for at most
/// 120 s (QosIc's default window). A customer who approves is confirmed at the first check;
/// tests of slow customers belong on tokio's paused clock
/// (`#[tokio::test(start_paused = true)]`), where the whole window takes milliseconds.
pub const TEST_POLLING_STEP: Duration = Duration::from_millis(10);

impl MockQosic {
    /// A [`Client`] wired to this fake server, ready for a test: its credentials, every
    /// carrier it serves ([`MockQosic::carriers`]) with its client ids, a fast polling policy
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
    /// carriers, a default country. Card payments are on: the card key is
    /// [`DEFAULT_CARD_KEY`](crate::DEFAULT_CARD_KEY) and the card base URL this server's.
    /// For a client over real HTTP, see `mock.http_client()` in the `qosic` crate (features
    /// `mock` and `http`).
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

    /// The SDK's carriers for every carrier this server serves, in its order, with its
    /// client ids and `polling`: what [`MockQosic::client`] uses. A client id the SDK cannot
    /// take ([`client_id`](crate::MockQosicBuilder::client_id) accepts any text, to test
    /// refusals) leaves its carrier out.
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
