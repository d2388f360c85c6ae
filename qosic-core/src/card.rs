//! Card payments through QosIc's hosted card page ("b-card"): [`CardCheckout`] (what to
//! charge), [`CardSession`] (where to send the customer) and [`CardPayment`] (what became
//! of it), for [`Client::card_checkout`] and [`Client::card_status`].
//!
//! The wire, as the public record has it (`docs/WIRE.md`):
//!
//! | call | where | body | answer |
//! |---|---|---|---|
//! | start | card base URL (default [`DEFAULT_CARD_BASE_URL`]) + `/public/v1/initTransaction` | `{type:"all", transref, qosKey, returnUrl, amountDetails:{totalAmount, currency:"XOF"}, saleDetails:{…}}` | `{url, transref, status}` |
//! | status | the API's base URL + `/QosicBridge/checkout/v1/status` | `{qoskey, transref}` | `{responsecode:"00", responsemsg}` (docs) or `{status:"00", data:{status:"SUCCESS"\|"PENDIND"}}` (QosIc's plugin) |
//!
//! Where the record disagrees the client has a setting: the status path (the docs spell it
//! `QosicBrigde`: [`ClientBuilder::card_status_path`]) and the key's name in the status body
//! (`qoskey` in the docs, `qosKey` in QosIc's plugin: [`ClientBuilder::card_status_key_field`]).
//! The card key is a [`Secret`]: never in logs or `Debug`.
//!
//! [`Client::card_checkout`]: crate::Client::card_checkout
//! [`Client::card_status`]: crate::Client::card_status
//! [`ClientBuilder::card_status_path`]: crate::ClientBuilder::card_status_path
//! [`ClientBuilder::card_status_key_field`]: crate::ClientBuilder::card_status_key_field

use std::borrow::Cow;
use std::fmt;

use serde::Serialize;
use serde_json::Value;

use crate::account::{numeric, object, text};
use crate::outcome::{RawResponse, Status};
use crate::secret::Secret;
use crate::transport::BaseUrl;
use crate::types::TransactionRef;
use crate::wire::mask_numbers;

/// QosIc's card checkout host ([`CardCheckout`]'s requests go there).
pub const DEFAULT_CARD_BASE_URL: &str = "https://b-card.qosic.net";

/// The path of the card checkout's start, under the card base URL.
pub const CARD_INIT_PATH: &str = "/public/v1/initTransaction";

/// The path of the card status, under the API's base URL (QosIc's plugin's spelling; the
/// docs write `QosicBrigde`).
pub const DEFAULT_CARD_STATUS_PATH: &str = "/QosicBridge/checkout/v1/status";

/// A card payment to start: the amount, the page the customer comes back to, and optional
/// sale details.
///
/// ```
/// use qosic_core::CardCheckout;
/// let checkout = CardCheckout::new(5000, "https://shop.example/orders/42")
///     .description("Order 42")
///     .customer_name("Ada", "Lovelace")
///     .customer_email("ada@example.com");
/// assert_eq!(checkout.amount(), 5000);
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct CardCheckout {
    pub(crate) amount: u64,
    pub(crate) return_url: String,
    pub(crate) description: Option<String>,
    pub(crate) first_name: Option<String>,
    pub(crate) last_name: Option<String>,
    pub(crate) email: Option<String>,
    pub(crate) reference: Option<String>,
}

impl fmt::Debug for CardCheckout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CardCheckout")
            .field("amount", &self.amount)
            .field("return_url", &self.return_url)
            .field("description", &self.description)
            .field("customer", &self.first_name.as_ref().map(|_| "(set)"))
            .field("email", &self.email.as_ref().map(|_| "(set)"))
            .field("reference", &self.reference)
            .finish()
    }
}

impl CardCheckout {
    /// `amount` XOF, the customer coming back to `return_url` (`http://` or `https://`).
    pub fn new(amount: u64, return_url: impl Into<String>) -> CardCheckout {
        CardCheckout {
            amount,
            return_url: return_url.into(),
            description: None,
            first_name: None,
            last_name: None,
            email: None,
            reference: None,
        }
    }

    /// What is sold, shown on the card page (sent as `saleDetails.description`).
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// The customer's names (`saleDetails.firstName` / `lastName`).
    pub fn customer_name(mut self, first: impl Into<String>, last: impl Into<String>) -> Self {
        self.first_name = Some(first.into());
        self.last_name = Some(last.into());
        self
    }

    /// The customer's e-mail (`saleDetails.email`).
    pub fn customer_email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }

    /// Uses this reference (`transref`) instead of a fresh one: your order id, for example.
    pub fn reference(mut self, reference: impl Into<String>) -> Self {
        self.reference = Some(reference.into());
        self
    }

    /// The amount, in XOF.
    pub fn amount(&self) -> u64 {
        self.amount
    }
}

/// A card payment started: send the customer to [`CardSession::url`], keep
/// [`CardSession::reference`] to check it with `card_status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardSession {
    pub(crate) url: String,
    pub(crate) reference: TransactionRef,
    pub(crate) status: Option<String>,
}

impl CardSession {
    /// The hosted card page to redirect the customer to.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The card payment's reference.
    pub fn reference(&self) -> &TransactionRef {
        &self.reference
    }

    /// The `status` QosIc gave with the URL, if any.
    pub fn status(&self) -> Option<&str> {
        self.status.as_deref()
    }
}

/// What became of a card payment, as `card_status` read it.
///
/// An answer in neither shape on record is [`Status::Unknown`], with the body kept
/// ([`CardPayment::raw_response`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardPayment {
    pub(crate) reference: TransactionRef,
    pub(crate) status: Status,
    pub(crate) code: Option<String>,
    pub(crate) message: Option<String>,
    pub(crate) raw: RawResponse,
}

impl CardPayment {
    /// The card payment's reference.
    pub fn reference(&self) -> &TransactionRef {
        &self.reference
    }

    /// Confirmed (paid), failed, pending (the customer has not finished), or unknown (an
    /// answer the SDK cannot read: see the raw response).
    pub fn status(&self) -> Status {
        self.status
    }

    /// Whether the card payment is confirmed.
    pub fn success(&self) -> bool {
        self.status == Status::Confirmed
    }

    /// The code QosIc sent (`responsecode`, or the plugin shape's `status`).
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// QosIc's message (`responsemsg`, or the plugin shape's `data.status`), numbers masked.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// The answer as received.
    pub fn raw_response(&self) -> &RawResponse {
        &self.raw
    }
}

/// The merchant's card settings, kept by the client.
#[derive(Clone)]
pub(crate) struct CardSettings {
    pub(crate) key: Secret,
    pub(crate) base_url: BaseUrl,
    pub(crate) status_path: String,
    pub(crate) status_key_field: &'static str,
}

impl fmt::Debug for CardSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CardSettings")
            .field("key", &self.key)
            .field("base_url", &self.base_url)
            .field("status_path", &self.status_path)
            .field("status_key_field", &self.status_key_field)
            .finish()
    }
}

#[derive(Serialize)]
struct InitBody<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    transref: &'a str,
    #[serde(rename = "qosKey")]
    qos_key: &'a str,
    #[serde(rename = "returnUrl")]
    return_url: &'a str,
    #[serde(rename = "amountDetails")]
    amount_details: AmountDetails,
    #[serde(rename = "saleDetails")]
    sale_details: SaleDetails<'a>,
}

#[derive(Serialize)]
struct AmountDetails {
    #[serde(rename = "totalAmount")]
    total_amount: u64,
    currency: &'static str,
}

#[derive(Serialize)]
struct SaleDetails<'a> {
    #[serde(rename = "firstName", skip_serializing_if = "Option::is_none")]
    first_name: Option<&'a str>,
    #[serde(rename = "lastName", skip_serializing_if = "Option::is_none")]
    last_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
}

/// The body of `initTransaction` (`totalAmount` a JSON number, as QosIc's plugin sends it).
pub(crate) fn init_body(
    checkout: &CardCheckout,
    reference: &TransactionRef,
    key: &Secret,
) -> Vec<u8> {
    let body = InitBody {
        kind: "all",
        transref: reference.as_str(),
        qos_key: key.expose(),
        return_url: &checkout.return_url,
        amount_details: AmountDetails {
            total_amount: checkout.amount,
            currency: "XOF",
        },
        sale_details: SaleDetails {
            first_name: checkout.first_name.as_deref(),
            last_name: checkout.last_name.as_deref(),
            email: checkout.email.as_deref(),
            description: checkout.description.as_deref(),
        },
    };
    serde_json::to_vec(&body).unwrap_or_default()
}

/// The body of the card status: `{<key field>, transref}`.
pub(crate) fn status_body(reference: &TransactionRef, settings: &CardSettings) -> Vec<u8> {
    let mut map = serde_json::Map::new();
    map.insert(
        settings.status_key_field.to_owned(),
        Value::String(settings.key.expose().to_owned()),
    );
    map.insert(
        "transref".to_owned(),
        Value::String(reference.as_str().to_owned()),
    );
    serde_json::to_vec(&Value::Object(map)).unwrap_or_default()
}

/// `text` with the values of the card key (`qosKey`) and of the account holders' names
/// (`firstName`, `surName`, `lastName`, in any case) replaced by `[REDACTED]`; numbers kept.
pub(crate) fn redact_personal_data(text: Cow<'_, str>) -> Cow<'_, str> {
    redact_fields(text, PERSONAL_KEYS)
}

/// The keys (lowercase, quoted) whose values [`mask_personal_data`] redacts.
const PERSONAL_KEYS: &[&str] = &["\"qoskey\"", "\"firstname\"", "\"surname\"", "\"lastname\""];

/// A server's or a request's text as logs may show it: phone numbers masked, and the values
/// of the card key (`qosKey`) and of the account holders' names (`firstName`, `surName`,
/// `lastName`, in any case) replaced by `[REDACTED]`.
///
/// ```
/// let body = r#"{"firstName":"Ada","surName":"Lovelace","msisdn":"22997000100"}"#;
/// assert_eq!(
///     qosic_core::wire::mask_personal_data(body),
///     r#"{"firstName":"[REDACTED]","surName":"[REDACTED]","msisdn":"22997****00"}"#
/// );
/// ```
pub fn mask_personal_data(text: &str) -> Cow<'_, str> {
    let redacted = redact_personal_data(Cow::Borrowed(text));
    match redacted {
        Cow::Borrowed(text) => crate::wire::mask_numbers(text),
        Cow::Owned(text) => Cow::Owned(crate::wire::mask_numbers(&text).into_owned()),
    }
}

/// `text` with the string value of every key of `keys` (lowercase, quoted) replaced by
/// `[REDACTED]`, keys compared without case.
fn redact_fields<'a>(text: Cow<'a, str>, keys: &[&str]) -> Cow<'a, str> {
    let lower = text.to_ascii_lowercase();
    if !keys.iter().any(|k| lower.contains(k)) {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    loop {
        let next = keys
            .iter()
            .filter_map(|k| lower[at..].find(k).map(|i| (at + i, k.len())))
            .min();
        let Some((found, len)) = next else { break };
        let key_end = found + len;
        out.push_str(&text[at..key_end]);
        let rest = &text[key_end..];
        // `: "value"`: keep the colon and spaces, drop the value up to its closing quote.
        match rest.find('"') {
            Some(open) if rest[..open].trim() == ":" => {
                let value = &rest[open + 1..];
                let close = value.find('"').map_or(value.len(), |c| c + 1);
                out.push_str(&rest[..=open]);
                out.push_str("[REDACTED]\"");
                at = key_end + open + 1 + close;
            }
            _ => at = key_end,
        }
    }
    out.push_str(&text[at.min(text.len())..]);
    Cow::Owned(out)
}

/// Whether an answer says the card key is unknown (`-2`, or a message naming the qoskey).
fn names_bad_key(code: Option<&str>, message: Option<&str>) -> bool {
    numeric(code) == Some(-2)
        || message.is_some_and(|m| {
            let m = m.to_ascii_lowercase();
            m.contains("qoskey") || m.contains("qos key")
        })
}

/// What a 2xx answer to `initTransaction` says.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum InitReading {
    Started { url: String, status: Option<String> },
    InvalidKey,
    Unreadable(String),
}

pub(crate) fn read_init(body: &[u8]) -> InitReading {
    let Some(map) = object(body) else {
        return InitReading::Unreadable(format!(
            "the body is not a JSON object: {}",
            crate::wire::excerpt(body, 120)
        ));
    };
    let code = text(&map, "responsecode").or_else(|| text(&map, "status"));
    let message = text(&map, "responsemsg").or_else(|| text(&map, "message"));
    match text(&map, "url") {
        Some(url) if url.starts_with("https://") || url.starts_with("http://") => {
            InitReading::Started {
                url,
                status: text(&map, "status"),
            }
        }
        _ if names_bad_key(code.as_deref(), message.as_deref()) => InitReading::InvalidKey,
        Some(_) => InitReading::Unreadable("the url is not an http(s) URL".to_owned()),
        None => InitReading::Unreadable(format!(
            "the answer has no url to send the customer to: {}",
            crate::wire::excerpt(body, 120)
        )),
    }
}

/// What a 2xx card status answer says: the status, code and message; `None` when the key is
/// refused.
pub(crate) fn read_status(body: &[u8]) -> Option<(Status, Option<String>, Option<String>)> {
    let Some(map) = object(body) else {
        return Some((Status::Unknown, None, None));
    };
    let masked = |m: String| mask_numbers(&m).into_owned();
    // QosIc's plugin: {status:"00", data:{status:"SUCCESS"|"PENDIND"}}.
    if let Some(Value::Object(data)) = map
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("data"))
        .map(|(_, v)| v)
    {
        let code = text(&map, "status");
        let inner = text(data, "status").map(|s| s.to_ascii_uppercase());
        if names_bad_key(code.as_deref(), inner.as_deref()) {
            return None;
        }
        let status = match inner.as_deref() {
            Some("SUCCESS" | "SUCCESSFUL" | "SUCCES" | "APPROVED" | "PAID") => Status::Confirmed,
            Some("PENDIND" | "PENDING" | "IN PROGRESS") => Status::Pending,
            Some("FAILED" | "FAIL" | "DECLINED" | "CANCELLED" | "CANCELED" | "REJECTED") => {
                Status::Failed
            }
            _ => Status::Unknown,
        };
        return Some((status, code, inner.map(masked)));
    }
    // The docs: {responsecode:"00", responsemsg:"SUCCESSFUL"}.
    let code = text(&map, "responsecode");
    let message = text(&map, "responsemsg");
    if names_bad_key(code.as_deref(), message.as_deref()) {
        return None;
    }
    let status = match numeric(code.as_deref()) {
        Some(0) => Status::Confirmed,
        Some(1) => Status::Pending,
        Some(_) => Status::Failed,
        None => Status::Unknown,
    };
    Some((status, code, message.map(masked)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_status_shapes_on_record_are_read() {
        let docs = read_status(br#"{"responsecode":"00","responsemsg":"SUCCESSFUL"}"#).unwrap();
        assert_eq!(docs.0, Status::Confirmed);
        let plugin = read_status(br#"{"status":"00","data":{"status":"SUCCESS"}}"#).unwrap();
        assert_eq!(plugin.0, Status::Confirmed);
        let pendind = read_status(br#"{"status":"00","data":{"status":"PENDIND"}}"#).unwrap();
        assert_eq!(pendind.0, Status::Pending);
        assert_eq!(
            read_status(br#"{"responsecode":"01","responsemsg":"PENDING"}"#)
                .unwrap()
                .0,
            Status::Pending
        );
        assert_eq!(
            read_status(br#"{"responsecode":"-1","responsemsg":"FAILED"}"#)
                .unwrap()
                .0,
            Status::Failed
        );
        assert_eq!(
            read_status(br#"{"status":"00","data":{"status":"WHATEVER"}}"#)
                .unwrap()
                .0,
            Status::Unknown
        );
        assert_eq!(
            read_status(b"<html>oops</html>").unwrap().0,
            Status::Unknown
        );
        assert_eq!(
            read_status(br#"{"responsecode":"-2","responsemsg":"INVALID qoskey"}"#),
            None
        );
    }

    #[test]
    fn the_key_is_redacted_from_bodies_shown() {
        let body = r#"{"type":"all","qosKey":"QCBJ001","x":1,"qoskey" : "K2"}"#;
        let shown = redact_personal_data(Cow::Borrowed(body));
        assert_eq!(
            shown,
            r#"{"type":"all","qosKey":"[REDACTED]","x":1,"qoskey" : "[REDACTED]"}"#
        );
        assert!(matches!(
            redact_personal_data(Cow::Borrowed("{}")),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn init_answers_give_a_url_or_say_why_not() {
        assert_eq!(
            read_init(br#"{"url":"https://b-card.qosic.net/pay/1","transref":"R1","status":"OK"}"#),
            InitReading::Started {
                url: "https://b-card.qosic.net/pay/1".into(),
                status: Some("OK".into())
            }
        );
        assert_eq!(
            read_init(br#"{"responsecode":"-2","responsemsg":"INVALID qoskey"}"#),
            InitReading::InvalidKey
        );
        assert!(matches!(
            read_init(br#"{"url":"javascript:x"}"#),
            InitReading::Unreadable(_)
        ));
        assert!(matches!(read_init(b""), InitReading::Unreadable(_)));
    }
}
