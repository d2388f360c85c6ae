//! QosIc's callbacks (webhooks): [`Callback`], read from the raw body of the request QosIc
//! sends to the merchant's callback URL, and [`Client::verify_callback`], which settles one
//! only by a status check.
//!
//! QosIc posts a callback when a transaction ends:
//!
//! ```json
//! {"status":"SUCCESSFUL","transRef":"455855","specialfield1":"SUCCESSFUL","amount":"2000","serviceRef":"14557856","code":"200"}
//! ```
//!
//! (`"status":"FAILED"` and `"code":"-1"` when it failed; the keys are camelCase, unlike the
//! REST answers). It carries **no signature**, and QosIc documents no retry. Anyone who finds
//! the URL can post a callback that says an unpaid order was paid, so a callback is never
//! trusted alone: [`Client::verify_callback`] checks that it is about the order stored
//! (same reference, same amount), then asks QosIc for the status of that reference, and
//! settles the order only when QosIc's answer backs the callback. The check is one status
//! request and changes nothing, so a callback that comes twice is verified twice, harmlessly.
//!
//! Since QosIc does not retry, a callback may never come: keep a job that checks the status
//! of orders left pending ([`Client::check_status`]).
//!
//! ```
//! use qosic_core::{Callback, CallbackStatus};
//!
//! let body = br#"{"status":"SUCCESSFUL","transRef":"455855","specialfield1":"SUCCESSFUL","amount":"2000","serviceRef":"14557856","code":"200"}"#;
//! let callback = Callback::parse(body)?;
//! assert_eq!(callback.status(), &CallbackStatus::Successful);
//! assert_eq!(callback.reference(), "455855");
//! assert_eq!(callback.amount(), Some(2000));
//!
//! let err = Callback::parse(br#"{"responsecode":"00","transref":"455855"}"#).unwrap_err();
//! assert_eq!(err.to_string(), "not a qosic callback: it has no `status` (nor `code`); a qosic \
//!     callback is a JSON object with `status`, `transRef` and `amount`");
//! # Ok::<(), qosic_core::CallbackError>(())
//! ```

use std::fmt;

use serde_json::{Map, Value};
use tracing::Instrument;

use crate::client::Client;
use crate::error::Error;
use crate::outcome::{Outcome, Status};
use crate::request::Lookup;
use crate::types::{Amount, TransactionRef};
use crate::wire::{excerpt, mask_numbers};

/// What a callback says became of the transaction (its `status`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CallbackStatus {
    /// `SUCCESSFUL` (code `200`): the money moved, if QosIc's status agrees.
    Successful,
    /// `FAILED` (code `-1`): the transaction ended without moving money.
    Failed,
    /// Anything else, as received (phone numbers masked, cut after 64 characters, control
    /// characters escaped: [`server_text`](crate::server_text)), including
    /// a `status` and a `code` that contradict each other. Never settles a transaction.
    Other(String),
}

impl CallbackStatus {
    /// `SUCCESSFUL`, `FAILED`, or the text received.
    pub fn as_str(&self) -> &str {
        match self {
            CallbackStatus::Successful => "SUCCESSFUL",
            CallbackStatus::Failed => "FAILED",
            CallbackStatus::Other(text) => text,
        }
    }
}

impl fmt::Display for CallbackStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A callback QosIc posted (or claims to have posted): what its body says, unverified.
///
/// Read it from the raw body bytes with [`Callback::parse`], whatever the web framework, and
/// settle it with [`Client::verify_callback`]. Reading is lenient, as with QosIc's answers:
/// keys in any case (`transRef`, `transref`), values as strings or numbers, unknown statuses
/// kept as [`CallbackStatus::Other`], optional fields absent; only a body that cannot be a
/// callback at all is refused ([`CallbackError::NotACallback`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Callback {
    status: CallbackStatus,
    reference: String,
    amount: Option<String>,
    service_ref: Option<String>,
    code: Option<String>,
    special_field1: Option<String>,
}

impl Callback {
    /// The largest body [`Callback::parse`] reads: 64 KiB (a QosIc callback is about 150
    /// bytes). Limit the request body to this in your web framework.
    pub const MAX_BODY: usize = 64 * 1024;

    /// Reads a callback from the raw request body.
    ///
    /// Fails with [`CallbackError::NotACallback`] when the body is larger than
    /// [`Callback::MAX_BODY`], is not a JSON object, or has no `transRef` or no `status`
    /// (nor `code`). Never panics.
    pub fn parse(body: &[u8]) -> Result<Callback, CallbackError> {
        if body.len() > Callback::MAX_BODY {
            return Err(not_a_callback(format!(
                "its body has {} bytes, more than the {} a callback may have",
                body.len(),
                Callback::MAX_BODY
            )));
        }
        let map = match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(map)) => map,
            Ok(_) | Err(_) if body.iter().all(u8::is_ascii_whitespace) => {
                return Err(not_a_callback("its body is empty"))
            }
            Ok(_) | Err(_) => {
                return Err(not_a_callback(format!(
                    "its body is not a JSON object ({})",
                    excerpt(body, 80)
                )))
            }
        };
        let reference = field(&map, "transref")
            .filter(|r| !r.is_empty())
            .ok_or_else(|| not_a_callback("it has no `transRef`"))?;
        let status = field(&map, "status").filter(|s| !s.is_empty());
        let code = field(&map, "code").filter(|c| !c.is_empty());
        let status = match (status.as_deref(), code.as_deref()) {
            (None, None) => return Err(not_a_callback("it has no `status` (nor `code`)")),
            (Some(status), code) => {
                let said = status_word(status);
                let coded = code.and_then(status_code);
                match (said, coded) {
                    (Some(said), Some(coded)) if said != coded => {
                        other(&format!("{status} (code {})", code.unwrap_or_default()))
                    }
                    (Some(said), _) => said,
                    (None, _) => other(status),
                }
            }
            (None, Some(code)) => {
                status_code(code).unwrap_or_else(|| other(&format!("code {code}")))
            }
        };
        Ok(Callback {
            status,
            reference,
            amount: field(&map, "amount"),
            service_ref: field(&map, "serviceref"),
            code,
            special_field1: field(&map, "specialfield1"),
        })
    }

    /// What the callback says became of the transaction.
    pub fn status(&self) -> &CallbackStatus {
        &self.status
    }

    /// The transaction reference it is about (`transRef`): find the order with it.
    pub fn reference(&self) -> &str {
        &self.reference
    }

    /// The amount in whole XOF (`amount`), when it reads as one (`"2000"`, `2000`,
    /// `"2000.00"`).
    pub fn amount(&self) -> Option<u64> {
        let text = self.amount.as_deref()?;
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        if whole.is_empty()
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !fraction.bytes().all(|b| b == b'0')
        {
            return None;
        }
        whole.parse().ok()
    }

    /// The amount as received, when there was one.
    pub fn amount_text(&self) -> Option<&str> {
        self.amount.as_deref()
    }

    /// QosIc's reference of the transaction (`serviceRef`), when given.
    pub fn service_ref(&self) -> Option<&str> {
        self.service_ref.as_deref()
    }

    /// The callback's `code` (`200` or `-1`), when given.
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// The callback's `specialfield1` (it mirrors `status`), when given.
    pub fn special_field1(&self) -> Option<&str> {
        self.special_field1.as_deref()
    }
}

/// A callback's field as errors show it: phone numbers masked, control characters escaped,
/// length bounded ([`server_text`](crate::server_text)).
fn shown(text: &str) -> String {
    crate::server_text::reason_owned(mask_numbers(text).into_owned())
}

/// The most characters of a server's text a [`CallbackStatus::Other`] keeps.
const OTHER_LIMIT: usize = 64;

fn other(text: &str) -> CallbackStatus {
    let cut: String = mask_numbers(text).chars().take(OTHER_LIMIT).collect();
    CallbackStatus::Other(crate::server_text::reason_owned(cut))
}

fn status_word(status: &str) -> Option<CallbackStatus> {
    if status.eq_ignore_ascii_case("SUCCESSFUL") || status.eq_ignore_ascii_case("SUCCESS") {
        Some(CallbackStatus::Successful)
    } else if status.eq_ignore_ascii_case("FAILED") || status.eq_ignore_ascii_case("FAILURE") {
        Some(CallbackStatus::Failed)
    } else {
        None
    }
}

fn status_code(code: &str) -> Option<CallbackStatus> {
    match code {
        "200" => Some(CallbackStatus::Successful),
        "-1" => Some(CallbackStatus::Failed),
        _ => None,
    }
}

/// A field by its name in any case, as text: strings trimmed, numbers in their JSON form;
/// `None` when absent, `null`, an object or an array. When several keys match, the first in
/// the map's order wins.
fn field(map: &Map<String, Value>, name: &str) -> Option<String> {
    let (_, value) = map.iter().find(|(key, _)| key.eq_ignore_ascii_case(name))?;
    match value {
        Value::String(s) => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn not_a_callback(reason: impl Into<String>) -> CallbackError {
    CallbackError::NotACallback {
        reason: reason.into(),
    }
}

/// Why a callback was refused, or could not be verified yet.
///
/// [`CallbackError::is_refused`] tells the two apart: a refused callback must not change the
/// order (answer it with a 4xx and log it); after [`CallbackError::Check`] nothing is known
/// yet, and the same verification can be made again later.
#[derive(Debug)]
#[non_exhaustive]
pub enum CallbackError {
    /// The body is not a QosIc callback (not a JSON object, no `transRef`, no `status`...).
    NotACallback {
        /// What is wrong with it.
        reason: String,
    },
    /// The callback is about another transaction than the order it was checked against.
    OtherReference {
        /// The reference stored with the order.
        stored: TransactionRef,
        /// The reference the callback names (phone numbers masked, control characters
        /// escaped, length bounded: [`server_text`](crate::server_text)).
        claimed: String,
    },
    /// The callback's amount is not the amount stored with the order (or it has none).
    AmountMismatch {
        /// The order's reference.
        reference: TransactionRef,
        /// The amount stored with the order.
        expected: Amount,
        /// The amount the callback gives (phone numbers masked, control characters escaped,
        /// length bounded), if any.
        claimed: Option<String>,
    },
    /// QosIc's status of the reference does not back what the callback says: a forged
    /// callback, or one sent before QosIc's status caught up. The order must not change.
    Untrusted {
        /// What the callback says.
        claimed: CallbackStatus,
        /// What QosIc's status check said (its reference, phone, carrier and answer).
        outcome: Box<Outcome>,
    },
    /// The status check could not be made (invalid arguments, refused credentials, QosIc
    /// unreachable or failing): nothing is known yet. Verify again later, or let the job that
    /// checks pending orders settle it; the check is safe to repeat.
    Check(Error),
}

impl CallbackError {
    /// Whether the callback was refused: it is not a callback, not about this order, or not
    /// backed by QosIc's status. `false` for [`CallbackError::Check`], after which the same
    /// verification may succeed later.
    pub fn is_refused(&self) -> bool {
        !matches!(self, CallbackError::Check(_))
    }

    /// The outcome of the status check, for [`CallbackError::Untrusted`]: what QosIc itself
    /// says of the transaction.
    pub fn outcome(&self) -> Option<&Outcome> {
        match self {
            CallbackError::Untrusted { outcome, .. } => Some(outcome),
            _ => None,
        }
    }
}

impl fmt::Display for CallbackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallbackError::NotACallback { reason } => write!(
                f,
                "not a qosic callback: {reason}; a qosic callback is a JSON object with \
                 `status`, `transRef` and `amount`"
            ),
            CallbackError::OtherReference { stored, claimed } => write!(
                f,
                "callback refused: it is about reference {claimed}, not this order's {stored} \
                 (look the order up by the callback's reference)"
            ),
            CallbackError::AmountMismatch {
                reference,
                expected,
                claimed,
            } => {
                write!(f, "callback refused: for reference {reference} it says ")?;
                match claimed {
                    Some(claimed) => write!(f, "amount {claimed}")?,
                    None => f.write_str("no amount")?,
                }
                write!(f, ", the order is for {expected}")
            }
            CallbackError::Untrusted { claimed, outcome } => write!(
                f,
                "untrusted callback: it says {claimed} for reference {}, but qosic's status \
                 says {}; the order must not change (the status job settles it)",
                outcome.reference(),
                outcome.status()
            ),
            CallbackError::Check(error) => write!(
                f,
                "callback not verified yet: the status check failed ({error}); verify it \
                 again later"
            ),
        }
    }
}

impl std::error::Error for CallbackError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CallbackError::Check(error) => Some(error),
            _ => None,
        }
    }
}

impl From<Error> for CallbackError {
    fn from(error: Error) -> Self {
        CallbackError::Check(error)
    }
}

/// [`Client::verify_callback`]: the callback's reference and amount, then one status check.
pub(crate) async fn verify(
    client: &Client,
    callback: &Callback,
    lookup: Lookup,
    amount: u64,
) -> Result<Outcome, CallbackError> {
    let expected = Amount::new(amount)?;
    let reference = lookup.reference().clone();
    let span = tracing::info_span!("qosic", op = "verify_callback", reference = %reference, phone = %lookup.phone().masked());
    async {
        if callback.reference() != reference.as_str() {
            tracing::warn!("callback refused: it names another reference");
            return Err(CallbackError::OtherReference {
                stored: reference,
                claimed: shown(callback.reference()),
            });
        }
        if callback.amount() != Some(expected.xof()) {
            tracing::warn!("callback refused: its amount is not the order's");
            return Err(CallbackError::AmountMismatch {
                reference,
                expected,
                claimed: callback.amount_text().map(shown),
            });
        }
        let mut outcome = client.check_status(lookup).await?;
        outcome.amount = Some(expected);
        match (callback.status(), outcome.status()) {
            (CallbackStatus::Successful, Status::Confirmed)
            | (CallbackStatus::Failed, Status::Failed) => {
                tracing::info!(status = %outcome.status(), "callback verified by a status check");
                Ok(outcome)
            }
            (claimed, status) => {
                tracing::warn!(claimed = %claimed, %status, "untrusted callback: the status check does not back it");
                Err(CallbackError::Untrusted {
                    claimed: claimed.clone(),
                    outcome: Box::new(outcome),
                })
            }
        }
    }
    .instrument(span)
    .await
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;

    use super::*;
    use crate::carrier::{MockMobileCarrier, Operation, Reply, Verdict, WireRequest};
    use crate::transport::{ApiResponse, MockTransport};
    use crate::types::ClientId;

    const GENUINE: &[u8] = br#"{"status":"SUCCESSFUL","transRef":"455855","specialfield1":"SUCCESSFUL","amount":"2000","serviceRef":"14557856","code":"200"}"#;

    #[test]
    fn reads_the_documented_payloads() {
        let c = Callback::parse(GENUINE).unwrap();
        assert_eq!(
            (
                c.status(),
                c.reference(),
                c.amount(),
                c.amount_text(),
                c.service_ref(),
                c.code(),
                c.special_field1()
            ),
            (
                &CallbackStatus::Successful,
                "455855",
                Some(2000),
                Some("2000"),
                Some("14557856"),
                Some("200"),
                Some("SUCCESSFUL")
            )
        );
        let failed = Callback::parse(
            br#"{"status":"FAILED","transRef":"455855","specialfield1":"FAILED","amount":"2000","serviceRef":"14557856","code":"-1"}"#,
        )
        .unwrap();
        assert_eq!(failed.status(), &CallbackStatus::Failed);
    }

    #[test]
    fn reads_leniently() {
        // Numbers, other key cases, spaces, no optional fields.
        let c = Callback::parse(br#"{"STATUS":" successful ","transref":455855,"Amount":2000.0}"#)
            .unwrap();
        assert_eq!(c.status(), &CallbackStatus::Successful);
        assert_eq!((c.reference(), c.amount()), ("455855", Some(2000)));
        assert_eq!((c.service_ref(), c.code()), (None, None));
        // The code alone says it.
        let c = Callback::parse(br#"{"transRef":"R","code":-1}"#).unwrap();
        assert_eq!(c.status(), &CallbackStatus::Failed);
        let c = Callback::parse(br#"{"transRef":"R","status":"","code":"200"}"#).unwrap();
        assert_eq!(c.status(), &CallbackStatus::Successful);
        // Unknown statuses and contradictions are kept, masked.
        let c = Callback::parse(br#"{"transRef":"R","status":"PENDING for 22997000100"}"#).unwrap();
        assert_eq!(
            c.status(),
            &CallbackStatus::Other("PENDING for 22997****00".into())
        );
        let c = Callback::parse(br#"{"transRef":"R","status":"SUCCESSFUL","code":"-1"}"#).unwrap();
        assert_eq!(
            c.status(),
            &CallbackStatus::Other("SUCCESSFUL (code -1)".into())
        );
        // Amounts that are not whole XOF read as none.
        for amount in [
            r#""2000.5""#,
            r#""-2000""#,
            r#""""#,
            r#""2 000""#,
            "null",
            "[1]",
            r#""99999999999999999999999""#,
        ] {
            let body = format!(r#"{{"transRef":"R","status":"FAILED","amount":{amount}}}"#);
            assert_eq!(
                Callback::parse(body.as_bytes()).unwrap().amount(),
                None,
                "{amount}"
            );
        }
        assert_eq!(
            Callback::parse(br#"{"transRef":"R","status":"FAILED","amount":"2000.00"}"#)
                .unwrap()
                .amount(),
            Some(2000)
        );
    }

    #[test]
    fn refuses_what_is_not_a_callback_and_never_panics() {
        for (body, why) in [
            (&b""[..], "its body is empty"),
            (b"  ", "its body is empty"),
            (b"[]", "not a JSON object ([])"),
            (b"<html>", "not a JSON object (<html>)"),
            (&[0xff, 0xfe][..], "not a JSON object"),
            (b"{\"status\":\"SUCCESSFUL\"}", "no `transRef`"),
            (
                b"{\"status\":\"SUCCESSFUL\",\"transRef\":\"\"}",
                "no `transRef`",
            ),
            (
                b"{\"status\":\"SUCCESSFUL\",\"transRef\":{}}",
                "no `transRef`",
            ),
            (
                b"{\"responsecode\":\"00\",\"transref\":\"R\"}",
                "no `status` (nor `code`)",
            ),
        ] {
            let err = Callback::parse(body).unwrap_err();
            assert!(err.is_refused());
            let text = err.to_string();
            assert!(text.starts_with("not a qosic callback: "), "{text}");
            assert!(text.contains(why), "{why} in {text}");
        }
        let big = vec![b' '; Callback::MAX_BODY + 1];
        assert!(Callback::parse(&big)
            .unwrap_err()
            .to_string()
            .contains("more than the 65536"));
        // Masked: a phone number in a body that is not JSON.
        let err = Callback::parse(b"call 22997000100").unwrap_err();
        assert!(err.to_string().contains("22997****00"), "{err}");
    }

    #[test]
    fn the_error_is_send_sync() {
        fn assert_send_sync<T: Send + Sync + 'static>() {}
        assert_send_sync::<CallbackError>();
        assert_send_sync::<Callback>();
    }

    const STATUS_PATH: &str = "/status";

    /// A client whose status checks get `answer` (the HTTP status decides the verdict:
    /// 200 confirmed, 201 failed, 202 pending, 404 unknown reference, 500 server error),
    /// counting them.
    fn client(answer: u16, checks: Arc<AtomicU32>) -> Client {
        let mut c = MockMobileCarrier::new();
        c.expect_name().return_const("MTN".to_owned());
        c.expect_client_id()
            .return_const(ClientId::new("CID").unwrap());
        c.expect_serves().returning(|_| true);
        c.expect_polling().return_const(None);
        c.expect_status().returning(|call| {
            Ok(WireRequest {
                path: STATUS_PATH.into(),
                body: call.reference.as_str().as_bytes().to_vec(),
            })
        });
        c.expect_read().returning(|op, response| {
            assert_eq!(op, Operation::Status);
            Reply::new(match response.status {
                200 => Verdict::Confirmed,
                201 => Verdict::Failed,
                202 => Verdict::Pending,
                404 => Verdict::UnknownReference,
                _ => Verdict::ServerError,
            })
        });
        let mut t = MockTransport::new();
        t.expect_send().returning(move |request| {
            assert_eq!(request.path(), STATUS_PATH);
            checks.fetch_add(1, Ordering::SeqCst);
            Ok(ApiResponse::new(answer, "{}"))
        });
        Client::builder()
            .login("merchant")
            .password("pw")
            .base_url("http://127.0.0.1:1")
            .carrier(c)
            .transport(t)
            .build()
            .unwrap()
    }

    fn lookup(reference: &str) -> Lookup {
        Lookup::parse(reference, "22997000100").unwrap()
    }

    fn callback(status: &str, reference: &str, amount: &str) -> Callback {
        Callback::parse(
            format!(r#"{{"status":"{status}","transRef":"{reference}","amount":"{amount}"}}"#)
                .as_bytes(),
        )
        .unwrap()
    }

    #[tokio::test]
    async fn settles_only_what_the_status_backs() {
        for (claimed, answer, settled) in [
            ("SUCCESSFUL", 200, Some(Status::Confirmed)),
            ("FAILED", 201, Some(Status::Failed)),
            ("SUCCESSFUL", 202, None),
            ("SUCCESSFUL", 201, None),
            ("SUCCESSFUL", 404, None),
            ("FAILED", 200, None),
            ("FAILED", 202, None),
            ("PENDING", 200, None),
        ] {
            let checks = Arc::new(AtomicU32::new(0));
            let client = client(answer, Arc::clone(&checks));
            let result = client
                .verify_callback(
                    &callback(claimed, "ORDER-1", "2000"),
                    lookup("ORDER-1"),
                    2000,
                )
                .await;
            assert_eq!(checks.load(Ordering::SeqCst), 1, "one status check");
            match (result, settled) {
                (Ok(outcome), Some(status)) => {
                    assert_eq!(outcome.status(), status);
                    assert_eq!(outcome.reference().as_str(), "ORDER-1");
                    assert_eq!(outcome.amount().map(Amount::xof), Some(2000));
                }
                (Err(err @ CallbackError::Untrusted { .. }), None) => {
                    assert!(err.is_refused());
                    assert!(err.outcome().is_some());
                    assert!(
                        err.to_string().starts_with(&format!(
                            "untrusted callback: it says {claimed} for reference ORDER-1, but qosic's status says "
                        )),
                        "{err}"
                    );
                }
                (other, _) => panic!("{claimed} with status {answer}: {other:?}"),
            }
        }
    }

    #[tokio::test]
    async fn refuses_another_reference_or_amount_before_any_io() {
        let checks = Arc::new(AtomicU32::new(0));
        let client = client(200, Arc::clone(&checks));
        let err = client
            .verify_callback(
                &callback("SUCCESSFUL", "OTHER", "2000"),
                lookup("ORDER-1"),
                2000,
            )
            .await
            .unwrap_err();
        assert!(
            matches!(err, CallbackError::OtherReference { .. }),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "callback refused: it is about reference OTHER, not this order's ORDER-1 (look the \
             order up by the callback's reference)"
        );
        for amount in ["20", "2000.5", ""] {
            let err = client
                .verify_callback(
                    &callback("SUCCESSFUL", "ORDER-1", amount),
                    lookup("ORDER-1"),
                    2000,
                )
                .await
                .unwrap_err();
            assert!(
                matches!(err, CallbackError::AmountMismatch { .. }),
                "{err:?}"
            );
            assert!(err.is_refused());
        }
        let no_amount =
            Callback::parse(br#"{"status":"SUCCESSFUL","transRef":"ORDER-1"}"#).unwrap();
        let err = client
            .verify_callback(&no_amount, lookup("ORDER-1"), 2000)
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "callback refused: for reference ORDER-1 it says no amount, the order is for 2000 XOF"
        );
        let err = client
            .verify_callback(
                &callback("SUCCESSFUL", "ORDER-1", "0"),
                lookup("ORDER-1"),
                0,
            )
            .await
            .unwrap_err();
        assert!(
            !err.is_refused(),
            "an invalid amount is the caller's error: {err}"
        );
        assert_eq!(checks.load(Ordering::SeqCst), 0, "no status check");
    }

    /// Issue 27: a callback's text reaches error messages and the `Untrusted` error escaped
    /// and bounded, whatever the poster put in it.
    #[tokio::test]
    async fn a_callback_cannot_print_a_line_of_its_own() {
        let inert = |text: &str| !text.contains(|c: char| c.is_control() || c == '\u{202e}');
        let lure = r"X\nstatus: CONFIRMED\r\u001b[2K\u0000\u202e";
        let checks = Arc::new(AtomicU32::new(0));
        let client = client(200, Arc::clone(&checks));
        let mut shown = Vec::new();
        // Another reference, another amount, an unknown status, not a callback at all.
        for (callback, amount) in [
            (callback("SUCCESSFUL", lure, "2000"), 2000),
            (callback("SUCCESSFUL", "ORDER-1", lure), 2000),
            (callback(lure, "ORDER-1", "2000"), 2000),
        ] {
            let err = client
                .verify_callback(&callback, lookup("ORDER-1"), amount)
                .await
                .unwrap_err();
            shown.push(err.to_string());
            shown.push(format!("{err:?}"));
        }
        let huge = format!("{{\"status\":\"\u{1b}[2K{}\"", "A".repeat(60_000));
        for body in [
            &b"<html>\nstatus: CONFIRMED\x1b[2K\x00\xff</html>"[..],
            huge.as_bytes(),
        ] {
            let err = Callback::parse(body).unwrap_err();
            shown.push(err.to_string());
            shown.push(format!("{err:?}"));
        }
        for text in &shown {
            assert!(inert(text), "{text:?}");
            assert!(
                !text
                    .lines()
                    .any(|l| l.trim_start().starts_with("status: CONFIRMED")),
                "{text}"
            );
            assert!(text.len() < 2_000, "{} bytes", text.len());
        }
        assert!(
            shown[0].contains(r"X\nstatus: CONFIRMED\r\u{1b}[2K\0\u{202e}"),
            "{}",
            shown[0]
        );
    }

    #[tokio::test]
    async fn a_failed_check_settles_nothing_and_can_be_repeated() {
        let checks = Arc::new(AtomicU32::new(0));
        let client = client(500, Arc::clone(&checks));
        let genuine = callback("SUCCESSFUL", "ORDER-1", "2000");
        for _ in 0..2 {
            let err = client
                .verify_callback(&genuine, lookup("ORDER-1"), 2000)
                .await
                .unwrap_err();
            assert!(!err.is_refused());
            assert!(
                matches!(err, CallbackError::Check(Error::ServerError { .. })),
                "{err:?}"
            );
            assert!(err.to_string().starts_with("callback not verified yet: the status check failed (qosic server error (HTTP 500)"), "{err}");
            assert!(std::error::Error::source(&err).is_some());
        }
        assert_eq!(checks.load(Ordering::SeqCst), 2);
    }
}
