//! The types the store reads and writes: an order, its state and history, what can go wrong.

use std::fmt;
use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// Where an order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Stored with its reference; the payment request has not left.
    Created,
    /// The payment request is leaving (or left, if the worker died here): never sent again.
    Sending,
    /// QosIc has the payment; the customer has not answered yet. Status checks are scheduled.
    Pending,
    /// The money moved. Final.
    Confirmed,
    /// Declined, or refused by QosIc. Final.
    Failed,
    /// The window closed while QosIc still said pending: the customer may still approve.
    StillPending,
    /// The window closed with no answer saying what became of the payment.
    Unknown,
    /// Reconciliation checked it for its whole period (48 hours by default) without an answer
    /// that settles it: the operator should look at it. "Check again" and callbacks still
    /// check it.
    NeedsAttention,
    /// Paid, then refunded from the admin ([`crate::refund`]). Final.
    Refunded,
}

impl State {
    /// Every state, in the order of a payment's life.
    pub const ALL: [State; 9] = [
        State::Created,
        State::Sending,
        State::Pending,
        State::Confirmed,
        State::Failed,
        State::StillPending,
        State::Unknown,
        State::NeedsAttention,
        State::Refunded,
    ];

    /// The name stored and shown in JSON, e.g. `still_pending`.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Created => "created",
            State::Sending => "sending",
            State::Pending => "pending",
            State::Confirmed => "confirmed",
            State::Failed => "failed",
            State::StillPending => "still_pending",
            State::Unknown => "unknown",
            State::NeedsAttention => "needs_attention",
            State::Refunded => "refunded",
        }
    }

    /// Confirmed or failed: nothing will change it.
    pub fn is_final(self) -> bool {
        matches!(self, State::Confirmed | State::Failed | State::Refunded)
    }

    /// Still followed by scheduled jobs (created, sending, pending).
    pub fn is_active(self) -> bool {
        matches!(self, State::Created | State::Sending | State::Pending)
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for State {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<State, StoreError> {
        State::ALL
            .into_iter()
            .find(|state| state.as_str() == s)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown order state {s:?}")))
    }
}

/// One order, as stored.
#[derive(Clone, PartialEq, Eq)]
pub struct Order {
    /// The payment reference, also the order's id (it is in the order page's address).
    pub reference: String,
    /// The customer's number, international form (needed for status checks; never logged).
    pub phone: String,
    /// Whole XOF.
    pub amount: i64,
    /// The customer's first name ("" when not given).
    pub first_name: String,
    /// The customer's last name ("" when not given).
    pub last_name: String,
    /// The carrier that takes the payment, e.g. `MTN`.
    pub carrier: String,
    /// Where the order stands.
    pub state: State,
    /// Why it failed, or what the last answer said, in QosIc's words (numbers masked).
    pub reason: Option<String>,
    /// The step number: every change advances it (see the module docs).
    pub step: i64,
    /// When the window closes (unix milliseconds), once the payment request has left.
    pub window_ends: Option<i64>,
    /// Status checks made so far.
    pub checks: i64,
    /// Payment requests tried that certainly did not leave (QosIc unreachable).
    pub send_attempts: i64,
    /// The operator's own id of the transaction, when QosIc gave one (MOOV's status calls).
    pub operator_ref: Option<String>,
    /// When the order was taken (unix milliseconds).
    pub created_at: i64,
    /// When it last changed (unix milliseconds).
    pub updated_at: i64,
}

impl fmt::Debug for Order {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Order")
            .field("reference", &self.reference)
            .field("phone", &self.masked_phone())
            .field("amount", &self.amount)
            .field("carrier", &self.carrier)
            .field("state", &self.state)
            .field("reason", &self.reason)
            .field("step", &self.step)
            .field("window_ends", &self.window_ends)
            .field("checks", &self.checks)
            .finish_non_exhaustive()
    }
}

impl Order {
    /// The customer's number for pages and logs (`22997****00`).
    pub fn masked_phone(&self) -> String {
        if self.phone.is_empty() {
            // A card order: no phone.
            return String::new();
        }
        match qosic::Msisdn::parse(&self.phone) {
            Ok(phone) => phone.masked(),
            Err(_) => "(invalid number)".to_owned(),
        }
    }

    /// What the page, the JSON endpoint and the event stream show: no full phone number.
    pub fn view(&self) -> OrderView {
        OrderView {
            reference: self.reference.clone(),
            state: self.state,
            is_final: self.state.is_final(),
            carrier: self.carrier.clone(),
            amount: self.amount,
            phone: self.masked_phone(),
            reason: self.reason.clone(),
            checks: self.checks,
            window_ends: self.window_ends,
            updated_at: self.updated_at,
            card_url: if self.carrier == crate::jobs::CARD {
                self.operator_ref.clone()
            } else {
                None
            },
        }
    }

    /// Whether the customer pays by card ([`crate::jobs::CARD`]), not with a phone.
    pub fn by_card(&self) -> bool {
        self.carrier == crate::jobs::CARD
    }
}

/// The public view of an order (`GET /orders/{id}/status`, the event stream).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderView {
    /// The payment reference.
    pub reference: String,
    /// Where the order stands.
    pub state: State,
    /// Whether the state is final (confirmed or failed).
    #[serde(rename = "final")]
    pub is_final: bool,
    /// The carrier, e.g. `MTN`.
    pub carrier: String,
    /// Whole XOF.
    pub amount: i64,
    /// The masked phone number.
    pub phone: String,
    /// QosIc's reason, when there is one.
    pub reason: Option<String>,
    /// Status checks made so far.
    pub checks: i64,
    /// When the window closes (unix milliseconds).
    pub window_ends: Option<i64>,
    /// When the order last changed (unix milliseconds).
    pub updated_at: i64,
    /// A card order's hosted card page, once QosIc gave it: where the customer pays.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_url: Option<String>,
}

impl OrderView {
    /// Whether the customer pays by card ([`crate::jobs::CARD`]), not with a phone.
    pub fn by_card(&self) -> bool {
        self.carrier == crate::jobs::CARD
    }
}

/// A new order, validated by the caller.
#[derive(Debug, Clone)]
pub struct NewOrder {
    /// Its payment reference (from the carrier's reference factory).
    pub reference: String,
    /// The number, international form.
    pub phone: String,
    /// Whole XOF.
    pub amount: i64,
    /// First name, or "".
    pub first_name: String,
    /// Last name, or "".
    pub last_name: String,
    /// The carrier's name.
    pub carrier: String,
    /// The one-time token of the form it came from: a second post of the same token (a double
    /// tap) leads to the order the first one made. `None` (a script without the form): a new
    /// order each time.
    pub form_token: Option<String>,
}

/// Which orders the operator's list shows ([`Store::find_orders`](super::Store::find_orders)).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct OrderFilter {
    /// Only orders in this state.
    pub state: Option<State>,
    /// Only orders taken at or after this time (unix milliseconds).
    pub since: Option<i64>,
    /// Only orders taken before this time (unix milliseconds).
    pub until: Option<i64>,
    /// The reference, or the last digits (two or more) of the phone number.
    pub search: Option<String>,
}

/// One transition of an order's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Transition {
    /// The step that made it.
    pub step: i64,
    /// The state it led to.
    pub state: State,
    /// The reason recorded with it.
    pub reason: Option<String>,
    /// The instance whose job made it.
    pub instance: String,
    /// When (unix milliseconds).
    pub at: i64,
}

/// The job of one step of one order: apalis's task arguments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Drive {
    /// The order's reference.
    pub order: String,
    /// The step this job drives; a job whose step is behind the order's does nothing.
    pub step: i64,
}

/// What can go wrong with the database.
#[derive(Debug)]
#[non_exhaustive]
pub enum StoreError {
    /// The database refused or failed a query, or could not be reached in time.
    Database(sqlx::Error),
    /// apalis failed to set up its tables or to queue a job.
    Queue(String),
    /// A stored value cannot be read back.
    Corrupt(String),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Database(e) => write!(
                f,
                "database error: {e} (is the database running and reachable, and the URL right?)"
            ),
            StoreError::Queue(e) => write!(f, "job queue error: {e}"),
            StoreError::Corrupt(e) => write!(f, "unreadable order in the database: {e}"),
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StoreError::Database(e) => Some(e),
            _ => None,
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        StoreError::Database(e)
    }
}

/// The current time, unix milliseconds.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
