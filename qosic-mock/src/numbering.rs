//! Phone numbers as the fake server reads them: the accepted wire forms and subscriber keys.
//!
//! Numbers are parsed by the SDK's own parser ([`Msisdn`]), so the server and the SDK agree
//! on what a number is; the carrier that serves a number comes from the carriers' own
//! prefix tables (`endpoint.rs`).

use std::fmt;

use qosic_core::{Country, Msisdn};
use serde::{Deserialize, Serialize};

/// Which Benin number forms the server accepts in `msisdn` (Benin moved to 10-digit numbers
/// on 30 Nov 2024; see the crate guide, "Where the sources disagree"). Togo numbers (`228` +
/// 8 digits) are always accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PhoneForms {
    /// Only `229` + 8 digits (the legacy plan).
    Legacy,
    /// Only `229` + `01` + 8 digits (the plan since 30 Nov 2024).
    New,
    /// Both forms (the default).
    #[default]
    Both,
}

impl PhoneForms {
    /// The lowercase name: `legacy`, `new` or `both` (serde's; a test keeps them in step).
    pub fn name(self) -> &'static str {
        match self {
            PhoneForms::Legacy => "legacy",
            PhoneForms::New => "new",
            PhoneForms::Both => "both",
        }
    }

    /// Parses `legacy`, `new` or `both` (serde's names).
    pub fn from_name(name: &str) -> Option<PhoneForms> {
        let name = serde::de::value::StrDeserializer::<serde::de::value::Error>::new(name);
        PhoneForms::deserialize(name).ok()
    }

    fn accepts(self, phone: &Msisdn) -> bool {
        match (phone.country(), self) {
            (Country::Benin, PhoneForms::Legacy) => phone.is_legacy_benin(),
            (Country::Benin, PhoneForms::New) => !phone.is_legacy_benin(),
            _ => true,
        }
    }
}

impl fmt::Display for PhoneForms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The key that identifies a subscriber, whatever form was used: the calling code and the
/// last 8 digits (a new-plan Benin number and its legacy form are one person).
pub(crate) fn key(phone: &Msisdn) -> String {
    let national = phone.national();
    let last8 = &national[national.len().saturating_sub(8)..];
    format!("{}{last8}", phone.country().calling_code())
}

/// The last two digits of the national number, which pick the magic behaviour.
pub(crate) fn last_two(phone: &Msisdn) -> &str {
    let national = phone.national();
    &national[national.len().saturating_sub(2)..]
}

/// Reads an `msisdn` as sent on the wire: digits only, international, in one of the
/// accepted forms.
pub(crate) fn parse_wire(msisdn: &str, forms: PhoneForms) -> Result<Msisdn, String> {
    let expected = match forms {
        PhoneForms::Legacy => "229 + 8 digits or 228 + 8 digits",
        PhoneForms::New => "229 + 01 + 8 digits or 228 + 8 digits",
        PhoneForms::Both => "229 + 8 digits, 229 + 01 + 8 digits or 228 + 8 digits",
    };
    if msisdn.is_empty() || !msisdn.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "msisdn must be digits only, e.g. 22997000001 (got {:?})",
            truncate(msisdn)
        ));
    }
    match Msisdn::parse(msisdn) {
        // Only the international form itself: not `00229…`.
        Ok(phone) if forms.accepts(&phone) && phone.international() == msisdn => Ok(phone),
        _ => Err(format!(
            "invalid msisdn {:?}: expected {expected}",
            truncate(msisdn)
        )),
    }
}

/// Reads a phone number given by a test (admin API or builder) with the SDK's parser: any
/// form it accepts (`+229 01 97…`, `(+229) 97…`, `00228…`), whatever the server's
/// [`PhoneForms`].
pub(crate) fn parse_lenient(phone: &str) -> Result<Msisdn, String> {
    Msisdn::parse(phone).map_err(|e| format!("{e} (got {:?})", truncate(phone)))
}

fn truncate(s: &str) -> String {
    s.chars().take(40).collect()
}
