//! The wire protocol's bodies, through serde: the request body the four operations read
//! ([`Body`]) and the answers QosIc gives ([`Answer`] and the functions that build them).
//!
//! A request body is read as serde_json reads a `Value` (numbers out of range, lone
//! surrogates, nesting deeper than 128 or bytes after the value make it invalid), then its
//! keys, in any case, are read into [`Body`] by serde's derive: unknown keys are ignored, a
//! key given twice keeps its last value, and each field keeps the shape the handlers tell
//! apart ([`Field`]). Answers are serde structs whose fields are declared in alphabetical
//! order: the bytes `json!` printed before.

use qosic_core::carrier::{CarrierSpec, Flow};
use qosic_core::{Msisdn, Operation};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{json, Value};

use crate::endpoint::table;
use crate::endpoint::Endpoint;
use crate::fault::Fault;
use crate::reply::{problem, Reply};

/// The longest `transref` the server accepts (and counts payment requests by).
pub(crate) const MAX_TRANSREF: usize = 64;

/// One field of a request body, in the shapes the handlers tell apart.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) enum Field {
    /// Not in the body.
    #[default]
    Absent,
    /// `null`.
    Null,
    /// A string.
    Str(String),
    /// A number, a boolean, an array or an object.
    Other,
}

impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match Value::deserialize(deserializer)? {
            Value::Null => Field::Null,
            Value::String(s) => Field::Str(s),
            _ => Field::Other,
        })
    }
}

impl Field {
    /// The string, if the field is one.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Field::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The string a handler requires: `missing field NAME` when absent or `null`, `NAME must
    /// be a string` when it is another JSON value.
    pub(crate) fn string(&self, name: &str) -> Result<&str, String> {
        match self {
            Field::Str(s) => Ok(s),
            Field::Absent | Field::Null => Err(format!("missing field {name}")),
            Field::Other => Err(format!("{name} must be a string")),
        }
    }
}

/// The fields of a request body that the four operations read; the others are ignored.
#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub(crate) struct Body {
    pub(crate) transref: Field,
    pub(crate) clientid: Field,
    pub(crate) msisdn: Field,
    pub(crate) amount: Field,
    pub(crate) firstname: Field,
    pub(crate) lastname: Field,
    pub(crate) specialfield1: Field,
}

/// A request body, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Parsed {
    /// A JSON object.
    Object(Body),
    /// Valid JSON, but not an object.
    NotObject,
    /// Not valid JSON.
    Invalid,
}

impl Parsed {
    /// Reads `bytes` (see the module docs); never panics.
    pub(crate) fn read(bytes: &[u8]) -> Parsed {
        match serde_json::from_slice::<Value>(bytes) {
            Ok(Value::Object(mut map)) => {
                // Keys in any case, as the SDK reads QosIc's: the lowercase one wins a tie
                // (the map is sorted, and lowercase letters sort last).
                if map
                    .keys()
                    .any(|k| k.bytes().any(|b| b.is_ascii_uppercase()))
                {
                    map = map
                        .into_iter()
                        .map(|(key, value)| (key.to_ascii_lowercase(), value))
                        .collect();
                }
                Parsed::Object(Body::deserialize(Value::Object(map)).unwrap_or_default())
            }
            Ok(_) => Parsed::NotObject,
            Err(_) => Parsed::Invalid,
        }
    }

    /// The body's `transref`, when it is an object whose `transref` is a string.
    pub(crate) fn transref(&self) -> Option<&str> {
        match self {
            Parsed::Object(body) => body.transref.as_str(),
            Parsed::NotObject | Parsed::Invalid => None,
        }
    }
}

/// The `transref` a handler requires: a string of 1 to [`MAX_TRANSREF`] bytes, not blank.
pub(crate) fn transref(body: &Body) -> Result<&str, String> {
    let reference = body.transref.string("transref")?;
    if reference.trim().is_empty() {
        return Err("transref must not be empty".to_owned());
    }
    if reference.len() > MAX_TRANSREF {
        return Err(format!("transref is longer than {MAX_TRANSREF} characters"));
    }
    Ok(reference)
}

/// The `amount` a handler requires: a positive whole number of XOF, as a string.
pub(crate) fn amount(body: &Body) -> Result<u64, String> {
    let text = body.amount.string("amount")?;
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        let shown: String = text.chars().take(64).collect();
        return Err(format!(
            "amount must be a whole number of XOF, e.g. \"100\" (got {shown:?})"
        ));
    }
    match text.parse::<u64>() {
        Ok(0) => Err("amount must be positive".to_owned()),
        Ok(n) => Ok(n),
        Err(_) => Err("amount is out of range".to_owned()),
    }
}

/// A QosIc answer object. The fields are in alphabetical order, as `json!` wrote them.
#[derive(Debug, Serialize)]
pub(crate) struct Answer<'a> {
    /// Absent (`None`), `null` (`Some(None)`) or a text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) comment: Option<Option<&'a str>>,
    pub(crate) responsecode: &'a str,
    pub(crate) responsemsg: &'a str,
    /// When the carrier's answers carry one (not Togo's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) serviceref: Option<String>,
    pub(crate) transref: Option<&'a str>,
}

impl Answer<'_> {
    pub(crate) fn reply(&self, status: u16) -> Reply {
        Reply::json(status, self)
    }
}

/// The description of the carrier behind `endpoint`.
pub(crate) fn spec(endpoint: Endpoint) -> Option<&'static CarrierSpec> {
    table().carrier(endpoint.carrier()).map(|c| c.spec)
}

/// The `serviceref` when the carrier's answers carry one (not Togo's).
fn service_ref_of(spec: &CarrierSpec, service_ref: u64) -> Option<String> {
    spec.has_service_ref().then(|| service_ref.to_string())
}

/// A payment waiting for the customer (`01`).
pub(crate) fn pending(status: u16, reference: &str, spec: &CarrierSpec) -> Reply {
    Answer {
        comment: Some(None),
        responsecode: "01",
        responsemsg: spec.pending_message(),
        serviceref: None,
        transref: Some(reference),
    }
    .reply(status)
}

/// A synchronous payment approved.
pub(crate) fn approved(reference: &str, spec: &CarrierSpec, service_ref: u64) -> Reply {
    Answer {
        comment: Some(None),
        responsecode: "0",
        responsemsg: "SUCCESS",
        serviceref: service_ref_of(spec, service_ref),
        transref: Some(reference),
    }
    .reply(200)
}

/// A status: approved and processed.
pub(crate) fn successful(reference: &str, spec: &CarrierSpec, service_ref: u64) -> Reply {
    Answer {
        comment: Some(Some("TRANSACTION APPROVED AND PROCESSED SUCCESSFULLY")),
        responsecode: "00",
        responsemsg: "SUCCESSFUL",
        serviceref: service_ref_of(spec, service_ref),
        transref: Some(reference),
    }
    .reply(200)
}

/// A deposit done.
pub(crate) fn deposited(reference: &str, spec: &CarrierSpec, service_ref: u64) -> Reply {
    Answer {
        comment: None,
        responsecode: spec.deposit_success_code(),
        responsemsg: "SUCCESSFUL",
        serviceref: service_ref_of(spec, service_ref),
        transref: Some(reference),
    }
    .reply(200)
}

/// A payment the customer declined.
pub(crate) fn declined(reference: &str, spec: &CarrierSpec) -> Reply {
    Answer {
        comment: Some(Some("TRANSACTION DECLINED")),
        responsecode: spec.failed_code(),
        responsemsg: "FAILED",
        serviceref: None,
        transref: Some(reference),
    }
    .reply(200)
}

/// A payment refused for insufficient funds.
pub(crate) fn insufficient(reference: &str) -> Reply {
    Answer {
        comment: None,
        responsecode: "529",
        responsemsg: "INSUFFICIENT FUNDS",
        serviceref: None,
        transref: Some(reference),
    }
    .reply(200)
}

/// The status of a reference the server does not know (on this carrier).
pub(crate) fn unknown(reference: &str) -> Reply {
    Reply::json(
        200,
        &json!({"responsecode": "-1", "responsemsg": "FAILED", "transref": reference, "serviceref": "0"}),
    )
}

/// A refund done, or refused for `reason`.
pub(crate) fn refund(reference: &str, refused: Option<&str>) -> Reply {
    let (status, code, message) = match refused {
        None => (200, "00", "OPERATION SUCCESSFUL"),
        Some(reason) => (400, "-1", reason),
    };
    Reply::json(
        status,
        &json!({"responsecode": code, "responsemsg": message, "transref": reference}),
    )
}

/// A client id that is not the carrier's.
pub(crate) fn invalid_client(transref: Option<&str>) -> Reply {
    Answer {
        comment: Some(None),
        responsecode: "-2",
        responsemsg: "Invalid Client Id",
        serviceref: None,
        transref,
    }
    .reply(404)
}

/// A `-1` refusal with its status: `what` is the reason.
fn refused(status: u16, what: &str, transref: &str) -> Reply {
    Reply::json(
        status,
        &json!({"responsecode": "-1", "responsemsg": what, "transref": transref}),
    )
}

/// A 400 that says what is wrong with the request.
pub(crate) fn bad_request(what: &str, transref: Option<&str>) -> Reply {
    match transref {
        Some(r) => refused(400, what, r),
        None => Reply::json(400, &json!({"responsecode": "-1", "responsemsg": what})),
    }
}

/// A reference used already.
pub(crate) fn duplicate(reference: &str) -> Reply {
    refused(400, "Payment reference already exists", reference)
}

/// A subscriber with no account.
pub(crate) fn no_account(reference: Option<&str>) -> Reply {
    Reply::json(
        417,
        &json!({"responsecode": "-1", "responsemsg": "ACCOUNTHOLDER_NOT_FOUND", "transref": reference}),
    )
}

/// A number sent to a carrier whose network it is not on.
pub(crate) fn wrong_network(phone: &Msisdn, endpoint: Endpoint, reference: &str) -> Reply {
    Reply::json(
        400,
        &json!({
            "responsecode": "515",
            "responsemsg": format!("WRONG NETWORK: {phone} is not a {} number", endpoint.carrier()),
            "transref": reference,
        }),
    )
}

pub(crate) fn server_error(detail: &str) -> Reply {
    problem(500, "Internal Server Error", detail)
}

/// The answer of a status fault: QosIc's body for that status.
pub(crate) fn status_reply(status: u16, transref: Option<&str>) -> Reply {
    match status {
        401 => Reply::text(401, "HTTP Status 401: Bad credentials"),
        404 => invalid_client(transref),
        417 => no_account(transref),
        _ => problem(status, reason(status), "injected fault"),
    }
}

/// The reason phrase of a status (`Error` for one without a standard phrase).
pub(crate) fn reason(status: u16) -> &'static str {
    http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error")
}

/// The endpoint's success answer, about another transaction ([`Fault::FOREIGN_REFERENCE`]).
pub(crate) fn wrong_reference(endpoint: Option<Endpoint>) -> Reply {
    let other = Fault::FOREIGN_REFERENCE;
    let service_ref = 10_000_000;
    let Some((endpoint, spec)) = endpoint.and_then(|e| spec(e).map(|s| (e, s))) else {
        return Answer {
            comment: Some(Some("TRANSACTION APPROVED AND PROCESSED SUCCESSFULLY")),
            responsecode: "00",
            responsemsg: "SUCCESSFUL",
            serviceref: Some(service_ref.to_string()),
            transref: Some(other),
        }
        .reply(200);
    };
    match endpoint.operation() {
        Operation::Payment if spec.flow() == Flow::Synchronous => {
            approved(other, spec, service_ref)
        }
        Operation::Payment => pending(202, other, spec),
        Operation::Refund => refund(other, None),
        Operation::Deposit => deposited(other, spec, service_ref),
        _ => successful(other, spec, service_ref),
    }
}
