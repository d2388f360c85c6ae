//! The request body of the four operations, read straight into the fields the handlers use.
//!
//! A body used to be read into a `serde_json::Value` (a tree of maps and owned strings) and
//! the handlers looked their fields up in it. [`Body`] keeps only the fields the handlers
//! read, each as one of the four shapes they tell apart ([`Field`]), with strings borrowed
//! from the request's bytes when they hold no escape. The leniency is the `Value`'s, exactly:
//!
//! - the body is valid JSON exactly when `serde_json::from_slice::<Value>` accepts it (every
//!   value, known field or not, is read through `deserialize_any`, as a `Value` reads it: a
//!   number out of range such as `1e400`, a lone surrogate, nesting deeper than 128, or
//!   bytes after the value make it invalid);
//! - a JSON value other than an object is [`Parsed::NotObject`];
//! - unknown fields are read and ignored;
//! - a field given twice keeps its last value (a `Value`'s map keeps the last insert);
//! - a key written with escapes (`"trans\u0072ef"`) is the key it decodes to.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// One field of a body, in the shapes the handlers tell apart.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) enum Field<'a> {
    /// Not in the body.
    #[default]
    Absent,
    /// `null`.
    Null,
    /// A string, borrowed from the body unless it held escapes.
    Str(Cow<'a, str>),
    /// A number, a boolean, an array or an object.
    Other,
}

impl Field<'_> {
    /// The string, if the field is one.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Field::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The string a handler requires: `missing field NAME` when absent or `null`, `NAME must
    /// be a string` when it is another JSON value.
    pub(crate) fn string(&self, name: &str) -> Result<&str, String> {
        match self {
            Field::Str(s) => Ok(s),
            Field::Absent | Field::Null => Err(format!("missing field {name}")),
            Field::Other => Err(format!("{name} must be a string")),
        }
    }
}

/// The fields of a request body that the four operations read; the others are ignored.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Body<'a> {
    pub(crate) transref: Field<'a>,
    pub(crate) clientid: Field<'a>,
    pub(crate) msisdn: Field<'a>,
    pub(crate) amount: Field<'a>,
    pub(crate) firstname: Field<'a>,
    pub(crate) lastname: Field<'a>,
    pub(crate) specialfield1: Field<'a>,
}

/// A request body, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Parsed<'a> {
    /// A JSON object.
    Object(Body<'a>),
    /// Valid JSON, but not an object.
    NotObject,
    /// Not valid JSON.
    Invalid,
}

impl<'a> Parsed<'a> {
    /// Reads `bytes`; never panics.
    pub(crate) fn read(bytes: &'a [u8]) -> Parsed<'a> {
        let mut body = Body::default();
        if read_flat(bytes, &mut body) {
            Parsed::Object(body)
        } else {
            Parsed::read_json(bytes)
        }
    }

    /// Reads `bytes` with serde_json (see the module docs).
    fn read_json(bytes: &'a [u8]) -> Parsed<'a> {
        match serde_json::from_slice::<Top<'a>>(bytes) {
            Ok(Top(Some(body))) => Parsed::Object(body),
            Ok(Top(None)) => Parsed::NotObject,
            Err(_) => Parsed::Invalid,
        }
    }

    /// The body's `transref`, when it is an object whose `transref` is a string.
    pub(crate) fn transref(&self) -> Option<&str> {
        match self {
            Parsed::Object(body) => body.transref.as_str(),
            Parsed::NotObject | Parsed::Invalid => None,
        }
    }
}

/// Reads the bodies clients send, an object whose values are all strings of printable
/// ASCII without escapes (`{"transref":"R1","clientid":"MTN_CLIENT"}`), in one pass, into
/// `body` (a default one); `false` for anything else, which [`Parsed::read`] then gives to
/// serde_json (`body` is then partly filled, and dropped).
///
/// What it accepts is valid JSON that serde_json reads to the same [`Body`]: JSON's four
/// whitespace bytes around the tokens, keys and values of bytes `0x20..=0x7E` but `"` and
/// `\`, no other value (not even `null`), nothing after the object. Unknown keys are
/// ignored and a repeated key keeps its last value, as serde_json's reading does. Anything
/// outside this (escapes, non-ASCII, numbers, nesting, a trailing comma...) falls back, so
/// the leniency and the errors stay serde_json's.
fn read_flat<'a>(bytes: &'a [u8], body: &mut Body<'a>) -> bool {
    let mut at = skip_ws(bytes, 0);
    if bytes.get(at) != Some(&b'{') {
        return false;
    }
    at = skip_ws(bytes, at + 1);
    if bytes.get(at) == Some(&b'}') {
        return skip_ws(bytes, at + 1) == bytes.len();
    }
    loop {
        let Some((key, next)) = flat_str(bytes, at) else {
            return false;
        };
        at = skip_ws(bytes, next);
        if bytes.get(at) != Some(&b':') {
            return false;
        }
        at = skip_ws(bytes, at + 1);
        let Some((value, next)) = flat_str(bytes, at) else {
            return false;
        };
        let slot = match key {
            b"transref" => Some(&mut body.transref),
            b"clientid" => Some(&mut body.clientid),
            b"msisdn" => Some(&mut body.msisdn),
            b"amount" => Some(&mut body.amount),
            b"firstname" => Some(&mut body.firstname),
            b"lastname" => Some(&mut body.lastname),
            b"specialfield1" => Some(&mut body.specialfield1),
            _ => None,
        };
        if let Some(slot) = slot {
            // Printable ASCII: always UTF-8 (checked only for the values kept).
            let Ok(value) = std::str::from_utf8(value) else {
                return false;
            };
            *slot = Field::Str(Cow::Borrowed(value));
        }
        at = skip_ws(bytes, next);
        match bytes.get(at) {
            Some(b',') => at = skip_ws(bytes, at + 1),
            Some(b'}') => return skip_ws(bytes, at + 1) == bytes.len(),
            _ => return false,
        }
    }
}

/// The position of the first byte at or after `at` that is not JSON whitespace.
fn skip_ws(bytes: &[u8], mut at: usize) -> usize {
    while let Some(b' ' | b'\t' | b'\n' | b'\r') = bytes.get(at) {
        at += 1;
    }
    at
}

/// The bytes [`flat_str`] takes into a string: printable ASCII but `"` and `\\`.
const PLAIN: [bool; 256] = {
    let mut plain = [false; 256];
    let mut b = 0x20;
    while b <= 0x7e {
        plain[b] = b != b'"' as usize && b != b'\\' as usize;
        b += 1;
    }
    plain
};

/// The bytes of the string starting at `at` (its opening quote) when they are printable
/// ASCII without escapes, and the position after its closing quote.
fn flat_str(bytes: &[u8], at: usize) -> Option<(&[u8], usize)> {
    if bytes.get(at) != Some(&b'"') {
        return None;
    }
    let start = at + 1;
    let len = bytes
        .get(start..)?
        .iter()
        .position(|&b| !PLAIN[usize::from(b)])?;
    let end = start + len;
    if bytes.get(end) != Some(&b'"') {
        return None;
    }
    Some((bytes.get(start..end)?, end + 1))
}

/// The whole body: `Some` for an object, `None` for another JSON value.
struct Top<'a>(Option<Body<'a>>);

impl<'de> Deserialize<'de> for Top<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TopVisitor;

        impl<'de> Visitor<'de> for TopVisitor {
            type Value = Top<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON value")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Top<'de>, A::Error> {
                let mut body = Body::default();
                while let Some(key) = map.next_key::<Key>()? {
                    let slot = match key {
                        Key::Transref => &mut body.transref,
                        Key::Clientid => &mut body.clientid,
                        Key::Msisdn => &mut body.msisdn,
                        Key::Amount => &mut body.amount,
                        Key::Firstname => &mut body.firstname,
                        Key::Lastname => &mut body.lastname,
                        Key::Specialfield1 => &mut body.specialfield1,
                        Key::Other => {
                            map.next_value::<Skip>()?;
                            continue;
                        }
                    };
                    *slot = map.next_value::<Field<'de>>()?;
                }
                Ok(Top(Some(body)))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Top<'de>, A::Error> {
                drain_seq(seq)?;
                Ok(Top(None))
            }

            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Top<'de>, E> {
                Ok(Top(None))
            }

            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Top<'de>, E> {
                Ok(Top(None))
            }

            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Top<'de>, E> {
                Ok(Top(None))
            }

            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Top<'de>, E> {
                Ok(Top(None))
            }

            fn visit_str<E: de::Error>(self, _: &str) -> Result<Top<'de>, E> {
                Ok(Top(None))
            }

            fn visit_unit<E: de::Error>(self) -> Result<Top<'de>, E> {
                Ok(Top(None))
            }

            fn visit_none<E: de::Error>(self) -> Result<Top<'de>, E> {
                Ok(Top(None))
            }
        }

        deserializer.deserialize_any(TopVisitor)
    }
}

/// A key of the body's object.
enum Key {
    Transref,
    Clientid,
    Msisdn,
    Amount,
    Firstname,
    Lastname,
    Specialfield1,
    Other,
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;

        impl Visitor<'_> for KeyVisitor {
            type Value = Key;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }

            fn visit_str<E: de::Error>(self, key: &str) -> Result<Key, E> {
                Ok(match key {
                    "transref" => Key::Transref,
                    "clientid" => Key::Clientid,
                    "msisdn" => Key::Msisdn,
                    "amount" => Key::Amount,
                    "firstname" => Key::Firstname,
                    "lastname" => Key::Lastname,
                    "specialfield1" => Key::Specialfield1,
                    _ => Key::Other,
                })
            }
        }

        deserializer.deserialize_str(KeyVisitor)
    }
}

impl<'de> Deserialize<'de> for Field<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FieldVisitor;

        impl<'de> Visitor<'de> for FieldVisitor {
            type Value = Field<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON value")
            }

            fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Field<'de>, E> {
                Ok(Field::Str(Cow::Borrowed(s)))
            }

            fn visit_str<E: de::Error>(self, s: &str) -> Result<Field<'de>, E> {
                Ok(Field::Str(Cow::Owned(s.to_owned())))
            }

            fn visit_string<E: de::Error>(self, s: String) -> Result<Field<'de>, E> {
                Ok(Field::Str(Cow::Owned(s)))
            }

            fn visit_unit<E: de::Error>(self) -> Result<Field<'de>, E> {
                Ok(Field::Null)
            }

            fn visit_none<E: de::Error>(self) -> Result<Field<'de>, E> {
                Ok(Field::Null)
            }

            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Field<'de>, E> {
                Ok(Field::Other)
            }

            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Field<'de>, E> {
                Ok(Field::Other)
            }

            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Field<'de>, E> {
                Ok(Field::Other)
            }

            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Field<'de>, E> {
                Ok(Field::Other)
            }

            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Field<'de>, A::Error> {
                drain_seq(seq)?;
                Ok(Field::Other)
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Field<'de>, A::Error> {
                drain_map(map)?;
                Ok(Field::Other)
            }
        }

        deserializer.deserialize_any(FieldVisitor)
    }
}

/// Any JSON value, read whole (through `deserialize_any`, so checked as a `Value` is) and
/// dropped. serde's `IgnoredAny` would not do: serde_json skips it without checking numbers'
/// range.
struct Skip;

impl<'de> Deserialize<'de> for Skip {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SkipVisitor;

        impl<'de> Visitor<'de> for SkipVisitor {
            type Value = Skip;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON value")
            }

            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Skip, E> {
                Ok(Skip)
            }

            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Skip, E> {
                Ok(Skip)
            }

            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Skip, E> {
                Ok(Skip)
            }

            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Skip, E> {
                Ok(Skip)
            }

            fn visit_str<E: de::Error>(self, _: &str) -> Result<Skip, E> {
                Ok(Skip)
            }

            fn visit_unit<E: de::Error>(self) -> Result<Skip, E> {
                Ok(Skip)
            }

            fn visit_none<E: de::Error>(self) -> Result<Skip, E> {
                Ok(Skip)
            }

            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Skip, A::Error> {
                drain_seq(seq)?;
                Ok(Skip)
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Skip, A::Error> {
                drain_map(map)?;
                Ok(Skip)
            }
        }

        deserializer.deserialize_any(SkipVisitor)
    }
}

fn drain_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<Skip>()?.is_some() {}
    Ok(())
}

fn drain_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    // Keys are strings (serde_json checks them as it reads them); values are read whole.
    while map.next_key::<AnyKey>()?.is_some() {
        map.next_value::<Skip>()?;
    }
    Ok(())
}

/// A key read as a string and dropped (a `Value` reads its keys as strings too).
struct AnyKey;

impl<'de> Deserialize<'de> for AnyKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;

        impl Visitor<'_> for KeyVisitor {
            type Value = AnyKey;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }

            fn visit_str<E: de::Error>(self, _: &str) -> Result<AnyKey, E> {
                Ok(AnyKey)
            }
        }

        deserializer.deserialize_str(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    /// What reading a `Value` and looking fields up in it gave, for comparison.
    fn by_value(bytes: &[u8]) -> Parsed<'static> {
        let value: Value = match serde_json::from_slice(bytes) {
            Ok(v) => v,
            Err(_) => return Parsed::Invalid,
        };
        let Value::Object(map) = value else {
            return Parsed::NotObject;
        };
        let field = |name: &str| match map.get(name) {
            None => Field::Absent,
            Some(Value::Null) => Field::Null,
            Some(Value::String(s)) => Field::Str(Cow::Owned(s.clone())),
            Some(_) => Field::Other,
        };
        Parsed::Object(Body {
            transref: field("transref"),
            clientid: field("clientid"),
            msisdn: field("msisdn"),
            amount: field("amount"),
            firstname: field("firstname"),
            lastname: field("lastname"),
            specialfield1: field("specialfield1"),
        })
    }

    #[test]
    fn reads_bodies_as_a_value_did() {
        let deep_array = format!("{}{}", "[".repeat(200), "]".repeat(200));
        let deep_field = format!(
            r#"{{"transref":"R","x":{}1{}}}"#,
            "[".repeat(200),
            "]".repeat(200)
        );
        let bodies: Vec<&[u8]> = vec![
            br#"{"transref":"R1","clientid":"MTN_CLIENT"}"#,
            br#"{"msisdn":"22997000001","amount":"100","transref":"R","clientid":"MTN_CLIENT","firstname":"A","lastname":null}"#,
            br#"{"msisdn":22997000001,"amount":100,"transref":true,"clientid":[1,2],"firstname":{"a":1},"lastname":1.5}"#,
            br#"{"amount":1e400,"transref":"R"}"#,
            br#"{"other":1e400,"transref":"R"}"#,
            br#"{"other":[1,{"x":1e400}],"transref":"R"}"#,
            br#"{"other":-18446744073709551617,"transref":"R"}"#,
            br#"{"other":18446744073709551616,"transref":"R"}"#,
            br#"{"transref":"R\"1\n\u00e9\ud83d\ude00","specialfield1":"S"}"#,
            br#"{"transref":"\ud800"}"#,
            br#"{"other":"\ud800","transref":"R"}"#,
            br#"{"trans\u0072ef":"escaped key"}"#,
            br#"{"transref":"first","transref":"second"}"#,
            br#"{"transref":"first","transref":7}"#,
            br#"{"transref":7,"transref":"last"}"#,
            br#"{"transref":"R"} x"#,
            br#"{"transref":"R"}   "#,
            br#"{"transref":"R",}"#,
            br#"{"transref":"R""#,
            br#"[{"transref":"R"}]"#,
            br#""transref""#,
            b"null",
            b"12",
            b"-1.5e3",
            b"true",
            b"",
            b"   ",
            b"\xff\xfe",
            br#"{"transref":"caf\xc3"}"#,
            br#"{1:2}"#,
            br#"{"a":{"b":{"c":[]}},"transref":null,"clientid":""}"#,
            deep_array.as_bytes(),
            deep_field.as_bytes(),
        ];
        for body in bodies {
            assert_eq!(
                Parsed::read(body),
                by_value(body),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }

    /// A small deterministic generator (xorshift), for the bodies below.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
    }

    #[test]
    fn the_flat_reader_agrees_with_serde_json() {
        const KEYS: [&str; 10] = [
            "transref",
            "clientid",
            "msisdn",
            "amount",
            "firstname",
            "lastname",
            "specialfield1",
            "other",
            "",
            "Transref",
        ];
        const VALUES: [&str; 8] = [
            "R1",
            "MTN_CLIENT",
            "",
            " a b ",
            "22997000001",
            "~!#$%&'()*+,-./:;<=>?@[]^_`{|}",
            "1",
            "null",
        ];
        const SPACES: [&str; 6] = ["", "", " ", "\t", "\r\n", "  \n "];
        const PIECES: [&[u8]; 24] = [
            b"{",
            b"}",
            b"\"",
            b":",
            b",",
            b" ",
            b"\t",
            b"\x0b",
            b"\x0c",
            b"null",
            b"1",
            b"-0",
            b"1e400",
            b"[",
            b"]",
            b"\\",
            b"\\\"",
            b"\\u0041",
            b"\x01",
            b"\x7f",
            b"\xc3\xa9",
            b"\xff",
            b"true",
            b"\"transref\"",
        ];
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let (mut flat, mut total) = (0, 0);
        for _ in 0..20_000 {
            // A flat object, with whitespace here and there.
            let mut body = Vec::new();
            let space = |rng: &mut Rng, body: &mut Vec<u8>| {
                body.extend_from_slice(SPACES[rng.below(SPACES.len())].as_bytes());
            };
            space(&mut rng, &mut body);
            body.push(b'{');
            for i in 0..rng.below(5) {
                if i > 0 {
                    body.push(b',');
                }
                space(&mut rng, &mut body);
                body.extend_from_slice(format!("\"{}\"", KEYS[rng.below(KEYS.len())]).as_bytes());
                space(&mut rng, &mut body);
                body.push(b':');
                space(&mut rng, &mut body);
                body.extend_from_slice(
                    format!("\"{}\"", VALUES[rng.below(VALUES.len())]).as_bytes(),
                );
                space(&mut rng, &mut body);
            }
            body.push(b'}');
            space(&mut rng, &mut body);
            // Then, most of the time, a few bytes changed.
            for _ in 0..rng.below(4) {
                if body.is_empty() {
                    break;
                }
                let at = rng.below(body.len() + 1);
                match rng.below(3) {
                    0 if at < body.len() => {
                        body.remove(at);
                    }
                    1 if at < body.len() => body[at] = PIECES[rng.below(PIECES.len())][0],
                    _ => {
                        let piece = PIECES[rng.below(PIECES.len())];
                        body.splice(at..at, piece.iter().copied());
                    }
                }
            }
            total += 1;
            let mut read = Body::default();
            if read_flat(&body, &mut read) {
                flat += 1;
                assert_eq!(
                    Parsed::Object(read),
                    Parsed::read_json(&body),
                    "{}",
                    String::from_utf8_lossy(&body)
                );
            }
            assert_eq!(
                Parsed::read(&body),
                by_value(&body),
                "{}",
                String::from_utf8_lossy(&body)
            );
        }
        // Both readers were exercised.
        assert!(
            flat > total / 4 && flat < total * 3 / 4,
            "{flat} of {total}"
        );
    }

    #[test]
    fn strings_without_escapes_are_borrowed() {
        let body = br#"{"transref":"R1","clientid":"A\"B"}"#;
        let Parsed::Object(body) = Parsed::read(body) else {
            panic!("an object");
        };
        assert!(matches!(body.transref, Field::Str(Cow::Borrowed("R1"))));
        assert!(matches!(body.clientid, Field::Str(Cow::Owned(ref s)) if s == "A\"B"));
    }

    #[test]
    fn fields_say_why_they_are_refused() {
        assert_eq!(
            Field::Absent.string("amount").unwrap_err(),
            "missing field amount"
        );
        assert_eq!(
            Field::Null.string("amount").unwrap_err(),
            "missing field amount"
        );
        assert_eq!(
            Field::Other.string("amount").unwrap_err(),
            "amount must be a string"
        );
        assert_eq!(Field::Str("1".into()).string("amount"), Ok("1"));
    }
}
