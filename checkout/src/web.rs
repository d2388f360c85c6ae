//! The shop's HTTP interface: [`router`].
//!
//! | route | what |
//! |---|---|
//! | `GET /` | the order form |
//! | `POST /orders` | validates as the SDK does (errors next to the fields, 422), stores the order and its first job, 303 to the order page; with `method=card` ("Pay by card", when [`Config::card_key`] is set), a card order and a 303 to QosIc's card page once the engine has it |
//! | `GET /orders/{reference}` | the order page, which follows the order live; back from the card page (`?transref=…`), a card order's status check is brought forward |
//! | `GET /orders/{reference}/events` | server-sent events: the current state first, then each change |
//! | `GET /orders/{reference}/status` | the order as JSON, for clients that poll |
//! | `POST /orders/{reference}/check` | one more status check of an order whose window closed |
//! | `GET /admin` | the operator's list: orders by state and date, searched by reference or the phone's last digits |
//! | `GET /admin/orders` | the number of orders in each state, as JSON |
//! | `GET /admin/orders/{reference}` | one order and its transitions, as JSON |
//! | `POST /qosic/callback` | QosIc's callback: never trusted alone, it only brings the order's next status check forward (202) |
//!
//! **Admin.** `/admin…` asks for `Authorization: Bearer TOKEN` when
//! [`Config::admin_token`] is set (`CHECKOUT_ADMIN_TOKEN`); without a token it answers only
//! when the shop listens on loopback, and is off (404) otherwise.
//!
//! **One order per purchase.** The form carries a one-time token: a second post of the same
//! token (a double tap) is sent to the order the first one made, and the Pay button disables
//! itself on submit. New orders (from the form, a payment link or a product page) are limited
//! per phone number and per client address
//! ([`Config::orders_per_phone`], [`Config::orders_per_client`] per [`Config::rate_window`]:
//! 429 and a page that says to wait), amounts above [`Config::max_amount`] are refused, and a
//! `POST` whose `Origin` (or `Sec-Fetch-Site`) says it comes from another site is refused (403).
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

use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{ConnectInfo, DefaultBodyLimit, Form, Path, Query, Request, State as Extract};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use futures_util::stream::{self, Stream};
use qosic::TransactionRef;
use serde::Deserialize;
use serde_json::json;
use tokio::sync::{broadcast, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use crate::card_web::to_card_page;
use crate::config::{Config, MAX_FORM_BYTES};
use crate::i18n::{Catalogue, Lang};
use crate::jobs::{CheckNow, Engine};
pub(crate) use crate::limits::RateLimits;
use crate::page::{self, Ctx, FormValues, Identity};
use crate::store::{OrderFilter, OrderView, State};
use crate::wording::Problem;

/// What the handlers share.
#[derive(Debug, Clone)]
struct Shared {
    engine: Arc<Engine>,
    streams: Arc<Semaphore>,
    stream_lifetime: Duration,
    test_mode: bool,
    max_amount: u64,
    limits: Arc<RateLimits>,
    admin: Arc<Admin>,
    catalogue: Arc<Catalogue>,
    shop: Arc<Identity>,
    colour: Option<String>,
    /// Prices come from the merchant (a catalogue or the API): no customer-typed amounts.
    merchant_prices: bool,
    /// "Pay by card" is offered.
    card: bool,
    /// Where the 303 to a card page may go ([`Config::card_origin`]).
    card_origin: Option<Arc<str>>,
}

impl Shared {
    /// What a customer page needs, in `lang`.
    fn ctx(&self, lang: Lang) -> Ctx<'_> {
        Ctx {
            texts: self.catalogue.texts(lang),
            test_mode: self.test_mode,
            shop: &self.shop,
            card: self.card,
        }
    }
}

/// Who may use `/admin`.
#[derive(Debug)]
enum Admin {
    /// Those who send this token.
    Token(qosic::Secret),
    /// Anyone who reaches the shop: it listens on loopback only.
    Loopback,
    /// Nobody: no token, and the shop listens beyond loopback.
    Off,
}

impl Admin {
    fn from_config(config: &Config) -> Admin {
        match &config.admin_token {
            Some(token) if !token.expose().is_empty() => Admin::Token(token.clone()),
            _ if config.listen.ip().is_loopback() => Admin::Loopback,
            _ => Admin::Off,
        }
    }
}

/// What the start-up log says about `/admin`.
pub fn admin_access(config: &Config) -> &'static str {
    match Admin::from_config(config) {
        Admin::Token(_) => "/admin asks for the token of CHECKOUT_ADMIN_TOKEN",
        Admin::Loopback => {
            "/admin is open to anyone who reaches this loopback address (set CHECKOUT_ADMIN_TOKEN to ask for a token)"
        }
        Admin::Off => {
            "/admin is off: the shop listens beyond loopback and CHECKOUT_ADMIN_TOKEN is not set"
        }
    }
}

/// The shop's routes on this engine, with the config's limits. Serve it with
/// `into_make_service_with_connect_info::<SocketAddr>()`: the rate limit per client address
/// reads the peer's address.
pub fn router(engine: Arc<Engine>, config: &Config) -> Router {
    let shared = Shared {
        engine,
        streams: Arc::new(Semaphore::new(config.max_event_streams)),
        stream_lifetime: config.event_stream_lifetime,
        test_mode: config.test_mode,
        max_amount: config.max_amount,
        limits: Arc::new(RateLimits {
            window: config.rate_window,
            per_phone: config.orders_per_phone,
            per_client: config.orders_per_client,
            counts: Mutex::new(HashMap::new()),
        }),
        admin: Arc::new(Admin::from_config(config)),
        catalogue: Arc::new(
            Catalogue::load(config.locales_dir.as_deref()).unwrap_or_else(|e| {
                tracing::error!("{e}; the built-in texts are used");
                Catalogue::builtin()
            }),
        ),
        shop: Arc::new(Identity {
            name: config.shop_name.clone(),
            contact: config.shop_contact.clone(),
            logo: config.shop_logo.clone(),
        }),
        colour: config
            .shop_colour
            .as_deref()
            .and_then(|c| crate::assets::brand_colour(c).ok()),
        merchant_prices: crate::links::merchant_prices(config),
        card: config.card_enabled(),
        card_origin: config.card_origin().map(Arc::from),
    };
    let look = Arc::new(page::Look {
        catalogue: Arc::clone(&shared.catalogue),
        shop: Arc::clone(&shared.shop),
        test_mode: shared.test_mode,
        card: shared.card,
        card_origin: shared.card_origin.clone(),
    });
    let admin = Router::new()
        .route("/admin", get(admin_page))
        .route("/admin/orders", get(admin_orders))
        .route("/admin/orders/{reference}", get(admin_order))
        .merge(crate::events::admin_routes(shared.engine.store().clone()))
        .merge(crate::refund::admin_routes(Arc::clone(&shared.engine)))
        .route_layer(middleware::from_fn_with_state(shared.clone(), admin_guard));
    Router::new()
        .route("/", get(index))
        .route("/orders", post(create))
        .route("/orders/{reference}", get(order_page))
        .route("/orders/{reference}/status", get(status))
        .route("/orders/{reference}/events", get(events))
        .route("/orders/{reference}/check", post(check_again))
        .route("/qosic/callback", post(callback))
        .route("/static/checkout.js", get(crate::assets::script))
        .route("/static/checkout.css", get(crate::assets::style))
        .route("/static/theme.css", get(theme))
        .merge(admin)
        .merge(crate::links::routes(
            Arc::clone(&shared.engine),
            config,
            look,
            Arc::clone(&shared.limits),
        ))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(shared.clone(), same_origin))
        .layer(DefaultBodyLimit::max(MAX_FORM_BYTES))
        .layer(middleware::from_fn(crate::i18n::remember_choice))
        .layer(middleware::from_fn_with_state(
            csp_header(config),
            crate::assets::security_headers,
        ))
        .with_state(shared)
}

/// The Content-Security-Policy header of this shop ([`crate::assets::content_security_policy`]).
fn csp_header(config: &Config) -> axum::http::HeaderValue {
    let csp = crate::assets::content_security_policy(config.card_origin().as_deref());
    axum::http::HeaderValue::from_str(&csp).unwrap_or_else(|_| {
        axum::http::HeaderValue::from_static(crate::assets::CONTENT_SECURITY_POLICY)
    })
}

/// Refuses (403) a `POST` a browser sent from another site: its `Origin` names another host
/// than the request's `Host`, or `Sec-Fetch-Site` says `cross-site`. QosIc's callbacks (from a
/// server, no `Origin`) pass.
async fn same_origin(
    Extract(shared): Extract<Shared>,
    lang: Lang,
    request: Request,
    next: Next,
) -> Response {
    if request.method() == Method::POST && !request.uri().path().starts_with("/qosic/") {
        let headers = request.headers();
        let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
        let cross_site = text(header::HeaderName::from_static("sec-fetch-site"))
            .is_some_and(|site| site.eq_ignore_ascii_case("cross-site"));
        let other_origin = match (text(header::ORIGIN), text(header::HOST)) {
            (Some("null"), _) => true,
            (Some(origin), Some(host)) => {
                let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
                !origin_host.eq_ignore_ascii_case(host)
            }
            (Some(_), None) => true,
            (None, _) => false,
        };
        if cross_site || other_origin {
            tracing::warn!("a POST from another site was refused");
            return (
                StatusCode::FORBIDDEN,
                Html(page::message(
                    &shared.ctx(lang),
                    "cross-site-title",
                    "cross-site-text",
                )),
            )
                .into_response();
        }
    }
    next.run(request).await
}

async fn admin_guard(Extract(shared): Extract<Shared>, request: Request, next: Next) -> Response {
    match &*shared.admin {
        Admin::Loopback => next.run(request).await,
        Admin::Off => json_missing(),
        Admin::Token(token) => {
            let given = request
                .headers()
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "));
            if given
                .is_some_and(|given| constant_time_eq(given.as_bytes(), token.expose().as_bytes()))
            {
                next.run(request).await
            } else {
                (
                    StatusCode::UNAUTHORIZED,
                    [(header::WWW_AUTHENTICATE, "Bearer")],
                    Json(json!({"error": "the operator's token is required (Authorization: Bearer TOKEN)"})),
                )
                    .into_response()
            }
        }
    }
}

/// Compares two byte strings in time that depends on their lengths only.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A new form token: 128 random bits, hex.
pub(crate) fn new_token() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // No system randomness: an empty token, which the form then goes without (each post
        // a new order, still rate-limited).
        return String::new();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub use crate::form::{validate, validate_with_amount};

/// The form token of a post, when it can be one (16 to 64 letters, digits, `-` or `_`).
pub(crate) fn form_token(raw: &str) -> Option<String> {
    let raw = raw.trim();
    ((16..=64).contains(&raw.len())
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
    .then(|| raw.to_owned())
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
    /// The form's one-time token.
    #[serde(default)]
    pub token: String,
    /// `card` for "Pay by card" (the button's value); mobile money otherwise.
    #[serde(default)]
    pub method: String,
}

impl OrderForm {
    /// Whether the customer chose "Pay by card".
    pub fn by_card(&self) -> bool {
        self.method.trim() == "card"
    }
}

/// The problems in the customer's words, for the form.
fn say(ctx: &Ctx<'_>, errors: &BTreeMap<&'static str, Problem>) -> BTreeMap<&'static str, String> {
    errors
        .iter()
        .map(|(field, problem)| (*field, problem.say(&ctx.texts)))
        .collect()
}

async fn theme(Extract(shared): Extract<Shared>) -> Response {
    crate::assets::theme(shared.colour.as_deref())
}

async fn index(Extract(shared): Extract<Shared>, lang: Lang) -> Response {
    if shared.merchant_prices {
        // Prices come from the merchant: the catalogue (or, API only, a page that says to
        // use the link the shop sent).
        return Redirect::to("/products").into_response();
    }
    let values = FormValues {
        token: new_token(),
        ..FormValues::default()
    };
    Html(page::form(&shared.ctx(lang), &values, &BTreeMap::new())).into_response()
}

async fn create(
    Extract(shared): Extract<Shared>,
    lang: Lang,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    Form(form): Form<OrderForm>,
) -> Response {
    let ctx = shared.ctx(lang);
    if shared.merchant_prices {
        tracing::warn!(
            "an order with the customer's amount was refused: prices come from the merchant"
        );
        return (
            StatusCode::FORBIDDEN,
            Html(page::message(
                &ctx,
                "prices-from-shop-title",
                "prices-from-shop-text",
            )),
        )
            .into_response();
    }
    let by_card = form.by_card();
    let validated = if by_card && !shared.card {
        Err(BTreeMap::from([("form", Problem::CardUnavailable)]))
    } else if by_card {
        let xof = crate::amount::parse_xof(&form.amount).map_err(|e| e.to_string());
        crate::form::validate_card(&form, xof, shared.max_amount)
    } else {
        validate(shared.engine.client(), &form, shared.max_amount)
    };
    let new = match validated {
        Ok(new) => new,
        Err(errors) => {
            let values = FormValues {
                phone: form.phone,
                amount: form.amount,
                first_name: form.first_name,
                last_name: form.last_name,
                token: if form.token.is_empty() {
                    new_token()
                } else {
                    form.token
                },
            };
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                Html(page::form(&ctx, &values, &say(&ctx, &errors))),
            )
                .into_response();
        }
    };
    // The same form again (a double tap): its order, not a new one, and no rate slot taken.
    if let Some(token) = &new.form_token {
        let store = shared.engine.store();
        match store.order_for_token(token).await {
            Ok(Some(reference)) => {
                return match store.order(&reference).await {
                    // A card order's second post: to the card page its first one asked for.
                    Ok(Some(order)) => {
                        to_card_page(&shared.engine, order, shared.card_origin.as_deref()).await
                    }
                    _ => Redirect::to(&format!("/orders/{reference}")).into_response(),
                };
            }
            Ok(None) => {}
            Err(e) => return unavailable(&shared, lang, &e.to_string()),
        }
    }
    let peer = peer.map(|Extension(ConnectInfo(addr))| addr);
    let phone = (!by_card).then_some(new.phone.as_str());
    if let Some(refused) = shared.limits.refuse(&ctx, peer, phone) {
        return refused;
    }
    match shared.engine.create(&new).await {
        Ok((order, _)) => to_card_page(&shared.engine, order, shared.card_origin.as_deref()).await,
        Err(e) => unavailable(&shared, lang, &e.to_string()),
    }
}

/// The reference of a path, if it can be one; anything else is a 404 without a query.
fn reference(raw: &str) -> Option<&str> {
    TransactionRef::new(raw).ok().map(|_| raw)
}

/// The order's view; an answer for the customer's page (`lang`) or, without one, for a JSON
/// client when there is none.
async fn load(shared: &Shared, lang: Option<Lang>, raw: &str) -> Result<OrderView, Response> {
    let not_found = || match lang {
        Some(lang) => missing(shared, lang),
        None => json_missing(),
    };
    let Some(reference) = reference(raw) else {
        return Err(not_found());
    };
    match shared.engine.store().order(reference).await {
        Ok(Some(order)) => Ok(order.view()),
        Ok(None) => Err(not_found()),
        Err(e) => Err(match lang {
            Some(lang) => unavailable(shared, lang, &e.to_string()),
            None => json_unavailable(&e.to_string()),
        }),
    }
}

/// The query the card page adds when it sends the customer back (`?transref=…&status=…`).
#[derive(Debug, Default, Deserialize)]
struct CardReturn {
    #[serde(default)]
    transref: String,
}

async fn order_page(
    Extract(shared): Extract<Shared>,
    lang: Lang,
    Path(raw): Path<String>,
    Query(back): Query<CardReturn>,
) -> Response {
    match load(&shared, Some(lang), &raw).await {
        Ok(mut view) => {
            if view.by_card() && !view.is_final && back.transref == view.reference {
                crate::card_web::returned_from_card_page(&shared.engine, &view.reference).await;
                if let Ok(Some(order)) = shared.engine.store().order(&view.reference).await {
                    view = order.view();
                }
            }
            let link = crate::links::link_of_order(shared.engine.store(), &view.reference)
                .await
                .ok()
                .flatten();
            Html(page::order_page(&shared.ctx(lang), &view, link.as_ref())).into_response()
        }
        Err(response) => response,
    }
}

async fn status(Extract(shared): Extract<Shared>, Path(raw): Path<String>) -> Response {
    match load(&shared, None, &raw).await {
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
        return json_missing();
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
        Err(e) => json_unavailable(&e.to_string()),
    }
}

/// `POST /qosic/callback`: see the module docs. QosIc gets a quick answer either way; the
/// answer says what the shop made of the callback, for its logs and the fake server's journal.
async fn callback(Extract(shared): Extract<Shared>, body: axum::body::Bytes) -> Response {
    let refuse = |status: StatusCode, why: String| {
        shared.engine.metrics().callback(false);
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
        Err(e) => return json_unavailable(&e.to_string()),
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
    shared.engine.metrics().callback(true);
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
        Err(e) => json_unavailable(&e.to_string()),
    }
}

async fn admin_orders(Extract(shared): Extract<Shared>) -> Response {
    match shared.engine.store().counts().await {
        Ok(counts) => {
            let total: i64 = counts.values().sum();
            Json(json!({
                "instance": shared.engine.instance(),
                "database": shared.engine.store().backend(),
                "test_mode": shared.test_mode,
                "orders": counts,
                "total": total,
            }))
            .into_response()
        }
        Err(e) => json_unavailable(&e.to_string()),
    }
}

/// The operator's filters: `state`, `since` and `until` (dates, `YYYY-MM-DD`, UTC), `q` (the
/// reference, or the last digits of the phone number).
#[derive(Debug, Default, Deserialize)]
struct AdminQuery {
    #[serde(default)]
    state: String,
    #[serde(default)]
    since: String,
    #[serde(default)]
    until: String,
    #[serde(default)]
    q: String,
}

/// The most orders `/admin` lists at once.
const ADMIN_LIST_LIMIT: i64 = 200;

/// Unix milliseconds of the start of a `YYYY-MM-DD` day (UTC).
fn day_start_ms(day: &str) -> Option<i64> {
    let mut parts = day.trim().splitn(3, '-');
    let y: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let d: i64 = parts.next()?.parse().ok()?;
    if !(1970..=9999).contains(&y) || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some((era * 146_097 + doe - 719_468) * 86_400_000)
}

async fn admin_page(Extract(shared): Extract<Shared>, Query(query): Query<AdminQuery>) -> Response {
    let filter = OrderFilter {
        state: State::ALL
            .into_iter()
            .find(|s| s.as_str() == query.state.trim()),
        since: day_start_ms(&query.since),
        until: day_start_ms(&query.until).map(|ms| ms + 86_400_000),
        search: Some(query.q.trim().to_owned()).filter(|q| !q.is_empty()),
    };
    let store = shared.engine.store();
    let (counts, orders) = match (
        store.counts().await,
        store.find_orders(&filter, ADMIN_LIST_LIMIT).await,
    ) {
        (Ok(counts), Ok(orders)) => (counts, orders),
        (Err(e), _) | (_, Err(e)) => return json_unavailable(&e.to_string()),
    };
    Html(page::admin(
        shared.test_mode,
        &counts,
        &orders,
        (&query.state, &query.since, &query.until, &query.q),
    ))
    .into_response()
}

async fn admin_order(Extract(shared): Extract<Shared>, Path(raw): Path<String>) -> Response {
    let Some(reference) = reference(&raw) else {
        return json_missing();
    };
    let store = shared.engine.store();
    match (store.order(reference).await, store.history(reference).await) {
        (Ok(Some(order)), Ok(history)) => Json(json!({
            "order": order.view(),
            "created_at": order.created_at,
            "transitions": history,
        }))
        .into_response(),
        (Ok(None), _) => json_missing(),
        (Err(e), _) | (_, Err(e)) => json_unavailable(&e.to_string()),
    }
}

/// The fallback: a JSON 404 under the JSON prefixes (`/api/`, `/admin/orders`, `/qosic/`,
/// and an order's `/status`, `/events` or `/check`), the customer's page elsewhere.
async fn not_found(Extract(shared): Extract<Shared>, lang: Lang, uri: axum::http::Uri) -> Response {
    let path = uri.path();
    let json = ["/api/", "/admin/orders", "/qosic/"]
        .iter()
        .any(|prefix| path.starts_with(prefix))
        || (path.starts_with("/orders/")
            && ["/status", "/events", "/check"]
                .iter()
                .any(|end| path.ends_with(end)));
    if json {
        json_missing()
    } else {
        missing(&shared, lang)
    }
}

/// The customer's 404 page.
fn missing(shared: &Shared, lang: Lang) -> Response {
    (
        StatusCode::NOT_FOUND,
        Html(page::message(
            &shared.ctx(lang),
            "not-found-title",
            "not-found-text",
        )),
    )
        .into_response()
}

/// A 404 for JSON clients.
pub(crate) fn json_missing() -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({"error": "not found: no such order or endpoint"})),
    )
        .into_response()
}

/// A 503 for JSON clients.
pub(crate) fn json_unavailable(reason: &str) -> Response {
    tracing::warn!("request failed: {reason}");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, "5")],
        Json(json!({"error": "the database cannot be reached right now: try again in a moment"})),
    )
        .into_response()
}

/// The customer's 503 page.
fn unavailable(shared: &Shared, lang: Lang, reason: &str) -> Response {
    tracing::warn!("request failed: {reason}");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Html(page::message(
            &shared.ctx(lang),
            "unavailable-title",
            "unavailable-text",
        )),
    )
        .into_response()
}

/// One `status` event: the order's view and its status block.
fn status_event(ctx: &Ctx<'_>, view: &OrderView, link: Option<&crate::links::Link>) -> Event {
    let data = json!({"view": view, "html": page::status_block(ctx, view, link)});
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
    shared: Shared,
    lang: Lang,
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

async fn events(Extract(shared): Extract<Shared>, lang: Lang, Path(raw): Path<String>) -> Response {
    let Some(reference) = reference(&raw).map(str::to_owned) else {
        return json_missing();
    };
    let Ok(permit) = Arc::clone(&shared.streams).try_acquire_owned() else {
        shared.engine.metrics().event_streams_refused.inc();
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
        Ok(None) => return json_missing(),
        Err(e) => return json_unavailable(&e.to_string()),
    };
    let follow = Follow {
        first: Some(first),
        last: None,
        rx,
        engine: Arc::clone(&shared.engine),
        reference,
        deadline: Instant::now() + shared.stream_lifetime,
        done: false,
        shared: shared.clone(),
        lang,
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
        // A confirmed order's block is its receipt, which names what the link sold.
        let link = if view.state == State::Confirmed {
            let store = follow.engine.store();
            crate::links::link_of_order(store, &view.reference)
                .await
                .ok()
                .flatten()
        } else {
            None
        };
        let event = status_event(&follow.shared.ctx(follow.lang), &view, link.as_ref())
            .retry(Duration::from_secs(2));
        follow.last = Some(view);
        Some((Ok::<_, Infallible>(event), follow))
    });
    // A stopping instance ends its streams; the pages reconnect to another one.
    let stream = futures_util::StreamExt::take_until(stream, shared.engine.hub().closed());
    sse(stream).into_response()
}

fn sse<S>(stream: S) -> impl IntoResponse
where
    S: Stream<Item = Result<Event, Infallible>> + Send + 'static,
{
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
