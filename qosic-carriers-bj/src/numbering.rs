//! The Benin numbering plan: which carrier a national number belongs to.
//!
//! Benin moved to 10-digit numbers on 30 November 2024 by putting `01` in front of every
//! 8-digit number. The operator tables before and after the move differ (libphonenumber
//! contradicts itself between the two), so an 8-digit number is routed by the legacy table
//! and a 10-digit number by the new one. Sources: PROTOCOL.md section 4 (libphonenumber's
//! `229.txt`, the Python SDK).
//!
//! ```
//! use qosic_carriers_bj::numbering::benin_operator;
//! use qosic_core::Carrier;
//! assert_eq!(benin_operator("97000000"), Some(Carrier::Mtn));
//! assert_eq!(benin_operator("0197000000"), Some(Carrier::Mtn));
//! assert_eq!(benin_operator("0145000000"), Some(Carrier::Moov)); // legacy 45 is Celtiis
//! assert_eq!(benin_operator("45000000"), Some(Carrier::Celtiis));
//! assert_eq!(benin_operator("0149000000"), None);
//! ```

use qosic_core::Carrier;

/// The name this module's operators had before the SDK had one carrier identity: the same
/// type as [`Carrier`] (`Carrier::Mtn` is `Carrier::Mtn`).
#[deprecated(note = "use qosic_core::Carrier, the same type (Carrier::Mtn, Mtn::CARRIER)")]
pub type Operator = Carrier;

/// Legacy 8-digit numbers, by their first two digits. `58` is MTN here as in libphonenumber;
/// the Python SDK lists it under MOOV.
const LEGACY: &[(u8, Carrier)] = &[
    (40, Carrier::Celtiis),
    (41, Carrier::Celtiis),
    (42, Carrier::Mtn),
    (43, Carrier::Celtiis),
    (44, Carrier::Celtiis),
    (45, Carrier::Celtiis),
    (46, Carrier::Mtn),
    (47, Carrier::Celtiis),
    (48, Carrier::Celtiis),
    (49, Carrier::Celtiis),
    (50, Carrier::Mtn),
    (51, Carrier::Mtn),
    (52, Carrier::Mtn),
    (53, Carrier::Mtn),
    (54, Carrier::Mtn),
    (55, Carrier::Moov),
    (56, Carrier::Moov),
    (57, Carrier::Mtn),
    (58, Carrier::Mtn),
    (59, Carrier::Mtn),
    (60, Carrier::Moov),
    (61, Carrier::Mtn),
    (62, Carrier::Mtn),
    (63, Carrier::Moov),
    (64, Carrier::Moov),
    (65, Carrier::Moov),
    (66, Carrier::Mtn),
    (67, Carrier::Mtn),
    (68, Carrier::Moov),
    (69, Carrier::Mtn),
    (90, Carrier::Mtn),
    (91, Carrier::Mtn),
    (94, Carrier::Moov),
    (95, Carrier::Moov),
    (96, Carrier::Mtn),
    (97, Carrier::Mtn),
    (98, Carrier::Moov),
    (99, Carrier::Moov),
];

/// 10-digit numbers (`01` + 8 digits), by the two digits after `01`.
const TEN_DIGIT: &[(u8, Carrier)] = &[
    (40, Carrier::Celtiis),
    (41, Carrier::Celtiis),
    (42, Carrier::Mtn),
    (43, Carrier::Celtiis),
    (44, Carrier::Celtiis),
    (45, Carrier::Moov),
    (46, Carrier::Mtn),
    (47, Carrier::Celtiis),
    (48, Carrier::Celtiis),
    (50, Carrier::Mtn),
    (51, Carrier::Mtn),
    (52, Carrier::Mtn),
    (53, Carrier::Mtn),
    (54, Carrier::Mtn),
    (55, Carrier::Moov),
    (56, Carrier::Mtn),
    (57, Carrier::Mtn),
    (58, Carrier::Moov),
    (59, Carrier::Mtn),
    (60, Carrier::Moov),
    (61, Carrier::Mtn),
    (62, Carrier::Mtn),
    (63, Carrier::Moov),
    (64, Carrier::Moov),
    (65, Carrier::Moov),
    (66, Carrier::Mtn),
    (67, Carrier::Mtn),
    (68, Carrier::Moov),
    (69, Carrier::Mtn),
    (90, Carrier::Mtn),
    (91, Carrier::Mtn),
    (94, Carrier::Moov),
    (95, Carrier::Moov),
    (96, Carrier::Mtn),
    (97, Carrier::Mtn),
    (98, Carrier::Moov),
    (99, Carrier::Moov),
];

fn lookup(table: &[(u8, Carrier)], prefix: &str) -> Option<Carrier> {
    let prefix: u8 = prefix.parse().ok()?;
    table.iter().find(|(p, _)| *p == prefix).map(|(_, op)| *op)
}

/// The carrier of a Benin national number: 8 digits (legacy plan) or `01` + 8 digits (plan of
/// 30 November 2024). `None` for other lengths, non-digits and unassigned prefixes.
pub fn benin_operator(national: &str) -> Option<Carrier> {
    if !national.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match national.len() {
        8 => lookup(LEGACY, &national[..2]),
        10 if national.starts_with("01") => lookup(TEN_DIGIT, &national[2..4]),
        _ => None,
    }
}

/// The two-digit prefixes (after `01` for 10-digit numbers) that `carrier` holds.
pub fn prefixes(carrier: Carrier, ten_digit: bool) -> impl Iterator<Item = u8> {
    let table = if ten_digit { TEN_DIGIT } else { LEGACY };
    table
        .iter()
        .filter(move |(_, op)| *op == carrier)
        .map(|(p, _)| *p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_follow_protocol_md() {
        let mtn_legacy: Vec<u8> = prefixes(Carrier::Mtn, false).collect();
        assert_eq!(
            mtn_legacy,
            [42, 46, 50, 51, 52, 53, 54, 57, 58, 59, 61, 62, 66, 67, 69, 90, 91, 96, 97]
        );
        let moov_new: Vec<u8> = prefixes(Carrier::Moov, true).collect();
        assert_eq!(moov_new, [45, 55, 58, 60, 63, 64, 65, 68, 94, 95, 98, 99]);
        let celtiis_new: Vec<u8> = prefixes(Carrier::Celtiis, true).collect();
        assert_eq!(celtiis_new, [40, 41, 43, 44, 47, 48]);
    }

    #[test]
    fn the_two_plans_differ_where_libphonenumber_does() {
        assert_eq!(benin_operator("56000000"), Some(Carrier::Moov));
        assert_eq!(benin_operator("0156000000"), Some(Carrier::Mtn));
        assert_eq!(benin_operator("58000000"), Some(Carrier::Mtn));
        assert_eq!(benin_operator("0158000000"), Some(Carrier::Moov));
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
