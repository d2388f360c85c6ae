//! For the operator and the platform: health, readiness and metrics ([`router`]), the hand-over
//! of unfinished jobs at a stop ([`hand_back`]), and reconciliation jobs for orders an older
//! version left without one ([`schedule_reconciliation`]).
//!
//! | route | what |
//! |---|---|
//! | `GET /healthz` | 200 `ok` while the process answers (liveness) |
//! | `GET /readyz` | 200 when the database answers within 2 s and this instance's worker sent a heartbeat within two heartbeat intervals (or it runs none); 503 otherwise, and once the instance is stopping; JSON saying which |
//! | `GET /metrics` | Prometheus metrics ([`crate::metrics`]); behind `CHECKOUT_ADMIN_TOKEN` as `/admin` is |

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State as Extract};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::config::Config;
use crate::jobs::{next_reconcile, Engine};
use crate::store::{State, Store, StoreError, QUEUE};

/// How long `/readyz` and `/metrics` wait for the database.
const DB_PATIENCE: Duration = Duration::from_secs(2);

/// What the operations routes share.
#[derive(Debug, Clone)]
struct Ops {
    engine: Arc<Engine>,
    /// The start of this instance's worker names, when it runs a worker.
    worker: Option<String>,
    heartbeat: Duration,
    stopping: Arc<AtomicBool>,
    /// `Some(token)`: `/metrics` asks for it; `None` with `open`: anyone; else off.
    token: Option<qosic::Secret>,
    open: bool,
}

/// `/healthz`, `/readyz` and `/metrics` for this engine. `worker` is the prefix of this
/// instance's worker names ([`crate::jobs::worker_prefix`]) when it runs one; `stopping`
/// turns `/readyz` to 503.
pub fn router(
    engine: Arc<Engine>,
    config: &Config,
    worker: Option<String>,
    stopping: Arc<AtomicBool>,
) -> Router {
    let token = config
        .admin_token
        .clone()
        .filter(|token| !token.expose().is_empty());
    let ops = Ops {
        engine,
        worker,
        heartbeat: config.heartbeat,
        stopping,
        open: token.is_none() && config.listen.ip().is_loopback(),
        token,
    };
    let metrics = Router::new()
        .route("/metrics", get(metrics))
        .route_layer(middleware::from_fn_with_state(ops.clone(), metrics_guard));
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(ready))
        .merge(metrics)
        .with_state(ops)
}

async fn metrics_guard(Extract(ops): Extract<Ops>, request: Request, next: Next) -> Response {
    let allowed = match &ops.token {
        Some(token) => request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|given| {
                let (a, b) = (given.as_bytes(), token.expose().as_bytes());
                a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
            }),
        None => ops.open,
    };
    if allowed {
        return next.run(request).await;
    }
    let (status, why) = if ops.token.is_some() {
        (
            StatusCode::UNAUTHORIZED,
            "the operator's token is required (Authorization: Bearer TOKEN)",
        )
    } else {
        (
            StatusCode::NOT_FOUND,
            "/metrics is off: the shop listens beyond loopback and CHECKOUT_ADMIN_TOKEN is not set",
        )
    };
    (status, Json(json!({ "error": why }))).into_response()
}

async fn ready(Extract(ops): Extract<Ops>) -> Response {
    let store = ops.engine.store();
    let database = match tokio::time::timeout(DB_PATIENCE, ping(store)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!(
            "the database did not answer within {} s",
            DB_PATIENCE.as_secs()
        )),
    };
    let worker = match &ops.worker {
        None => Ok("off: this instance runs no jobs".to_owned()),
        Some(prefix) => match tokio::time::timeout(DB_PATIENCE, heartbeat_age(store, prefix)).await
        {
            Ok(Ok(Some(age))) if age.unsigned_abs() <= 2 * ops.heartbeat.as_secs() + 1 => {
                Ok(format!("last heartbeat {age} s ago"))
            }
            Ok(Ok(Some(age))) => Err(format!(
                "no heartbeat for {age} s (one is due every {} s)",
                ops.heartbeat.as_secs()
            )),
            Ok(Ok(None)) => Err("the worker has not registered yet".to_owned()),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err("the worker's heartbeat could not be read in time".to_owned()),
        },
    };
    let stopping = ops.stopping.load(Ordering::SeqCst);
    let ready = database.is_ok() && worker.is_ok() && !stopping;
    let text = |r: &Result<String, String>| match r {
        Ok(text) => json!({ "ok": true, "detail": text }),
        Err(text) => json!({ "ok": false, "detail": text }),
    };
    let body = json!({
        "ready": ready,
        "instance": ops.engine.instance(),
        "stopping": stopping,
        "database": text(&database.map(|()| ops.engine.store().backend().to_owned())),
        "worker": text(&worker),
    });
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}

async fn metrics(Extract(ops): Extract<Ops>) -> Response {
    let store = ops.engine.store();
    let metrics = ops.engine.metrics();
    let read = async {
        let counts = store.counts().await?;
        let jobs = job_counts(store).await?;
        Ok::<_, StoreError>((counts, jobs))
    };
    match tokio::time::timeout(DB_PATIENCE, read).await {
        Ok(Ok((counts, jobs))) => {
            for (state, count) in counts {
                metrics.set_orders(state.as_str(), count);
            }
            for (state, count) in jobs {
                metrics.set_jobs(state, count);
            }
        }
        // The counters still answer; the gauges keep their last values.
        Ok(Err(e)) => tracing::warn!("/metrics cannot read the database: {e}"),
        Err(_) => tracing::warn!("/metrics: the database did not answer within 2 s"),
    }
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        metrics.render(),
    )
        .into_response()
}

async fn ping(store: &Store) -> Result<(), StoreError> {
    if let Some(pool) = store.sqlite_pool() {
        sqlx::query("SELECT 1").execute(pool).await?;
    } else if let Some(pool) = store.pg_pool() {
        sqlx::query("SELECT 1").execute(pool).await?;
    }
    Ok(())
}

/// Seconds since the last heartbeat of a worker whose name starts with `prefix`.
async fn heartbeat_age(store: &Store, prefix: &str) -> Result<Option<i64>, StoreError> {
    let age: (Option<i64>,) = if let Some(pool) = store.sqlite_pool() {
        sqlx::query_as(
            "SELECT CAST(strftime('%s', 'now') AS INTEGER) - MAX(last_seen) FROM Workers \
             WHERE substr(id, 1, length(?1)) = ?1",
        )
        .bind(prefix)
        .fetch_one(pool)
        .await?
    } else if let Some(pool) = store.pg_pool() {
        sqlx::query_as(
            "SELECT CAST(EXTRACT(EPOCH FROM now() - MAX(last_seen)) AS BIGINT) \
             FROM apalis.workers WHERE left(id, length($1)) = $1",
        )
        .bind(prefix)
        .fetch_one(pool)
        .await?
    } else {
        (None,)
    };
    Ok(age.0.map(|age| age.max(0)))
}

/// The checkout's jobs waiting or in progress: `due`, `scheduled` (later) and `running`.
async fn job_counts(store: &Store) -> Result<Vec<(&'static str, i64)>, StoreError> {
    let rows: Vec<(String, i64)> = if let Some(pool) = store.sqlite_pool() {
        sqlx::query_as(
            "SELECT CASE WHEN status IN ('Queued', 'Running') THEN 'running' \
             WHEN run_at <= CAST(strftime('%s', 'now') AS INTEGER) THEN 'due' ELSE 'scheduled' END, \
             COUNT(*) FROM Jobs WHERE job_type = ?1 AND (status IN ('Pending', 'Queued', 'Running') \
             OR (status = 'Failed' AND attempts < max_attempts)) GROUP BY 1",
        )
        .bind(QUEUE)
        .fetch_all(pool)
        .await?
    } else if let Some(pool) = store.pg_pool() {
        sqlx::query_as(
            "SELECT CASE WHEN status IN ('Queued', 'Running') THEN 'running' \
             WHEN run_at <= now() THEN 'due' ELSE 'scheduled' END, \
             COUNT(*) FROM apalis.jobs WHERE job_type = $1 AND (status IN ('Pending', 'Queued', 'Running') \
             OR (status = 'Failed' AND attempts < max_attempts)) GROUP BY 1",
        )
        .bind(QUEUE)
        .fetch_all(pool)
        .await?
    } else {
        Vec::new()
    };
    let mut counts = vec![("due", 0), ("scheduled", 0), ("running", 0)];
    for (state, n) in rows {
        if let Some(slot) = counts.iter_mut().find(|(s, _)| *s == state) {
            slot.1 = n;
        }
    }
    Ok(counts)
}

/// Hands the jobs this instance's workers (names starting with `prefix`) took and did not
/// finish back to the queue, due at once: another instance, or this one restarted, takes them
/// at its next poll instead of after two missed heartbeats. Safe while a job still runs here:
/// each step is recorded once ([`Store::advance`]) and a payment request is sent at most once
/// ([`Store::claim_sending`]). Returns how many.
pub async fn hand_back(store: &Store, prefix: &str) -> Result<u64, StoreError> {
    let handed = if let Some(pool) = store.sqlite_pool() {
        sqlx::query(
            "UPDATE Jobs SET status = 'Pending', lock_by = NULL, lock_at = NULL \
             WHERE job_type = ?1 AND status IN ('Queued', 'Running') \
             AND substr(lock_by, 1, length(?2)) = ?2",
        )
        .bind(QUEUE)
        .bind(prefix)
        .execute(pool)
        .await?
        .rows_affected()
    } else if let Some(pool) = store.pg_pool() {
        sqlx::query(
            "UPDATE apalis.jobs SET status = 'Pending', lock_by = NULL, lock_at = NULL \
             WHERE job_type = $1 AND status IN ('Queued', 'Running') \
             AND left(lock_by, length($2)) = $2",
        )
        .bind(QUEUE)
        .bind(prefix)
        .execute(pool)
        .await?
        .rows_affected()
    } else {
        0
    };
    Ok(handed)
}

/// The most orders [`schedule_reconciliation`] looks at in one start.
const RECONCILE_SCAN_LIMIT: i64 = 100_000;

/// Gives every `still_pending` or `unknown` order whose current step has no job one: its
/// next reconciliation check ([`next_reconcile`]), or now when its period is over (the check
/// then moves it to `needs_attention` unless QosIc settles it). For orders left by a version
/// without reconciliation; a no-op for the others. Returns how many jobs it queued.
pub async fn schedule_reconciliation(engine: &Engine, period: Duration) -> Result<u64, StoreError> {
    let store = engine.store();
    let rows: Vec<(String, i64, Option<i64>)> = if let Some(pool) = store.sqlite_pool() {
        sqlx::query_as(
            "SELECT o.reference, o.step, o.window_ends FROM checkout_orders o \
             WHERE o.state IN ('still_pending', 'unknown') AND NOT EXISTS (SELECT 1 FROM Jobs j \
             WHERE j.job_type = ?1 AND j.idempotency_key = o.reference || ':' || o.step) LIMIT ?2",
        )
        .bind(QUEUE)
        .bind(RECONCILE_SCAN_LIMIT)
        .fetch_all(pool)
        .await?
    } else if let Some(pool) = store.pg_pool() {
        sqlx::query_as(
            "SELECT o.reference, o.step, o.window_ends FROM checkout_orders o \
             WHERE o.state IN ('still_pending', 'unknown') AND NOT EXISTS (SELECT 1 FROM apalis.jobs j \
             WHERE j.job_type = $1 AND j.idempotency_key = o.reference || ':' || o.step) LIMIT $2",
        )
        .bind(QUEUE)
        .bind(RECONCILE_SCAN_LIMIT)
        .fetch_all(pool)
        .await?
    } else {
        Vec::new()
    };
    let now = engine.now_ms();
    let mut queued = 0;
    for (reference, step, window_ends) in rows {
        let at = next_reconcile(window_ends.unwrap_or(now), now, period).unwrap_or(now);
        match store.queue_step(&reference, step, at).await {
            Ok(()) => queued += 1,
            // Another instance starting at the same time queued it first.
            Err(e) => tracing::debug!("order {reference}: reconciliation job not queued: {e}"),
        }
    }
    if queued > 0 {
        tracing::info!(
            "{queued} orders {} or {} had no reconciliation job (left by an older version): queued",
            State::StillPending,
            State::Unknown
        );
    }
    Ok(queued)
}
