//! What the server tells about its transactions: their kind and state, a snapshot of one,
//! and the ledger of the money that moved.

use serde::Serialize;

use crate::endpoint::Carrier;

/// Whether a transaction is a payment (customer debited) or a deposit (customer credited).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TransactionKind {
    /// A collection: the customer pays the merchant.
    Payment,
    /// A payout: the merchant pays the customer.
    Deposit,
}

/// Where a transaction stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TransactionState {
    /// Waiting for the customer (status answers `01`).
    Pending,
    /// Approved and processed: the money moved (status answers `00`).
    Confirmed,
    /// Declined by the customer (status answers `-1`).
    Declined,
    /// Refused for insufficient funds (status answers `529`).
    InsufficientFunds,
    /// Confirmed and then refunded (status still answers `00`).
    Refunded,
}

impl TransactionState {
    /// Whether the customer was debited (and not refunded): `Confirmed`.
    pub fn is_confirmed(self) -> bool {
        self == TransactionState::Confirmed
    }
}

/// A snapshot of one transaction, as the server knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct TransactionView {
    /// The merchant's reference (`transref`).
    pub reference: String,
    /// The carrier whose endpoint received it (lowercase in JSON: `mtn`).
    #[serde(serialize_with = "crate::endpoint::serialize_carrier")]
    pub carrier: Carrier,
    /// Payment or deposit.
    pub kind: TransactionKind,
    /// The `msisdn` as it was sent.
    pub msisdn: String,
    /// The amount, in whole XOF.
    pub amount: u64,
    /// Where it stands now.
    pub state: TransactionState,
    /// How many status requests asked about it.
    pub status_checks: u32,
    /// The reference QosIc gave it (`serviceref`).
    pub service_ref: String,
}

/// Money that moved through the fake server, in whole XOF.
///
/// Read it with [`crate::MockQosic::ledger`] (or `GET /__admin/ledger`). A plain struct, so
/// a test can compare it whole:
///
/// ```
/// use qosic_mock::{Ledger, MockQosic};
/// let mock = MockQosic::in_process();
/// assert_eq!(mock.ledger(), Ledger { collected: 0, ..Ledger::default() });
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Ledger {
    /// Sum of confirmed payments, including those refunded later.
    pub collected: u64,
    /// Sum of refunded payments.
    pub refunded: u64,
    /// Sum of deposits (payouts to customers).
    pub paid_out: u64,
    /// Sum of payments still pending.
    pub pending: u64,
}

impl Ledger {
    /// What the merchant keeps: collected - refunded - paid out (may be negative).
    pub fn net(&self) -> i128 {
        i128::from(self.collected) - i128::from(self.refunded) - i128::from(self.paid_out)
    }
}
