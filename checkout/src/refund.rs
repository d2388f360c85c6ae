//! Refunds from the admin, with the payments' discipline: an outbox and compare-and-set, so
//! that a refund is sent at most once whatever crashes.
//!
//! `POST /admin/orders/{reference}/refund` (behind the admin's guard) stores the refund,
//! `queued`, with its job in one transaction; a second click finds it stored and queues
//! nothing. The job marks it `sending` (committed) before QosIc's refund call leaves; a job
//! that finds it `sending` (its worker died mid-call) never calls again: if the order is
//! already `refunded` the refund is `refunded`, otherwise `unknown`, for the operator to check
//! in QosIc's dashboard. A confirmed refund moves the order to `refunded` (a transition, so an
//! `order.refunded` event goes out, [`crate::events`]). QosIc has no refund for MOOV: its
//! orders' page says so and the route refuses them.
//!
//! `GET /admin/order/{reference}` is the operator's page of one order, with the button.

use std::sync::Arc;
use std::time::Duration;

use apalis::prelude::{BoxDynError, Data, TaskBuilder};
use axum::extract::{Path, State as Extract};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use qosic::{Lookup, Status};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::AssertSqlSafe;
use tokio::task::JoinHandle;

use crate::config::{Config, CALL_TIMEOUT, JOB_TIMEOUT};
use crate::jobs::Engine;
use crate::page::escape;
use crate::store::{now_ms, Order, State, StoreError};
use crate::tx::in_tx;
use crate::web::{json_missing, json_unavailable};

/// The apalis queue of the refunds.
pub const QUEUE: &str = "qosic-checkout-refunds";

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS checkout_refunds (
    reference TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    reason TEXT,
    created BIGINT NOT NULL,
    updated BIGINT NOT NULL
)";

/// Creates the refunds' table when missing.
pub async fn migrate(store: &crate::store::Store) -> Result<(), StoreError> {
    if let Some(pool) = store.sqlite_pool() {
        sqlx::query(SCHEMA).execute(pool).await?;
    } else if let Some(pool) = store.pg_pool() {
        sqlx::query(SCHEMA).execute(pool).await?;
    }
    Ok(())
}

/// Whether QosIc refunds this carrier's payments (it has no MOOV refund).
pub fn refundable_carrier(carrier: &str) -> bool {
    carrier.eq_ignore_ascii_case("MTN")
}

/// The refund job: refund the order `reference`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RefundJob {
    /// The order's reference.
    pub reference: String,
}

/// A refund as stored: its state (`queued`, `sending`, `refunded`, `failed`, `unknown`) and
/// why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refund {
    /// Where it stands.
    pub state: String,
    /// What QosIc said, or why it is unknown.
    pub reason: Option<String>,
}

/// The refund of an order, if one was asked for.
pub async fn refund_of(
    store: &crate::store::Store,
    reference: &str,
) -> Result<Option<Refund>, StoreError> {
    let row: Option<(String, Option<String>)> = in_tx!(store, |tx, sql, push| {
        Ok::<_, StoreError>(
            sqlx::query_as(sql(
                "SELECT state, reason FROM checkout_refunds WHERE reference = $1",
            ))
            .bind(reference)
            .fetch_optional(&mut *tx)
            .await?,
        )
    })?;
    Ok(row.map(|(state, reason)| Refund { state, reason }))
}

/// What [`request`] did.
#[derive(Debug, PartialEq, Eq)]
pub enum Requested {
    /// Stored and queued.
    Queued,
    /// Asked for before: nothing new.
    Already(Refund),
    /// Not an order that can be refunded (why).
    Refused(String),
}

/// Stores the refund of a confirmed MTN order with its job, in one transaction.
pub async fn request(engine: &Engine, reference: &str) -> Result<Requested, StoreError> {
    let store = engine.store();
    let Some(order) = store.order(reference).await? else {
        return Ok(Requested::Refused(format!(
            "no order has the reference {reference}"
        )));
    };
    if let Some(refund) = refund_of(store, reference).await? {
        return Ok(Requested::Already(refund));
    }
    if !refundable_carrier(&order.carrier) {
        return Ok(Requested::Refused(format!(
            "QosIc has no {} refund: refund this customer by other means",
            order.carrier
        )));
    }
    if order.state != State::Confirmed {
        return Ok(Requested::Refused(format!(
            "only a confirmed order can be refunded; this one is {}",
            order.state
        )));
    }
    let args = serde_json::to_vec(&RefundJob {
        reference: reference.to_owned(),
    })
    .map_err(|e| StoreError::Queue(format!("cannot encode the refund job: {e}")))?;
    let task = TaskBuilder::new(args)
        .run_at_timestamp(u64::try_from(now_ms() / 1000).unwrap_or(0))
        .idempotency_key(format!("refund:{reference}"))
        .max_attempts(25)
        .build();
    let now = now_ms();
    let inserted = in_tx!(store, |tx, sql, push| {
        let done = sqlx::query(sql(
            "INSERT INTO checkout_refunds (reference, state, reason, created, updated) \
             VALUES ($1, 'queued', NULL, $2, $2) ON CONFLICT (reference) DO NOTHING",
        ))
        .bind(reference)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 1 {
            push(&mut tx, QUEUE, task).await?;
        }
        Ok::<_, StoreError>(done.rows_affected() == 1)
    })?;
    if inserted {
        tracing::info!("order {reference}: refund asked for by the operator");
        Ok(Requested::Queued)
    } else {
        Ok(refund_of(store, reference)
            .await?
            .map_or(Requested::Queued, Requested::Already))
    }
}

/// Moves the refund from `from` to `to` if it is still `from`; whether it moved.
async fn set_state(
    engine: &Engine,
    reference: &str,
    from: &str,
    to: &str,
    reason: Option<&str>,
) -> Result<bool, StoreError> {
    let store = engine.store();
    in_tx!(store, |tx, sql, push| {
        let done = sqlx::query(sql(
            "UPDATE checkout_refunds SET state = $3, reason = $4, updated = $5 \
             WHERE reference = $1 AND state = $2",
        ))
        .bind(reference)
        .bind(from)
        .bind(to)
        .bind(reason)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        Ok::<_, StoreError>(done.rows_affected() == 1)
    })
}

/// The order moved to `refunded` (a compare-and-set on its step; the transition makes the
/// `order.refunded` event).
async fn mark_order_refunded(engine: &Engine, order: &Order) -> Result<(), StoreError> {
    if order.state == State::Refunded {
        return Ok(());
    }
    let after = Order {
        state: State::Refunded,
        reason: Some("refunded by the operator".to_owned()),
        ..order.clone()
    };
    if let Some(stored) = engine
        .store()
        .advance(order, &after, None, engine.instance())
        .await?
    {
        tracing::info!("order {}: confirmed -> refunded", stored.reference);
        engine.hub().publish(stored.view());
    }
    Ok(())
}

/// Runs one refund job (see the module docs).
pub async fn run(engine: &Engine, job: &RefundJob) -> Result<(), StoreError> {
    let store = engine.store();
    let (Some(refund), Some(order)) = (
        refund_of(store, &job.reference).await?,
        store.order(&job.reference).await?,
    ) else {
        return Ok(());
    };
    match refund.state.as_str() {
        "queued" => {}
        "sending" => {
            // The job before this one died during the call: never call again.
            if order.state == State::Refunded {
                set_state(engine, &job.reference, "sending", "refunded", None).await?;
            } else {
                set_state(
                    engine,
                    &job.reference,
                    "sending",
                    "unknown",
                    Some("the refund request may have left before the checkout stopped; check it in QosIc's dashboard (it is never sent again)"),
                )
                .await?;
                tracing::warn!(
                    "order {}: refund unknown after a crash; not sent again",
                    job.reference
                );
            }
            return Ok(());
        }
        _ => return Ok(()),
    }
    if !set_state(engine, &job.reference, "queued", "sending", None).await? {
        return Ok(());
    }
    let lookup = Lookup::parse(&order.reference, &order.phone)
        .map_err(|e| StoreError::Corrupt(format!("order {}: {e}", order.reference)))?
        .carrier(&order.carrier);
    let result = tokio::time::timeout(CALL_TIMEOUT, engine.client().refund(lookup)).await;
    let (to, reason) = match result {
        Ok(Ok(outcome)) => match outcome.status() {
            Status::Confirmed => ("refunded", None),
            Status::Failed => (
                "failed",
                Some(outcome.reason().unwrap_or("refused by QosIc").to_owned()),
            ),
            _ => (
                "unknown",
                Some(format!(
                    "QosIc did not say whether the refund was made ({}); check it in its dashboard",
                    outcome.reason().unwrap_or("no reason given")
                )),
            ),
        },
        Ok(Err(e)) => match e.delivery() {
            qosic::Delivery::NotSent | qosic::Delivery::Answered => ("failed", Some(e.to_string())),
            _ => (
                "unknown",
                Some(format!("{e}; check it in QosIc's dashboard")),
            ),
        },
        Err(_) => (
            "unknown",
            Some("no answer in time; check it in QosIc's dashboard".to_owned()),
        ),
    };
    if to == "refunded" {
        mark_order_refunded(engine, &order).await?;
    }
    set_state(engine, &job.reference, "sending", to, reason.as_deref()).await?;
    tracing::info!("order {}: refund {to}", job.reference);
    Ok(())
}

async fn refund_job(job: RefundJob, engine: Data<Arc<Engine>>) -> Result<(), BoxDynError> {
    run(&engine, &job)
        .await
        .map_err(|e| Box::new(e) as BoxDynError)
}

/// Runs the refunds' apalis worker until the task is aborted.
pub fn spawn(engine: Arc<Engine>, config: &Config) -> JoinHandle<()> {
    let heartbeat = config.heartbeat;
    let poll = config.poll_interval;
    let name = format!("{}-{}-refunds", config.instance, now_ms());
    tokio::spawn(async move {
        crate::poll::keep_running(&format!("{name}-w"), "refund worker", |name| {
            let engine = Arc::clone(&engine);
            async move { run_worker(&engine, &name, heartbeat, poll).await }
        })
        .await;
    })
}

async fn run_worker(
    engine: &Arc<Engine>,
    name: &str,
    heartbeat: Duration,
    poll: Duration,
) -> Result<(), BoxDynError> {
    let spec = crate::poll::WorkerSpec {
        queue: QUEUE,
        heartbeat,
        poll,
        concurrency: 4,
        timeout: JOB_TIMEOUT,
    };
    crate::poll::run_worker!(
        engine.store(),
        spec,
        RefundJob,
        name,
        Arc::clone(engine),
        refund_job
    )
}

/// The operator's routes of this module, for the admin router (behind its guard).
pub(crate) fn admin_routes<S>(engine: Arc<Engine>) -> Router<S> {
    Router::new()
        .route("/admin/order/{reference}", get(order_page))
        .route("/admin/orders/{reference}/refund", post(refund_route))
        .with_state(engine)
}

async fn refund_route(
    Extract(engine): Extract<Arc<Engine>>,
    Path(reference): Path<String>,
    headers: HeaderMap,
) -> Response {
    let json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    match request(&engine, &reference).await {
        Ok(Requested::Refused(why)) if why.starts_with("no order") => json_missing(),
        Ok(Requested::Refused(why)) => (
            StatusCode::CONFLICT,
            Json(json!({"error": why, "field": "reference"})),
        )
            .into_response(),
        Ok(done) if json => {
            let refund = match done {
                Requested::Already(refund) => refund,
                _ => Refund {
                    state: "queued".to_owned(),
                    reason: None,
                },
            };
            (StatusCode::ACCEPTED, Json(json!({ "refund": refund }))).into_response()
        }
        Ok(_) => Redirect::to(&format!("/admin/order/{reference}")).into_response(),
        Err(e) => json_unavailable(&e.to_string()),
    }
}

async fn order_page(
    Extract(engine): Extract<Arc<Engine>>,
    Path(reference): Path<String>,
) -> Response {
    let store = engine.store();
    let order = match store.order(&reference).await {
        Ok(Some(order)) => order,
        Ok(None) => return json_missing(),
        Err(e) => return json_unavailable(&e.to_string()),
    };
    let refund = match refund_of(store, &reference).await {
        Ok(refund) => refund,
        Err(e) => return json_unavailable(&e.to_string()),
    };
    let r = escape(&order.reference);
    let amount = escape(&crate::amount::format_stored(order.amount));
    let action = match (&refund, order.state) {
        (Some(refund), _) => format!(
            "<p id=\"refund-state\" role=\"status\">Refund: <strong>{}</strong>{}</p>",
            escape(&refund.state),
            refund
                .reason
                .as_deref()
                .map(|r| format!(" ({})", escape(r)))
                .unwrap_or_default()
        ),
        (None, State::Confirmed) if refundable_carrier(&order.carrier) => format!(
            "<form method=\"post\" action=\"/admin/orders/{r}/refund\">\
             <button type=\"submit\" id=\"refund\">Refund {amount} to {}</button></form>",
            escape(&order.masked_phone())
        ),
        (None, State::Confirmed) => format!(
            "<p><button type=\"button\" id=\"refund\" disabled>QosIc has no {} refund: refund this customer by other means</button></p>",
            escape(&order.carrier)
        ),
        (None, _) => String::new(),
    };
    let body = format!(
        "<h1>Order {r}</h1><table id=\"order\"><tr><th>State</th><td id=\"state\">{}</td></tr>\
         <tr><th>Amount</th><td>{amount}</td></tr><tr><th>Carrier</th><td>{}</td></tr>\
         <tr><th>Phone</th><td>{}</td></tr><tr><th>Reason</th><td>{}</td></tr></table>{action}\
         <p><a href=\"/admin/orders/{r}\">transitions as JSON</a> · <a href=\"/admin\">all orders</a></p>",
        order.state,
        escape(&order.carrier),
        escape(&order.masked_phone()),
        escape(order.reason.as_deref().unwrap_or("")),
    );
    Html(format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Order {r}</title><link rel=\"stylesheet\" href=\"/static/checkout.css\"></head>\
         <body><main>{body}</main></body></html>\n"
    ))
    .into_response()
}
