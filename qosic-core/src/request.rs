//! What callers ask for: [`PaymentRequest`], [`DepositRequest`] and [`Lookup`].
//!
//! These hold the caller's raw input; the [`Client`](crate::Client) validates it before any
//! I/O and fails with an error naming the field. `Debug` masks phone numbers.

use std::fmt;

fn mask_raw(phone: &str) -> String {
    let digits: Vec<char> = phone.chars().filter(char::is_ascii_digit).collect();
    let keep = digits.len().min(2);
    let tail: String = digits[digits.len() - keep..].iter().collect();
    format!("{}{}", "*".repeat(digits.len() - keep), tail)
}

/// A payment to collect: a phone number and an amount, plus optional names.
///
/// ```
/// use qosic_core::PaymentRequest;
/// let request = PaymentRequest::new("22997000100", 1000)
///     .first_name("Ada")
///     .last_name("Lovelace")
///     .carrier("MTN");
/// assert!(!format!("{request:?}").contains("97000100"));
/// ```
#[derive(Clone, PartialEq, Eq)]
#[must_use]
pub struct PaymentRequest {
    pub(crate) phone: String,
    pub(crate) amount: u64,
    pub(crate) first_name: Option<String>,
    pub(crate) last_name: Option<String>,
    pub(crate) carrier: Option<String>,
    pub(crate) reference: Option<String>,
}

impl PaymentRequest {
    /// A payment of `amount` XOF from the subscriber `phone` (see [`Msisdn`](crate::Msisdn) for
    /// the accepted forms).
    pub fn new(phone: impl Into<String>, amount: u64) -> Self {
        PaymentRequest {
            phone: phone.into(),
            amount,
            first_name: None,
            last_name: None,
            carrier: None,
            reference: None,
        }
    }

    /// The customer's first name (at most 50 characters).
    pub fn first_name(mut self, name: impl Into<String>) -> Self {
        self.first_name = Some(name.into());
        self
    }

    /// The customer's last name (at most 50 characters).
    pub fn last_name(mut self, name: impl Into<String>) -> Self {
        self.last_name = Some(name.into());
        self
    }

    /// Sends through the carrier of this name (e.g. `MTN`) instead of picking it by the
    /// number's prefix. Needed where numbers are portable (Togo).
    pub fn carrier(mut self, carrier: impl Into<String>) -> Self {
        self.carrier = Some(carrier.into());
        self
    }

    /// Uses this transaction reference instead of a fresh one from the carrier's generator.
    /// It must never have served another payment.
    pub fn reference(mut self, reference: impl Into<String>) -> Self {
        self.reference = Some(reference.into());
        self
    }
}

impl fmt::Debug for PaymentRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PaymentRequest")
            .field("phone", &mask_raw(&self.phone))
            .field("amount", &self.amount)
            .field("first_name", &self.first_name)
            .field("last_name", &self.last_name)
            .field("carrier", &self.carrier)
            .field("reference", &self.reference)
            .finish()
    }
}

/// A payout to a subscriber (QosIc's deposit).
///
/// ```
/// use qosic_core::DepositRequest;
/// let request = DepositRequest::new("22997000100", 5000).reference("PAYOUT-0001");
/// # let _ = request;
/// ```
#[derive(Clone, PartialEq, Eq)]
#[must_use]
pub struct DepositRequest {
    pub(crate) phone: String,
    pub(crate) amount: u64,
    pub(crate) carrier: Option<String>,
    pub(crate) reference: Option<String>,
}

impl DepositRequest {
    /// A payout of `amount` XOF to `phone`.
    pub fn new(phone: impl Into<String>, amount: u64) -> Self {
        DepositRequest {
            phone: phone.into(),
            amount,
            carrier: None,
            reference: None,
        }
    }

    /// Sends through the carrier of this name instead of picking it by prefix.
    pub fn carrier(mut self, carrier: impl Into<String>) -> Self {
        self.carrier = Some(carrier.into());
        self
    }

    /// Uses this transaction reference instead of a fresh one.
    pub fn reference(mut self, reference: impl Into<String>) -> Self {
        self.reference = Some(reference.into());
        self
    }
}

impl fmt::Debug for DepositRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DepositRequest")
            .field("phone", &mask_raw(&self.phone))
            .field("amount", &self.amount)
            .field("carrier", &self.carrier)
            .field("reference", &self.reference)
            .finish()
    }
}

/// An existing transaction, to check, wait on or refund: its reference and phone number,
/// and optionally the carrier's name and the operator's own transaction id.
///
/// Store these four with your order; [`Outcome::lookup`](crate::Outcome::lookup) builds one.
///
/// ```
/// use qosic_core::Lookup;
/// let lookup = Lookup::new("Q0ABC123XYZ", "22997000100").carrier("MTN");
/// # let _ = lookup;
/// ```
#[derive(Clone, PartialEq, Eq)]
#[must_use]
pub struct Lookup {
    pub(crate) reference: String,
    pub(crate) phone: String,
    pub(crate) carrier: Option<String>,
    pub(crate) operator_ref: Option<String>,
}

impl Lookup {
    /// The transaction `reference` made with `phone`.
    pub fn new(reference: impl Into<String>, phone: impl Into<String>) -> Self {
        Lookup {
            reference: reference.into(),
            phone: phone.into(),
            carrier: None,
            operator_ref: None,
        }
    }

    /// The carrier's name, when it cannot be told from the number.
    pub fn carrier(mut self, carrier: impl Into<String>) -> Self {
        self.carrier = Some(carrier.into());
        self
    }

    /// The operator's own transaction id (QosIc's `serviceref`; MOOV's status call sends it as
    /// `specialfield1`).
    pub fn operator_ref(mut self, operator_ref: impl Into<String>) -> Self {
        self.operator_ref = Some(operator_ref.into());
        self
    }
}

impl fmt::Debug for Lookup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lookup")
            .field("reference", &self.reference)
            .field("phone", &mask_raw(&self.phone))
            .field("carrier", &self.carrier)
            .field("operator_ref", &self.operator_ref)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsed_values_can_be_passed_back_in() {
        let phone = crate::Msisdn::parse("+229 97 12 34 56").unwrap();
        let reference = crate::TransactionRef::new("ORDER-1").unwrap();
        assert_eq!(PaymentRequest::new(&phone, 1).phone, "22997123456");
        let lookup = Lookup::new(&reference, phone);
        assert_eq!(
            (lookup.reference.as_str(), lookup.phone.as_str()),
            ("ORDER-1", "22997123456")
        );
    }

    #[test]
    fn debug_masks_phones() {
        let shown = format!(
            "{:?} {:?} {:?}",
            PaymentRequest::new("+229 97 12 34 56", 1),
            DepositRequest::new("22997123456", 1),
            Lookup::new("REF1", "22997123456")
        );
        assert!(!shown.contains("1234"), "{shown}");
        assert!(shown.contains("*********56"), "{shown}");
        assert_eq!(mask_raw(""), "");
    }
}
