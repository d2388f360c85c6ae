//! The amount available to withdraw (`getavailableamountowithdraw`), from the fake server's
//! ledger, per carrier: collected minus refunded minus paid out, never below zero.
//!
//! The path is shared by MTN and MOOV; the `clientid` sent says whose balance it is. The
//! answer is QosIc's: 200 `{"responsecode":"00","responsemsg":"SUCCESSFUL","amount":"…"}`.

use qosic_core::Carrier;
use serde_json::json;

use crate::model::{TransactionKind, TransactionState};
use crate::reply::Reply;

/// The balance of `carrier` from its transactions `(carrier, kind, state, amount)`.
pub(crate) fn of(
    carrier: Carrier,
    transactions: impl Iterator<Item = (Carrier, TransactionKind, TransactionState, u64)>,
) -> u64 {
    let mut net: i128 = 0;
    for (owner, kind, state, amount) in transactions {
        if owner != carrier {
            continue;
        }
        let amount = i128::from(amount);
        match (kind, state) {
            (TransactionKind::Payment, TransactionState::Confirmed) => net += amount,
            (TransactionKind::Deposit, TransactionState::Confirmed) => net -= amount,
            // Refunded payments were collected, then given back; the others moved nothing.
            _ => {}
        }
    }
    u64::try_from(net.max(0)).unwrap_or(u64::MAX)
}

/// The answer to a balance request whose credentials and client id were accepted.
pub(crate) fn answer(balance: u64) -> Reply {
    Reply::json(
        200,
        &json!({
            "responsecode": "00",
            "responsemsg": "SUCCESSFUL",
            "amount": balance.to_string(),
        }),
    )
}
