//! The rate limits on new orders: per phone number and per client address, shared by the
//! order form, payment links and product pages.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use tokio::time::Instant;

use crate::config::MAX_RATE_KEYS_TRACKED;
use crate::page::{self, Ctx};

/// Fixed-window counters of new orders per phone number and per client address, in a map
/// capped at [`MAX_RATE_KEYS_TRACKED`] keys: the order form, payment links and product pages
/// share them.
#[derive(Debug)]
pub(crate) struct RateLimits {
    pub(crate) window: Duration,
    pub(crate) per_phone: u32,
    pub(crate) per_client: u32,
    pub(crate) counts: Mutex<HashMap<String, (Instant, u32)>>,
}

impl RateLimits {
    /// Counts one order for each key if every key has had fewer than its limit in its
    /// window; counts nothing otherwise (a refused order uses no one's allowance).
    fn admit(&self, keys: Vec<(String, u32)>, now: Instant) -> bool {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        let new_keys = keys.iter().filter(|(k, _)| !counts.contains_key(k)).count();
        if counts.len() + new_keys > MAX_RATE_KEYS_TRACKED {
            counts.retain(|_, (start, _)| now.saturating_duration_since(*start) < self.window);
            if counts.len() + new_keys > MAX_RATE_KEYS_TRACKED {
                return false;
            }
        }
        let used = |key: &String| match counts.get(key) {
            Some((start, n)) if now.saturating_duration_since(*start) < self.window => *n,
            _ => 0,
        };
        if keys.iter().any(|(key, limit)| used(key) >= *limit) {
            return false;
        }
        for (key, _) in keys {
            let entry = counts.entry(key).or_insert((now, 0));
            if now.saturating_duration_since(entry.0) >= self.window {
                *entry = (now, 0);
            }
            entry.1 += 1;
        }
        true
    }

    /// Counts one new order to `phone` (none for a card order: the client address only)
    /// from `peer`, or the customer's 429 page (with `Retry-After`) when either has had its
    /// allowance in the window.
    pub(crate) fn refuse(
        &self,
        ctx: &Ctx<'_>,
        peer: Option<SocketAddr>,
        phone: Option<&str>,
    ) -> Option<Response> {
        let mut keys = vec![(client_key(peer), self.per_client)];
        if let Some(phone) = phone {
            keys.push((format!("phone:{phone}"), self.per_phone));
        }
        if self.admit(keys, Instant::now()) {
            return None;
        }
        tracing::warn!("order refused: too many orders from one address or to one number");
        let minutes = self.window.as_secs().div_ceil(60).max(1);
        Some(
            (
                StatusCode::TOO_MANY_REQUESTS,
                [(
                    header::RETRY_AFTER,
                    self.window.as_secs().max(1).to_string(),
                )],
                Html(page::message_text(
                    ctx,
                    "rate-limited-title",
                    &ctx.texts.with(
                        "rate-limited-text",
                        &[("minutes", minutes.to_string().into())],
                    ),
                )),
            )
                .into_response(),
        )
    }
}

/// The key of a client address: IPv6 clients are counted per /64, the block one customer
/// usually has.
fn client_key(peer: Option<SocketAddr>) -> String {
    match peer.map(|p| p.ip()) {
        Some(IpAddr::V6(ip)) => {
            let s = ip.segments();
            format!("client:{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Some(ip) => format!("client:{ip}"),
        None => "client:unknown".to_owned(),
    }
}
