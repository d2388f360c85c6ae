//! Prices from the merchant, never from the customer: payment links and the catalogue's
//! product pages.
//!
//! | route | what |
//! |---|---|
//! | `POST /api/orders` | the merchant's backend makes a payment link (`Authorization: Bearer CHECKOUT_API_KEY`): `{"amount", "description", "merchant_reference", "return_url"}` → `201 {"id", "url", …}` |
//! | `GET /api/orders/{id}` | the link and where its payment stands (same key) |
//! | `GET /pay/{id}` | the link's page: the item and its amount, and one field, the phone number; once paid, the receipt |
//! | `POST /pay/{id}` | pays the link: one order at a time (a double tap finds the same one), a new try only after a decline |
//! | `GET /products` | the catalogue (`--catalogue products.toml`) |
//! | `GET /products/{id}`, `POST /products/{id}` | a product's page, and buying it at the catalogue's price |
//!
//! A link is single-use: once one of its payments is confirmed, its page is the receipt;
//! while one is under way, its page is that payment's. Each try of a link uses the form token
//! `LINK-N` (N: the declined tries before it), so two posts of the same try make one order.
//! Links live in `checkout_links`; the orders of each in `checkout_link_orders`.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Form, Path, State as Extract};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use sqlx::AssertSqlSafe;

use crate::card_web::to_card_page;
use crate::catalogue::Products;
use crate::config::Config;
use crate::i18n::Lang;
use crate::jobs::Engine;
use crate::page::{Ctx, Look};
use crate::store::{now_ms, Order, State, Store, StoreError};
use crate::web::{json_missing, json_unavailable, new_token, OrderForm, RateLimits};

/// What a link sells: set by the merchant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The link's id (32 hex digits), in its address `/pay/{id}`.
    pub id: String,
    /// Whole XOF.
    pub amount: i64,
    /// What is paid for, as the customer reads it.
    pub description: String,
    /// The merchant's own reference (their order number), given back in events.
    pub merchant_reference: Option<String>,
    /// Where the receipt sends the customer back to.
    pub return_url: Option<String>,
    /// The catalogue's product, for a purchase from a product page.
    pub product_id: Option<String>,
    /// When it was made (unix ms).
    pub created_at: i64,
}

const SCHEMA: [&str; 3] = [
    "CREATE TABLE IF NOT EXISTS checkout_links (
        id TEXT PRIMARY KEY,
        amount BIGINT NOT NULL,
        description TEXT NOT NULL,
        merchant_reference TEXT,
        return_url TEXT,
        product_id TEXT,
        created_at BIGINT NOT NULL
    )",
    "CREATE TABLE IF NOT EXISTS checkout_link_orders (
        reference TEXT PRIMARY KEY,
        link_id TEXT NOT NULL,
        created_at BIGINT NOT NULL
    )",
    "CREATE INDEX IF NOT EXISTS checkout_link_orders_link ON checkout_link_orders (link_id)",
];

/// Runs `$body` with `$pool` bound to the store's pool and `$sql` turning a statement written
/// with `$N` placeholders into that backend's syntax.
macro_rules! on_pool {
    ($store:expr, |$pool:ident, $sql:ident| $body:expr) => {
        if let Some($pool) = $store.sqlite_pool() {
            let $sql = |s: &'static str| AssertSqlSafe(s.replace('$', "?"));
            $body
        } else if let Some($pool) = $store.pg_pool() {
            let $sql = |s: &'static str| AssertSqlSafe(s.to_owned());
            $body
        } else {
            Err(StoreError::Corrupt("no database".to_owned()))
        }
    };
}

type LinkRow = (
    String,
    i64,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    i64,
);

fn link_from(row: LinkRow) -> Link {
    let (id, amount, description, merchant_reference, return_url, product_id, created_at) = row;
    Link {
        id,
        amount,
        description,
        merchant_reference,
        return_url,
        product_id,
        created_at,
    }
}

/// Creates the links' tables when missing (after [`Store::connect`]).
pub async fn migrate(store: &Store) -> Result<(), StoreError> {
    on_pool!(store, |pool, sql| {
        for ddl in SCHEMA {
            sqlx::query(sql(ddl)).execute(pool).await?;
        }
        Ok(())
    })
}

/// Stores a link; a link with this id already stored is kept as it was.
pub async fn insert_link(store: &Store, link: &Link) -> Result<(), StoreError> {
    on_pool!(store, |pool, sql| {
        sqlx::query(sql(
            "INSERT INTO checkout_links (id, amount, description, merchant_reference, return_url, product_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING",
        ))
        .bind(&link.id)
        .bind(link.amount)
        .bind(&link.description)
        .bind(&link.merchant_reference)
        .bind(&link.return_url)
        .bind(&link.product_id)
        .bind(link.created_at)
        .execute(pool)
        .await?;
        Ok(())
    })
}

/// The link with this id.
pub async fn link(store: &Store, id: &str) -> Result<Option<Link>, StoreError> {
    on_pool!(store, |pool, sql| {
        let row: Option<LinkRow> = sqlx::query_as(sql(
            "SELECT id, amount, description, merchant_reference, return_url, product_id, created_at \
             FROM checkout_links WHERE id = $1",
        ))
        .bind(id)
        .fetch_optional(pool)
        .await?;
        Ok(row.map(link_from))
    })
}

/// The link an order pays, if it pays one.
pub async fn link_of_order(store: &Store, reference: &str) -> Result<Option<Link>, StoreError> {
    on_pool!(store, |pool, sql| {
        let row: Option<LinkRow> = sqlx::query_as(sql(
            "SELECT l.id, l.amount, l.description, l.merchant_reference, l.return_url, l.product_id, l.created_at \
             FROM checkout_links l JOIN checkout_link_orders o ON o.link_id = l.id WHERE o.reference = $1",
        ))
        .bind(reference)
        .fetch_optional(pool)
        .await?;
        Ok(row.map(link_from))
    })
}

/// Notes that `reference` pays `link_id` (again: a no-op).
async fn attach(store: &Store, link_id: &str, reference: &str) -> Result<(), StoreError> {
    on_pool!(store, |pool, sql| {
        sqlx::query(sql(
            "INSERT INTO checkout_link_orders (reference, link_id, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (reference) DO NOTHING",
        ))
        .bind(reference)
        .bind(link_id)
        .bind(now_ms())
        .execute(pool)
        .await?;
        Ok(())
    })
}

/// The orders of a link, oldest first.
pub async fn orders_of(store: &Store, link_id: &str) -> Result<Vec<Order>, StoreError> {
    let references: Vec<(String,)> = on_pool!(store, |pool, sql| {
        Ok::<_, StoreError>(
            sqlx::query_as(sql(
                "SELECT reference FROM checkout_link_orders WHERE link_id = $1 ORDER BY created_at, reference LIMIT 100",
            ))
            .bind(link_id)
            .fetch_all(pool)
            .await?,
        )
    })?;
    let mut orders = Vec::with_capacity(references.len());
    for (reference,) in references {
        if let Some(order) = store.order(&reference).await? {
            orders.push(order);
        }
    }
    Ok(orders)
}

/// Where a link's payment stands: the order that settles it (paid or under way), and the
/// number of declined tries.
#[derive(Debug)]
pub struct LinkState {
    /// A confirmed order, or one under way (never both: a new try starts only after a
    /// decline).
    pub current: Option<Order>,
    /// Tries that ended declined.
    pub declined: usize,
}

impl LinkState {
    /// `open` (nothing paid, nothing under way), `paid`, `refunded`, or the state of the
    /// payment under way.
    pub fn status(&self) -> &'static str {
        match &self.current {
            None => "open",
            Some(order) if order.state == State::Confirmed => "paid",
            Some(order) => order.state.as_str(),
        }
    }
}

/// Where a link's payment stands.
pub async fn link_state(store: &Store, link_id: &str) -> Result<LinkState, StoreError> {
    let orders = orders_of(store, link_id).await?;
    let declined = orders.iter().filter(|o| o.state == State::Failed).count();
    let current = orders
        .iter()
        .find(|o| o.state == State::Confirmed)
        .or_else(|| orders.iter().find(|o| o.state != State::Failed))
        .cloned();
    Ok(LinkState { current, declined })
}

/// What the routes share.
#[derive(Debug, Clone)]
struct Links {
    engine: Arc<Engine>,
    look: Arc<Look>,
    products: Option<Arc<Products>>,
    api_key: Option<qosic::Secret>,
    public_url: Option<String>,
    max_amount: u64,
    /// The order form's limits per phone number and per client address.
    limits: Arc<RateLimits>,
}

/// Whether prices come from the merchant (a catalogue or the API is set up): the order form
/// that takes the customer's amount is then off.
pub fn merchant_prices(config: &Config) -> bool {
    config.catalogue.is_some() || config.api_key.is_some()
}

/// The routes of this module, for the shop's router.
pub(crate) fn routes<S>(
    engine: Arc<Engine>,
    config: &Config,
    look: Arc<Look>,
    limits: Arc<RateLimits>,
) -> Router<S> {
    let products = config.catalogue.as_deref().map(|path| {
        Arc::new(Products::load(path, config.max_amount).unwrap_or_else(|e| {
            tracing::error!("{e}; no products are sold");
            Products::default()
        }))
    });
    let links = Links {
        engine,
        look,
        products,
        api_key: config.api_key.clone().filter(|k| !k.expose().is_empty()),
        public_url: config.public_url.clone(),
        max_amount: config.max_amount,
        limits,
    };
    Router::new()
        .route("/api/orders", post(api_create))
        .route("/api/orders/{id}", get(api_show))
        .route("/pay/{id}", get(pay_page).post(pay))
        .route("/products", get(products_page))
        .route("/products/{id}", get(product_page).post(buy))
        .with_state(links)
}

fn is_link_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The API's error: `{"error": why, "field": the field at fault}`.
fn api_error(status: StatusCode, field: Option<&str>, why: String) -> Response {
    (status, Json(json!({"error": why, "field": field}))).into_response()
}

/// `None` when the request carries the API key; the answer to give otherwise.
fn refused(links: &Links, headers: &HeaderMap) -> Option<Response> {
    let Some(key) = &links.api_key else {
        return Some(json_missing());
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let ok = given.is_some_and(|given| {
        given.len() == key.expose().len()
            && given
                .bytes()
                .zip(key.expose().bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    });
    if ok {
        None
    } else {
        Some((
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            Json(json!({"error": "the API key is required: Authorization: Bearer CHECKOUT_API_KEY", "field": null})),
        )
            .into_response())
    }
}

/// The absolute address of a link: `CHECKOUT_PUBLIC_URL`, or the `Host` the merchant called.
fn link_url(links: &Links, headers: &HeaderMap, id: &str) -> String {
    let base = links.public_url.clone().unwrap_or_else(|| {
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("localhost");
        format!("http://{host}")
    });
    format!("{}/pay/{id}", base.trim_end_matches('/'))
}

/// Reads the API's order: every field checked, the first at fault named.
fn api_fields(body: &[u8], max_amount: u64) -> Result<Link, (String, String)> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        (
            "body".to_owned(),
            format!("not JSON ({e}): expected {{\"amount\": 1500, \"description\": \"…\", \"merchant_reference\": \"…\", \"return_url\": \"https://…\"}}"),
        )
    })?;
    let Value::Object(map) = value else {
        return Err(("body".to_owned(), "expected a JSON object".to_owned()));
    };
    const FIELDS: [&str; 4] = ["amount", "description", "merchant_reference", "return_url"];
    if let Some(unknown) = map.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err((
            unknown.clone(),
            format!("unknown field {unknown:?}: expected amount, description, merchant_reference, return_url"),
        ));
    }
    let text = |map: &Map<String, Value>,
                field: &str,
                max: usize|
     -> Result<Option<String>, (String, String)> {
        match map.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.trim().chars().count() <= max => {
                Ok(Some(s.trim().to_owned()).filter(|s| !s.is_empty()))
            }
            Some(_) => Err((
                field.to_owned(),
                format!("invalid {field}: expected a string of at most {max} characters"),
            )),
        }
    };
    let amount = match map.get("amount") {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => crate::amount::parse_xof(s).ok(),
        _ => None,
    }
    .filter(|&n| n >= 1 && n <= max_amount && qosic::Amount::new(n).is_ok());
    let Some(amount) = amount else {
        return Err((
            "amount".to_owned(),
            format!(
                "invalid amount: expected a whole number of XOF from 1 to {max_amount}, e.g. 1500"
            ),
        ));
    };
    let Some(description) = text(&map, "description", 200)? else {
        return Err((
            "description".to_owned(),
            "missing description: expected what the customer pays for, 1 to 200 characters"
                .to_owned(),
        ));
    };
    let merchant_reference = text(&map, "merchant_reference", 100)?;
    let return_url = text(&map, "return_url", 2000)?;
    if let Some(url) = &return_url {
        if !(url.starts_with("https://") || url.starts_with("http://"))
            || url.contains(char::is_whitespace)
        {
            return Err((
                "return_url".to_owned(),
                "invalid return_url: expected an absolute http:// or https:// address".to_owned(),
            ));
        }
    }
    Ok(Link {
        id: String::new(),
        amount: i64::try_from(amount).unwrap_or(i64::MAX),
        description,
        merchant_reference,
        return_url,
        product_id: None,
        created_at: now_ms(),
    })
}

fn link_json(links: &Links, headers: &HeaderMap, link: &Link, state: Option<&LinkState>) -> Value {
    let mut value = json!({
        "id": link.id,
        "url": link_url(links, headers, &link.id),
        "amount": link.amount,
        "description": link.description,
        "merchant_reference": link.merchant_reference,
        "return_url": link.return_url,
        "created": link.created_at / 1000,
    });
    if let Some(state) = state {
        value["status"] = json!(state.status());
        value["payment"] = match &state.current {
            Some(order) => json!({
                "reference": order.reference,
                "state": order.state.as_str(),
                "carrier": order.carrier,
                "phone": order.masked_phone(),
            }),
            None => Value::Null,
        };
        value["declined_tries"] = json!(state.declined);
    }
    value
}

async fn api_create(Extract(links): Extract<Links>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(response) = refused(&links, &headers) {
        return response;
    }
    let mut link = match api_fields(&body, links.max_amount) {
        Ok(link) => link,
        Err((field, why)) => return api_error(StatusCode::UNPROCESSABLE_ENTITY, Some(&field), why),
    };
    link.id = new_token();
    if !is_link_id(&link.id) {
        return json_unavailable("no system randomness for a link id");
    }
    if let Err(e) = insert_link(links.engine.store(), &link).await {
        return json_unavailable(&e.to_string());
    }
    tracing::info!(
        "payment link {} made by the API: {} XOF ({:?})",
        link.id,
        link.amount,
        link.merchant_reference
    );
    let mut body = link_json(&links, &headers, &link, None);
    body["status"] = json!("open");
    let location = format!("/api/orders/{}", link.id);
    (
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(body),
    )
        .into_response()
}

async fn api_show(
    Extract(links): Extract<Links>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Some(response) = refused(&links, &headers) {
        return response;
    }
    if !is_link_id(&id) {
        return json_missing();
    }
    let store = links.engine.store();
    match link(store, &id).await {
        Ok(Some(link)) => match link_state(store, &id).await {
            Ok(state) => Json(link_json(&links, &headers, &link, Some(&state))).into_response(),
            Err(e) => json_unavailable(&e.to_string()),
        },
        Ok(None) => json_missing(),
        Err(e) => json_unavailable(&e.to_string()),
    }
}

/// The customer's page for an error, with its status.
fn customer_error(ctx: &Ctx<'_>, status: StatusCode, title: &str, text: &str) -> Response {
    (status, Html(crate::page::message(ctx, title, text))).into_response()
}

fn unavailable(ctx: &Ctx<'_>, why: &StoreError) -> Response {
    tracing::warn!("request failed: {why}");
    customer_error(
        ctx,
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable-title",
        "unavailable-text",
    )
}

fn not_found(ctx: &Ctx<'_>) -> Response {
    customer_error(
        ctx,
        StatusCode::NOT_FOUND,
        "not-found-title",
        "not-found-text",
    )
}

async fn pay_page(Extract(links): Extract<Links>, lang: Lang, Path(id): Path<String>) -> Response {
    let ctx = links.look.ctx(lang);
    if !is_link_id(&id) {
        return not_found(&ctx);
    }
    let store = links.engine.store();
    let link = match link(store, &id).await {
        Ok(Some(link)) => link,
        Ok(None) => return not_found(&ctx),
        Err(e) => return unavailable(&ctx, &e),
    };
    match link_state(store, &id).await {
        // Paid: the receipt; under way: that payment's page. Never a second payment.
        Ok(LinkState {
            current: Some(order),
            ..
        }) => Redirect::to(&format!("/orders/{}", order.reference)).into_response(),
        Ok(state) => Html(crate::storefront::pay_page(
            &ctx,
            &link,
            &new_token(),
            state.declined > 0,
            None,
            "",
        ))
        .into_response(),
        Err(e) => unavailable(&ctx, &e),
    }
}

/// The customer's phone number, and the form's one-time token.
#[derive(Debug, Deserialize)]
struct PhoneForm {
    #[serde(default)]
    phone: String,
    #[serde(default)]
    token: String,
    /// `card` for "Pay by card".
    #[serde(default)]
    method: String,
}

/// Pays `link` with the phone number of `form`: one order per try (see the module docs).
async fn pay_link(
    links: &Links,
    ctx: &Ctx<'_>,
    link: &Link,
    form: PhoneForm,
    peer: Option<SocketAddr>,
) -> Response {
    let store = links.engine.store();
    let state = match link_state(store, &link.id).await {
        Ok(state) => state,
        Err(e) => return unavailable(ctx, &e),
    };
    if let Some(order) = state.current {
        // Under way (a card order: to its card page) or paid.
        return to_card_page(&links.engine, order, links.look.card_origin.as_deref()).await;
    }
    let order_form = OrderForm {
        phone: form.phone.clone(),
        token: format!("{}-{}", link.id, state.declined),
        method: form.method.clone(),
        ..OrderForm::default()
    };
    let by_card = order_form.by_card();
    let amount = u64::try_from(link.amount).map_err(|e| e.to_string());
    let validated = if by_card && !ctx.card {
        Err(std::collections::BTreeMap::from([(
            "form",
            crate::wording::Problem::CardUnavailable,
        )]))
    } else if by_card {
        crate::form::validate_card(&order_form, amount, links.max_amount)
    } else {
        crate::form::validate_with_amount(
            links.engine.client(),
            &order_form,
            amount,
            links.max_amount,
        )
    };
    let new = match validated {
        Ok(new) => new,
        Err(problems) => {
            let error = problems
                .get("phone")
                .or_else(|| problems.values().next())
                .map(|p| p.say(&ctx.texts))
                .unwrap_or_default();
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                Html(crate::storefront::pay_page(
                    ctx,
                    link,
                    &form.token,
                    state.declined > 0,
                    Some(&error),
                    &form.phone,
                )),
            )
                .into_response();
        }
    };
    let phone = (!by_card).then_some(new.phone.as_str());
    if let Some(refused) = links.limits.refuse(ctx, peer, phone) {
        return refused;
    }
    let order = match links.engine.create(&new).await {
        Ok((order, _)) => order,
        Err(e) => return unavailable(ctx, &e),
    };
    if let Err(e) = attach(store, &link.id, &order.reference).await {
        return unavailable(ctx, &e);
    }
    to_card_page(&links.engine, order, links.look.card_origin.as_deref()).await
}

async fn pay(
    Extract(links): Extract<Links>,
    lang: Lang,
    Path(id): Path<String>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    Form(form): Form<PhoneForm>,
) -> Response {
    let peer = peer.map(|Extension(ConnectInfo(addr))| addr);
    let ctx = links.look.ctx(lang);
    if !is_link_id(&id) {
        return not_found(&ctx);
    }
    match link(links.engine.store(), &id).await {
        Ok(Some(link)) => pay_link(&links, &ctx, &link, form, peer).await,
        Ok(None) => not_found(&ctx),
        Err(e) => unavailable(&ctx, &e),
    }
}

async fn products_page(Extract(links): Extract<Links>, lang: Lang) -> Response {
    let ctx = links.look.ctx(lang);
    let products = links
        .products
        .as_deref()
        .map(Products::all)
        .unwrap_or_default();
    Html(crate::storefront::products_page(&ctx, products)).into_response()
}

async fn product_page(
    Extract(links): Extract<Links>,
    lang: Lang,
    Path(id): Path<String>,
) -> Response {
    let ctx = links.look.ctx(lang);
    match links.products.as_deref().and_then(|p| p.get(&id)) {
        Some(product) => Html(crate::storefront::product_page(
            &ctx,
            product,
            &new_token(),
            None,
            "",
        ))
        .into_response(),
        None => not_found(&ctx),
    }
}

/// Buys a product at the catalogue's price: a link of the product (its id the form's token,
/// so that a double tap finds the same link and order), paid at once.
async fn buy(
    Extract(links): Extract<Links>,
    lang: Lang,
    Path(id): Path<String>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    Form(form): Form<PhoneForm>,
) -> Response {
    let peer = peer.map(|Extension(ConnectInfo(addr))| addr);
    let ctx = links.look.ctx(lang);
    let Some(product) = links.products.as_deref().and_then(|p| p.get(&id)) else {
        return not_found(&ctx);
    };
    let token = form.token.trim().to_ascii_lowercase();
    let link_id = if is_link_id(&token) {
        token
    } else {
        new_token()
    };
    let store = links.engine.store();
    let candidate = Link {
        id: link_id.clone(),
        amount: i64::try_from(product.price).unwrap_or(i64::MAX),
        description: product.name.clone(),
        merchant_reference: None,
        return_url: None,
        product_id: Some(product.id.clone()),
        created_at: now_ms(),
    };
    if let Err(e) = insert_link(store, &candidate).await {
        return unavailable(&ctx, &e);
    }
    let link = match link(store, &link_id).await {
        // The token named another product's link: a new link of this product instead.
        Ok(Some(link)) if link.product_id.as_deref() != Some(product.id.as_str()) => {
            let fresh = Link {
                id: new_token(),
                ..candidate
            };
            if let Err(e) = insert_link(store, &fresh).await {
                return unavailable(&ctx, &e);
            }
            fresh
        }
        Ok(Some(link)) => link,
        Ok(None) => return not_found(&ctx),
        Err(e) => return unavailable(&ctx, &e),
    };
    pay_link(&links, &ctx, &link, form, peer).await
}
