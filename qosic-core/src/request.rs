//! What callers ask for: [`PaymentRequest`], [`DepositRequest`] and [`Lookup`].
//!
//! These hold the caller's raw input; the [`Client`](crate::Client) validates it before any
//! I/O and fails with an error naming the field. `Debug` masks phone numbers.

use std::fmt;

use crate::error::Error;
use crate::types::{Msisdn, TransactionRef};

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
    /// A payment of `amount` XOF from the subscriber `phone` (see [`Msisdn`] for
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
/// Store it with your order: [`Outcome::lookup`](crate::Outcome::lookup) builds one, its
/// getters give the four values back, and with the `serde` feature it is `Serialize` and
/// `Deserialize` (reading validates, as [`Lookup::parse`] does). After a restart, rebuild it
/// from what you stored and call [`Client::wait`](crate::Client::wait) or
/// [`Client::check_status`](crate::Client::check_status).
///
/// ```
/// use qosic_core::Lookup;
/// // From the strings a database gives back: validated.
/// let lookup = Lookup::parse("Q0ABC123XYZ", "22997000100")?.carrier("MTN");
/// assert_eq!(lookup.reference().as_str(), "Q0ABC123XYZ");
/// assert_eq!(lookup.phone().international(), "22997000100");
/// assert_eq!(lookup.carrier_name(), Some("MTN"));
/// assert!(Lookup::parse("has space", "22997000100").is_err());
/// # Ok::<(), qosic_core::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
#[must_use]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(try_from = "StoredLookup", into = "StoredLookup")
)]
pub struct Lookup {
    pub(crate) reference: TransactionRef,
    pub(crate) phone: Msisdn,
    pub(crate) carrier: Option<String>,
    pub(crate) operator_ref: Option<String>,
}

impl Lookup {
    /// The transaction `reference` made with `phone`.
    pub fn new(reference: TransactionRef, phone: Msisdn) -> Self {
        Lookup {
            reference,
            phone,
            carrier: None,
            operator_ref: None,
        }
    }

    /// The transaction from stored strings, validated: a reference as [`TransactionRef::new`]
    /// accepts it, and a phone number in international form ([`Msisdn::parse`]).
    pub fn parse(reference: &str, phone: &str) -> Result<Self, Error> {
        Ok(Lookup::new(
            TransactionRef::new(reference)?,
            Msisdn::parse(phone)?,
        ))
    }

    /// The carrier's name, when it cannot be told from the number (a ported number).
    pub fn carrier(mut self, carrier: impl Into<String>) -> Self {
        self.carrier = Some(carrier.into()).filter(|c| !c.trim().is_empty());
        self
    }

    /// The operator's own transaction id (QosIc's `serviceref`; MOOV's status call sends it as
    /// `specialfield1`).
    pub fn operator_ref(mut self, operator_ref: impl Into<String>) -> Self {
        self.operator_ref = Some(operator_ref.into()).filter(|r| !r.is_empty());
        self
    }

    /// The transaction reference.
    pub fn reference(&self) -> &TransactionRef {
        &self.reference
    }

    /// The subscriber's number.
    pub fn phone(&self) -> &Msisdn {
        &self.phone
    }

    /// The carrier's name, when given.
    pub fn carrier_name(&self) -> Option<&str> {
        self.carrier.as_deref()
    }

    /// The operator's transaction id, when known.
    pub fn operator_ref_value(&self) -> Option<&str> {
        self.operator_ref.as_deref()
    }
}

impl fmt::Debug for Lookup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lookup")
            .field("reference", &self.reference.as_str())
            .field("phone", &self.phone)
            .field("carrier", &self.carrier)
            .field("operator_ref", &self.operator_ref)
            .finish()
    }
}

/// The stored form of a [`Lookup`]: plain strings, checked when read back.
#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredLookup {
    reference: String,
    phone: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    carrier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    operator_ref: Option<String>,
}

#[cfg(feature = "serde")]
impl TryFrom<StoredLookup> for Lookup {
    type Error = Error;

    fn try_from(stored: StoredLookup) -> Result<Self, Error> {
        let mut lookup = Lookup::parse(&stored.reference, &stored.phone)?;
        lookup.carrier = stored.carrier.filter(|c| !c.trim().is_empty());
        lookup.operator_ref = stored.operator_ref.filter(|r| !r.is_empty());
        Ok(lookup)
    }
}

#[cfg(feature = "serde")]
impl From<Lookup> for StoredLookup {
    fn from(lookup: Lookup) -> Self {
        StoredLookup {
            reference: lookup.reference.into(),
            phone: lookup.phone.international(),
            carrier: lookup.carrier,
            operator_ref: lookup.operator_ref,
        }
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
        let lookup = Lookup::new(reference, phone);
        assert_eq!(
            (lookup.reference().as_str(), lookup.phone().international()),
            ("ORDER-1", "22997123456".to_owned())
        );
    }

    #[test]
    fn debug_masks_phones() {
        let shown = format!(
            "{:?} {:?} {:?}",
            PaymentRequest::new("+229 97 12 34 56", 1),
            DepositRequest::new("22997123456", 1),
            Lookup::parse("REF1", "22997123456").unwrap()
        );
        assert!(!shown.contains("1234"), "{shown}");
        assert!(shown.contains("*********56"), "{shown}");
        assert_eq!(mask_raw(""), "");
    }
}

#[cfg(all(test, feature = "serde"))]
mod serde_tests {
    use super::*;

    #[test]
    fn a_lookup_survives_a_json_round_trip() {
        let lookup = Lookup::parse("ORDER-1", "+229 01 97 00 01 00")
            .unwrap()
            .carrier("MTN")
            .operator_ref("SMS-77");
        let json = serde_json::to_string(&lookup).unwrap();
        assert_eq!(
            json,
            r#"{"reference":"ORDER-1","phone":"2290197000100","carrier":"MTN","operator_ref":"SMS-77"}"#
        );
        let back: Lookup = serde_json::from_str(&json).unwrap();
        assert_eq!(back, lookup);
    }

    #[test]
    fn stored_values_are_checked_when_read() {
        let err =
            serde_json::from_str::<Lookup>(r#"{"reference":"bad ref","phone":"22997000100"}"#)
                .unwrap_err();
        assert!(err.to_string().contains("invalid reference"), "{err}");
        let err =
            serde_json::from_str::<Lookup>(r#"{"reference":"ORDER-1","phone":"123"}"#).unwrap_err();
        assert!(err.to_string().contains("invalid phone number"), "{err}");
        let minimal: Lookup =
            serde_json::from_str(r#"{"reference":"ORDER-1","phone":"22997000100"}"#).unwrap();
        assert_eq!(minimal.carrier_name(), None);
    }
}
