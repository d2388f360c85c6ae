//! [`PhoneFormat`]: which form of a phone number goes on the wire.

use crate::types::{Country, Msisdn};

/// Which form of the phone number goes on the wire (`msisdn`).
///
/// QosIc's docs only show `229` + 8 digits; no public source shows whether it accepts the
/// 10-digit Benin numbers of 30 November 2024 (`22901…`) or local forms. The default,
/// [`PhoneFormat::AsGiven`], sends the plan the caller wrote. Togo numbers (`228` + 8
/// digits) have one plan: only [`PhoneFormat::Local`] changes them.
///
/// ```
/// use qosic_core::carrier::PhoneFormat;
/// use qosic_core::Msisdn;
/// let ten = Msisdn::parse("+229 01 97 00 01 00")?;
/// assert_eq!(PhoneFormat::AsGiven.render(&ten), "2290197000100");
/// assert_eq!(PhoneFormat::Legacy.render(&ten), "22997000100");
/// assert_eq!(PhoneFormat::Local.render(&ten), "0197000100");
/// assert_eq!(PhoneFormat::TenDigit.render(&Msisdn::parse("22890000100")?), "22890000100");
/// # Ok::<(), qosic_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum PhoneFormat {
    /// The calling code and the national number as the caller wrote it: `22997000000`,
    /// `2290197000000` or `22890000000`.
    #[default]
    AsGiven,
    /// Benin numbers in the legacy plan: `229` + 8 digits (drops the `01`).
    Legacy,
    /// Benin numbers in the 10-digit plan: `229` + `01` + 8 digits.
    TenDigit,
    /// The national number alone, without calling code: `0197000000`, `90000000`.
    Local,
}

impl PhoneFormat {
    /// The number in this form, as it goes in `msisdn`.
    pub fn render(self, phone: &Msisdn) -> String {
        let mut out = String::with_capacity(16);
        // Writing to a `String` cannot fail.
        let _ = self.write(phone, &mut out);
        out
    }

    /// Writes the number in this form to `out`, with no allocation: request bodies are
    /// written straight from it.
    pub(crate) fn write(self, phone: &Msisdn, out: &mut impl std::fmt::Write) -> std::fmt::Result {
        let code = phone.country().calling_code();
        let national = phone.national();
        match self {
            PhoneFormat::AsGiven => write!(out, "{code}{national}"),
            // What `Msisdn::to_legacy` and `Msisdn::to_ten_digit` change, without a copy.
            PhoneFormat::Legacy if phone.country() == Country::Benin && national.len() == 10 => {
                write!(out, "{code}{}", &national[2..])
            }
            PhoneFormat::TenDigit if phone.is_legacy_benin() => write!(out, "{code}01{national}"),
            PhoneFormat::Legacy | PhoneFormat::TenDigit => write!(out, "{code}{national}"),
            PhoneFormat::Local => out.write_str(national),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_of_both_countries() {
        let legacy = Msisdn::parse("22997000100").unwrap();
        let ten = Msisdn::parse("2290197000100").unwrap();
        let togo = Msisdn::parse("22890000100").unwrap();
        assert_eq!(PhoneFormat::AsGiven.render(&legacy), "22997000100");
        assert_eq!(PhoneFormat::AsGiven.render(&ten), "2290197000100");
        assert_eq!(PhoneFormat::Legacy.render(&ten), "22997000100");
        assert_eq!(PhoneFormat::TenDigit.render(&legacy), "2290197000100");
        assert_eq!(PhoneFormat::Local.render(&ten), "0197000100");
        for format in [
            PhoneFormat::AsGiven,
            PhoneFormat::Legacy,
            PhoneFormat::TenDigit,
        ] {
            assert_eq!(format.render(&togo), "22890000100");
        }
        assert_eq!(PhoneFormat::Local.render(&togo), "90000100");
    }

    proptest::proptest! {
        /// `write` changes a number as `Msisdn::to_legacy` and `Msisdn::to_ten_digit` do,
        /// without their copies: the two must never drift apart.
        #[test]
        fn rendering_agrees_with_the_numbering_plan(
            national in "(01)?[0-9]{8}",
            togo in proptest::bool::ANY,
        ) {
            let text = if togo {
                format!("228{}", &national[national.len() - 8..])
            } else {
                format!("229{national}")
            };
            let phone = Msisdn::parse(&text).unwrap();
            proptest::prop_assert_eq!(PhoneFormat::AsGiven.render(&phone), phone.international());
            proptest::prop_assert_eq!(
                PhoneFormat::Legacy.render(&phone),
                phone.to_legacy().international()
            );
            proptest::prop_assert_eq!(
                PhoneFormat::TenDigit.render(&phone),
                phone.to_ten_digit().international()
            );
            proptest::prop_assert_eq!(PhoneFormat::Local.render(&phone), phone.national());
        }
    }
}
