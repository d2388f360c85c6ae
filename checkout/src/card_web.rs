//! "Pay by card" on the shop's pages: after a card order is taken (from the order form, a
//! payment link or a product page), the customer is sent to QosIc's card page as soon as the
//! engine has its address ([`to_card_page`]); the card page sends them back to the order page,
//! which then brings the order's status check forward ([`returned_from_card_page`]).

use std::time::Duration;

use axum::response::{IntoResponse, Redirect, Response};
use tokio::sync::broadcast::error::RecvError;

use crate::config::CARD_PAGE_WAIT;
use crate::jobs::{CheckNow, Engine};
use crate::store::{Order, State, StoreError};

/// The answer to a card order's post: a 303 to the card page once the engine has its address
/// (waiting at most [`CARD_PAGE_WAIT`]), else a 303 to the order page, which offers the card
/// page when it comes. A card order no longer waiting for the customer (settled, or its window
/// closed) goes to its order page; so does any other order.
///
/// Only a card page at `card_origin` (the card host, which the Content-Security-Policy's
/// `form-action` allows) is redirected to: a browser refuses a form's redirect anywhere else,
/// so a card page elsewhere is offered as a link on the order page instead.
pub(crate) async fn to_card_page(
    engine: &Engine,
    order: Order,
    card_origin: Option<&str>,
) -> Response {
    let order_page = Redirect::to(&format!("/orders/{}", order.reference)).into_response();
    if !order.by_card() {
        return order_page;
    }
    match card_page_of(engine, order, CARD_PAGE_WAIT).await {
        Ok(Some(url))
            if card_origin.is_some() && crate::assets::origin(&url).as_deref() == card_origin =>
        {
            Redirect::to(&url).into_response()
        }
        Ok(Some(url)) => {
            tracing::warn!(
                "the card page {url} is not on the card host ({}): offered as a link on the order page",
                card_origin.unwrap_or("none")
            );
            order_page
        }
        Ok(None) => order_page,
        Err(e) => {
            tracing::warn!("cannot read the card order: {e}; its page follows it");
            order_page
        }
    }
}

/// The card page of `order` when it is waiting for the customer there, after at most `wait`
/// for the engine to request it.
async fn card_page_of(
    engine: &Engine,
    order: Order,
    wait: Duration,
) -> Result<Option<String>, StoreError> {
    let waiting = |order: &Order| matches!(order.state, State::Created | State::Sending);
    let mut order = order;
    if waiting(&order) {
        // Subscribe, then read again: no change between the two is missed.
        let mut changes = engine.hub().subscribe();
        if let Some(current) = engine.store().order(&order.reference).await? {
            order = current;
        }
        let deadline = tokio::time::Instant::now() + wait;
        while waiting(&order) {
            match tokio::time::timeout_at(deadline, changes.recv()).await {
                Err(_) | Ok(Err(RecvError::Closed)) => break,
                Ok(Ok(view)) if view.reference != order.reference => continue,
                Ok(Ok(_) | Err(RecvError::Lagged(_))) => {
                    match engine.store().order(&order.reference).await? {
                        Some(current) => order = current,
                        None => break,
                    }
                }
            }
        }
    }
    Ok(match order.state {
        State::Pending => order.operator_ref,
        _ => None,
    })
}

/// The customer is back from the card page (`/orders/{reference}?transref=…`): the order's
/// status check is brought forward, as for a callback (the return says nothing by itself;
/// QosIc's answer to the check settles the order), at most once per order per
/// [`crate::Config::min_early_check_interval`].
pub(crate) async fn returned_from_card_page(engine: &Engine, reference: &str) {
    match engine.check_now(reference).await {
        Ok(CheckNow::Queued(_)) => tracing::info!(
            "order {reference}: the customer is back from the card page; checking its status"
        ),
        Ok(CheckNow::Nothing | CheckNow::TooSoon { .. }) => {}
        Err(e) => tracing::warn!("order {reference}: cannot bring its status check forward: {e}"),
    }
}
