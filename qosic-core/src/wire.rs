//! Lenient reading of QosIc's JSON answers, shared by every carrier.
//!
//! QosIc's answers are not uniform: codes come as strings or numbers, keys in lowercase or
//! camelCase, error bodies as JSON problems, plain text, HTML or nothing. [`QosicBody::parse`]
//! reads what can be read and never panics.

/// The fields of a QosIc JSON answer that the SDK reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QosicBody {
    /// `responsecode`, as a string (numbers are turned into their decimal form).
    pub code: Option<String>,
    /// `responsemsg`, or a problem body's `detail` or `title`.
    pub message: Option<String>,
    /// `transref`.
    pub transref: Option<String>,
    /// `serviceref`.
    pub serviceref: Option<String>,
    /// `comment`.
    pub comment: Option<String>,
}

/// The fields read, in the order of [`Fields::slots`].
const NAMES: [&str; 7] = [
    "responsecode",
    "responsemsg",
    "detail",
    "title",
    "transref",
    "serviceref",
    "comment",
];

/// A field's value as the SDK reads it: strings trimmed, numbers and booleans in their JSON
/// form (as `serde_json::Value` prints them), anything else absent. Read straight from the
/// input: a string is copied once, trimmed, and no `Value` is built.
struct Scalar(Option<String>);

impl<'de> serde::Deserialize<'de> for Scalar {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_str<E>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar(Some(v.trim().to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Scalar, E> {
                let trimmed = v.trim();
                Ok(Scalar(Some(if trimmed.len() == v.len() {
                    v
                } else {
                    trimmed.to_owned()
                })))
            }
            fn visit_bool<E>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar(Some(v.to_string())))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar(Some(v.to_string())))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar(Some(v.to_string())))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Scalar, E> {
                // The same text as the `Value` a number becomes.
                Ok(Scalar(
                    serde_json::Number::from_f64(v).map(|n| n.to_string()),
                ))
            }
            fn visit_unit<E>(self) -> Result<Scalar, E> {
                Ok(Scalar(None))
            }
            fn visit_none<E>(self) -> Result<Scalar, E> {
                Ok(Scalar(None))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Scalar, A::Error> {
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(Scalar(None))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Scalar, A::Error> {
                while map
                    .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(Scalar(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// Reads a JSON object's entries one by one, keeping only the values of [`NAMES`] (keys
/// compared without case) and skipping the rest without allocating: no `Value` tree.
///
/// When several keys match one name (`responseCode` and `responsecode`), the smallest key in
/// byte order wins, and for a repeated key the last value: what looking the name up in a
/// parsed `serde_json::Map` (a `BTreeMap`) gives.
#[derive(Default)]
struct Fields<'de> {
    slots: [Option<(std::borrow::Cow<'de, str>, Option<String>)>; 7],
}

/// A map key, borrowed from the input when it has no escapes.
struct Key<'de>(std::borrow::Cow<'de, str>);

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

impl<'de> serde::Deserialize<'de> for Fields<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Fields<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Fields<'de>, A::Error> {
                let mut fields = Fields::default();
                while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
                    let Some(i) = NAMES.iter().position(|n| key.eq_ignore_ascii_case(n)) else {
                        map.next_value::<serde::de::IgnoredAny>()?;
                        continue;
                    };
                    let Scalar(value) = map.next_value::<Scalar>()?;
                    let slot = &mut fields.slots[i];
                    if slot.as_ref().is_none_or(|(kept, _)| *key <= **kept) {
                        *slot = Some((key, value));
                    }
                }
                Ok(fields)
            }
        }
        d.deserialize_map(V)
    }
}

impl QosicBody {
    /// Reads a body; `None` when it is not a JSON object.
    pub fn parse(body: &[u8]) -> Option<QosicBody> {
        let fields: Fields<'_> = serde_json::from_slice(body).ok()?;
        let [code, message, detail, title, transref, serviceref, comment] =
            fields.slots.map(|slot| slot.and_then(|(_, value)| value));
        Some(QosicBody {
            code,
            message: message.or(detail).or(title),
            transref,
            serviceref,
            comment,
        })
    }
}

/// `text` with every run of eight or more digits masked, as [`Msisdn::masked`] masks a
/// number: `WRONG NETWORK: 22997000100 is not a moov number` becomes
/// `WRONG NETWORK: 22997****00 is not a moov number`.
///
/// The SDK passes every text a server sends through it before showing or logging it, since
/// servers echo phone numbers in their messages.
///
/// ```
/// use qosic_core::wire::mask_numbers;
/// assert_eq!(mask_numbers("22997000100 is not a moov number"), "22997****00 is not a moov number");
/// assert_eq!(mask_numbers("call 0197000100"), "call 01******00");
/// assert_eq!(mask_numbers("code 529"), "code 529");
/// ```
///
/// [`Msisdn::masked`]: crate::Msisdn::masked
pub fn mask_numbers(text: &str) -> std::borrow::Cow<'_, str> {
    let bytes = text.as_bytes();
    let long_run = bytes
        .split(|b| !b.is_ascii_digit())
        .any(|run| run.len() >= 8);
    if !long_run {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(|c: char| c.is_ascii_digit()) {
        out.push_str(&rest[..start]);
        let run_len = rest[start..]
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len() - start);
        let run = &rest[start..start + run_len];
        if run_len >= 8 {
            let keep_front = if run_len >= 11 { 5 } else { 2 };
            out.push_str(&run[..keep_front]);
            out.extend(std::iter::repeat_n('*', run_len - keep_front - 2));
            out.push_str(&run[run_len - 2..]);
        } else {
            out.push_str(run);
        }
        rest = &rest[start + run_len..];
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

pub use crate::card::mask_personal_data;

/// The keys whose values are references, not phone numbers: [`mask_body`] leaves their
/// digits as they are (an operator's 8-digit `serviceref` looks like a Benin number).
const REFERENCE_KEYS: [&str; 3] = ["\"serviceref\"", "\"transref\"", "\"specialfield1\""];

/// A JSON body's text with phone numbers masked as [`mask_numbers`] masks them, except the
/// values of `serviceref`, `transref` and `specialfield1` (keys in any case): references the
/// reader needs to follow a transaction up, which are not phone numbers.
pub(crate) fn mask_body(text: &str) -> std::borrow::Cow<'_, str> {
    let bytes = text.as_bytes();
    // ASCII lowercase keeps every byte where it was.
    let lower = text.to_ascii_lowercase();
    let mut kept = Vec::new();
    for key in REFERENCE_KEYS {
        let mut from = 0;
        while let Some(at) = lower[from..].find(key) {
            let mut i = from + at + key.len();
            let skip_blanks = |mut i: usize| {
                while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                    i += 1;
                }
                i
            };
            i = skip_blanks(i);
            if i < bytes.len() && bytes[i] == b':' {
                i = skip_blanks(i + 1);
                if i < bytes.len() && bytes[i] == b'"' {
                    i += 1;
                }
                let start = i;
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
                if i > start {
                    kept.push(start..i);
                }
            }
            from = i;
        }
    }
    if kept.is_empty() {
        return mask_numbers(text);
    }
    kept.sort_by_key(|range| range.start);
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for range in kept {
        // Each piece between kept values ends and starts on a non-digit: no run is split.
        out.push_str(&mask_numbers(&text[last..range.start]));
        out.push_str(&text[range.clone()]);
        last = range.end;
    }
    out.push_str(&mask_numbers(&text[last..]));
    std::borrow::Cow::Owned(out)
}

/// A body as text for `Debug`: invalid UTF-8 replaced, phone numbers masked, the card key and
/// holders' names redacted, control characters escaped, cut after 4 KiB
/// ([`server_text::body`](crate::server_text::body)).
pub(crate) fn masked_text(body: &[u8]) -> String {
    crate::server_text::body(body).into_owned()
}

/// The start of a body, for error messages: at most `max` characters, on one line, with phone
/// numbers masked ([`mask_numbers`]) and control characters escaped
/// ([`server_text`](crate::server_text)).
pub fn excerpt(body: &[u8], max: usize) -> String {
    // Only the start is shown: never read a large body whole.
    let head = &body[..body.len().min(max.saturating_mul(4).saturating_add(64))];
    let text = String::from_utf8_lossy(head);
    let one_line: String = mask_numbers(&text)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let one_line = crate::server_text::Escaped(&one_line).to_string();
    if one_line.chars().count() <= max && head.len() == body.len() {
        return one_line;
    }
    let mut cut: String = one_line.chars().take(max).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// Issue 27: the operator's reference was masked as if it were a phone number.
    #[test]
    fn references_in_a_body_are_not_masked_as_phone_numbers() {
        let body = r#"{"responsecode":"00","serviceRef": 14557856,"transref":"20240101123","msisdn":"22997000100","comment":"22997000100"}"#;
        assert_eq!(
            mask_body(body),
            r#"{"responsecode":"00","serviceRef": 14557856,"transref":"20240101123","msisdn":"22997****00","comment":"22997****00"}"#
        );
        assert_eq!(
            masked_text(br#"{"specialfield1":"14557856","msisdn":"2290197000100"}"#),
            r#"{"specialfield1":"14557856","msisdn":"22901******00"}"#
        );
        assert_eq!(mask_body(r#"{"serviceref":}"#), r#"{"serviceref":}"#);
        assert_eq!(mask_body("22997000100"), "22997****00");
    }

    #[test]
    fn reads_protocol_examples() {
        let b = QosicBody::parse(
            br#"{"responsecode":"01","responsemsg":"PENDING","transref":"123","comment":null}"#,
        )
        .unwrap();
        assert_eq!(b.code.as_deref(), Some("01"));
        assert_eq!(b.message.as_deref(), Some("PENDING"));
        assert_eq!(b.comment, None);
        let b = QosicBody::parse(
            br#"{"responseCode":0,"responseMsg":"SUCCESS","serviceRef":14557856}"#,
        )
        .unwrap();
        assert_eq!(b.code.as_deref(), Some("0"));
        assert_eq!(b.serviceref.as_deref(), Some("14557856"));
        let b =
            QosicBody::parse(br#"{"title":"Internal Server Error","status":500,"detail":"boom"}"#)
                .unwrap();
        assert_eq!(b.message.as_deref(), Some("boom"));
    }

    /// The reading before it streamed: a whole `Value`, then a case-insensitive lookup.
    fn parse_with_value(body: &[u8]) -> Option<QosicBody> {
        fn field(map: &serde_json::Map<String, Value>, name: &str) -> Option<String> {
            let value = map
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v)?;
            match value {
                Value::String(s) => Some(s.trim().to_owned()),
                Value::Number(n) => Some(n.to_string()),
                Value::Bool(b) => Some(b.to_string()),
                _ => None,
            }
        }
        let value: Value = serde_json::from_slice(body).ok()?;
        let map = value.as_object()?;
        Some(QosicBody {
            code: field(map, "responsecode"),
            message: field(map, "responsemsg")
                .or_else(|| field(map, "detail"))
                .or_else(|| field(map, "title")),
            transref: field(map, "transref"),
            serviceref: field(map, "serviceref"),
            comment: field(map, "comment"),
        })
    }

    #[test]
    fn streaming_reads_like_a_value_tree() {
        for body in [
            &br#"{"responsecode":"01","responsemsg":"PENDING","transref":"123","comment":null}"#[..],
            br#"{"responseCode":0,"responseMsg":"SUCCESS","serviceRef":14557856}"#,
            br#"{"title":"Internal Server Error","status":500,"detail":"boom"}"#,
            br#"{"title":"T","status":500}"#,
            br#"{"responsecode":"00","responseCode":"01","RESPONSECODE":"02"}"#,
            br#"{"responsecode":"00","responsecode":"01"}"#,
            br#"{"responsecode":" 00 ","responsemsg":true,"comment":1.5e3,"transref":[1]}"#,
            br#"{"respons\u0065code":"7","x":{"responsecode":"9"},"serviceref":{"a":1}}"#,
            br#"{"responsecode":"00"} trailing"#,
            br#"{"responsecode":"00","#,
            br#"{}"#,
            b"[]",
            b"\"text\"",
            b"",
        ] {
            assert_eq!(
                QosicBody::parse(body),
                parse_with_value(body),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn never_panics_on_junk() {
        for junk in [
            &b""[..],
            b"null",
            b"[1,2]",
            b"<html>",
            b"{\"responsecode\":{}}",
            &[0xff, 0xfe][..],
        ] {
            let _ = QosicBody::parse(junk);
            let _ = excerpt(junk, 10);
        }
        assert_eq!(
            excerpt(b"HTTP Status 401:\n Bad credentials", 100),
            "HTTP Status 401: Bad credentials"
        );
        assert_eq!(excerpt(b"abcdef", 3), "abc…");
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// The longest run of ASCII digits in `text`.
        fn longest_digit_run(text: &str) -> usize {
            text.split(|c: char| !c.is_ascii_digit())
                .map(str::len)
                .max()
                .unwrap_or(0)
        }

        /// A key the reader looks for, in any case, or another key.
        fn key() -> impl Strategy<Value = String> {
            prop_oneof![
                prop::sample::select(NAMES.to_vec()).prop_flat_map(|name| {
                    prop::collection::vec(any::<bool>(), name.len()).prop_map(move |upper| {
                        name.chars()
                            .zip(upper)
                            .map(|(c, u)| if u { c.to_ascii_uppercase() } else { c })
                            .collect()
                    })
                }),
                "[a-zA-Z_]{0,12}",
                "\\PC{0,6}",
            ]
        }

        /// Any JSON value, scalars more often than containers.
        fn value() -> impl Strategy<Value = Value> {
            let scalar = prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::Bool),
                any::<i64>().prop_map(Value::from),
                any::<f64>()
                    .prop_filter("finite", |f| f.is_finite())
                    .prop_map(Value::from),
                "[ ]{0,2}[-0-9]{0,4}[ ]{0,2}".prop_map(Value::from),
                "\\PC{0,20}".prop_map(Value::from),
            ];
            scalar.prop_recursive(2, 8, 4, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
                    prop::collection::btree_map("[a-z]{1,4}", inner, 0..3)
                        .prop_map(|m| Value::Object(m.into_iter().collect())),
                ]
            })
        }

        /// A JSON object written by hand, so that keys may repeat.
        fn object() -> impl Strategy<Value = String> {
            prop::collection::vec((key(), value()), 0..8).prop_map(|entries| {
                let fields: Vec<String> = entries
                    .iter()
                    .map(|(k, v)| format!("{}:{v}", Value::from(k.as_str())))
                    .collect();
                format!("{{{}}}", fields.join(","))
            })
        }

        proptest! {
            #[test]
            fn any_object_reads_like_a_value_tree(body in object()) {
                prop_assert_eq!(QosicBody::parse(body.as_bytes()), parse_with_value(body.as_bytes()), "{}", body);
            }

            #[test]
            fn any_bytes_read_without_panic_and_like_a_value_tree(body in prop::collection::vec(any::<u8>(), 0..256)) {
                prop_assert_eq!(QosicBody::parse(&body), parse_with_value(&body));
                let cut = excerpt(&body, 40);
                prop_assert!(cut.chars().count() <= 41);
                prop_assert!(longest_digit_run(&cut) < 8, "{}", cut);
            }

            #[test]
            fn masking_leaves_no_number_and_changes_nothing_else(text in "([0-9]{0,14}[ +:a-z\\-]{0,3}){0,6}") {
                let masked = mask_numbers(&text);
                prop_assert!(longest_digit_run(&masked) < 8, "{} -> {}", text, masked);
                prop_assert_eq!(masked.chars().count(), text.chars().count());
                for (a, b) in text.chars().zip(masked.chars()) {
                    prop_assert!(a == b || (a.is_ascii_digit() && b == '*'), "{} -> {}", text, masked);
                }
                prop_assert_eq!(mask_numbers(&masked), masked.clone(), "masking twice changes nothing");
                if longest_digit_run(&text) < 8 {
                    prop_assert_eq!(masked, std::borrow::Cow::Borrowed(text.as_str()));
                }
            }
        }
    }
}
