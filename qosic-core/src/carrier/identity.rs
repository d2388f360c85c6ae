//! [`Carrier`]: the one name of a carrier, shared by the client, the carrier crates and the
//! fake server.

use std::fmt;

/// A carrier's identity: its name in capitals (`MTN`, `MOOV`, `CELTIIS`, `TMONEY`, `FLOOZ`…).
///
/// Callers name a carrier by it (case-insensitive: `PaymentRequest::carrier("moov")`), every
/// carrier type declares its own (`Mtn::CARRIER`), and `qosic-mock` keys its client ids,
/// endpoints and transactions by it (it spells it in lowercase on its admin API: `mtn`,
/// `tmoney_payment`). Two values are equal when their names are.
///
/// The type is open: a new carrier declares its identity with [`Carrier::new`] in its own
/// crate, without a change here.
///
/// ```
/// use qosic_core::Carrier;
/// const TMONEY: Carrier = Carrier::new("TMONEY");
/// assert_eq!(TMONEY.name(), "TMONEY");
/// assert!(TMONEY.is_named("tmoney"));
/// assert_eq!(TMONEY.to_string(), "TMONEY");
/// assert_eq!(Carrier::Moov, Carrier::new("MOOV"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Carrier(&'static str);

/// The longest carrier name, in bytes.
const MAX_NAME: usize = 24;

impl Carrier {
    /// A carrier named `name`: 1 to 24 capital ASCII letters or digits.
    ///
    /// # Panics
    ///
    /// When `name` is not of that form (at compile time, in a `const`).
    pub const fn new(name: &'static str) -> Carrier {
        let bytes = name.as_bytes();
        assert!(
            !bytes.is_empty() && bytes.len() <= MAX_NAME,
            "a carrier name has 1 to 24 characters"
        );
        let mut i = 0;
        while i < bytes.len() {
            assert!(
                bytes[i].is_ascii_uppercase() || bytes[i].is_ascii_digit(),
                "a carrier name is made of capital ASCII letters and digits"
            );
            i += 1;
        }
        Carrier(name)
    }

    /// The name, in capitals: `MTN`.
    pub const fn name(self) -> &'static str {
        self.0
    }

    /// Whether `name` names this carrier, whatever its case and surrounding spaces.
    pub fn is_named(self, name: &str) -> bool {
        self.0.eq_ignore_ascii_case(name.trim())
    }

    /// MTN Benin (MTN MoMo), the name `qosic_mock::Carrier::Mtn` has always had; the same as
    /// `qosic_carriers_bj::Mtn::CARRIER`.
    #[allow(non_upper_case_globals)]
    pub const Mtn: Carrier = Carrier::new("MTN");

    /// Moov Africa Benin (Moov Money); the same as `qosic_carriers_bj::Moov::CARRIER`.
    #[allow(non_upper_case_globals)]
    pub const Moov: Carrier = Carrier::new("MOOV");

    /// Celtiis Benin (Celtiis Cash); the same as `qosic_carriers_bj::Celtiis::CARRIER`.
    #[allow(non_upper_case_globals)]
    pub const Celtiis: Carrier = Carrier::new("CELTIIS");
}

impl fmt::Display for Carrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// The name, so that a carrier goes where a name is taken:
/// `PaymentRequest::new(..).carrier(Moov::CARRIER)`.
impl From<Carrier> for String {
    fn from(carrier: Carrier) -> String {
        carrier.0.to_owned()
    }
}

impl AsRef<str> for Carrier {
    fn as_ref(&self) -> &str {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_compare_without_case() {
        let c = Carrier::new("FLOOZ");
        assert!(c.is_named(" flooz "));
        assert!(!c.is_named("FLOO"));
        assert_eq!(String::from(c), "FLOOZ");
        assert_eq!(format!("{c:?}"), r#"Carrier("FLOOZ")"#);
    }

    #[test]
    fn the_benin_constants_match_patterns() {
        let c = Carrier::new("MOOV");
        let which = match c {
            Carrier::Mtn => "mtn",
            Carrier::Moov => "moov",
            _ => "other",
        };
        assert_eq!(which, "moov");
    }

    #[test]
    fn bad_names_panic_at_construction() {
        for bad in [
            "",
            "mtn",
            "T MONEY",
            "TMONEY-TG",
            "ABCDEFGHIJKLMNOPQRSTUVWXY",
        ] {
            let leaked: &'static str = Box::leak(bad.to_owned().into_boxed_str());
            assert!(
                std::panic::catch_unwind(|| Carrier::new(leaked)).is_err(),
                "{bad:?}"
            );
        }
    }
}
