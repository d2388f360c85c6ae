//! The one place a request is routed, whatever way it came in: the admin API under
//! `/__admin/` (`admin.rs`), else the card checkout (`card.rs`), else the wire protocol ([`Shared::handle_wire`], whose
//! operations `protocol.rs` dispatches by [`crate::Operation`]).

use crate::admin;
use crate::card;
use crate::config::ADMIN_PREFIX;
use crate::reply::{Action, Incoming};
use crate::shared::Shared;

/// Handles one request. Never panics, whatever the request.
pub(crate) fn handle(shared: &Shared, req: &Incoming<'_>) -> Action {
    if req.path.starts_with(ADMIN_PREFIX) || req.path == "/__admin" {
        return admin::handle(shared, req);
    }
    // The card checkout's routes and its hosted page (`card.rs`).
    if let Some(action) = card::handle(&shared.cards, &shared.callbacks, req) {
        return action;
    }
    shared.handle_wire(req)
}
