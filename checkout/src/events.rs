//! Signed events to the merchant: when an order is paid, failed or refunded, the checkout
//! POSTs a JSON event to `CHECKOUT_WEBHOOK_URL`, signed with `CHECKOUT_WEBHOOK_SECRET`.
//!
//! ```json
//! {"id": "evt_QMXB…_3", "type": "order.paid", "created": 1796513400,
//!  "data": {"reference": "QMXB…", "state": "confirmed", "amount": 1500, "merchant_reference": "CMD-2041", …}}
//! ```
//!
//! **The signature.** The header `Checkout-Signature: t=<unix seconds>,v1=<hex>` where
//! `<hex>` is the HMAC-SHA256, keyed with the secret, of `"<t>.<raw body>"`. To verify: take
//! `t` and `v1` from the header, compute the HMAC of `t`, a dot and the body exactly as
//! received, compare in constant time, and refuse a `t` older than a few minutes (a replay).
//! In Rust, [`verify_signature`]; in Python:
//!
//! ```python
//! import hashlib, hmac, time
//!
//! def verify(header: str, body: bytes, secret: str, tolerance: int = 300) -> bool:
//!     parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
//!     t, v1 = parts.get("t", ""), parts.get("v1", "")
//!     if not t.isdigit() or abs(time.time() - int(t)) > tolerance:
//!         return False
//!     expected = hmac.new(secret.encode(), t.encode() + b"." + body, hashlib.sha256).hexdigest()
//!     return hmac.compare_digest(expected, v1)
//! ```
//!
//! **Delivery.** At least once; the event's `id` is for de-duplication. Each final transition
//! of an order (its row in `checkout_order_events`, written in the transaction that made the
//! transition) becomes one event in `checkout_webhook_events` and one delivery job in the
//! apalis queue `qosic-checkout-webhooks`, in one transaction; a delivery that fails (no
//! answer within [`crate::Config::webhook_timeout`], or not a 2xx) is tried again after 1, 2,
//! 4… times [`crate::Config::webhook_retry_base`] (at most an hour apart) until
//! [`crate::Config::webhook_period`] (24 h) after the event, then given up. `/admin/events`
//! lists them with their attempts.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use apalis::prelude::{BoxDynError, Data, Task, TaskBuilder};
use axum::extract::State as Extract;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::Sha256;
use sqlx::AssertSqlSafe;
use tokio::task::JoinHandle;

use crate::config::Config;
use crate::store::{now_ms, Store, StoreError};
use crate::tx::in_tx;

/// The apalis queue of the deliveries.
pub const QUEUE: &str = "qosic-checkout-webhooks";

/// The header that carries the signature.
pub const SIGNATURE_HEADER: &str = "Checkout-Signature";

/// The longest wait between two tries of one event.
pub const MAX_BACKOFF: Duration = Duration::from_secs(3600);

/// Why a signature was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureError {
    /// The header is not `t=<unix seconds>,v1=<hex>`.
    Malformed,
    /// `t` is further from now than the tolerance: an old event replayed, or a clock far off.
    Expired {
        /// How far `t` is from now, in seconds.
        age: u64,
    },
    /// No `v1` matches the body and secret: the body was changed, or another secret signed it.
    Mismatch,
}

impl fmt::Display for SignatureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignatureError::Malformed => f.write_str(
                "malformed Checkout-Signature: expected t=<unix seconds>,v1=<hex HMAC-SHA256>",
            ),
            SignatureError::Expired { age } => write!(
                f,
                "the signature's timestamp is {age} s from now, beyond the tolerance: a replayed or delayed event (check the clocks)"
            ),
            SignatureError::Mismatch => f.write_str(
                "the signature does not match the body: the body was changed, or the secret is not CHECKOUT_WEBHOOK_SECRET",
            ),
        }
    }
}

impl std::error::Error for SignatureError {}

fn hmac_hex(secret: &[u8], t: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(t.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The `Checkout-Signature` header of `body` signed with `secret` at `t` (unix seconds).
pub fn sign(body: &[u8], secret: &str, t: u64) -> String {
    let t = t.to_string();
    format!("t={t},v1={}", hmac_hex(secret.as_bytes(), &t, body))
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Verifies a `Checkout-Signature` header against the raw body received and the secret;
/// refuses a timestamp further than `tolerance` from now.
///
/// ```
/// use std::time::{Duration, SystemTime, UNIX_EPOCH};
/// use qosic_checkout::events::{sign, verify_signature, SignatureError};
///
/// let body = br#"{"id":"evt_1","type":"order.paid"}"#;
/// let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
/// let header = sign(body, "whsec_test", now);
/// assert_eq!(verify_signature(&header, body, "whsec_test", Duration::from_secs(300)), Ok(()));
/// assert_eq!(
///     verify_signature(&header, b"{}", "whsec_test", Duration::from_secs(300)),
///     Err(SignatureError::Mismatch)
/// );
/// ```
pub fn verify_signature(
    header: &str,
    body: &[u8],
    secret: &str,
    tolerance: Duration,
) -> Result<(), SignatureError> {
    let mut t = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => t = Some(value),
            Some(("v1", value)) => signatures.push(value),
            _ => {}
        }
    }
    let Some(t) = t.filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit())) else {
        return Err(SignatureError::Malformed);
    };
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    let at: u64 = t.parse().map_err(|_| SignatureError::Malformed)?;
    let age = unix_now().abs_diff(at);
    if age > tolerance.as_secs() {
        return Err(SignatureError::Expired { age });
    }
    let expected = hmac_hex(secret.as_bytes(), t, body);
    let matches = signatures.iter().any(|given| {
        given.len() == expected.len()
            && given
                .bytes()
                .zip(expected.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    });
    if matches {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

const SCHEMA: [&str; 2] = [
    "CREATE TABLE IF NOT EXISTS checkout_webhook_events (
        id TEXT PRIMARY KEY,
        type TEXT NOT NULL,
        reference TEXT NOT NULL,
        step BIGINT NOT NULL,
        body TEXT NOT NULL,
        created BIGINT NOT NULL,
        attempts BIGINT NOT NULL,
        delivered_at BIGINT,
        gave_up BIGINT NOT NULL,
        last_error TEXT,
        next_at BIGINT
    )",
    "CREATE UNIQUE INDEX IF NOT EXISTS checkout_webhook_events_step ON checkout_webhook_events (reference, step)",
];

/// Creates the events' table when missing.
pub async fn migrate(store: &Store) -> Result<(), StoreError> {
    if let Some(pool) = store.sqlite_pool() {
        for ddl in SCHEMA {
            sqlx::query(ddl).execute(pool).await?;
        }
    } else if let Some(pool) = store.pg_pool() {
        for ddl in SCHEMA {
            sqlx::query(ddl).execute(pool).await?;
        }
    }
    Ok(())
}

/// One delivery job: try `attempt` of `event`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Deliver {
    /// The event's id.
    pub event: String,
    /// Which try (0 first): a job for a try already made does nothing.
    pub attempt: i64,
}

fn task(job: &Deliver, run_at_ms: i64) -> Result<Task<Vec<u8>>, StoreError> {
    let args = serde_json::to_vec(job)
        .map_err(|e| StoreError::Queue(format!("cannot encode the delivery job: {e}")))?;
    let run_at = u64::try_from(run_at_ms.saturating_add(999) / 1000).unwrap_or(0);
    Ok(TaskBuilder::new(args)
        .run_at_timestamp(run_at)
        .idempotency_key(format!("{}:{}", job.event, job.attempt))
        .max_attempts(25)
        .build())
}

/// The event's type for an order's final state.
fn event_type(state: &str) -> Option<&'static str> {
    match state {
        "confirmed" => Some("order.paid"),
        "failed" => Some("order.failed"),
        "refunded" => Some("order.refunded"),
        _ => None,
    }
}

/// What the deliveries need.
#[derive(Debug)]
struct Hooks {
    store: Store,
    http: qosic::http::reqwest::Client,
    url: String,
    secret: qosic::Secret,
    retry_base: Duration,
    period: Duration,
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Turns final transitions without an event into events, each with its first delivery job.
/// Returns how many were made.
async fn sweep(store: &Store) -> Result<usize, StoreError> {
    let since = now_ms() - 7 * 86_400_000;
    let found: Vec<(String, i64, String, i64)> = in_tx!(store, |tx, sql, push| {
        Ok::<_, StoreError>(
            sqlx::query_as(sql(
                "SELECT e.reference, e.step, e.state, e.at FROM checkout_order_events e \
                 WHERE e.state IN ('confirmed', 'failed', 'refunded') AND e.at > $1 \
                 AND NOT EXISTS (SELECT 1 FROM checkout_webhook_events w \
                 WHERE w.reference = e.reference AND w.step = e.step) \
                 ORDER BY e.at LIMIT 100",
            ))
            .bind(since)
            .fetch_all(&mut *tx)
            .await?,
        )
    })?;
    let mut made = 0;
    for (reference, step, state, at) in found {
        let Some(kind) = event_type(&state) else {
            continue;
        };
        let Some(order) = store.order(&reference).await? else {
            continue;
        };
        let link = crate::links::link_of_order(store, &reference).await?;
        let id = format!("evt_{reference}_{step}");
        let body = json!({
            "id": id,
            "type": kind,
            "created": at / 1000,
            "data": {
                "reference": order.reference,
                "state": state,
                "amount": order.amount,
                "currency": "XOF",
                "carrier": order.carrier,
                "phone": order.masked_phone(),
                "reason": order.reason,
                "created_at": order.created_at / 1000,
                "link": link.as_ref().map(|l| l.id.clone()),
                "description": link.as_ref().map(|l| l.description.clone()),
                "merchant_reference": link.as_ref().and_then(|l| l.merchant_reference.clone()),
            },
        })
        .to_string();
        let first = task(
            &Deliver {
                event: id.clone(),
                attempt: 0,
            },
            now_ms(),
        )?;
        let inserted = in_tx!(store, |tx, sql, push| {
            let done = sqlx::query(sql(
                "INSERT INTO checkout_webhook_events \
                 (id, type, reference, step, body, created, attempts, delivered_at, gave_up, last_error, next_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, 0, NULL, 0, NULL, $7) ON CONFLICT DO NOTHING",
            ))
            .bind(&id)
            .bind(kind)
            .bind(&reference)
            .bind(step)
            .bind(&body)
            .bind(at)
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 1 {
                push(&mut tx, QUEUE, first).await?;
            }
            Ok::<_, StoreError>(done.rows_affected() == 1)
        })?;
        if inserted {
            tracing::info!("event {id} ({kind}) queued for the merchant");
            made += 1;
        }
    }
    Ok(made)
}

impl Hooks {
    /// One try of one event; the next try queued when it fails, until the period ends.
    async fn deliver(&self, job: &Deliver) -> Result<(), StoreError> {
        let row: Option<(String, i64, i64, Option<i64>, i64)> = in_tx!(
            self.store,
            |tx, sql, push| {
                Ok::<_, StoreError>(
                sqlx::query_as(sql(
                    "SELECT body, created, attempts, delivered_at, gave_up FROM checkout_webhook_events WHERE id = $1",
                ))
                .bind(&job.event)
                .fetch_optional(&mut *tx)
                .await?,
            )
            }
        )?;
        let Some((body, created, attempts, delivered, gave_up)) = row else {
            return Ok(());
        };
        if delivered.is_some() || gave_up != 0 || attempts != job.attempt {
            return Ok(());
        }
        let signature = sign(body.as_bytes(), self.secret.expose(), unix_now());
        let sent = self
            .http
            .post(&self.url)
            .header("content-type", "application/json")
            .header(SIGNATURE_HEADER, signature)
            .body(body)
            .send()
            .await;
        let error = match sent {
            Ok(response) if response.status().is_success() => None,
            Ok(response) => Some(format!("the receiver answered {}", response.status())),
            Err(e) if e.is_timeout() => Some("no answer in time".to_owned()),
            Err(e) => Some(format!("not delivered: {e}")),
        };
        let now = now_ms();
        let Some(error) = error else {
            in_tx!(self.store, |tx, sql, push| {
                sqlx::query(sql(
                    "UPDATE checkout_webhook_events SET delivered_at = $3, attempts = attempts + 1, next_at = NULL \
                     WHERE id = $1 AND attempts = $2",
                ))
                .bind(&job.event)
                .bind(job.attempt)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                Ok::<_, StoreError>(())
            })?;
            tracing::info!("event {} delivered (try {})", job.event, job.attempt + 1);
            return Ok(());
        };
        let shift = u32::try_from(job.attempt.clamp(0, 20)).unwrap_or(20);
        let backoff = ms(self.retry_base)
            .saturating_mul(1_i64 << shift)
            .min(ms(MAX_BACKOFF));
        let next_at = now.saturating_add(backoff);
        let give_up = next_at > created.saturating_add(ms(self.period));
        let next = task(
            &Deliver {
                event: job.event.clone(),
                attempt: job.attempt + 1,
            },
            next_at,
        )?;
        in_tx!(self.store, |tx, sql, push| {
            let done = sqlx::query(sql(
                "UPDATE checkout_webhook_events SET attempts = attempts + 1, last_error = $3, next_at = $4, gave_up = $5 \
                 WHERE id = $1 AND attempts = $2",
            ))
            .bind(&job.event)
            .bind(job.attempt)
            .bind(&error)
            .bind((!give_up).then_some(next_at))
            .bind(i64::from(give_up))
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 1 && !give_up {
                push(&mut tx, QUEUE, next).await?;
            }
            Ok::<_, StoreError>(())
        })?;
        if give_up {
            tracing::warn!(
                "event {}: {error}; given up after {} tries",
                job.event,
                job.attempt + 1
            );
        } else {
            tracing::warn!(
                "event {}: {error}; trying again in {} s",
                job.event,
                backoff / 1000
            );
        }
        Ok(())
    }
}

async fn deliver_job(job: Deliver, hooks: Data<Arc<Hooks>>) -> Result<(), BoxDynError> {
    hooks
        .deliver(&job)
        .await
        .map_err(|e| Box::new(e) as BoxDynError)
}

/// Starts the events: the sweep of final transitions (every `poll_interval`) and the
/// delivery worker. Nothing when no webhook URL is set.
pub fn spawn(store: Store, config: &Config) -> Option<JoinHandle<()>> {
    let url = config.webhook_url.clone()?;
    let secret = config.webhook_secret.clone()?;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = match qosic::http::reqwest::Client::builder()
        .timeout(config.webhook_timeout)
        .connect_timeout(config.webhook_timeout)
        .redirect(qosic::http::reqwest::redirect::Policy::none())
        .build()
    {
        Ok(http) => http,
        Err(e) => {
            tracing::error!("events are off: cannot build the HTTP client: {e}");
            return None;
        }
    };
    let hooks = Arc::new(Hooks {
        store,
        http,
        url,
        secret,
        retry_base: config.webhook_retry_base,
        period: config.webhook_period,
    });
    let poll = config.poll_interval;
    let heartbeat = config.heartbeat;
    let name = format!("{}-{}-events", config.instance, now_ms());
    Some(tokio::spawn(async move {
        let sweeper = {
            let store = hooks.store.clone();
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(poll.max(Duration::from_millis(100)));
                loop {
                    tick.tick().await;
                    match tokio::time::timeout(Duration::from_secs(60), sweep(&store)).await {
                        Ok(Ok(_)) => {}
                        Ok(Err(e)) => tracing::warn!("cannot queue the events: {e}"),
                        Err(_) => tracing::warn!("queueing the events took over 60 s"),
                    }
                }
            })
        };
        crate::poll::keep_running(&format!("{name}-w"), "events worker", |name| {
            let hooks = Arc::clone(&hooks);
            async move { run_worker(&hooks, &name, heartbeat, poll).await }
        })
        .await;
        sweeper.abort();
    }))
}

async fn run_worker(
    hooks: &Arc<Hooks>,
    name: &str,
    heartbeat: Duration,
    poll: Duration,
) -> Result<(), BoxDynError> {
    let spec = crate::poll::WorkerSpec {
        queue: QUEUE,
        heartbeat,
        poll,
        concurrency: 16,
        timeout: Duration::from_secs(120),
    };
    crate::poll::run_worker!(
        hooks.store,
        spec,
        Deliver,
        name,
        Arc::clone(hooks),
        deliver_job
    )
}

/// One event, as `/admin/events` lists it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct EventRow {
    /// The event's id.
    pub id: String,
    /// `order.paid`, `order.failed` or `order.refunded`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The order's reference.
    pub reference: String,
    /// Tries made.
    pub attempts: i64,
    /// When it was delivered (unix ms), if it was.
    pub delivered_at: Option<i64>,
    /// Whether the tries stopped after the period.
    pub gave_up: bool,
    /// What the last failed try met.
    pub last_error: Option<String>,
    /// When the next try is due (unix ms).
    pub next_at: Option<i64>,
}

/// The latest events, newest first (at most 200).
pub async fn recent(store: &Store) -> Result<Vec<EventRow>, StoreError> {
    type Row = (
        String,
        String,
        String,
        i64,
        Option<i64>,
        i64,
        Option<String>,
        Option<i64>,
    );
    let rows: Vec<Row> = in_tx!(store, |tx, sql, push| {
        Ok::<_, StoreError>(
            sqlx::query_as(sql(
                "SELECT id, type, reference, attempts, delivered_at, gave_up, last_error, next_at \
                 FROM checkout_webhook_events ORDER BY created DESC, id LIMIT 200",
            ))
            .fetch_all(&mut *tx)
            .await?,
        )
    })?;
    Ok(rows
        .into_iter()
        .map(
            |(id, kind, reference, attempts, delivered_at, gave_up, last_error, next_at)| {
                EventRow {
                    id,
                    kind,
                    reference,
                    attempts,
                    delivered_at,
                    gave_up: gave_up != 0,
                    last_error,
                    next_at,
                }
            },
        )
        .collect())
}

/// `GET /admin/events`, for the shop's admin router (behind its guard).
pub(crate) fn admin_routes<S>(store: Store) -> Router<S> {
    Router::new()
        .route("/admin/events", get(admin_events))
        .with_state(store)
}

async fn admin_events(Extract(store): Extract<Store>) -> Response {
    match recent(&store).await {
        Ok(events) => Json(json!({ "events": events })).into_response(),
        Err(e) => crate::web::json_unavailable(&e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_and_a_tampered_body_or_an_old_one_does_not() {
        let body = br#"{"id":"evt_1","type":"order.paid"}"#;
        let now = unix_now();
        let header = sign(body, "s3cret", now);
        let tolerance = Duration::from_secs(300);
        assert_eq!(verify_signature(&header, body, "s3cret", tolerance), Ok(()));
        assert_eq!(
            verify_signature(
                &header,
                br#"{"id":"evt_1","type":"order.failed"}"#,
                "s3cret",
                tolerance
            ),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_signature(&header, body, "other", tolerance),
            Err(SignatureError::Mismatch)
        );
        let old = sign(body, "s3cret", now - 600);
        assert_eq!(
            verify_signature(&old, body, "s3cret", tolerance),
            Err(SignatureError::Expired { age: 600 })
        );
        for bad in ["", "t=,v1=00", "v1=00", "t=12", "t=abc,v1=00"] {
            assert_eq!(
                verify_signature(bad, body, "s3cret", tolerance),
                Err(SignatureError::Malformed),
                "{bad}"
            );
        }
        // A known vector: HMAC-SHA256 keyed "key" of "1.{}" (Python's hmac module agrees).
        assert_eq!(
            sign(b"{}", "key", 1),
            "t=1,v1=1ba6b8171186efc613e8bcc0cbdab2748f24984d7c5a84faa2637afa0e40d224"
        );
    }
}
