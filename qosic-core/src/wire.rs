//! Lenient reading of QosIc's JSON answers, shared by every carrier.
//!
//! QosIc's answers are not uniform: codes come as strings or numbers, keys in lowercase or
//! camelCase, error bodies as JSON problems, plain text, HTML or nothing. [`QosicBody::parse`]
//! reads what can be read and never panics.

use serde_json::Value;

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

impl QosicBody {
    /// Reads a body; `None` when it is not a JSON object.
    pub fn parse(body: &[u8]) -> Option<QosicBody> {
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
}

/// The start of a body, for error messages: at most `max` characters, on one line.
pub fn excerpt(body: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(body);
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max {
        return one_line;
    }
    let mut cut: String = one_line.chars().take(max).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
