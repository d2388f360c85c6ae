//! Customer wording for what went wrong: [`Problem`] (a field of the form at fault) and
//! [`decline_message`] (why QosIc declined a payment), each said in the customer's language
//! through the translation catalogue, never with the SDK's developer texts.

use std::borrow::Cow;

use crate::i18n::Texts;

/// What is wrong with a field of the form, in the customer's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Not a phone number the shop can read as Benin's.
    PhoneInvalid,
    /// A number no configured carrier serves (the carriers' names).
    PhoneNoCarrier(String),
    /// Not a whole amount of francs.
    AmountInvalid,
    /// Over the shop's maximum (in XOF).
    AmountTooHigh(u64),
    /// Over the carrier's maximum (in XOF; the carrier).
    AmountTooHighForCarrier(u64, String),
    /// A name the SDK refuses.
    NameInvalid,
    /// Something the customer cannot fix from the form.
    FormInvalid,
    /// "Pay by card" was asked for, but the shop takes no cards.
    CardUnavailable,
}

impl Problem {
    /// The problem in the customer's language, plain text.
    pub fn say(&self, texts: &Texts<'_>) -> String {
        let money = |xof: u64| Cow::Owned(crate::amount::format_xof(xof));
        match self {
            Problem::PhoneInvalid => texts.t("phone-invalid"),
            Problem::PhoneNoCarrier(carriers) => {
                texts.with("phone-no-carrier", &[("carriers", carriers.into())])
            }
            Problem::AmountInvalid => texts.t("amount-invalid"),
            Problem::AmountTooHigh(max) => texts.with("amount-too-high", &[("max", money(*max))]),
            Problem::AmountTooHighForCarrier(max, carrier) => texts.with(
                "amount-too-high-carrier",
                &[("max", money(*max)), ("carrier", carrier.into())],
            ),
            Problem::NameInvalid => texts.t("name-invalid"),
            Problem::FormInvalid => texts.t("form-invalid"),
            Problem::CardUnavailable => texts.t("card-unavailable"),
        }
    }
}

/// ```
/// use qosic_checkout::wording::decline_message;
/// assert_eq!(decline_message(Some("INSUFFICIENT FUNDS")), "decline-insufficient");
/// assert_eq!(decline_message(Some("TRANSACTION DECLINED")), "decline-refused");
/// ```
///
/// The message id that says why a payment was declined, from QosIc's reason (its words, in
/// capitals, or the SDK's): insufficient funds, refused or cancelled, expired, over a limit,
/// never sent, or another refusal.
pub fn decline_message(reason: Option<&str>) -> &'static str {
    let reason = reason.unwrap_or_default().to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| reason.contains(w));
    if has(&["insufficient", "not enough", "solde", "balance", "529"]) {
        "decline-insufficient"
    } else if has(&["timeout", "timed out", "expired", "expir"]) {
        "decline-expired"
    } else if has(&["limit", "580"]) {
        "decline-limit"
    } else if has(&["could not be sent", "not sent"]) {
        "decline-unreachable"
    } else if has(&["declin", "reject", "refus", "cancel", "annul", "denied"]) {
        "decline-refused"
    } else {
        "decline-other"
    }
}

/// ```
/// use qosic_checkout::wording::card_decline_message;
/// assert_eq!(card_decline_message(Some("FAILED")), "card-declined");
/// assert_eq!(card_decline_message(Some("CANCELLED")), "card-abandoned");
/// assert_eq!(card_decline_message(Some("invalid card key: qosic does not know the qosKey")), "card-unavailable");
/// ```
///
/// The message id that says why a card payment did not go through, from QosIc's reason or
/// the shop's: the card was declined, the customer left the card page, or card payments could
/// not be started (the card checkout refused, unreachable, or not set up).
pub fn card_decline_message(reason: Option<&str>) -> &'static str {
    let reason = reason.unwrap_or("declined").to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| reason.contains(w));
    if has(&["cancel", "abandon", "annul"]) {
        "card-abandoned"
    } else if has(&[
        "card key",
        "qoskey",
        "could not be sent",
        "not sent",
        "public address",
    ]) {
        "card-unavailable"
    } else if has(&[
        "fail",
        "declin",
        "refus",
        "reject",
        "denied",
        "insufficient",
    ]) {
        "card-declined"
    } else {
        "card-unavailable"
    }
}
