//! The files the pages load (`/static/checkout.js`, `/static/checkout.css`,
//! `/static/theme.css`), compiled in, and the security headers every answer carries
//! ([`security_headers`]).
//!
//! The pages have no inline script, so the Content-Security-Policy allows scripts from the
//! shop itself only (`script-src 'self'`); `frame-ancestors 'none'` stops another site from
//! framing the payment page; `Referrer-Policy: same-origin` keeps order addresses from other
//! sites. JSON answers carry `Cache-Control: no-store`: an order's status is never served from
//! a cache. Forms post to the shop only (`form-action 'self'`), and, when the shop takes cards,
//! to the card host's origin as well ([`content_security_policy`]): browsers apply
//! `form-action` to the redirects of a form's answer, so "Pay by card"'s 303 to the card page
//! needs it.

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The Content-Security-Policy of every answer of a shop that takes no cards.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' data: https:; connect-src 'self'; form-action 'self'; \
     base-uri 'none'; object-src 'none'; frame-ancestors 'none'";

/// The Content-Security-Policy of every answer: [`CONTENT_SECURITY_POLICY`], with the card
/// host's origin (`https://b-card.qosic.net`) added to `form-action` when the shop takes
/// cards.
pub fn content_security_policy(card_origin: Option<&str>) -> String {
    match card_origin {
        Some(origin) => CONTENT_SECURITY_POLICY.replace(
            "form-action 'self'",
            &format!("form-action 'self' {origin}"),
        ),
        None => CONTENT_SECURITY_POLICY.to_owned(),
    }
}

/// The origin of an `http://` or `https://` address (`https://b-card.qosic.net:443/x` →
/// `https://b-card.qosic.net:443`), lower-cased; `None` for anything else, or a host with
/// characters no host name or address has.
pub fn origin(url: &str) -> Option<String> {
    let url = url.trim();
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let host = rest.split(['/', '?', '#']).next()?;
    let host_ok = !host.is_empty()
        && !host.contains('@')
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'));
    host_ok.then(|| format!("{scheme}://{}", host.to_ascii_lowercase()))
}

const SCRIPT: &str = include_str!("../static/checkout.js");
const STYLE: &str = include_str!("../static/checkout.css");

/// `GET /static/checkout.js`.
pub(crate) async fn script() -> Response {
    asset("text/javascript; charset=utf-8", SCRIPT.to_owned())
}

/// `GET /static/checkout.css`.
pub(crate) async fn style() -> Response {
    asset("text/css; charset=utf-8", STYLE.to_owned())
}

/// The shop's colour as a style sheet (`--brand`); a colour that is not `#RGB` or `#RRGGBB`
/// was refused at start ([`brand_colour`]).
pub(crate) fn theme(colour: Option<&str>) -> Response {
    let css = colour
        .map(|c| format!(":root{{--brand:{c}}}\n"))
        .unwrap_or_default();
    asset("text/css; charset=utf-8", css)
}

/// Checks a shop colour: `#RGB` or `#RRGGBB`.
pub fn brand_colour(colour: &str) -> Result<String, String> {
    let colour = colour.trim();
    let hex = colour.strip_prefix('#').unwrap_or_default();
    if matches!(hex.len(), 3 | 6) && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(colour.to_owned())
    } else {
        Err(format!(
            "invalid CHECKOUT_SHOP_COLOUR {colour:?}: expected a colour such as #1a6b3c or #c60"
        ))
    }
}

fn asset(content_type: &'static str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
        .into_response()
}

/// Middleware: the security headers on every answer (`csp`: [`content_security_policy`]),
/// and `Cache-Control: no-store` on JSON answers that set no cache policy of their own.
pub async fn security_headers(
    State(csp): State<HeaderValue>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    for (name, value) in [
        (header::REFERRER_POLICY, "same-origin"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json") || v.starts_with("text/event-stream"));
    if json && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shop_colour_is_a_hex_colour() {
        assert_eq!(brand_colour(" #1a6b3c ").unwrap(), "#1a6b3c");
        assert_eq!(brand_colour("#C60").unwrap(), "#C60");
        for bad in ["red", "#12", "1a6b3c", "#1a6b3g", "#fff;}body{display:none"] {
            let err = brand_colour(bad).unwrap_err();
            assert!(err.contains("expected a colour such as #1a6b3c"), "{err}");
        }
    }

    #[test]
    fn forms_may_post_to_the_card_host_only_when_the_shop_takes_cards() {
        assert_eq!(
            origin("https://B-Card.qosic.net/public/v1"),
            Some("https://b-card.qosic.net".to_owned())
        );
        assert_eq!(
            origin("http://127.0.0.1:9014"),
            Some("http://127.0.0.1:9014".to_owned())
        );
        for bad in [
            "ftp://x",
            "https://",
            "https://a b",
            "https://x;script-src *",
            "x",
        ] {
            assert_eq!(origin(bad), None, "{bad}");
        }
        assert_eq!(content_security_policy(None), CONTENT_SECURITY_POLICY);
        let csp = content_security_policy(Some("https://b-card.qosic.net"));
        assert!(
            csp.contains("form-action 'self' https://b-card.qosic.net;"),
            "{csp}"
        );
    }

    #[test]
    fn the_script_and_styles_are_served_whole() {
        assert!(SCRIPT.contains("EventSource") && SCRIPT.contains("aria-invalid"));
        assert!(STYLE.contains("--brand"));
    }
}
