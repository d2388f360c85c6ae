//! Card payments: QosIc's card checkout ("b-card") as the fake server plays it; the routes
//! and magic values are in the crate guide (README.md, "Account holders, balance, card
//! payments").

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};

use crate::callback::Ended;
use crate::model::TransactionKind;
use crate::reply::{fail, lock, pairs, Action, Incoming, Reply};
use crate::sender::Callbacks;

/// The card key the fake server accepts by default: QosIc's documented test key.
pub const DEFAULT_CARD_KEY: &str = "QCBJ001";
/// A card number whose payments are declined.
pub const DECLINED_CARD: &str = "4000000000000002";
/// A card number whose payments never finish (pending for ever).
pub const NEVER_FINISHING_CARD: &str = "4000000000009995";
/// The card number the hosted page suggests: paid.
pub const APPROVED_CARD: &str = "4242424242424242";

pub(crate) const INIT_PATH: &str = "/public/v1/initTransaction";
pub(crate) const STATUS_PATHS: [&str; 2] = [
    "/QosicBridge/checkout/v1/status",
    "/QosicBrigde/checkout/v1/status",
];
const PAGE_PREFIX: &str = "/card/pay/";
/// A stand-in for a shop's return page, for examples and tests without a shop.
const RETURNED_PATH: &str = "/card/returned";
const MAX_CARD_PAYMENTS: usize = 10_000;
const MAX_URL: usize = 2_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CardState {
    Pending,
    Paid,
    Declined,
    Abandoned,
}

#[derive(Debug, Clone)]
struct CardPaymentState {
    amount: u64,
    return_url: String,
    state: CardState,
    service_ref: u64,
    /// Whether the customer's browser reached the fake's stand-in return page.
    returned: bool,
}

/// The card payments and settings of one fake server.
#[derive(Debug)]
pub(crate) struct Cards {
    payments: Mutex<HashMap<String, CardPaymentState>>,
    /// The card key (`qosKey`) accepted.
    pub(crate) key: Mutex<String>,
    /// The base of the card page URLs: the server's own `http://ADDR`.
    pub(crate) base: Mutex<Option<String>>,
    /// Whether card status requests are answered in the shape of QosIc's plugin.
    pub(crate) plugin_shape: AtomicBool,
}

impl Default for Cards {
    fn default() -> Self {
        Cards {
            payments: Mutex::new(HashMap::new()),
            key: Mutex::new(DEFAULT_CARD_KEY.to_owned()),
            base: Mutex::new(None),
            plugin_shape: AtomicBool::new(false),
        }
    }
}

impl Cards {
    /// Forgets every card payment (the settings stay).
    pub(crate) fn clear(&self) {
        *lock(&self.payments) = HashMap::new();
    }

    /// A card payment's state now: `pending`, `paid`, `declined` or `abandoned`.
    pub(crate) fn state_of(&self, reference: &str) -> Option<&'static str> {
        lock(&self.payments)
            .get(reference)
            .map(|p| p.state.names()[0])
    }

    /// Whether the stand-in return page was served for this card payment.
    pub(crate) fn returned(&self, reference: &str) -> bool {
        lock(&self.payments)
            .get(reference)
            .is_some_and(|p| p.returned)
    }
}

impl CardState {
    /// Its name on the page and in the return URL, its documented status code and message,
    /// and the status of QosIc's plugin shape.
    fn names(self) -> [&'static str; 4] {
        match self {
            CardState::Pending => ["pending", "01", "PENDING", "PENDIND"],
            CardState::Paid => ["paid", "00", "SUCCESSFUL", "SUCCESS"],
            CardState::Declined => ["declined", "-1", "FAILED", "FAILED"],
            CardState::Abandoned => ["abandoned", "-1", "CANCELLED", "FAILED"],
        }
    }
}

/// Handles the card routes; `None` for any other request.
pub(crate) fn handle(cards: &Cards, callbacks: &Callbacks, req: &Incoming<'_>) -> Option<Action> {
    let path = req.path.split('?').next().unwrap_or(req.path);
    let reply = if path == INIT_PATH {
        post_only(req, |body| init(cards, body))
    } else if STATUS_PATHS.contains(&path) {
        post_only(req, |body| status(cards, body))
    } else if path == RETURNED_PATH {
        // A transref is ASCII letters, digits, '_' and '-': nothing to decode.
        let mut query = pairs(req.query.unwrap_or_default());
        let reference = query
            .find(|(name, _)| *name == "transref")
            .unwrap_or_default()
            .1;
        if let Some(payment) = lock(&cards.payments).get_mut(reference) {
            payment.returned = true;
        }
        html(
            200,
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Back at the \
             shop</title></head><body><h1 id=\"returned\">Back at the shop</h1><p>The card page \
             sent the customer back here (the fake server's stand-in for a shop's return page).\
             </p></body></html>"
                .to_owned(),
        )
    } else if let Some(rest) = path.strip_prefix(PAGE_PREFIX) {
        page(cards, callbacks, req, rest)
    } else {
        return None;
    };
    tracing::debug!(path, status = reply.status, "qosic-mock card request");
    Some(Action::Respond(reply))
}

fn post_only(req: &Incoming<'_>, answer: impl FnOnce(&Value) -> Reply) -> Reply {
    if req.method != "POST" {
        return fail(405, "this card route takes POST");
    }
    if let Some(p) = req.problem {
        return fail(413, &format!("the body was not read whole ({p:?})"));
    }
    match serde_json::from_slice::<Value>(req.body) {
        Ok(body @ Value::Object(_)) => answer(&body),
        _ => fail(400, "the body must be a JSON object"),
    }
}

fn bad_key() -> Reply {
    let body = json!({"responsecode": "-2", "responsemsg": "INVALID qoskey"});
    Reply::json(200, &body)
}

/// The `transref`, `returnUrl` and amount of an init request, or why they are refused.
fn init_fields(body: &Value) -> Result<(&str, &str, u64), &'static str> {
    let check = |ok: bool, why| if ok { Ok(()) } else { Err(why) };
    let reference = body["transref"].as_str();
    let reference = reference.ok_or("missing field transref (a string)")?;
    check(
        (4..=64).contains(&reference.len())
            && (reference.bytes()).all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'),
        "transref must be 4 to 64 ASCII letters, digits, '_' or '-'",
    )?;
    let return_url = body["returnUrl"].as_str().unwrap_or("");
    let web = return_url.starts_with("http://") || return_url.starts_with("https://");
    check(
        web && return_url.len() <= MAX_URL,
        "returnUrl must be an http:// or https:// URL of at most 2000 characters",
    )?;
    let details = &body["amountDetails"];
    let amount = &details["totalAmount"];
    let amount = (amount.as_u64()).or_else(|| amount.as_str()?.trim().parse().ok());
    let amount = amount.filter(|a| *a > 0);
    let amount =
        amount.ok_or("amountDetails.totalAmount must be a positive whole number of XOF")?;
    let currency = details["currency"].as_str().unwrap_or("XOF");
    check(currency == "XOF", "amountDetails.currency must be XOF")?;
    Ok((reference, return_url, amount))
}

fn init(cards: &Cards, body: &Value) -> Reply {
    if body.get("qosKey").and_then(Value::as_str) != Some(lock(&cards.key).as_str()) {
        return bad_key();
    }
    let (reference, return_url, amount) = match init_fields(body) {
        Ok(fields) => fields,
        Err(why) => return fail(400, why),
    };
    let mut payments = lock(&cards.payments);
    if payments.contains_key(reference) {
        return fail(400, "this transref was already used for a card payment");
    }
    if payments.len() >= MAX_CARD_PAYMENTS {
        return fail(507, "the fake server keeps at most 10000 card payments; forget them with POST /__admin/reset",
        );
    }
    let service_ref = 90_000_000 + payments.len() as u64;
    payments.insert(
        reference.to_owned(),
        CardPaymentState {
            amount,
            return_url: return_url.to_owned(),
            state: CardState::Pending,
            service_ref,
            returned: false,
        },
    );
    drop(payments);
    let base = lock(&cards.base)
        .clone()
        .unwrap_or_else(|| crate::IN_PROCESS_URI.to_owned());
    Reply::json(
        200,
        &json!({
            "url": format!("{base}{PAGE_PREFIX}{reference}"),
            "transref": reference,
            "status": "PENDING",
        }),
    )
}

fn status(cards: &Cards, body: &Value) -> Reply {
    let key = body
        .get("qoskey")
        .or_else(|| body.get("qosKey"))
        .and_then(Value::as_str);
    if key != Some(lock(&cards.key).as_str()) {
        return bad_key();
    }
    let Some(reference) = body.get("transref").and_then(Value::as_str) else {
        return fail(400, "missing field transref (a string)");
    };
    let Some(state) = lock(&cards.payments).get(reference).map(|p| p.state) else {
        return fail(404, "no card payment with this transref on the fake server");
    };
    let [_, code, message, plugin] = state.names();
    if cards.plugin_shape.load(Ordering::Relaxed) {
        return Reply::json(200, &json!({"status": "00", "data": {"status": plugin}}));
    }
    Reply::json(
        200,
        &json!({"responsecode": code, "responsemsg": message, "transref": reference}),
    )
}

fn html(status: u16, body: String) -> Reply {
    Reply::with_type(status, "text/html; charset=utf-8", body.into_bytes())
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The value of `name` in a form body (`card=4242+4242`), spaces and `+` removed.
fn form_field(body: &[u8], name: &str) -> String {
    pairs(&String::from_utf8_lossy(body))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| {
            v.replace("%20", "")
                .chars()
                .filter(|c| c.is_ascii_digit())
                .take(32)
                .collect()
        })
        .unwrap_or_default()
}

fn page(cards: &Cards, callbacks: &Callbacks, req: &Incoming<'_>, rest: &str) -> Reply {
    let split = rest.split_once('/');
    let (reference, action) = split.map_or((rest, None), |(r, a)| (r, Some(a)));
    let Some(payment) = lock(&cards.payments).get(reference).cloned() else {
        return html(
            404,
            "<!doctype html><title>Unknown payment</title><p>No card payment with this reference.</p>"
                .to_owned(),
        );
    };
    match (req.method, action) {
        ("GET", None) => html(200, card_page(reference, &payment)),
        ("POST", Some(action)) => {
            let card = form_field(req.body, "card");
            match act(cards, callbacks, reference, action, &card) {
                Some(state) => html(200, back_page(reference, &payment.return_url, state)),
                None => html(
                    409,
                    "<!doctype html><title>Already finished</title><p>This card payment is no \
                     longer waiting for the customer.</p>"
                        .to_owned(),
                ),
            }
        }
        _ => fail(405, "the card page takes GET, its buttons POST"),
    }
}

/// Applies a customer's action to a pending card payment; the state it is in after, or
/// `None` when it was not pending or the action is unknown.
pub(crate) fn act(
    cards: &Cards,
    callbacks: &Callbacks,
    reference: &str,
    action: &str,
    card: &str,
) -> Option<CardState> {
    let mut payments = lock(&cards.payments);
    let payment = payments.get_mut(reference)?;
    if payment.state != CardState::Pending {
        return None;
    }
    let ending = payment.amount % 100;
    let next = match action {
        "approve" if card == NEVER_FINISHING_CARD || ending == 93 => CardState::Pending,
        "approve" if card == DECLINED_CARD || ending == 90 => CardState::Declined,
        "approve" => CardState::Paid,
        "decline" => CardState::Declined,
        "abandon" => CardState::Abandoned,
        _ => return None,
    };
    payment.state = next;
    let ended = (next != CardState::Pending).then(|| Ended {
        reference: Arc::from(reference),
        kind: TransactionKind::Payment,
        succeeded: next == CardState::Paid,
        amount: payment.amount,
        service_ref: payment.service_ref.to_string(),
    });
    drop(payments);
    if let Some(ended) = ended {
        callbacks.ended(&ended, Duration::ZERO);
    }
    Some(next)
}

fn card_page(reference: &str, payment: &CardPaymentState) -> String {
    let r = escape(reference);
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Card payment \
         (qosic-mock)</title></head><body><h1>Pay {amount} XOF by card</h1>\
         <p>Test card page of the fake QosIc server. Reference <code>{r}</code>.</p>\
         <form method=\"post\" action=\"{PAGE_PREFIX}{r}/approve\">\
         <label>Card number <input id=\"card\" name=\"card\" value=\"{APPROVED_CARD}\" \
         inputmode=\"numeric\"></label> <button id=\"approve\" type=\"submit\">Approve</button></form>\
         <form method=\"post\" action=\"{PAGE_PREFIX}{r}/decline\"><button id=\"decline\" \
         type=\"submit\">Decline</button></form>\
         <form method=\"post\" action=\"{PAGE_PREFIX}{r}/abandon\"><button id=\"abandon\" \
         type=\"submit\">Abandon</button></form></body></html>",
        amount = payment.amount,
    )
}

fn back_page(reference: &str, return_url: &str, state: CardState) -> String {
    let separator = if return_url.contains('?') { '&' } else { '?' };
    let state = state.names()[0];
    let target = escape(&format!(
        "{return_url}{separator}transref={reference}&status={state}"
    ));
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"refresh\" content=\"0;url={target}\"><title>Back to the shop</title>\
         </head><body><p>Card payment {state}. <a id=\"back\" href=\"{target}\">Back to the shop</a></p>\
         </body></html>"
    )
}
