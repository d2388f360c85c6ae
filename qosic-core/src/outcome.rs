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
/// The fields hold the answer as it came; `Debug` masks the phone numbers in the body.
#[derive(Clone, PartialEq, Eq)]
pub struct RawResponse {
    /// The HTTP status.
    pub status: u16,
    /// The body, as text.
    pub body: String,
}

impl fmt::Debug for RawResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawResponse")
            .field("status", &self.status)
            .field("body", &crate::wire::mask_numbers(&self.body))
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

    /// QosIc's last `responsecode`.
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// QosIc's last `responsemsg` (`FAILED`, `SUCCESSFUL`…), phone numbers masked.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// Why, in QosIc's words: the `comment` it gave (`TRANSACTION DECLINED`), or else its
    /// message (`INSUFFICIENT FUNDS`). Phone numbers in it are masked. Show it to the customer
    /// when a payment failed.
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

    /// The operator's reference (`serviceref`), when QosIc gave one.
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
