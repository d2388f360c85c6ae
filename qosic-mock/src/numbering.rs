//! Phone numbers as the fake server reads them: accepted wire forms, subscriber keys and
//! the Benin prefix tables (PROTOCOL.md section 4).
//!
//! The prefix tables are the SDK's own (`qosic_carriers_bj::numbering`), so the fake server
//! and the carriers agree. They only matter when the server is told to refuse numbers sent
//! to the wrong carrier ([`crate::MockQosicBuilder::refuse_wrong_carrier`]).

use std::fmt;

use serde::{Deserialize, Serialize};

use qosic_carriers_bj::numbering::{benin_operator, Operator};

use crate::endpoint::Carrier;

/// Which Benin number forms the server accepts in `msisdn`.
///
/// The public record does not say which form QosIc accepts since Benin moved to 10-digit
/// numbers on 30 Nov 2024, so this is configurable. Togo numbers (`228` + 8 digits) are
/// always accepted.
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

    /// Parses `legacy`, `new` or `both`.
    pub fn from_name(name: &str) -> Option<PhoneForms> {
        PhoneForms::parse(name).ok()
    }

    /// Parses a name, or says which names are accepted.
    pub(crate) fn parse(name: &str) -> Result<PhoneForms, String> {
        crate::names::parse(name)
    }

    fn accepts_legacy(self) -> bool {
        matches!(self, PhoneForms::Legacy | PhoneForms::Both)
    }

    fn accepts_new(self) -> bool {
        matches!(self, PhoneForms::New | PhoneForms::Both)
    }
}

impl fmt::Display for PhoneForms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Country {
    Benin,
    Togo,
}

/// A phone number understood by the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Phone {
    pub(crate) country: Country,
    /// The national number: 8 digits, or 10 for a new-plan Benin number.
    pub(crate) national: String,
}

impl Phone {
    /// The key that identifies the subscriber, whatever form was used: country code + the
    /// 8-digit subscriber number (a new-plan Benin number and its legacy form are one person).
    pub(crate) fn key(&self) -> String {
        let cc = match self.country {
            Country::Benin => "229",
            Country::Togo => "228",
        };
        let last8 = &self.national[self.national.len() - 8..];
        format!("{cc}{last8}")
    }

    /// The last two digits of the national number, which pick the magic behaviour.
    pub(crate) fn last_two(&self) -> &str {
        &self.national[self.national.len() - 2..]
    }

    /// The carrier that serves this number by its prefix (`None` when unknown, and for Togo).
    pub(crate) fn carrier(&self) -> Option<Carrier> {
        match self.country {
            Country::Togo => None,
            Country::Benin => match benin_operator(&self.national)? {
                Operator::Mtn => Some(Carrier::Mtn),
                Operator::Moov => Some(Carrier::Moov),
                Operator::Celtiis => Some(Carrier::Celtiis),
                _ => None,
            },
        }
    }
}

/// Reads an `msisdn` as sent on the wire: digits only, in one of the accepted forms.
pub(crate) fn parse_wire(msisdn: &str, forms: PhoneForms) -> Result<Phone, String> {
    if msisdn.is_empty() || !msisdn.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "msisdn must be digits only, e.g. 22997000001 (got {:?})",
            truncate(msisdn)
        ));
    }
    if let Some(national) = msisdn.strip_prefix("228") {
        if national.len() == 8 {
            return Ok(Phone {
                country: Country::Togo,
                national: national.to_owned(),
            });
        }
    }
    if let Some(national) = msisdn.strip_prefix("229") {
        if national.len() == 8 && forms.accepts_legacy() {
            return Ok(Phone {
                country: Country::Benin,
                national: national.to_owned(),
            });
        }
        if national.len() == 10 && national.starts_with("01") && forms.accepts_new() {
            return Ok(Phone {
                country: Country::Benin,
                national: national.to_owned(),
            });
        }
    }
    let expected = match forms {
        PhoneForms::Legacy => "229 + 8 digits or 228 + 8 digits",
        PhoneForms::New => "229 + 01 + 8 digits or 228 + 8 digits",
        PhoneForms::Both => "229 + 8 digits, 229 + 01 + 8 digits or 228 + 8 digits",
    };
    Err(format!(
        "invalid msisdn {:?}: expected {expected}",
        truncate(msisdn)
    ))
}

/// Reads a phone number given by a test (admin API or builder): `+` or `00` in front,
/// spaces, dots and dashes are allowed; every form is accepted.
pub(crate) fn parse_lenient(phone: &str) -> Result<Phone, String> {
    let digits: String = phone
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '+'))
        .collect();
    let digits = digits.strip_prefix("00").unwrap_or(&digits);
    parse_wire(digits, PhoneForms::Both).map_err(|_| {
        format!(
            "invalid phone number {:?}: expected 229 + 8 digits, 229 + 01 + 8 digits or 228 + 8 digits",
            truncate(phone)
        )
    })
}

fn truncate(s: &str) -> String {
    s.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_are_configurable() {
        assert!(parse_wire("22997000001", PhoneForms::Both).is_ok());
        assert!(parse_wire("2290197000001", PhoneForms::Both).is_ok());
        assert!(parse_wire("22997000001", PhoneForms::New).is_err());
        assert!(parse_wire("2290197000001", PhoneForms::Legacy).is_err());
        assert!(parse_wire("22890000001", PhoneForms::Legacy).is_ok());
        for bad in [
            "",
            "+22997000001",
            "2299700000",
            "229970000011",
            "2290297000001",
            "abc",
        ] {
            assert!(parse_wire(bad, PhoneForms::Both).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_are_serde_names() {
        for forms in [PhoneForms::Legacy, PhoneForms::New, PhoneForms::Both] {
            assert_eq!(serde_json::to_value(forms).unwrap(), forms.name());
            assert_eq!(PhoneForms::from_name(forms.name()), Some(forms));
        }
        let err = PhoneForms::parse("old").unwrap_err();
        assert!(
            err.contains("expected one of `legacy`, `new`, `both`"),
            "{err}"
        );
    }

    #[test]
    fn both_forms_are_one_subscriber() {
        let a = parse_lenient("+229 97 00 00 01").unwrap();
        let b = parse_lenient("00229 01 97 00 00 01").unwrap();
        assert_eq!(a.key(), b.key());
        assert_eq!(a.last_two(), "01");
    }

    #[test]
    fn the_two_tables_differ() {
        let legacy = parse_wire("22945000001", PhoneForms::Both).unwrap();
        let new = parse_wire("2290145000001", PhoneForms::Both).unwrap();
        assert_eq!(legacy.carrier(), Some(Carrier::Celtiis));
        assert_eq!(new.carrier(), Some(Carrier::Moov));
    }
}
