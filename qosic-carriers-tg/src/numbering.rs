//! The Togo numbering plan: which carrier a national number's prefix names.
//!
//! Togo numbers are `228` + 8 digits. Togocel (Yas, T-Money) holds 70, 71, 90, 91, 92, 93
//! and 97, and 72 and 73 by one integrator's list; Moov Africa Togo (Flooz) holds 79, 96, 98
//! and 99, and 78 by others' lists (PROTOCOL.md section 4: libphonenumber's `228.txt` and
//! integrators). Some lists also give 97 to Moov Africa: it stays Togocel's here, as in
//! libphonenumber.
//!
//! **Togo has had mobile number portability since 2024**: a subscriber keeps their number
//! when they change carrier, so the prefix only says where the number started. Routing by
//! prefix is a hint; a caller who knows the number was ported names its carrier
//! (`PaymentRequest::carrier("FLOOZ")`), and a payment sent to the wrong one is refused by
//! QosIc with code `515` (wrong network for the number).
//!
//! ```
//! use qosic_carriers_tg::numbering::togo_carrier;
//! use qosic_carriers_tg::{Flooz, TMoney};
//! assert_eq!(togo_carrier("90000000"), Some(TMoney::CARRIER));
//! assert_eq!(togo_carrier("99000000"), Some(Flooz::CARRIER));
//! assert_eq!(togo_carrier("60000000"), None);
//! ```

use qosic_core::Carrier;

use crate::{Flooz, TMoney};

/// Prefixes of Togo's 8-digit mobile numbers, by carrier.
const PREFIXES: &[(u8, Carrier)] = &[
    (70, TMoney::CARRIER),
    (71, TMoney::CARRIER),
    (72, TMoney::CARRIER),
    (73, TMoney::CARRIER),
    (78, Flooz::CARRIER),
    (79, Flooz::CARRIER),
    (90, TMoney::CARRIER),
    (91, TMoney::CARRIER),
    (92, TMoney::CARRIER),
    (93, TMoney::CARRIER),
    (96, Flooz::CARRIER),
    (97, TMoney::CARRIER),
    (98, Flooz::CARRIER),
    (99, Flooz::CARRIER),
];

/// The carrier whose prefix a Togo national number (8 digits) has; `None` for other
/// lengths, non-digits and prefixes of no mobile carrier. A hint: the number may have been
/// ported.
pub fn togo_carrier(national: &str) -> Option<Carrier> {
    if national.len() != 8 || !national.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let prefix: u8 = national[..2].parse().ok()?;
    PREFIXES
        .iter()
        .find(|(p, _)| *p == prefix)
        .map(|(_, carrier)| *carrier)
}

/// The two-digit prefixes `carrier` holds, in order.
pub fn prefixes(carrier: Carrier) -> impl Iterator<Item = u8> {
    PREFIXES
        .iter()
        .filter(move |(_, c)| *c == carrier)
        .map(|(p, _)| *p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_follow_protocol_md_and_the_issue() {
        let tmoney: Vec<u8> = prefixes(TMoney::CARRIER).collect();
        assert_eq!(tmoney, [70, 71, 72, 73, 90, 91, 92, 93, 97]);
        let flooz: Vec<u8> = prefixes(Flooz::CARRIER).collect();
        assert_eq!(flooz, [78, 79, 96, 98, 99]);
    }

    #[test]
    fn rejects_what_is_not_a_national_number() {
        for bad in [
            "",
            "9000000",
            "900000000",
            "9o000000",
            "0190000000",
            "60000000",
        ] {
            assert_eq!(togo_carrier(bad), None, "{bad}");
        }
    }
}
