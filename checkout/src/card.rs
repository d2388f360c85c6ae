//! Card payments: the steps of an order whose carrier is [`CARD`].
//!
//! `created`: the card checkout is requested once (claimed first, as for mobile money), with
//! the return URL `{public_url}/orders/{reference}`; the hosted card page's URL is kept in the
//! order's `operator_ref`, for the order page to send the customer to. Then status checks
//! ([`qosic::Client::card_status`]) settle it through the same window and reconciliation.

use qosic::CardCheckout;

use super::Engine;
use crate::config::CALL_TIMEOUT;
use crate::store::{Order, State, StoreError};

/// The carrier of card orders.
pub const CARD: &str = "CARD";

impl Engine {
    /// `created`, by card: claim, request the card checkout once, keep the card page's URL.
    pub(super) async fn send_card(&self, order: Order) -> Result<(), StoreError> {
        let Some(before) = self.claim(order).await? else {
            return Ok(());
        };
        let mut after = before.clone();
        let mut next = None;
        let Some(base) = self.public_url.as_deref() else {
            after.state = State::Failed;
            after.reason = Some(
                "card payments need the shop's public address (public_url) for the card page's return URL"
                    .to_owned(),
            );
            return self.commit(&before, after, None).await;
        };
        let return_url = format!("{}/orders/{}", base.trim_end_matches('/'), before.reference);
        let checkout = CardCheckout::new(u64::try_from(before.amount).unwrap_or(0), return_url)
            .reference(&before.reference);
        self.metrics.payment_requests.inc();
        let result = tokio::time::timeout(CALL_TIMEOUT, self.client.card_checkout(checkout)).await;
        let now = self.now_ms();
        if let Some(session) =
            self.answer_of(result, "the card checkout", &mut after, &mut next, now)
        {
            after.operator_ref = Some(session.url().to_owned());
            self.follow(&mut after, &mut next, now);
        }
        self.commit(&before, after, next).await
    }

    /// One card status check, settled as for mobile money.
    pub(super) async fn check_card(&self, order: Order) -> Result<(), StoreError> {
        let reference = order.reference.clone();
        let call = async move { self.client.card_status(&reference).await };
        self.check_with(order, call, |payment| {
            (payment.status(), payment.message().map(str::to_owned))
        })
        .await
    }
}
