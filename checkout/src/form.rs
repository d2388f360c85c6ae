//! The order form's validation: what the customer typed (or the merchant set) checked as the
//! SDK does, each problem said in the customer's terms ([`Problem`]).

use std::collections::BTreeMap;

use qosic::{Amount, Country, Error as SdkError, Msisdn, Name, TransactionRef};

use crate::store::NewOrder;
use crate::web::{form_token, OrderForm};
use crate::wording::Problem;

/// Validates a form as the SDK does, before anything is stored: what is wrong with each field
/// at fault, keyed by the field's name, in the customer's terms ([`Problem`]). Local numbers
/// are read as Benin's; amounts are read as customers write them
/// ([`crate::amount::parse_xof`]: "1 000", "1.000", "1000 FCFA"); amounts above `max_amount`
/// XOF are refused.
pub fn validate(
    client: &qosic::Client,
    form: &OrderForm,
    max_amount: u64,
) -> Result<NewOrder, BTreeMap<&'static str, Problem>> {
    let xof = match crate::amount::parse_xof(&form.amount) {
        Ok(xof) => Ok(xof),
        Err(e) => Err(e.to_string()),
    };
    validate_with_amount(client, form, xof, max_amount)
}

/// [`validate`] with the amount already decided: typed by the customer (and read), or set by
/// the merchant (a catalogue's price, an API order's amount).
pub fn validate_with_amount(
    client: &qosic::Client,
    form: &OrderForm,
    xof: Result<u64, String>,
    max_amount: u64,
) -> Result<NewOrder, BTreeMap<&'static str, Problem>> {
    let mut errors = BTreeMap::new();
    let phone = match Msisdn::parse_with_default(form.phone.trim(), Country::Benin) {
        Ok(phone) => Some(phone),
        Err(e) => {
            tracing::debug!("phone refused: {e}");
            errors.insert("phone", Problem::PhoneInvalid);
            None
        }
    };
    let amount = check_amount(xof, max_amount, &mut errors);
    check_names(form, &mut errors);
    let carrier = phone.as_ref().and_then(|phone| {
        let found = client.carriers().find(|c| c.serves(phone));
        if found.is_none() {
            let configured: Vec<&str> = client.carriers().map(|c| c.name()).collect();
            tracing::debug!(
                "{}",
                SdkError::ProviderNotFound {
                    phone: phone.masked(),
                    configured: configured.join(", "),
                }
            );
            errors.insert("phone", Problem::PhoneNoCarrier(configured.join(", ")));
        }
        found
    });
    if let (Some(carrier), Some(amount)) = (carrier, amount) {
        if let Some(max) = carrier.max_amount() {
            if amount > max {
                errors.insert(
                    "amount",
                    Problem::AmountTooHighForCarrier(max.xof(), carrier.name().to_owned()),
                );
            }
        }
    }
    match (phone, amount, carrier) {
        (Some(phone), Some(amount), Some(carrier)) if errors.is_empty() => {
            let reference = carrier.new_reference();
            if let Err(e) = TransactionRef::new(&reference) {
                tracing::error!("the carrier made an invalid reference: {e}");
                errors.insert("form", Problem::FormInvalid);
                return Err(errors);
            }
            Ok(NewOrder {
                reference,
                phone: phone.international(),
                amount: i64::try_from(amount.xof()).unwrap_or(i64::MAX),
                first_name: form.first_name.trim().to_owned(),
                last_name: form.last_name.trim().to_owned(),
                carrier: carrier.name().to_owned(),
                form_token: form_token(&form.token),
            })
        }
        _ => Err(errors),
    }
}

/// Validates a card order ("Pay by card"): the amount (typed by the customer, or the
/// merchant's) and the optional names; no phone number. The order's carrier is
/// [`crate::jobs::CARD`] and its reference a fresh one of the SDK's kind.
pub fn validate_card(
    form: &OrderForm,
    xof: Result<u64, String>,
    max_amount: u64,
) -> Result<NewOrder, BTreeMap<&'static str, Problem>> {
    let mut errors = BTreeMap::new();
    let amount = check_amount(xof, max_amount, &mut errors).map(|amount| amount.xof());
    check_names(form, &mut errors);
    let reference = qosic::carrier::References::default().next();
    if let Err(e) = TransactionRef::new(&reference) {
        tracing::error!("the SDK made an invalid reference: {e}");
        errors.insert("form", Problem::FormInvalid);
    }
    match amount {
        Some(xof) if errors.is_empty() => Ok(NewOrder {
            reference,
            phone: String::new(),
            amount: i64::try_from(xof).unwrap_or(i64::MAX),
            first_name: form.first_name.trim().to_owned(),
            last_name: form.last_name.trim().to_owned(),
            carrier: crate::jobs::CARD.to_owned(),
            form_token: form_token(&form.token),
        }),
        _ => Err(errors),
    }
}

/// The amount, or its problem in `errors`: a whole number of XOF the SDK accepts, at most
/// the shop's `max_amount`.
fn check_amount(
    xof: Result<u64, String>,
    max_amount: u64,
    errors: &mut BTreeMap<&'static str, Problem>,
) -> Option<Amount> {
    let problem = match xof.map(|xof| (xof, Amount::new(xof))) {
        Ok((xof, Ok(_))) if xof > max_amount => Problem::AmountTooHigh(max_amount),
        Ok((_, Ok(amount))) => return Some(amount),
        Ok((_, Err(e))) => {
            tracing::debug!("amount refused: {e}");
            Problem::AmountInvalid
        }
        Err(e) => {
            tracing::debug!("amount refused: {e}");
            Problem::AmountInvalid
        }
    };
    errors.insert("amount", problem);
    None
}

/// The optional names' problems, in `errors`.
fn check_names(form: &OrderForm, errors: &mut BTreeMap<&'static str, Problem>) {
    for (field, value) in [
        ("first_name", &form.first_name),
        ("last_name", &form.last_name),
    ] {
        if let Err(e) = Name::new(field, value.trim()) {
            tracing::debug!("{field} refused: {e}");
            errors.insert(field, Problem::NameInvalid);
        }
    }
}
