//! Amounts as customers write them and read them: [`parse_xof`] reads "1 000", "1.000",
//! "1,000", "1000 FCFA" (spaces, non-breaking spaces, dots, commas or apostrophes between
//! groups of three digits; "FCFA", "F CFA", "CFA", "XOF" or "F" after); [`format_xof`] writes
//! "1 000 FCFA" (a narrow non-breaking space between thousands, a non-breaking space before
//! the currency, so that the amount never breaks across lines).

use std::fmt;

/// The thousands separator [`format_xof`] writes (U+202F, narrow no-break space), as French
/// typography has it.
pub const THOUSANDS: char = '\u{202F}';

/// Why a text is not an amount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AmountError {
    /// Nothing was typed.
    Empty,
    /// Not a whole number of francs as a customer writes one.
    NotANumber,
    /// Zero: nothing to pay.
    Zero,
    /// Beyond anything a payment can be.
    TooLarge,
}

impl fmt::Display for AmountError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AmountError::Empty => "no amount given: expected a whole number of XOF, e.g. 1500",
            AmountError::NotANumber => {
                "not an amount: expected a whole number of XOF such as 1500, 1 500, 1.500 or 1500 FCFA"
            }
            AmountError::Zero => "the amount is zero: expected at least 1 XOF",
            AmountError::TooLarge => "the amount is too large",
        })
    }
}

impl std::error::Error for AmountError {}

/// The currency words a customer may write after the number, longest first.
const CURRENCIES: [&str; 5] = ["fcfa", "f cfa", "cfa", "xof", "f"];

fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{00A0}' || c == '\u{202F}' || c == '\u{2009}'
}

/// Reads a whole number of XOF as a customer writes it.
///
/// ```
/// use qosic_checkout::amount::parse_xof;
/// assert_eq!(parse_xof("1 000"), Ok(1000));
/// assert_eq!(parse_xof("1.500 FCFA"), Ok(1500));
/// assert!(parse_xof("1,5").is_err()); // no fractions of a franc
/// ```
pub fn parse_xof(text: &str) -> Result<u64, AmountError> {
    let mut text = text.trim_matches(is_space).to_lowercase();
    if text.is_empty() {
        return Err(AmountError::Empty);
    }
    for currency in CURRENCIES {
        if let Some(rest) = text.strip_suffix(currency) {
            text = rest.trim_end_matches(is_space).to_owned();
            break;
        }
    }
    // Groups of digits between separators: the first of 1 to 3 digits, every later one of
    // exactly 3; one kind of separator throughout (a space of any kind counts as one).
    let mut groups: Vec<String> = vec![String::new()];
    let mut separator: Option<char> = None;
    for c in text.chars() {
        if c.is_ascii_digit() {
            if let Some(group) = groups.last_mut() {
                group.push(c);
            }
            continue;
        }
        let kind = if is_space(c) {
            ' '
        } else if matches!(c, '.' | ',' | '\'' | '’') {
            c
        } else {
            return Err(AmountError::NotANumber);
        };
        if *separator.get_or_insert(kind) != kind {
            return Err(AmountError::NotANumber);
        }
        groups.push(String::new());
    }
    let digits: String = if groups.len() == 1 {
        groups.remove(0)
    } else {
        let first_ok = (1..=3).contains(&groups[0].len());
        if !first_ok || groups[1..].iter().any(|g| g.len() != 3) {
            return Err(AmountError::NotANumber);
        }
        groups.concat()
    };
    if digits.is_empty() {
        return Err(AmountError::NotANumber);
    }
    let value: u64 = digits.parse().map_err(|_| AmountError::TooLarge)?;
    if value == 0 {
        return Err(AmountError::Zero);
    }
    if i64::try_from(value).is_err() {
        return Err(AmountError::TooLarge);
    }
    Ok(value)
}

/// Writes a number with the thousands separated: `1000` → "1 000" (narrow no-break spaces).
pub fn format_number(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(THOUSANDS);
        }
        out.push(c);
    }
    out
}

/// Writes an amount as customers read it: `1000` → "1 000 FCFA".
///
/// ```
/// use qosic_checkout::amount::format_xof;
/// assert_eq!(format_xof(1500), "1\u{202F}500\u{A0}FCFA");
/// ```
pub fn format_xof(value: u64) -> String {
    format!("{}\u{A0}FCFA", format_number(value))
}

/// [`format_xof`] of an amount as stored (never negative).
pub fn format_stored(value: i64) -> String {
    format_xof(u64::try_from(value).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_amounts_as_customers_write_them() {
        for (text, value) in [
            ("1000", 1000),
            ("1 000", 1000),
            ("1\u{A0}000", 1000),
            ("1\u{202F}000", 1000),
            ("1.000", 1000),
            ("1,000", 1000),
            ("1'000", 1000),
            ("1000 FCFA", 1000),
            ("1 000 FCFA", 1000),
            ("1.000 fcfa", 1000),
            ("1000FCFA", 1000),
            ("1 000 F CFA", 1000),
            ("1000 XOF", 1000),
            ("1000 F", 1000),
            ("  25 000  ", 25_000),
            ("1 250 000", 1_250_000),
            ("1.250.000", 1_250_000),
            ("5", 5),
            ("050", 50),
        ] {
            assert_eq!(parse_xof(text), Ok(value), "{text:?}");
        }
    }

    #[test]
    fn refuses_what_is_not_a_whole_amount() {
        assert_eq!(parse_xof(""), Err(AmountError::Empty));
        assert_eq!(parse_xof(" FCFA "), Err(AmountError::NotANumber));
        assert_eq!(parse_xof("0"), Err(AmountError::Zero));
        assert_eq!(parse_xof("0 FCFA"), Err(AmountError::Zero));
        for text in [
            "abc",
            "-1000",
            "1,5",
            "10.50",
            "1 00",
            "1000 000",
            "1.000,000",
            "1 000.000",
            "12 34",
            "1..000",
            "1 000 €",
            "1e3",
            "+1000",
        ] {
            assert_eq!(parse_xof(text), Err(AmountError::NotANumber), "{text:?}");
        }
        assert_eq!(
            parse_xof("99999999999999999999999"),
            Err(AmountError::TooLarge)
        );
        assert_eq!(
            parse_xof("9 223 372 036 854 775 808"),
            Err(AmountError::TooLarge)
        );
    }

    #[test]
    fn writes_amounts_as_customers_read_them() {
        assert_eq!(format_xof(1000), "1\u{202F}000\u{A0}FCFA");
        assert_eq!(format_xof(5), "5\u{A0}FCFA");
        assert_eq!(format_xof(999), "999\u{A0}FCFA");
        assert_eq!(format_xof(1_250_000), "1\u{202F}250\u{202F}000\u{A0}FCFA");
        assert_eq!(format_stored(-3), "0\u{A0}FCFA");
        // What is written reads back.
        for value in [1, 12, 123, 1234, 12_345, 123_456, 1_234_567, u64::MAX / 4] {
            assert_eq!(parse_xof(&format_xof(value)), Ok(value));
        }
    }
}
