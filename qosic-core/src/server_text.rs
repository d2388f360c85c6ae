//! Text that came from a server, made safe to show: [`reason`], [`body`] and [`Escaped`].
//!
//! A server's messages, comments, codes, echoed references and bodies reach error messages,
//! outcomes, `Debug` output and logs. A hostile or broken server could put a newline and
//! `status: CONFIRMED` in a decline message, terminal escape codes that rewrite the screen, a
//! NUL, invalid UTF-8 or a megabyte of text there. Everything the SDK shows of a server's text
//! goes through this module first:
//!
//! - control characters are shown as visible escapes: `\n`, `\r`, `\t`, `\0`, and `\u{1b}`
//!   for the other C0 and C1 controls (ESC, so no ANSI sequence reaches a terminal), DEL, the
//!   line and paragraph separators and the bidirectional controls (`\u{202e}`…), which could
//!   make text read backwards;
//! - invalid UTF-8 is replaced by `�` (U+FFFD);
//! - text is cut to a bounded length, [`REASON_MAX_CHARS`] characters for a reason or a
//!   message, [`LOG_MAX_BYTES`] bytes for a body in a log line, and a cut text ends with a
//!   marker that says so and how long the text was: `…[cut: 1048576 bytes in all]`.
//!
//! The text as the server sent it stays available to a caller who asks for it:
//! [`Outcome::raw_response`](crate::Outcome::raw_response) keeps the last answer's body
//! ([`RawResponse::bytes`](crate::RawResponse::bytes), byte for byte), and a
//! [`Callback`](crate::Callback)'s getters return its fields as received. Print those
//! through this module too.
//!
//! ```
//! use qosic_core::server_text;
//! let shown = server_text::reason("DECLINED\nstatus: CONFIRMED\u{1b}[2K");
//! assert_eq!(shown, r"DECLINED\nstatus: CONFIRMED\u{1b}[2K");
//! assert!(!shown.contains('\n'));
//! ```

use std::borrow::Cow;
use std::fmt::{self, Write as _};

/// The most characters of a server's text kept in a reason, a message, a code or an error:
/// 512.
pub const REASON_MAX_CHARS: usize = 512;

/// The most bytes of a server's body written in a log line or `Debug` output: 4 KiB.
pub const LOG_MAX_BYTES: usize = 4096;

/// A server's text for a reason, a message or an error: control characters escaped, cut
/// after [`REASON_MAX_CHARS`] characters with a marker. Borrowed when nothing changes.
pub fn reason(text: &str) -> Cow<'_, str> {
    clean(text, REASON_MAX_CHARS, usize::MAX, text.len())
}

/// [`reason`] for an owned string: returns it unchanged (no copy) when it is already safe.
pub fn reason_owned(text: String) -> String {
    match reason(&text) {
        Cow::Borrowed(_) => text,
        Cow::Owned(clean) => clean,
    }
}

/// A server's body for a log line or `Debug` output: invalid UTF-8 replaced, phone numbers
/// masked ([`mask_numbers`](crate::wire::mask_numbers), but not the values of `serviceref`,
/// `transref` and `specialfield1`, which are references), the values of the card key
/// (`qosKey`) and of account holders' names (`firstName`, `surName`, `lastName`) replaced by
/// `[REDACTED]`, control characters escaped, cut
/// after [`LOG_MAX_BYTES`] bytes with a marker. Only the start of a large body is read.
pub fn body(bytes: &[u8]) -> Cow<'_, str> {
    // A little more than the limit, so that a phone number across the cut is still masked;
    // escapes only make the text longer, so nothing past this prefix could be shown.
    let head = &bytes[..bytes.len().min(LOG_MAX_BYTES + 16)];
    let text = crate::card::redact_personal_data(String::from_utf8_lossy(head));
    let masked = crate::wire::mask_body(&text);
    let unchanged = matches!((&text, &masked), (Cow::Borrowed(_), Cow::Borrowed(_)));
    let cleaned = clean(&masked, usize::MAX, LOG_MAX_BYTES, bytes.len());
    match cleaned {
        Cow::Borrowed(_) if unchanged && head.len() == bytes.len() => {
            // Valid UTF-8, nothing masked, escaped or cut: the input itself.
            Cow::Borrowed(std::str::from_utf8(bytes).unwrap_or_default())
        }
        other => Cow::Owned(other.into_owned()),
    }
}

/// A server's text written with its control characters escaped, not cut: for `Display`
/// implementations that show a field whose length was bounded when it was read.
#[derive(Clone, Copy)]
pub struct Escaped<'a>(pub &'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(at) = rest.find(needs_escape) {
            f.write_str(&rest[..at])?;
            let c = rest[at..].chars().next().unwrap_or_default();
            write_escape(f, c)?;
            rest = &rest[at + c.len_utf8()..];
        }
        f.write_str(rest)
    }
}

impl fmt::Debug for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.0, f)
    }
}

/// Whether `c` must be shown as an escape: C0 and C1 controls, DEL, the line and paragraph
/// separators, and the bidirectional controls.
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
        )
}

fn write_escape(out: &mut impl fmt::Write, c: char) -> fmt::Result {
    match c {
        '\n' => out.write_str("\\n"),
        '\r' => out.write_str("\\r"),
        '\t' => out.write_str("\\t"),
        '\0' => out.write_str("\\0"),
        c => write!(out, "\\u{{{:x}}}", c as u32),
    }
}

/// Escapes `text` and cuts it after `max_chars` characters or `max_bytes` bytes of output,
/// whichever comes first; a cut text ends with a marker naming `total_bytes`.
fn clean(text: &str, max_chars: usize, max_bytes: usize, total_bytes: usize) -> Cow<'_, str> {
    let fits =
        text.len() <= max_bytes && (text.len() <= max_chars || text.chars().count() <= max_chars);
    if fits && !text.contains(needs_escape) && text.len() == total_bytes {
        return Cow::Borrowed(text);
    }
    let mut out =
        String::with_capacity(text.len().min(max_bytes).min(max_chars.saturating_mul(4)) + 32);
    let mut chars = 0;
    let mut cut = false;
    let mut escape = String::new();
    for c in text.chars() {
        escape.clear();
        // Escapes are ASCII: as many characters as bytes.
        let piece_chars = if needs_escape(c) {
            let _ = write_escape(&mut escape, c);
            escape.len()
        } else {
            escape.push(c);
            1
        };
        if chars + piece_chars > max_chars || out.len() + escape.len() > max_bytes {
            cut = true;
            break;
        }
        out.push_str(&escape);
        chars += piece_chars;
    }
    if cut || text.len() < total_bytes {
        let _ = write!(out, "…[cut: {total_bytes} bytes in all]");
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Nothing a terminal would act on: no control character, no bidirectional control.
    fn inert(text: &str) -> bool {
        !text.contains(needs_escape)
    }

    #[test]
    fn a_newline_cannot_start_a_line() {
        let shown = reason("TRANSACTION DECLINED\nstatus: CONFIRMED");
        assert_eq!(shown, r"TRANSACTION DECLINED\nstatus: CONFIRMED");
        assert!(!shown.lines().any(|l| l.starts_with("status: CONFIRMED")));
    }

    #[test]
    fn a_carriage_return_cannot_overwrite_a_line() {
        assert_eq!(reason("FAILED\rCONFIRMED"), r"FAILED\rCONFIRMED");
    }

    #[test]
    fn ansi_escapes_are_shown_not_obeyed() {
        let shown = reason("\u{1b}[1A\u{1b}[2Kstatus: CONFIRMED\u{9b}31m");
        assert_eq!(shown, r"\u{1b}[1A\u{1b}[2Kstatus: CONFIRMED\u{9b}31m");
        assert!(inert(&shown));
    }

    #[test]
    fn nul_tab_del_and_bidi_controls_are_escaped() {
        assert_eq!(
            reason("a\0b\tc\u{7f}d\u{202e}e\u{2066}f\u{2028}"),
            r"a\0b\tc\u{7f}d\u{202e}e\u{2066}f\u{2028}"
        );
    }

    #[test]
    fn invalid_utf8_is_replaced() {
        assert_eq!(
            body(b"FAILED \xff\xfe\x1b[31m"),
            "FAILED \u{fffd}\u{fffd}\\u{1b}[31m"
        );
    }

    #[test]
    fn a_megabyte_is_cut_with_a_marker() {
        let huge = "A".repeat(1 << 20);
        let shown = reason(&huge);
        assert_eq!(
            shown,
            format!(
                "{}…[cut: 1048576 bytes in all]",
                "A".repeat(REASON_MAX_CHARS)
            )
        );
        let logged = body(huge.as_bytes());
        assert!(logged.len() <= LOG_MAX_BYTES + 40, "{}", logged.len());
        assert!(logged.ends_with("…[cut: 1048576 bytes in all]"));
    }

    #[test]
    fn escapes_count_against_the_limit() {
        let shown = reason(&"\n".repeat(10_000)).into_owned();
        assert!(shown.chars().count() <= REASON_MAX_CHARS + 40);
        assert!(shown.starts_with(r"\n\n"));
        assert!(shown.ends_with("…[cut: 10000 bytes in all]"));
        // A multi-byte character is never split.
        let shown = reason(&"é".repeat(600)).into_owned();
        assert!(shown.starts_with(&"é".repeat(REASON_MAX_CHARS)));
    }

    #[test]
    fn safe_text_is_borrowed_and_escaping_twice_changes_nothing() {
        assert!(matches!(reason("TRANSACTION DECLINED"), Cow::Borrowed(_)));
        assert!(matches!(
            body(b"{\"responsecode\":\"01\"}"),
            Cow::Borrowed(_)
        ));
        let once = reason("a\nb\u{1b}").into_owned();
        assert_eq!(reason(&once), once);
        assert_eq!(Escaped("x\ny").to_string(), r"x\ny");
        assert_eq!(Escaped(&once).to_string(), once);
    }

    #[test]
    fn logged_bodies_mask_phone_numbers() {
        assert_eq!(body(b"22997000100 declined"), "22997****00 declined");
    }
}
