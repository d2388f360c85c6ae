//! Validated values: [`Msisdn`], [`Amount`], [`TransactionRef`], [`ClientId`] and [`Name`].
//!
//! Each type can only hold a valid value: construction checks the input and fails with an
//! [`Error`] that names the field and the expected form. Fields are private; getters borrow.

use std::fmt;
use std::str::FromStr;

use crate::error::Error;

/// A country whose mobile-money numbers the SDK understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Country {
    /// Benin, calling code 229: 8-digit national numbers before 30 November 2024,
    /// `01` + those 8 digits since.
    Benin,
    /// Togo, calling code 228: 8-digit national numbers.
    Togo,
}

impl Country {
    /// The international calling code, without `+`: `"229"` or `"228"`.
    pub fn calling_code(self) -> &'static str {
        match self {
            Country::Benin => "229",
            Country::Togo => "228",
        }
    }

    fn from_calling_code(digits: &str) -> Option<(Country, &str)> {
        [Country::Benin, Country::Togo]
            .into_iter()
            .find_map(|c| digits.strip_prefix(c.calling_code()).map(|rest| (c, rest)))
    }

    fn national_is_valid(self, national: &str) -> bool {
        match self {
            Country::Benin => {
                national.len() == 8 || (national.len() == 10 && national.starts_with("01"))
            }
            Country::Togo => national.len() == 8,
        }
    }

    fn expected(self) -> &'static str {
        match self {
            Country::Benin => {
                "229 followed by 8 digits or by 01 and 8 digits (e.g. 22997000000 or 2290197000000), \
                 with an optional +, 00, spaces, dots or dashes"
            }
            Country::Togo => "228 followed by 8 digits (e.g. 22890000000), with an optional +, 00, spaces, dots or dashes",
        }
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Country::Benin => "Benin",
            Country::Togo => "Togo",
        })
    }
}

const PHONE_EXPECTED: &str =
    "a Benin (229) or Togo (228) number in international form, such as 22997000000, \
     2290197000000 or +228 90 00 00 00 (local forms need a default country)";

/// A mobile number: a country and its national significant number, digits only.
///
/// **Invariant:** Benin numbers have 8 digits (legacy plan) or `01` + 8 digits (plan of
/// 30 November 2024); Togo numbers have 8 digits.
///
/// `Display` prints the international form without `+` (`22997000000`), as QosIc expects it.
/// `Debug` prints the masked form, so a stray `{:?}` in a log line leaks no number.
///
/// ```
/// use qosic_core::{Country, Msisdn};
/// let phone: Msisdn = "+229 01 97-00.01.00".parse()?;
/// assert_eq!(phone.to_string(), "2290197000100");
/// assert_eq!(phone.national(), "0197000100");
/// assert_eq!(phone.masked(), "22901******00");
/// let local = Msisdn::parse_with_default("97 00 01 00", Country::Benin)?;
/// assert_eq!(local.to_string(), "22997000100");
/// # Ok::<(), qosic_core::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Msisdn {
    country: Country,
    // Shared: every outcome of a flow carries the number, and a clone is a count.
    national: std::sync::Arc<str>,
}

impl Msisdn {
    /// Parses a number in international form: `229…` or `228…`, with an optional `+` or `00`,
    /// and spaces, dots, dashes or parentheses anywhere.
    pub fn parse(input: &str) -> Result<Msisdn, Error> {
        Self::parse_inner(input, None)
    }

    /// Parses a number in international form, or in the local form of `default`
    /// (for Benin `97000000` or `0197000000`).
    pub fn parse_with_default(input: &str, default: Country) -> Result<Msisdn, Error> {
        Self::parse_inner(input, Some(default))
    }

    /// A number from its parts. `national` must be digits only.
    pub fn from_parts(country: Country, national: &str) -> Result<Msisdn, Error> {
        if !national.bytes().all(|b| b.is_ascii_digit()) || !country.national_is_valid(national) {
            return Err(Error::invalid_phone(country.expected()));
        }
        Ok(Msisdn {
            country,
            national: national.into(),
        })
    }

    fn parse_inner(input: &str, default: Option<Country>) -> Result<Msisdn, Error> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(Error::invalid_phone(PHONE_EXPECTED));
        }
        let mut digits = String::with_capacity(trimmed.len());
        let mut international = false;
        for c in trimmed.chars() {
            match c {
                '0'..='9' => digits.push(c),
                '+' if digits.is_empty() && !international => international = true,
                ' ' | '.' | '-' | '(' | ')' | '\u{a0}' => {}
                _ => return Err(Error::invalid_phone(
                    "digits with an optional leading +, and spaces, dots, dashes or parentheses",
                )),
            }
        }
        if !international && digits.starts_with("00") {
            digits.drain(..2);
            international = true;
        }
        if let Some((country, national)) = Country::from_calling_code(&digits) {
            if country.national_is_valid(national) {
                return Msisdn::from_parts(country, national);
            }
            if international || default.is_none() {
                return Err(Error::invalid_phone(country.expected()));
            }
        } else if international {
            return Err(Error::invalid_phone(PHONE_EXPECTED));
        }
        match default {
            Some(country) if country.national_is_valid(&digits) => {
                Msisdn::from_parts(country, &digits)
            }
            Some(country) => Err(Error::invalid_phone(country.expected())),
            None => Err(Error::invalid_phone(PHONE_EXPECTED)),
        }
    }

    /// The country.
    pub fn country(&self) -> Country {
        self.country
    }

    /// The national significant number, digits only (`97000000` or `0197000000` in Benin).
    pub fn national(&self) -> &str {
        &self.national
    }

    /// Whether this is a Benin number of the legacy 8-digit plan.
    pub fn is_legacy_benin(&self) -> bool {
        self.country == Country::Benin && self.national.len() == 8
    }

    /// The international form, digits only: `22997000000`.
    pub fn international(&self) -> String {
        format!("{}{}", self.country.calling_code(), self.national)
    }

    /// The number in Benin's 10-digit plan (`01` + 8 digits); other numbers unchanged.
    pub fn to_ten_digit(&self) -> Msisdn {
        if self.is_legacy_benin() {
            Msisdn {
                country: Country::Benin,
                national: format!("01{}", self.national).into(),
            }
        } else {
            self.clone()
        }
    }

    /// The number in Benin's legacy 8-digit plan (without the `01`); other numbers unchanged.
    pub fn to_legacy(&self) -> Msisdn {
        if self.country == Country::Benin && self.national.len() == 10 {
            Msisdn {
                country: Country::Benin,
                national: self.national[2..].into(),
            }
        } else {
            self.clone()
        }
    }

    /// The number for logs: the calling code and the next two digits, then `*`, then the last
    /// two digits (`22997****00`).
    pub fn masked(&self) -> String {
        let n = &self.national;
        let hidden = n.len().saturating_sub(4);
        format!(
            "{}{}{}{}",
            self.country.calling_code(),
            &n[..2],
            "*".repeat(hidden),
            &n[n.len() - 2..]
        )
    }
}

impl fmt::Display for Msisdn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.country.calling_code(), self.national)
    }
}

impl fmt::Debug for Msisdn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Msisdn({})", self.masked())
    }
}

/// The international form (`22997000000`), so a parsed number can go where a `String` is
/// taken, e.g. `PaymentRequest::new(&phone, 1000)`.
impl From<&Msisdn> for String {
    fn from(phone: &Msisdn) -> String {
        phone.international()
    }
}

impl From<Msisdn> for String {
    fn from(phone: Msisdn) -> String {
        phone.international()
    }
}

impl FromStr for Msisdn {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Msisdn::parse(s)
    }
}

/// An amount of money in whole West African CFA francs (XOF).
///
/// **Invariant:** positive. Carriers may impose a maximum, checked by the client before I/O.
///
/// ```
/// use qosic_core::Amount;
/// assert_eq!(Amount::new(1000)?.xof(), 1000);
/// assert_eq!("2500".parse::<Amount>()?.to_string(), "2500 XOF");
/// assert!(Amount::new(0).is_err());
/// assert!("12.5".parse::<Amount>().is_err());
/// # Ok::<(), qosic_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Amount(u64);

const AMOUNT_EXPECTED: &str = "a positive whole number of XOF (e.g. 1000)";

impl Amount {
    /// An amount of `xof` francs; fails on zero.
    pub fn new(xof: u64) -> Result<Amount, Error> {
        if xof == 0 {
            return Err(Error::invalid_argument("amount", AMOUNT_EXPECTED));
        }
        Ok(Amount(xof))
    }

    /// The amount in XOF.
    pub fn xof(self) -> u64 {
        self.0
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} XOF", self.0)
    }
}

impl FromStr for Amount {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::invalid_argument("amount", AMOUNT_EXPECTED));
        }
        let xof = s
            .parse()
            .map_err(|_| Error::invalid_argument("amount", AMOUNT_EXPECTED))?;
        Amount::new(xof)
    }
}

/// The maximum length of a [`TransactionRef`].
pub const TRANSACTION_REF_MAX_LEN: usize = 64;
/// The minimum length of a [`TransactionRef`].
pub const TRANSACTION_REF_MIN_LEN: usize = 4;

/// A transaction reference (QosIc's `transref`): unique per payment, chosen by the merchant.
///
/// **Invariant:** 4 to 64 characters, each an ASCII letter, digit, `_` or `-`
/// (every form seen in use; QosIc publishes no maximum).
///
/// ```
/// use qosic_core::TransactionRef;
/// let r = TransactionRef::new("ORDER-2024_0001")?;
/// assert_eq!(r.as_str(), "ORDER-2024_0001");
/// assert!(TransactionRef::new("has space").is_err());
/// # Ok::<(), qosic_core::Error>(())
/// ```
// An `Arc<str>`: a flow copies its reference into each outcome, error and status check,
// and a clone is a count, not an allocation (docs/BENCHMARKS.md, round four).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TransactionRef(std::sync::Arc<str>);

impl TransactionRef {
    /// Checks and wraps a reference.
    pub fn new(reference: impl Into<String>) -> Result<TransactionRef, Error> {
        let reference = reference.into();
        let ok_len = (TRANSACTION_REF_MIN_LEN..=TRANSACTION_REF_MAX_LEN).contains(&reference.len());
        let ok_chars = reference
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !ok_len || !ok_chars {
            return Err(Error::invalid_argument(
                "reference",
                "4 to 64 characters, each an ASCII letter, digit, '_' or '-'",
            ));
        }
        Ok(TransactionRef(reference.into()))
    }

    /// The reference.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TransactionRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for TransactionRef {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TransactionRef::new(s)
    }
}

impl From<&TransactionRef> for String {
    fn from(reference: &TransactionRef) -> String {
        reference.0.to_string()
    }
}

impl From<TransactionRef> for String {
    fn from(reference: TransactionRef) -> String {
        reference.0.to_string()
    }
}

impl AsRef<str> for TransactionRef {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// A carrier account's client id, issued by QosIc per operator and per country.
///
/// **Invariant:** 1 to 128 printable ASCII characters, no spaces.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClientId(String);

impl ClientId {
    /// Checks and wraps a client id.
    pub fn new(client_id: impl Into<String>) -> Result<ClientId, Error> {
        let client_id = client_id.into();
        if client_id.is_empty()
            || client_id.len() > 128
            || !client_id.bytes().all(|b| b.is_ascii_graphic())
        {
            return Err(Error::invalid_argument(
                "client_id",
                "1 to 128 printable ASCII characters without spaces, as issued in the QosIc dashboard",
            ));
        }
        Ok(ClientId(client_id))
    }

    /// The client id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for ClientId {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ClientId::new(s)
    }
}

/// The maximum length of a [`Name`], in characters.
pub const NAME_MAX_CHARS: usize = 50;

/// A customer's first or last name, sent with a payment (QosIc treats both as optional).
///
/// **Invariant:** at most 50 characters, no control characters, trimmed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Name(String);

impl Name {
    /// Checks and wraps a name; `field` names it in the error (`first_name` or `last_name`).
    pub fn new(field: &'static str, name: &str) -> Result<Name, Error> {
        let name = name.trim();
        if name.chars().count() > NAME_MAX_CHARS || name.chars().any(char::is_control) {
            return Err(Error::invalid_argument(
                field,
                "at most 50 characters, without control characters",
            ));
        }
        Ok(Name(name.to_owned()))
    }

    /// The name (possibly empty).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn benin_forms_parse() {
        for (input, national) in [
            ("22997000000", "97000000"),
            ("+22997000000", "97000000"),
            ("0022997000000", "97000000"),
            ("229 97 00 00 00", "97000000"),
            ("+229-01-97.00.00.00", "0197000000"),
            ("2290197000000", "0197000000"),
            ("(+229) 0197000000", "0197000000"),
        ] {
            let m = Msisdn::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(m.country(), Country::Benin);
            assert_eq!(m.national(), national, "{input}");
        }
    }

    #[test]
    fn local_forms_need_a_default_country() {
        assert!(Msisdn::parse("97000000").is_err());
        assert!(Msisdn::parse("0197000000").is_err());
        let m = Msisdn::parse_with_default("0197000000", Country::Benin).unwrap();
        assert_eq!(m.to_string(), "2290197000000");
        let t = Msisdn::parse_with_default("90 11 22 33", Country::Togo).unwrap();
        assert_eq!(t.to_string(), "22890112233");
    }

    #[test]
    fn bad_numbers_name_the_expected_form() {
        for bad in [
            "",
            "+",
            "abc",
            "2299700000",
            "229970000000",
            "+33612345678",
            "22897000000000",
            "229 97 00 00 0x",
            "9+7",
        ] {
            let err = Msisdn::parse(bad).unwrap_err();
            assert!(
                matches!(err, Error::InvalidPhoneNumber { .. }),
                "{bad}: {err:?}"
            );
            assert!(
                err.to_string()
                    .starts_with("invalid phone number: expected"),
                "{err}"
            );
        }
        let err = Msisdn::parse("2290297000000").unwrap_err();
        assert!(err.to_string().contains("01 and 8 digits"), "{err}");
    }

    #[test]
    fn conversions_between_plans() {
        let legacy = Msisdn::parse("22997000000").unwrap();
        assert!(legacy.is_legacy_benin());
        assert_eq!(legacy.to_ten_digit().to_string(), "2290197000000");
        assert_eq!(legacy.to_ten_digit().to_legacy(), legacy);
        let togo = Msisdn::parse("22890000000").unwrap();
        assert_eq!(togo.to_ten_digit(), togo);
    }

    #[test]
    fn masking_hides_the_middle() {
        let m = Msisdn::parse("22997123456").unwrap();
        assert_eq!(m.masked(), "22997****56");
        assert_eq!(format!("{m:?}"), "Msisdn(22997****56)");
    }

    #[test]
    fn amounts() {
        assert!(Amount::new(1).is_ok());
        for bad in ["0", "-5", "1e3", "", " ", "99999999999999999999999"] {
            let err = bad.parse::<Amount>().unwrap_err();
            assert_eq!(
                err.to_string(),
                "invalid amount: expected a positive whole number of XOF (e.g. 1000)"
            );
        }
    }

    #[test]
    fn references_and_names() {
        assert!(TransactionRef::new("abc").is_err());
        assert!(TransactionRef::new("a".repeat(65)).is_err());
        assert!(TransactionRef::new("a".repeat(64)).is_ok());
        assert!(TransactionRef::new("réf1234").is_err());
        assert!(Name::new("first_name", &"é".repeat(50)).is_ok());
        let err = Name::new("last_name", &"x".repeat(51)).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("invalid last_name: expected at most 50"),
            "{err}"
        );
        assert!(ClientId::new("has space").is_err());
        assert!(ClientId::new("").is_err());
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Writes `digits` the way people do: optional `+` or `00`, separators between groups.
    fn decorate(prefix: u8, digits: &str, seps: &[u8]) -> String {
        let mut out = match prefix % 3 {
            0 => String::new(),
            1 => "+".to_owned(),
            _ => "00".to_owned(),
        };
        for (i, c) in digits.chars().enumerate() {
            if i > 0 {
                match seps.get(i).copied().unwrap_or(0) % 5 {
                    1 => out.push(' '),
                    2 => out.push('.'),
                    3 => out.push('-'),
                    _ => {}
                }
            }
            out.push(c);
        }
        out
    }

    proptest! {
        #[test]
        fn legacy_benin_numbers_parse_in_any_dress(n in "[0-9]{8}", p in any::<u8>(), seps in proptest::collection::vec(any::<u8>(), 13)) {
            let m = Msisdn::parse(&decorate(p, &format!("229{n}"), &seps)).unwrap();
            prop_assert_eq!(m.national(), n.as_str());
            prop_assert!(m.is_legacy_benin());
            prop_assert_eq!(Msisdn::parse(&m.to_string()).unwrap(), m);
        }

        #[test]
        fn ten_digit_benin_numbers_parse_and_convert(n in "[0-9]{8}", p in any::<u8>(), seps in proptest::collection::vec(any::<u8>(), 13)) {
            let m = Msisdn::parse(&decorate(p, &format!("22901{n}"), &seps)).unwrap();
            prop_assert_eq!(m.national(), format!("01{n}"));
            let legacy = m.to_legacy();
            prop_assert_eq!(legacy.national(), n.as_str());
            prop_assert_eq!(m.to_legacy().to_ten_digit(), m.clone());
            let local = Msisdn::parse_with_default(&format!("01{n}"), Country::Benin).unwrap();
            prop_assert_eq!(local, m);
        }

        #[test]
        fn togo_numbers_parse(n in "[0-9]{8}") {
            let m = Msisdn::parse(&format!("+228 {n}")).unwrap();
            prop_assert_eq!(m.country(), Country::Togo);
            prop_assert_eq!(m.to_string(), format!("228{n}"));
        }

        #[test]
        fn masking_keeps_length_and_hides_the_middle(n in "[0-9]{8}") {
            let m = Msisdn::parse(&format!("229{n}")).unwrap();
            let masked = m.masked();
            prop_assert_eq!(masked.len(), 11);
            prop_assert_eq!(&masked[5..9], "****");
            prop_assert_eq!(&format!("{m:?}"), &format!("Msisdn({masked})"));
        }

        #[test]
        fn no_input_panics_and_errors_name_the_form(s in "\\PC{0,40}") {
            if let Err(e) = Msisdn::parse(&s) {
                prop_assert!(e.to_string().starts_with("invalid phone number: expected"));
            }
            let _ = Msisdn::parse_with_default(&s, Country::Benin);
            let _ = s.parse::<Amount>();
            let _ = TransactionRef::new(s.clone());
        }

        #[test]
        fn wrong_lengths_are_refused(n in "[0-9]{1,7}|[0-9]{11,15}") {
            // A long local "number" may itself be a full international one (228 + 8 digits).
            prop_assume!(!["228", "229", "00"].iter().any(|p| n.starts_with(p)));
            let international = format!("229{}", n);
            let refused = Msisdn::parse(&international).is_err() && Msisdn::parse_with_default(&n, Country::Benin).is_err();
            prop_assert!(refused);
        }
    }
}
