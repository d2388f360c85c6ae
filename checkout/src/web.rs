//! The shop's HTTP interface: [`router`].
//!
//! | route | what |
//! |---|---|
//! | `GET /` | the order form |
//! | `POST /orders` | validates as the SDK does (errors next to the fields, 422), stores the order and its first job, 303 to the order page |
//! | `GET /orders/{reference}` | the order page, which follows the order live |
//! | `GET /orders/{reference}/events` | server-sent events: the current state first, then each change |
//! | `GET /orders/{reference}/status` | the order as JSON, for clients that poll |
//! | `POST /orders/{reference}/check` | one more status check of an order whose window closed |
//! | `GET /admin/orders` | the number of orders in each state, as JSON |
//! | `POST /qosic/callback` | QosIc's callback: never trusted alone, it only brings the order's next status check forward (202) |
//!
//! `/admin/orders` has no authentication of its own: the app listens on loopback by default;
//! expose it only behind a proxy that authenticates the operator.
//!
//! Callbacks (QosIc calling the shop when a payment ends, to the URL set in its dashboard)
//! carry no signature: anyone who finds the URL can post one. So a callback settles nothing by
//! itself. Its handler reads it ([`qosic::Callback::parse`]), refuses one for an order the shop
//! does not have (404) or for another amount than the order's (409), and otherwise calls
//! [`Engine::check_now`]: the order's status check runs now, through the job queue, and only
//! QosIc's answer to it changes the order. A forged `SUCCESSFUL` callback for an unpaid order
//! costs one status check and changes nothing; a duplicate is as harmless; and a flood of them
//! costs one status check per order per [`Config::min_early_check_interval`] (5 s by default),
//! which "check again" shares (429 with `Retry-After` to a JSON client).

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Form, Path, State as Extract};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures_util::stream::{self, Stream};
use qosic::{Amount, Country, Error as SdkError, Msisdn, Name, TransactionRef};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::{broadcast, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use crate::config::{Config, MAX_FORM_BYTES};
use crate::jobs::{CheckNow, Engine};
use crate::page::{self, FormValues};
use crate::store::{NewOrder, OrderView};

/// What the handlers share.
#[derive(Debug, Clone)]
struct Shared {
    engine: Arc<Engine>,
    streams: Arc<Semaphore>,
    stream_lifetime: Duration,
}

/// The shop's routes on this engine, with the config's limits.
pub fn router(engine: Arc<Engine>, config: &Config) -> Router {
    let shared = Shared {
        engine,
        streams: Arc::new(Semaphore::new(config.max_event_streams)),
        stream_lifetime: config.event_stream_lifetime,
    };
    Router::new()
        .route("/", get(index))
        .route("/orders", post(create))
        .route("/orders/{reference}", get(order_page))
        .route("/orders/{reference}/status", get(status))
        .route("/orders/{reference}/events", get(events))
        .route("/orders/{reference}/check", post(check_again))
        .route("/admin/orders", get(admin_orders))
        .route("/qosic/callback", post(callback))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_FORM_BYTES))
        .with_state(shared)
}

/// The order form's fields, as typed (validated by [`validate`]).
#[derive(Debug, Default, Clone, Deserialize)]
pub struct OrderForm {
    /// The customer's number, any form the SDK reads (`+229 01 97 00 01 00`, `0197000100`…).
    #[serde(default)]
    pub phone: String,
    /// Whole XOF.
    #[serde(default)]
    pub amount: String,
    /// Optional.
    #[serde(default)]
    pub first_name: String,
    /// Optional.
    #[serde(default)]
    pub last_name: String,
}

/// Validates a form as the SDK does, before anything is stored: the SDK's error for each
/// field at fault, keyed by the field's name. Local numbers are read as Benin's.
pub fn validate(
    client: &qosic::Client,
    form: &OrderForm,
) -> Result<NewOrder, BTreeMap<&'static str, String>> {
    let mut errors = BTreeMap::new();
    let phone = match Msisdn::parse_with_default(form.phone.trim(), Country::Benin) {
        Ok(phone) => Some(phone),
        Err(e) => {
            errors.insert("phone", e.to_string());
            None
        }
    };
    // The SDK's own check and message; a value that is not a whole number (or is beyond what
    // the database stores) reads as 0, which the SDK refuses with its message.
    let xof = form
        .amount
        .trim()
        .parse::<u64>()
        .ok()
        .filter(|&n| i64::try_from(n).is_ok())
        .unwrap_or(0);
    let amount = match Amount::new(xof) {
        Ok(amount) => Some(amount),
        Err(e) => {
            errors.insert("amount", e.to_string());
            None
        }
    };
    for (field, value) in [
        ("first_name", &form.first_name),
        ("last_name", &form.last_name),
    ] {
        if let Err(e) = Name::new(field, value.trim()) {
            errors.insert(field, e.to_string());
        }
    }
    let carrier = phone.as_ref().and_then(|phone| {
        let found = client.carriers().find(|c| c.serves(phone));
        if found.is_none() {
            let configured: Vec<&str> = client.carriers().map(|c| c.name()).collect();
            errors.insert(
                "phone",
                SdkError::ProviderNotFound {
                    phone: phone.masked(),
                    configured: configured.join(", "),
                }
                .to_string(),
            );
        }
        found
    });
    if let (Some(carrier), Some(amount)) = (carrier, amount) {
        if let Some(max) = carrier.max_amount() {
            if amount > max {
                errors.insert(
                    "amount",
                    SdkError::InvalidArgument {
                        field: "amount",
                        expected: format!(
                            "at most {max} for {} (a positive whole number of XOF)",
                            carrier.name()
                        ),
                    }
                    .to_string(),
                );
            }
        }
    }
    match (phone, amount, carrier) {
        (Some(phone), Some(amount), Some(carrier)) if errors.is_empty() => {
            let reference = carrier.new_reference();
            if let Err(e) = TransactionRef::new(&reference) {
                errors.insert(
                    "phone",
                    format!("the carrier made an invalid reference: {e}"),
                );
                return Err(errors);
            }
            Ok(NewOrder {
                reference,
                phone: phone.international(),
                amount: i64::try_from(amount.xof()).unwrap_or(i64::MAX),
                first_name: form.first_name.trim().to_owned(),
                last_name: form.last_name.trim().to_owned(),
                carrier: carrier.name().to_owned(),
            })
        }
        _ => Err(errors),
    }
}

async fn index() -> Html<String> {
    Html(page::form(&FormValues::default(), &BTreeMap::new()))
}

async fn create(Extract(shared): Extract<Shared>, Form(form): Form<OrderForm>) -> Response {
    let new = match validate(shared.engine.client(), &form) {
        Ok(new) => new,
        Err(errors) => {
            let values = FormValues {
                phone: form.phone,
                amount: form.amount,
                first_name: form.first_name,
                last_name: form.last_name,
            };
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                Html(page::form(&values, &errors)),
            )
                .into_response();
        }
    };
    match shared.engine.create(&new).await {
        Ok(order) => Redirect::to(&format!("/orders/{}", order.reference)).into_response(),
        Err(e) => unavailable(&e.to_string()),
    }
}

/// The reference of a path, if it can be one; anything else is a 404 without a query.
fn reference(raw: &str) -> Option<&str> {
    TransactionRef::new(raw).ok().map(|_| raw)
}

async fn load(shared: &Shared, raw: &str) -> Result<OrderView, Response> {
    let Some(reference) = reference(raw) else {
        return Err(not_found().await);
    };
    match shared.engine.store().order(reference).await {
        Ok(Some(order)) => Ok(order.view()),
        Ok(None) => Err(not_found().await),
        Err(e) => Err(unavailable(&e.to_string())),
    }
}

async fn order_page(Extract(shared): Extract<Shared>, Path(raw): Path<String>) -> Response {
    match load(&shared, &raw).await {
        Ok(view) => Html(page::order_page(&view)).into_response(),
        Err(response) => response,
    }
}

async fn status(Extract(shared): Extract<Shared>, Path(raw): Path<String>) -> Response {
    match load(&shared, &raw).await {
        Ok(view) => Json(view).into_response(),
        Err(response) => response,
    }
}

async fn check_again(
    Extract(shared): Extract<Shared>,
    Path(raw): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(reference) = reference(&raw) else {
        return not_found().await;
    };
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    match shared.engine.check_now(reference).await {
        Ok(CheckNow::Queued(order)) if wants_json => {
            (StatusCode::ACCEPTED, Json(order.view())).into_response()
        }
        Ok(CheckNow::TooSoon { retry_after, .. }) if wants_json => (
            StatusCode::TOO_MANY_REQUESTS,
            [(
                header::RETRY_AFTER,
                retry_after.as_secs().max(1).to_string(),
            )],
            Json(json!({
                "error": "checked moments ago: ask again later; the scheduled checks go on"
            })),
        )
            .into_response(),
        // The page shows the order as it stands, whether a check was queued or not.
        Ok(CheckNow::Queued(order) | CheckNow::TooSoon { order, .. }) => {
            Redirect::to(&format!("/orders/{}", order.reference)).into_response()
        }
        Ok(CheckNow::Nothing) => (
            StatusCode::CONFLICT,
            Json(
                json!({"error": "nothing to check: the order is unknown, not sent yet, or final"}),
            ),
        )
            .into_response(),
        Err(e) => unavailable(&e.to_string()),
    }
}

/// `POST /qosic/callback`: see the module docs. QosIc gets a quick answer either way; the
/// answer says what the shop made of the callback, for its logs and the fake server's journal.
async fn callback(Extract(shared): Extract<Shared>, body: axum::body::Bytes) -> Response {
    let refuse = |status: StatusCode, why: String| {
        tracing::warn!("callback refused ({}): {why}", status.as_u16());
        (status, Json(json!({ "error": why }))).into_response()
    };
    let callback = match qosic::Callback::parse(&body) {
        Ok(callback) => callback,
        Err(e) => return refuse(StatusCode::BAD_REQUEST, e.to_string()),
    };
    let reference = callback.reference();
    let order = match shared.engine.store().order(reference).await {
        Ok(Some(order)) => order,
        Ok(None) => {
            return refuse(
                StatusCode::NOT_FOUND,
                format!("no order has the reference {reference:?}"),
            )
        }
        Err(e) => return unavailable(&e.to_string()),
    };
    if let Some(amount) = callback.amount() {
        if i64::try_from(amount).ok() != Some(order.amount) {
            return refuse(
                StatusCode::CONFLICT,
                format!(
                    "the callback is for {amount} XOF, the order {reference} for {} XOF",
                    order.amount
                ),
            );
        }
    }
    tracing::info!(
        "callback for {reference} says {}: checking its status with QosIc",
        callback.status()
    );
    let (reference, state) = (order.reference.clone(), order.state);
    match shared.engine.check_order_now(order).await {
        Ok(CheckNow::Queued(order)) => (
            StatusCode::ACCEPTED,
            Json(json!({ "checking": order.reference, "state": order.state.as_str() })),
        )
            .into_response(),
        // Final already (a duplicate, or the status check came first), not sent yet, or
        // checked moments ago (a repeated or forged callback): QosIc gets a 200 either way.
        Ok(CheckNow::Nothing | CheckNow::TooSoon { .. }) => (
            StatusCode::OK,
            Json(json!({ "order": reference, "state": state.as_str() })),
        )
            .into_response(),
        Err(e) => unavailable(&e.to_string()),
    }
}

async fn admin_orders(Extract(shared): Extract<Shared>) -> Response {
    match shared.engine.store().counts().await {
        Ok(counts) => {
            let total: i64 = counts.values().sum();
            Json(json!({
                "instance": shared.engine.instance(),
                "database": shared.engine.store().backend(),
                "orders": counts,
                "total": total,
            }))
            .into_response()
        }
        Err(e) => unavailable(&e.to_string()),
    }
}

async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Html(page::message(
            "Not found",
            "There is no such page or order.",
        )),
    )
        .into_response()
}

fn unavailable(reason: &str) -> Response {
    tracing::warn!("request failed: {reason}");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Html(page::message(
            "Try again shortly",
            "The shop cannot reach its database right now. Nothing was charged twice: try again in a moment.",
        )),
    )
        .into_response()
}

/// One `status` event: the order's view and its status block.
fn status_event(view: &OrderView) -> Event {
    let data = json!({"view": view, "html": page::status_block(view)});
    Event::default().event("status").data(data.to_string())
}

struct Follow {
    first: Option<OrderView>,
    last: Option<OrderView>,
    rx: broadcast::Receiver<Arc<OrderView>>,
    engine: Arc<Engine>,
    reference: String,
    deadline: Instant,
    done: bool,
    _permit: OwnedSemaphorePermit,
}

impl Follow {
    /// The next view to send: a change of this order, the order re-read after the stream fell
    /// behind, or `None` when the stream should end.
    async fn next_view(&mut self) -> Option<OrderView> {
        loop {
            let received = tokio::time::timeout_at(self.deadline, self.rx.recv()).await;
            let view = match received {
                Err(_elapsed) => return None,
                Ok(Ok(view)) if view.reference == self.reference => (*view).clone(),
                Ok(Ok(_)) => continue,
                Ok(Err(broadcast::error::RecvError::Lagged(_))) => {
                    match self.engine.store().order(&self.reference).await {
                        Ok(Some(order)) => order.view(),
                        Ok(None) | Err(_) => return None,
                    }
                }
                Ok(Err(broadcast::error::RecvError::Closed)) => return None,
            };
            // Older than what was sent (announcements may cross): skip.
            if let Some(last) = &self.last {
                if view == *last || view.updated_at < last.updated_at {
                    continue;
                }
            }
            return Some(view);
        }
    }
}

async fn events(Extract(shared): Extract<Shared>, Path(raw): Path<String>) -> Response {
    let Some(reference) = reference(&raw).map(str::to_owned) else {
        return not_found().await;
    };
    let Ok(permit) = Arc::clone(&shared.streams).try_acquire_owned() else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, "5")],
            format!("too many live pages open: poll /orders/{reference}/status instead"),
        )
            .into_response();
    };
    // Subscribe before reading, so that no change between the two is missed.
    let rx = shared.engine.hub().subscribe();
    let first = match shared.engine.store().order(&reference).await {
        Ok(Some(order)) => order.view(),
        Ok(None) => return not_found().await,
        Err(e) => return unavailable(&e.to_string()),
    };
    let follow = Follow {
        first: Some(first),
        last: None,
        rx,
        engine: Arc::clone(&shared.engine),
        reference,
        deadline: Instant::now() + shared.stream_lifetime,
        done: false,
        _permit: permit,
    };
    let stream = stream::unfold(follow, |mut follow| async move {
        if follow.done {
            return None;
        }
        let view = match follow.first.take() {
            Some(view) => view,
            None => follow.next_view().await?,
        };
        follow.done = view.is_final;
        let event = status_event(&view).retry(Duration::from_secs(2));
        follow.last = Some(view);
        Some((Ok::<_, Infallible>(event), follow))
    });
    sse(stream).into_response()
}

fn sse<S>(stream: S) -> impl IntoResponse
where
    S: Stream<Item = Result<Event, Infallible>> + Send + 'static,
{
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
