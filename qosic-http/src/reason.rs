//! Reasons in plain words: what a failed call's [`TransportError`](qosic_core::TransportError)
//! says, and the fix when there is one.
//!
//! The cause is found in the error's source chain by type (an `io::ErrorKind`, a
//! `rustls::Error`, a `hyper::Error`), never by matching message text. A reason names the
//! request's host and port only: never its path, query string or user info, which may carry
//! secrets.

use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::time::{Duration, Instant};

/// Where a request went, as shown in reasons: the host and the port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    host: String,
    port: u16,
}

impl Target {
    pub(crate) fn from_url(url: &reqwest::Url) -> Target {
        Target {
            host: url.host_str().unwrap_or("the server").to_owned(),
            port: url.port_or_known_default().unwrap_or(0),
        }
    }

    /// The host name or IP address, as written in the URL.
    pub(crate) fn host(&self) -> &str {
        &self.host
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.host, self.port)
    }
}

/// One call, for the reasons that depend on its settings and on how long it took.
#[derive(Debug)]
pub(crate) struct Call<'a> {
    pub(crate) target: &'a Target,
    /// When the call started, on the real clock (not tokio's, which a test may pause).
    pub(crate) started: Instant,
    pub(crate) timeout: Duration,
    /// The proxy named with `HttpTransportBuilder::proxy`, if any.
    pub(crate) proxy: Option<&'a Target>,
    /// `None` for a caller's client (`HttpTransport::from_client`).
    pub(crate) connect_timeout: Option<Duration>,
}

/// Why the HTTP transport cannot run on a paused clock, and what to use instead.
const PAUSED: &str = "tokio's clock is paused (tokio::time::pause or #[tokio::test(start_paused \
                      = true)]), and the HTTP transport needs the real clock; with a paused \
                      clock, use qosic-mock's in-process transport (MockQosic::transport())";

/// Where a proxy came from, and how to bypass it.
const PROXY_FROM: &str = "the proxy comes from HttpTransportBuilder::proxy; \
                          HttpTransportBuilder::no_proxy bypasses it";

/// Why a call was refused before sending: tokio's clock is paused.
pub(crate) fn paused_clock(target: &str) -> String {
    format!("request to {target} not sent: {PAUSED}")
}

/// What the caller should do after a request that may have reached QosIc.
const CHECK_STATUS: &str =
    "the server may have received the request, so check its status before paying again";

/// Calls `found` on `error` and every error below it until it returns `Some`, looking inside
/// `io::Error` wrappers too (their `source` skips the error they wrap).
pub(crate) fn find_map<'a, R>(
    error: &'a (dyn StdError + 'static),
    found: &mut dyn FnMut(&'a (dyn StdError + 'static)) -> Option<R>,
) -> Option<R> {
    let mut next = Some(error);
    while let Some(error) = next {
        if let Some(result) = found(error) {
            return Some(result);
        }
        if let Some(inner) = error
            .downcast_ref::<io::Error>()
            .and_then(io::Error::get_ref)
        {
            if let Some(result) = find_map(inner, found) {
                return Some(result);
            }
        }
        next = error.source();
    }
    None
}

/// The first error of type `T` in `error`'s chain.
pub(crate) fn find<'a, T: StdError + 'static>(
    error: &'a (dyn StdError + 'static),
) -> Option<&'a T> {
    find_map(error, &mut |e| e.downcast_ref::<T>())
}

/// The first `io::ErrorKind` in the chain for which `wanted` holds.
fn io_kind(
    error: &(dyn StdError + 'static),
    wanted: impl Fn(io::ErrorKind) -> bool,
) -> Option<io::ErrorKind> {
    find_map(error, &mut |e| {
        let kind = e.downcast_ref::<io::Error>()?.kind();
        wanted(kind).then_some(kind)
    })
}

/// The message of the last error in the chain: the most precise one.
pub(crate) fn innermost(error: &(dyn StdError + 'static)) -> String {
    let mut last = error;
    while let Some(next) = last.source() {
        last = next;
    }
    last.to_string()
}

/// A duration the way people write it: `80s`, `300ms`, `1.5s`.
pub(crate) fn duration(d: Duration) -> String {
    if d.subsec_nanos() == 0 {
        format!("{}s", d.as_secs())
    } else if d < Duration::from_secs(1) {
        match d.as_millis() {
            0 => "less than 1ms".to_owned(),
            ms => format!("{ms}ms"),
        }
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

/// Why a TCP connection (or the name resolution before it) failed.
pub(crate) fn connect(error: &reqwest::Error, call: &Call<'_>) -> String {
    let target = call.target;
    if let Some(at) = call.proxy {
        if io_kind(error, |kind| kind == io::ErrorKind::ConnectionRefused).is_some() {
            return format!(
                "connection refused by the proxy {at} for {target} (is the proxy running? \
                 {PROXY_FROM})"
            );
        }
        return format!(
            "could not connect to {target} through the proxy {at}: {} ({PROXY_FROM})",
            innermost(error)
        );
    }
    if error.is_dns() {
        return format!(
            "could not resolve the host name {} (is the base URL right, and does this \
             machine's DNS work?)",
            target.host()
        );
    }
    let kind = io_kind(error, |kind| {
        matches!(
            kind,
            io::ErrorKind::ConnectionRefused
                | io::ErrorKind::HostUnreachable
                | io::ErrorKind::NetworkUnreachable
                | io::ErrorKind::AddrNotAvailable
                | io::ErrorKind::PermissionDenied
        )
    });
    match kind {
        Some(io::ErrorKind::ConnectionRefused) => format!(
            "connection refused by {target} (is the server running, and is the base URL right?)"
        ),
        Some(io::ErrorKind::HostUnreachable | io::ErrorKind::NetworkUnreachable) => format!(
            "cannot reach {target}: no route to it (is this machine online, and is the address \
             right?)"
        ),
        _ => format!("could not connect to {target}: {}", innermost(error)),
    }
}

/// Why a call timed out: which timeout, after how long, and what to do.
///
/// `connecting` is true for the connect timeout (the request was not sent).
pub(crate) fn timeout(call: &Call<'_>, connecting: bool, reading_body: bool) -> String {
    let target = call.target;
    let (which, limit) = match (connecting, call.connect_timeout) {
        (true, Some(limit)) => ("connect", limit),
        (true, None) => {
            return format!(
                "connecting to {target} timed out (the connect timeout of the reqwest::Client \
                 given to HttpTransport::from_client; is the server up, and does a firewall \
                 let the connection through?)"
            )
        }
        (false, _) => ("request", call.timeout),
    };
    let real = call.started.elapsed();
    // Timers never fire early on the real clock: a timeout that fired in far less real time
    // than its limit ran on a clock that was moved forward, which is tokio's paused clock.
    if real < limit / 2 {
        return format!(
            "the {which} timeout of {} fired after {} of real time: {PAUSED}",
            duration(limit),
            duration(real),
        );
    }
    if connecting {
        format!(
            "connecting to {target} timed out after {} (is the server up, and does a firewall \
             let the connection through? HttpTransportBuilder::connect_timeout sets the limit)",
            duration(limit)
        )
    } else if reading_body {
        format!(
            "timed out reading the answer from {target} after {} (the request timeout): \
             {CHECK_STATUS}",
            duration(limit)
        )
    } else {
        format!(
            "timed out waiting for the answer from {target} after {} (the request timeout): \
             {CHECK_STATUS}; HttpTransportBuilder::timeout raises the limit",
            duration(limit)
        )
    }
}

/// Why the connection ended before a complete answer.
pub(crate) fn connection_lost(
    error: &reqwest::Error,
    target: &Target,
    reading_body: bool,
) -> String {
    let reset = io_kind(error, |kind| {
        matches!(
            kind,
            io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted
        )
    })
    .is_some();
    let how = if reset { "reset" } else { "closed" };
    let when = if reading_body {
        "in the middle of the answer"
    } else {
        "before the answer"
    };
    format!("connection {how} by {target} {when}: {CHECK_STATUS}")
}

/// Why a call failed in a way none of the other reasons covers.
pub(crate) fn other(error: &reqwest::Error, target: &Target) -> String {
    if find::<hyper::Error>(error).is_some_and(hyper::Error::is_parse) {
        return format!(
            "the answer from {target} is not HTTP/1.1 (is it an https:// server behind an \
             http:// URL?): {CHECK_STATUS}"
        );
    }
    format!(
        "request to {target} failed before a complete answer ({}): {CHECK_STATUS}",
        innermost(error)
    )
}

/// Why an answer was refused for its size, and how to raise the limit.
pub(crate) fn too_large(target: &Target, limit: usize, content_length: Option<u64>) -> String {
    let size = match content_length {
        Some(length) => format!("{length} bytes announced, over the limit of {limit} bytes"),
        None => format!("more than the limit of {limit} bytes"),
    };
    format!(
        "answer from {target} too large: {size} (HttpTransportBuilder::max_response_size raises \
         the limit)"
    )
}

/// Why a TLS handshake failed.
pub(crate) fn tls(error: &reqwest::Error, target: &Target) -> String {
    #[cfg(feature = "rustls")]
    if let Some(error) = find::<rustls::Error>(error) {
        return crate::tls::reason(error, target);
    }
    #[cfg(feature = "native-tls")]
    if let Some(error) = find::<native_tls::Error>(error) {
        return format!(
            "TLS handshake with {target} failed (native-tls: {error}); a private or self-signed \
             certificate needs add_root_certificate"
        );
    }
    format!("TLS handshake with {target} failed: {}", innermost(error))
}

/// `YYYY-MM-DD HH:MM:SS UTC` for a time in seconds since the Unix epoch.
#[cfg_attr(not(feature = "rustls"), allow(dead_code))]
pub(crate) fn utc(seconds: u64) -> String {
    let seconds = i64::try_from(seconds).unwrap_or(i64::MAX);
    let (days, in_day) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        in_day / 3600,
        in_day % 3600 / 60,
        in_day % 60
    )
}

/// The proleptic Gregorian date of a day number (days since 1970-01-01), after Howard
/// Hinnant's `civil_from_days`.
#[cfg_attr(not(feature = "rustls"), allow(dead_code))]
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The day number (days since 1970-01-01) of a proleptic Gregorian date, after Howard
/// Hinnant's `days_from_civil`.
#[cfg_attr(not(feature = "rustls"), allow(dead_code))]
pub(crate) fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_people_write_them() {
        assert_eq!(duration(Duration::from_secs(80)), "80s");
        assert_eq!(duration(Duration::from_millis(300)), "300ms");
        assert_eq!(duration(Duration::from_millis(1500)), "1.5s");
        assert_eq!(duration(Duration::from_micros(20)), "less than 1ms");
    }

    fn call(target: &Target, took: Duration) -> Call<'_> {
        Call {
            target,
            started: Instant::now()
                .checked_sub(took)
                .expect("the machine has been up longer than the test's durations"),
            timeout: Duration::from_secs(80),
            proxy: None,
            connect_timeout: Some(Duration::from_secs(10)),
        }
    }

    fn target() -> Target {
        Target::from_url(&reqwest::Url::parse("https://api.qosic.net/QosicBridge/x").unwrap())
    }

    #[test]
    fn timeouts_say_which_timeout_fired_and_what_to_do() {
        let target = target();
        assert_eq!(
            timeout(&call(&target, Duration::from_secs(10)), true, false),
            "connecting to api.qosic.net:443 timed out after 10s (is the server up, and does a \
             firewall let the connection through? HttpTransportBuilder::connect_timeout sets \
             the limit)"
        );
        assert_eq!(
            timeout(&call(&target, Duration::from_secs(80)), false, false),
            "timed out waiting for the answer from api.qosic.net:443 after 80s (the request \
             timeout): the server may have received the request, so check its status before \
             paying again; HttpTransportBuilder::timeout raises the limit"
        );
        assert_eq!(
            timeout(&call(&target, Duration::from_secs(81)), false, true),
            "timed out reading the answer from api.qosic.net:443 after 80s (the request \
             timeout): the server may have received the request, so check its status before \
             paying again"
        );
    }

    #[test]
    fn a_timeout_in_far_less_real_time_blames_the_paused_clock() {
        let target = target();
        for (connecting, which) in [
            (true, "connect timeout of 10s"),
            (false, "request timeout of 80s"),
        ] {
            let reason = timeout(&call(&target, Duration::from_secs(3)), connecting, false);
            assert!(
                reason.starts_with(&format!(
                    "the {which} fired after 3.0s of real time: tokio's clock is paused"
                )),
                "{reason}"
            );
        }
    }

    #[test]
    fn dates_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(utc(4_102_444_799), "2099-12-31 23:59:59 UTC");
        for days in [-800_000, -1, 0, 59, 60, 11_016, 20_000, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days, "{y}-{m}-{d}");
        }
    }

    #[test]
    fn the_target_never_shows_the_path_query_or_user_info() {
        let url =
            reqwest::Url::parse("https://user:pw@api.qosic.net/QosicBridge/x?token=t").unwrap();
        assert_eq!(Target::from_url(&url).to_string(), "api.qosic.net:443");
        let url = reqwest::Url::parse("http://[::1]:8080/x").unwrap();
        assert_eq!(Target::from_url(&url).to_string(), "[::1]:8080");
    }

    #[test]
    fn io_errors_are_searched_inside_their_wrappers() {
        let inner = io::Error::new(io::ErrorKind::ConnectionRefused, "refused");
        let outer = io::Error::other(inner);
        assert_eq!(
            io_kind(&outer, |k| k == io::ErrorKind::ConnectionRefused),
            Some(io::ErrorKind::ConnectionRefused)
        );
    }
}
