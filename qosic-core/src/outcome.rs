//! The result of an operation that QosIc answered: [`Outcome`] and its [`Status`].

use std::fmt;
use std::sync::Arc;

use crate::carrier::Operation;
use crate::types::{Amount, Msisdn, TransactionRef};

/// Where a transaction stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Status {
    /// The money moved. Terminal.
    Confirmed,
    /// The transaction ended without moving money (declined, insufficient funds, refund
    /// refused…). Terminal.
    Failed,
    /// QosIc accepted the transaction and the customer has not answered yet, or the polling
    /// window closed first. **Not a failure**: the customer may still approve. Check again
    /// later with [`Client::check_status`](crate::Client::check_status); never pay again under
    /// a new reference.
    Pending,
    /// The request may have reached QosIc but no answer says what became of it (lost answer,
    /// timeout, unreadable answer, or QosIc does not know the reference yet). **Not a
    /// failure**: check the status of the reference before anything else.
    Unknown,
}

impl Status {
    /// `CONFIRMED`, `FAILED`, `PENDING` or `UNKNOWN` (the Python SDK's spelling).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Confirmed => "CONFIRMED",
            Status::Failed => "FAILED",
            Status::Pending => "PENDING",
            Status::Unknown => "UNKNOWN",
        }
    }

    /// Whether the status can no longer change.
    pub fn is_terminal(self) -> bool {
        matches!(self, Status::Confirmed | Status::Failed)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The last answer QosIc gave, kept as received (the Python SDK's raw response).
///
/// The only place the SDK keeps a server's text unescaped and uncut: [`RawResponse::bytes`]
/// is the body byte for byte, [`RawResponse::body`] the same as text. Print them through
/// [`server_text`](crate::server_text) (`Debug` does: phone numbers masked, control
/// characters escaped, cut after 4 KiB).
#[derive(Clone, PartialEq, Eq)]
pub struct RawResponse {
    /// The HTTP status.
    pub status: u16,
    /// The body as text, invalid UTF-8 replaced by `�`; [`RawResponse::bytes`] has the
    /// bytes as they came.
    pub body: String,
    /// The bytes as received, kept only when they are not UTF-8 (else they are `body`'s).
    invalid_utf8: Option<Box<[u8]>>,
}

impl RawResponse {
    /// The answer with this status and body.
    pub fn new(status: u16, body: Vec<u8>) -> RawResponse {
        let (body, invalid_utf8) = match String::from_utf8(body) {
            Ok(text) => (text, None),
            Err(e) => (
                String::from_utf8_lossy(e.as_bytes()).into_owned(),
                Some(e.into_bytes().into_boxed_slice()),
            ),
        };
        RawResponse {
            status,
            body,
            invalid_utf8,
        }
    }

    /// The body byte for byte, as the transport received it (a transport that decompresses
    /// gives the decompressed bytes). Unescaped and uncut: do not print it as is.
    pub fn bytes(&self) -> &[u8] {
        self.invalid_utf8.as_deref().unwrap_or(self.body.as_bytes())
    }
}

impl fmt::Debug for RawResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawResponse")
            .field("status", &self.status)
            .field("body", &crate::server_text::body(self.bytes()))
            .finish()
    }
}

/// What became of an operation: its status and everything needed to follow it up.
///
/// Every outcome carries the reference, phone number and carrier, so a pending or unknown
/// payment can be checked later (see [`Outcome::lookup`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub(crate) operation: Operation,
    pub(crate) status: Status,
    pub(crate) reference: TransactionRef,
    pub(crate) phone: Msisdn,
    pub(crate) carrier: Arc<str>,
    pub(crate) amount: Option<Amount>,
    pub(crate) code: Option<String>,
    pub(crate) message: Option<String>,
    pub(crate) comment: Option<String>,
    pub(crate) service_ref: Option<String>,
    pub(crate) raw: Option<RawResponse>,
    pub(crate) status_checks: u32,
}

impl Outcome {
    /// Whether the operation is confirmed (the Python SDK's `success`).
    pub fn success(&self) -> bool {
        self.status == Status::Confirmed
    }

    /// The operation.
    pub fn operation(&self) -> Operation {
        self.operation
    }

    /// Where the transaction stands.
    pub fn status(&self) -> Status {
        self.status
    }

    /// The transaction reference.
    pub fn reference(&self) -> &TransactionRef {
        &self.reference
    }

    /// The subscriber's number.
    pub fn phone(&self) -> &Msisdn {
        &self.phone
    }

    /// The carrier's name, e.g. `MTN`.
    pub fn carrier(&self) -> &str {
        &self.carrier
    }

    /// The amount, for payments and deposits.
    pub fn amount(&self) -> Option<Amount> {
        self.amount
    }

    /// QosIc's last `responsecode`, made safe to show like [`Outcome::reason`].
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// QosIc's last `responsemsg` (`FAILED`, `SUCCESSFUL`…), made safe to show like
    /// [`Outcome::reason`].
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// Why, in QosIc's words: the `comment` it gave (`TRANSACTION DECLINED`), or else its
    /// message (`INSUFFICIENT FUNDS`). Show it to the customer when a payment failed.
    ///
    /// It is the server's text made safe to show: phone numbers masked, control characters
    /// escaped (a newline is the two characters `\n`, an ANSI escape `\u{1b}`), invalid
    /// UTF-8 replaced, cut after [`REASON_MAX_CHARS`](crate::server_text::REASON_MAX_CHARS)
    /// characters with a marker (see [`server_text`](crate::server_text)). The answer as
    /// received is in [`Outcome::raw_response`].
    ///
    /// ```
    /// # use qosic_core::{Outcome, Status};
    /// fn explain(outcome: &Outcome) -> String {
    ///     match outcome.status() {
    ///         Status::Failed => format!("declined: {}", outcome.reason().unwrap_or("no reason given")),
    ///         status => status.to_string(),
    ///     }
    /// }
    /// ```
    pub fn reason(&self) -> Option<&str> {
        self.comment.as_deref().or(self.message.as_deref())
    }

    /// The operator's reference (`serviceref`), when QosIc gave one (control characters
    /// escaped, length bounded; not masked: it is not a phone number).
    pub fn service_ref(&self) -> Option<&str> {
        self.service_ref.as_deref()
    }

    /// The last answer, as received; `None` when no answer came.
    pub fn raw_response(&self) -> Option<&RawResponse> {
        self.raw.as_ref()
    }

    /// How many status checks the client made.
    pub fn status_checks(&self) -> u32 {
        self.status_checks
    }

    /// What is needed to check this transaction again later.
    pub fn lookup(&self) -> crate::Lookup {
        let mut lookup =
            crate::Lookup::new(self.reference.clone(), self.phone.clone()).carrier(&*self.carrier);
        if let Some(service_ref) = &self.service_ref {
            lookup = lookup.operator_ref(service_ref);
        }
        lookup
    }
}

/// One line: the operation, reference, carrier, masked phone, status, and QosIc's code and
/// reason when it gave them, e.g. `payment REF-1 (MTN, 22997****00): FAILED (code 529:
/// TRANSACTION DECLINED)`. The server's text in it is escaped ([`Outcome::reason`]), so it
/// is always one line.
impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::server_text::Escaped;
        write!(
            f,
            "{} {} ({}, {}): {}",
            self.operation,
            self.reference,
            Escaped(&self.carrier),
            self.phone.masked(),
            self.status
        )?;
        match (self.code(), self.reason()) {
            (Some(code), Some(reason)) => {
                write!(f, " (code {}: {})", Escaped(code), Escaped(reason))
            }
            (Some(code), None) => write!(f, " (code {})", Escaped(code)),
            (None, Some(reason)) => write!(f, " ({})", Escaped(reason)),
            (None, None) => Ok(()),
        }
    }
}
