//! The Benin numbering plan: which operator a national number belongs to.
//!
//! Benin moved to 10-digit numbers on 30 November 2024 by putting `01` in front of every
//! 8-digit number. The operator tables before and after the move differ (libphonenumber
//! contradicts itself between the two), so an 8-digit number is routed by the legacy table
//! and a 10-digit number by the new one. Sources: PROTOCOL.md section 4 (libphonenumber's
//! `229.txt`, the Python SDK).
//!
//! ```
//! use qosic_carriers_bj::numbering::{benin_operator, Operator};
//! assert_eq!(benin_operator("97000000"), Some(Operator::Mtn));
//! assert_eq!(benin_operator("0197000000"), Some(Operator::Mtn));
//! assert_eq!(benin_operator("0145000000"), Some(Operator::Moov)); // legacy 45 is Celtiis
//! assert_eq!(benin_operator("45000000"), Some(Operator::Celtiis));
//! assert_eq!(benin_operator("0149000000"), None);
//! ```

use std::fmt;

/// A Benin mobile operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operator {
    /// MTN Benin (MTN MoMo).
    Mtn,
    /// Moov Africa Benin (Moov Money).
    Moov,
    /// Celtiis (SBIN), Celtiis Cash.
    Celtiis,
}

impl Operator {
    /// The name carriers and the fake server use for this operator: `MTN`, `MOOV` or `CELTIIS`.
    pub fn name(self) -> &'static str {
        match self {
            Operator::Mtn => "MTN",
            Operator::Moov => "MOOV",
            Operator::Celtiis => "CELTIIS",
        }
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Legacy 8-digit numbers, by their first two digits. `58` is MTN here as in libphonenumber;
/// the Python SDK lists it under MOOV.
const LEGACY: &[(u8, Operator)] = &[
    (40, Operator::Celtiis),
    (41, Operator::Celtiis),
    (42, Operator::Mtn),
    (43, Operator::Celtiis),
    (44, Operator::Celtiis),
    (45, Operator::Celtiis),
    (46, Operator::Mtn),
    (47, Operator::Celtiis),
    (48, Operator::Celtiis),
    (49, Operator::Celtiis),
    (50, Operator::Mtn),
    (51, Operator::Mtn),
    (52, Operator::Mtn),
    (53, Operator::Mtn),
    (54, Operator::Mtn),
    (55, Operator::Moov),
    (56, Operator::Moov),
    (57, Operator::Mtn),
    (58, Operator::Mtn),
    (59, Operator::Mtn),
    (60, Operator::Moov),
    (61, Operator::Mtn),
    (62, Operator::Mtn),
    (63, Operator::Moov),
    (64, Operator::Moov),
    (65, Operator::Moov),
    (66, Operator::Mtn),
    (67, Operator::Mtn),
    (68, Operator::Moov),
    (69, Operator::Mtn),
    (90, Operator::Mtn),
    (91, Operator::Mtn),
    (94, Operator::Moov),
    (95, Operator::Moov),
    (96, Operator::Mtn),
    (97, Operator::Mtn),
    (98, Operator::Moov),
    (99, Operator::Moov),
];

/// 10-digit numbers (`01` + 8 digits), by the two digits after `01`.
const TEN_DIGIT: &[(u8, Operator)] = &[
    (40, Operator::Celtiis),
    (41, Operator::Celtiis),
    (42, Operator::Mtn),
    (43, Operator::Celtiis),
    (44, Operator::Celtiis),
    (45, Operator::Moov),
    (46, Operator::Mtn),
    (47, Operator::Celtiis),
    (48, Operator::Celtiis),
    (50, Operator::Mtn),
    (51, Operator::Mtn),
    (52, Operator::Mtn),
    (53, Operator::Mtn),
    (54, Operator::Mtn),
    (55, Operator::Moov),
    (56, Operator::Mtn),
    (57, Operator::Mtn),
    (58, Operator::Moov),
    (59, Operator::Mtn),
    (60, Operator::Moov),
    (61, Operator::Mtn),
    (62, Operator::Mtn),
    (63, Operator::Moov),
    (64, Operator::Moov),
    (65, Operator::Moov),
    (66, Operator::Mtn),
    (67, Operator::Mtn),
    (68, Operator::Moov),
    (69, Operator::Mtn),
    (90, Operator::Mtn),
    (91, Operator::Mtn),
    (94, Operator::Moov),
    (95, Operator::Moov),
    (96, Operator::Mtn),
    (97, Operator::Mtn),
    (98, Operator::Moov),
    (99, Operator::Moov),
];

fn lookup(table: &[(u8, Operator)], prefix: &str) -> Option<Operator> {
    let prefix: u8 = prefix.parse().ok()?;
    table.iter().find(|(p, _)| *p == prefix).map(|(_, op)| *op)
}

/// The operator of a Benin national number: 8 digits (legacy plan) or `01` + 8 digits (plan of
/// 30 November 2024). `None` for other lengths, non-digits and unassigned prefixes.
pub fn benin_operator(national: &str) -> Option<Operator> {
    if !national.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match national.len() {
        8 => lookup(LEGACY, &national[..2]),
        10 if national.starts_with("01") => lookup(TEN_DIGIT, &national[2..4]),
        _ => None,
    }
}

/// The two-digit prefixes (after `01` for 10-digit numbers) that `operator` holds.
pub fn prefixes(operator: Operator, ten_digit: bool) -> impl Iterator<Item = u8> {
    let table = if ten_digit { TEN_DIGIT } else { LEGACY };
    table
        .iter()
        .filter(move |(_, op)| *op == operator)
        .map(|(p, _)| *p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_follow_protocol_md() {
        let mtn_legacy: Vec<u8> = prefixes(Operator::Mtn, false).collect();
        assert_eq!(
            mtn_legacy,
            [42, 46, 50, 51, 52, 53, 54, 57, 58, 59, 61, 62, 66, 67, 69, 90, 91, 96, 97]
        );
        let moov_new: Vec<u8> = prefixes(Operator::Moov, true).collect();
        assert_eq!(moov_new, [45, 55, 58, 60, 63, 64, 65, 68, 94, 95, 98, 99]);
        let celtiis_new: Vec<u8> = prefixes(Operator::Celtiis, true).collect();
        assert_eq!(celtiis_new, [40, 41, 43, 44, 47, 48]);
    }

    #[test]
    fn the_two_plans_differ_where_libphonenumber_does() {
        assert_eq!(benin_operator("56000000"), Some(Operator::Moov));
        assert_eq!(benin_operator("0156000000"), Some(Operator::Mtn));
        assert_eq!(benin_operator("58000000"), Some(Operator::Mtn));
        assert_eq!(benin_operator("0158000000"), Some(Operator::Moov));
    }

    #[test]
    fn rejects_what_is_not_a_national_number() {
        for bad in [
            "",
            "9700000",
            "970000000",
            "1197000000",
            "97a00000",
            "0297000000",
            "30000000",
        ] {
            assert_eq!(benin_operator(bad), None, "{bad}");
        }
    }
}
