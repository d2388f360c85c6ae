//! The wire protocol's bodies, through serde: the request body the operations read
//! ([`Body`]: keys in any case, unknown keys ignored, a key given twice keeps its last
//! value, and each [`Field`] keeps the shape the handlers tell apart) and QosIc's answers.

use qosic_core::carrier::{CarrierSpec, Flow};
use qosic_core::{Msisdn, Operation};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::endpoint::table;
use crate::endpoint::Endpoint;
use crate::fault::Fault;
use crate::reply::{fail, Reply};

/// The longest `transref` the server accepts (and counts payment requests by).
pub(crate) const MAX_TRANSREF: usize = 64;

/// One field of a request body: absent or `null` (`None`), or a JSON value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub(crate) struct Field(Option<Value>);

impl Field {
    pub(crate) fn as_str(&self) -> Option<&str> {
        self.0.as_ref().and_then(Value::as_str)
    }

    /// The string a handler requires: `missing field NAME` when absent or `null`, `NAME must
    /// be a string` when it is another JSON value.
    pub(crate) fn string(&self, name: &str) -> Result<&str, String> {
        match &self.0 {
            None => Err(format!("missing field {name}")),
            Some(value) => value.as_str().ok_or(format!("{name} must be a string")),
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
    Object(Box<Body>),
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
                Parsed::Object(Box::new(
                    Body::deserialize(Value::Object(map)).unwrap_or_default(),
                ))
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

/// A QosIc answer object; the fields in alphabetical order, as `json!` writes them.
#[derive(Debug, Serialize)]
struct Answer<'a> {
    /// Absent (`None`), `null` (`Some(None)`) or a text.
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<Option<&'a str>>,
    responsecode: &'a str,
    responsemsg: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    serviceref: Option<String>,
    transref: Option<&'a str>,
}

/// An answer with no `comment` and no `serviceref`.
fn answer(status: u16, code: &str, message: &str, transref: Option<&str>) -> Reply {
    with(status, None, code, message, None, transref)
}

/// An answer; `transref` a reference or an `Option` of one.
fn with<'a>(
    status: u16,
    comment: Option<Option<&str>>,
    responsecode: &str,
    responsemsg: &str,
    serviceref: Option<String>,
    transref: impl Into<Option<&'a str>>,
) -> Reply {
    let answer = Answer {
        comment,
        responsecode,
        responsemsg,
        serviceref,
        transref: transref.into(),
    };
    Reply::json(status, &answer)
}

/// The description of the carrier behind `endpoint`.
pub(crate) fn spec(endpoint: Endpoint) -> Option<&'static CarrierSpec> {
    table().carrier(endpoint.carrier()).map(|c| c.spec)
}

/// The `serviceref` when the carrier's answers carry one (not Togo's).
fn service_ref_of(spec: &CarrierSpec, service_ref: u64) -> Option<String> {
    spec.has_service_ref().then(|| service_ref.to_string())
}

const APPROVED: Option<Option<&str>> =
    Some(Some("TRANSACTION APPROVED AND PROCESSED SUCCESSFULLY"));

/// A payment waiting for the customer (`01`).
pub(crate) fn pending(status: u16, reference: &str, spec: &CarrierSpec) -> Reply {
    let message = spec.pending_message();
    with(status, Some(None), "01", message, None, Some(reference))
}

/// A synchronous payment approved.
pub(crate) fn approved(reference: &str, spec: &CarrierSpec, service_ref: u64) -> Reply {
    let service_ref = service_ref_of(spec, service_ref);
    with(200, Some(None), "0", "SUCCESS", service_ref, reference)
}

/// A status: approved and processed.
pub(crate) fn successful(reference: &str, spec: &CarrierSpec, service_ref: u64) -> Reply {
    let service_ref = service_ref_of(spec, service_ref);
    with(200, APPROVED, "00", "SUCCESSFUL", service_ref, reference)
}

/// A deposit done.
pub(crate) fn deposited(reference: &str, spec: &CarrierSpec, service_ref: u64) -> Reply {
    let (code, service_ref) = (
        spec.deposit_success_code(),
        service_ref_of(spec, service_ref),
    );
    with(200, None, code, "SUCCESSFUL", service_ref, reference)
}

/// A payment the customer declined.
pub(crate) fn declined(reference: &str, spec: &CarrierSpec) -> Reply {
    let comment = Some(Some("TRANSACTION DECLINED"));
    with(200, comment, spec.failed_code(), "FAILED", None, reference)
}

pub(crate) fn insufficient(reference: &str) -> Reply {
    answer(200, "529", "INSUFFICIENT FUNDS", Some(reference))
}

/// The status of a reference the server does not know (on this carrier).
pub(crate) fn unknown(reference: &str) -> Reply {
    with(200, None, "-1", "FAILED", Some("0".to_owned()), reference)
}

/// A refund done, or refused for `reason`.
pub(crate) fn refund(reference: &str, refused: Option<&str>) -> Reply {
    match refused {
        None => answer(200, "00", "OPERATION SUCCESSFUL", Some(reference)),
        Some(reason) => answer(400, "-1", reason, Some(reference)),
    }
}

/// A client id that is not the carrier's.
pub(crate) fn invalid_client(transref: Option<&str>) -> Reply {
    with(404, Some(None), "-2", "Invalid Client Id", None, transref)
}

/// A 400 that says what is wrong with the request (`transref` is left out when absent).
pub(crate) fn bad_request(what: &str, transref: Option<&str>) -> Reply {
    match transref {
        Some(_) => answer(400, "-1", what, transref),
        None => Reply::json(400, &json!({"responsecode": "-1", "responsemsg": what})),
    }
}

pub(crate) fn duplicate(reference: &str) -> Reply {
    let message = "Payment reference already exists";
    answer(400, "-1", message, Some(reference))
}

pub(crate) fn no_account(reference: Option<&str>) -> Reply {
    answer(417, "-1", "ACCOUNTHOLDER_NOT_FOUND", reference)
}

/// A number sent to a carrier whose network it is not on.
pub(crate) fn wrong_network(phone: &Msisdn, endpoint: Endpoint, reference: &str) -> Reply {
    let carrier = endpoint.carrier();
    let message = format!("WRONG NETWORK: {phone} is not a {carrier} number");
    answer(400, "515", &message, Some(reference))
}

/// The answer of a status fault: QosIc's body for that status.
pub(crate) fn status_reply(status: u16, transref: Option<&str>) -> Reply {
    match status {
        401 => Reply::text(401, "HTTP Status 401: Bad credentials"),
        404 => invalid_client(transref),
        417 => no_account(transref),
        _ => fail(status, "injected fault"),
    }
}

/// The endpoint's success answer, about another transaction ([`Fault::FOREIGN_REFERENCE`]).
pub(crate) fn wrong_reference(endpoint: Option<Endpoint>) -> Reply {
    let other = Fault::FOREIGN_REFERENCE;
    let service_ref = 10_000_000;
    let Some((endpoint, spec)) = endpoint.and_then(|e| spec(e).map(|s| (e, s))) else {
        let service_ref = Some(service_ref.to_string());
        return with(200, APPROVED, "00", "SUCCESSFUL", service_ref, Some(other));
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
