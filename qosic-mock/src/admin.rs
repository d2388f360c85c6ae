//! The admin HTTP API under `/__admin/`: program subscribers and faults, read the journal,
//! the transactions and the ledger, reset the state. JSON in, JSON out; open, behind a
//! bearer token, or disabled ([`crate::MockQosicBuilder::admin_token`],
//! [`crate::MockQosicBuilder::disable_admin`]).
//!
//! Names (behaviours, fault kinds, endpoints) are read by serde derives, so an unknown name
//! gets serde's error listing the accepted ones. See the crate docs ("The admin API") for
//! the endpoints and curl examples.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize, Serializer};
use serde_json::{json, Value};

use crate::endpoint::Endpoint;
use crate::fault::Fault;
use crate::journal::Entry;
use crate::state::{body_problem, problem, Action, AdminAccess, Incoming, Reply, Shared};
use crate::subscriber::{Outcome, Subscriber};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SubscriberSpec {
    phone: String,
    behaviour: Outcome,
    after_checks: Option<u32>,
    after_ms: Option<u64>,
    /// The carrier the number was ported to (`Subscriber::ported_to`), by name.
    ported_to: Option<String>,
}

/// The fault kinds of the admin API, by serde name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum FaultName {
    Status,
    Delay,
    MalformedBody,
    EmptyBody,
    HtmlError,
    DroppedConnection,
    LostAnswer,
    WrongReference,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultSpec {
    kind: FaultName,
    status: Option<u16>,
    delay_ms: Option<u64>,
    times: Option<usize>,
    endpoint: Option<Endpoint>,
    after_recording: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectationSpec {
    endpoint: Endpoint,
    count: usize,
}

/// The answer to an admin call that changes state and that a web page on another site could
/// have sent (a form or a plain `fetch`), or `None` when it could not have.
///
/// A browser sends such a request cross-site, without asking the server first, only with a
/// form's content type (or none) and only with headers of its short safe list. So a call
/// that changes state must carry a JSON `Content-Type`, the [`crate::ADMIN_HEADER`] header,
/// or the admin token (an `Authorization` header); reads (`GET`, `HEAD`) change nothing and
/// their answers are not readable cross-site.
fn cross_site(access: &AdminAccess, req: &Incoming<'_>) -> Option<Reply> {
    if matches!(req.method, "GET" | "HEAD")
        || req.admin_header
        || matches!(access, AdminAccess::Token(_))
    {
        return None;
    }
    let media = req.content_type.map(|v| {
        v.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    });
    match media.as_deref() {
        Some("application/json") => None,
        Some(other) => Some(problem(
            415,
            "Unsupported Media Type",
            &format!(
                "admin calls that change state take `Content-Type: application/json`, got {other:?} \
                 (a web page on another site can send a form, so it is refused); or send the \
                 header `{}: 1`",
                crate::ADMIN_HEADER
            ),
        )),
        None => Some(problem(
            403,
            "Forbidden",
            &format!(
                "admin calls that change state need `Content-Type: application/json` or the \
                 header `{}: 1` (a web page on another site can send neither, so it cannot \
                 reset or program this server)",
                crate::ADMIN_HEADER
            ),
        )),
    }
}

pub(crate) fn handle(shared: &Shared, req: &Incoming<'_>) -> Action {
    match &shared.config.admin {
        AdminAccess::Open => {}
        AdminAccess::Disabled => {
            return respond(problem(
                404,
                "Not Found",
                "the admin API is disabled on this server (--no-admin)",
            ))
        }
        AdminAccess::Token(token) => {
            if !bearer_matches(req.authorization, token) {
                return respond(problem(
                    401,
                    "Unauthorized",
                    "the admin API needs the header `Authorization: Bearer <token>`, with the \
                     token the server was started with (--admin-token or QOSIC_MOCK_ADMIN_TOKEN)",
                ));
            }
        }
    }
    if let Some(refused) = cross_site(&shared.config.admin, req) {
        return respond(refused);
    }
    let (path, inline_query) = match req.path.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (req.path, None),
    };
    let query = req.query.or(inline_query).unwrap_or("");
    let route = path.trim_end_matches('/');
    if let Some(problem) = req.problem {
        return respond(body_problem(problem, &shared.config.limits));
    }
    if route == "/__admin/callbacks" || route.starts_with("/__admin/callbacks/") {
        return crate::callback::admin(shared, req.method, route, req.body);
    }
    if route == "/__admin/holders" {
        return crate::holder::admin(shared, req.method, route, req.body);
    }
    // Methods are case-sensitive, as on the wire endpoints.
    match (req.method, route) {
        ("GET", "/__admin/health") => {
            let journal = shared.journal_stats();
            respond(ok(&json!({
                "status": "ok",
                "connections": shared.connections.load(Ordering::SeqCst),
                "open_connections": shared.open_connections.load(Ordering::SeqCst),
                "refused_connections": shared.refused_connections.load(Ordering::SeqCst),
                "requests": journal.received,
                "journal": {
                    "entries": journal.entries,
                    "capacity": journal.capacity,
                    "dropped": journal.dropped,
                },
            })))
        }
        ("GET", "/__admin/config") => {
            let config = &shared.config;
            let limits = &config.limits;
            let mut settings = json!({
                "login": config.login,
                "phone_forms": config.phone_forms,
                "refuse_wrong_carrier": config.refuse_wrong_carrier,
                "journal_capacity": limits.journal_capacity,
                "max_transactions": limits.max_transactions,
                "max_body_bytes": limits.max_body,
                "header_timeout_ms": millis(limits.header_timeout),
                "body_timeout_ms": millis(limits.body_timeout),
                "idle_timeout_ms": millis(limits.idle_timeout),
                "max_connections": limits.max_connections,
                "admin_token": matches!(config.admin, AdminAccess::Token(_)),
            });
            // Each carrier's client id, as `<carrier>_client_id` and in `client_ids`, and the
            // endpoints served.
            let mut client_ids = serde_json::Map::new();
            for (carrier, id) in config.client_ids.iter() {
                let key = carrier.name().to_ascii_lowercase();
                settings[format!("{key}_client_id")] = Value::from(id);
                client_ids.insert(key, Value::from(id));
            }
            settings["client_ids"] = Value::Object(client_ids);
            settings["endpoints"] = Endpoint::all()
                .map(|e| json!({"name": e.name(), "path": e.path()}))
                .collect();
            respond(ok(&settings))
        }
        ("GET", "/__admin/ledger") => respond(ok(&to_value(&shared.ledger()))),
        ("GET", "/__admin/journal") => match JournalQuery::parse(query) {
            Ok(q) => {
                let entries = shared.journal_snapshot(q.since, q.limit);
                // Serialized away from the lock and, over HTTP, away from the event loop.
                Action::Render(Box::new(move || render(&Entries(entries))))
            }
            Err(e) => respond(bad(&e)),
        },
        ("GET", "/__admin/transactions") => {
            let snapshot = shared.transactions_snapshot();
            Action::Render(Box::new(move || render(&snapshot.views())))
        }
        ("GET", "/__admin/verify") => respond(match shared.verification_report() {
            None => ok(&json!({"ok": true})),
            Some(report) => Reply::json(409, &json!({"ok": false, "report": report})),
        }),
        ("GET", r) if r.starts_with("/__admin/transactions/") => {
            let reference = &r["/__admin/transactions/".len()..];
            respond(match shared.transaction(reference) {
                Some(tx) => ok(&to_value(&tx)),
                None => problem(
                    404,
                    "Not Found",
                    &format!("no transaction with reference {:?}", clip(reference)),
                ),
            })
        }
        ("POST", "/__admin/subscribers") => respond(
            parse::<SubscriberSpec>(req.body)
                .and_then(|spec| subscriber(shared, spec))
                .map_or_else(|e| bad(&e), |()| done()),
        ),
        ("DELETE", "/__admin/subscribers") => {
            shared.clear_subscribers();
            respond(done())
        }
        ("POST", "/__admin/faults") => respond(
            parse::<FaultSpec>(req.body)
                .and_then(fault)
                .and_then(|f| shared.add_fault(f))
                .map_or_else(|e| bad(&e), |()| done()),
        ),
        ("DELETE", "/__admin/faults") => {
            shared.clear_faults();
            respond(done())
        }
        ("POST", "/__admin/expectations") => respond(
            parse::<ExpectationSpec>(req.body)
                .and_then(|spec| shared.expect(spec.endpoint, spec.count))
                .map_or_else(|e| bad(&e), |()| done()),
        ),
        ("POST", "/__admin/reset") => {
            shared.reset();
            respond(done())
        }
        (method, route) => respond(problem(
            404,
            "Not Found",
            &format!(
                "no admin endpoint {} {}; see the qosic-mock crate docs",
                clip(method),
                clip(route)
            ),
        )),
    }
}

/// `?since=SEQ&limit=N` of `GET /__admin/journal`.
#[derive(Debug, PartialEq, Eq)]
struct JournalQuery {
    since: u64,
    limit: usize,
}

impl JournalQuery {
    fn parse(query: &str) -> Result<JournalQuery, String> {
        let mut q = JournalQuery {
            since: 0,
            limit: usize::MAX,
        };
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let number = || {
                value.parse::<u64>().map_err(|_| {
                    format!(
                        "journal query: {name} must be a whole number, got {:?}",
                        clip(value)
                    )
                })
            };
            match name {
                "since" => q.since = number()?,
                "limit" => q.limit = usize::try_from(number()?).unwrap_or(usize::MAX),
                other => {
                    return Err(format!(
                        "journal query: unknown parameter {:?} (expected since and limit)",
                        clip(other)
                    ))
                }
            }
        }
        Ok(q)
    }
}

/// Journal entries, serialized one by one as [`crate::RecordedRequest`]s.
struct Entries(Vec<Arc<Entry>>);

impl Serialize for Entries {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|e| e.to_recorded()))
    }
}

pub(crate) fn render<T: Serialize>(value: &T) -> Reply {
    match serde_json::to_vec(value) {
        Ok(body) => Reply::json_bytes(200, body),
        Err(e) => problem(
            500,
            "Internal Server Error",
            &format!("cannot serialize: {e}"),
        ),
    }
}

/// Compares a bearer token without stopping at the first differing byte.
fn bearer_matches(authorization: Option<&str>, token: &str) -> bool {
    let Some((scheme, given)) = authorization.and_then(|h| h.trim().split_once(' ')) else {
        return false;
    };
    let given = given.trim().as_bytes();
    let token = token.as_bytes();
    scheme.eq_ignore_ascii_case("bearer")
        && given.len() == token.len()
        && given
            .iter()
            .zip(token)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

fn respond(reply: Reply) -> Action {
    Action::Respond(reply)
}

fn ok(value: &Value) -> Reply {
    Reply::json(200, value)
}

fn done() -> Reply {
    ok(&json!({"ok": true}))
}

fn bad(what: &str) -> Reply {
    problem(400, "Bad Request", what)
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

pub(crate) fn clip(s: &str) -> String {
    s.chars().take(200).collect()
}

fn to_value<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

pub(crate) fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    serde_json::from_slice(body).map_err(|e| format!("invalid JSON body: {e}"))
}

/// A delay in milliseconds from the admin API, at most [`Fault::MAX_ADMIN_DELAY`].
pub(crate) fn admin_delay(field: &str, ms: u64) -> Result<Duration, String> {
    let delay = Duration::from_millis(ms);
    if delay > Fault::MAX_ADMIN_DELAY {
        return Err(format!(
            "{field} must be at most {} (10 minutes), got {ms}",
            Fault::MAX_ADMIN_DELAY.as_millis()
        ));
    }
    Ok(delay)
}

fn subscriber(shared: &Shared, spec: SubscriberSpec) -> Result<(), String> {
    let mut subscriber = Subscriber::new(spec.behaviour);
    match (spec.after_checks, spec.after_ms) {
        (Some(_), Some(_)) => return Err("give after_checks or after_ms, not both".to_owned()),
        (Some(n), None) => subscriber = subscriber.after_checks(n),
        (None, Some(ms)) => subscriber = subscriber.after(admin_delay("after_ms", ms)?),
        (None, None) => {}
    }
    if let Some(name) = &spec.ported_to {
        let table = crate::carriers::table();
        let served = table.carrier_named(name).ok_or_else(|| {
            format!(
                "ported_to: unknown carrier {:?}, expected one of {}",
                clip(name),
                table.carrier_keys()
            )
        })?;
        subscriber = subscriber.ported_to(served.spec.carrier());
    }
    shared.program_subscriber(&spec.phone, subscriber)
}

fn fault(spec: FaultSpec) -> Result<Fault, String> {
    let delay = spec
        .delay_ms
        .map(|ms| admin_delay("delay_ms", ms))
        .transpose()?;
    let mut fault = match spec.kind {
        FaultName::Status => Fault::status(
            spec.status
                .ok_or("a status fault needs \"status\", a final HTTP status from 200 to 599")?,
        ),
        FaultName::Delay => {
            Fault::delay(delay.ok_or("a delay fault needs \"delay_ms\" (at most 600000)")?)
        }
        FaultName::MalformedBody => Fault::malformed_body(),
        FaultName::EmptyBody => Fault::empty_body(),
        FaultName::HtmlError => Fault::html_error(),
        FaultName::DroppedConnection => Fault::dropped_connection(),
        FaultName::LostAnswer => Fault::lost_answer(),
        FaultName::WrongReference => Fault::wrong_reference(),
    };
    if let Some(status) = spec.status.filter(|_| spec.kind != FaultName::Status) {
        fault = fault.with_status(status);
    }
    if let Some(delay) = delay.filter(|_| spec.kind != FaultName::Delay) {
        fault = fault.delayed(delay);
    }
    if let Some(n) = spec.times {
        fault = fault.times(n);
    }
    if let Some(endpoint) = spec.endpoint {
        fault = fault.on(endpoint);
    }
    if spec.after_recording == Some(true) {
        fault = fault.after_recording();
    }
    fault.check()?;
    Ok(fault)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journal_queries() {
        assert_eq!(
            JournalQuery::parse("").unwrap(),
            JournalQuery {
                since: 0,
                limit: usize::MAX
            }
        );
        assert_eq!(
            JournalQuery::parse("since=5&limit=2").unwrap(),
            JournalQuery { since: 5, limit: 2 }
        );
        assert!(JournalQuery::parse("since=x")
            .unwrap_err()
            .contains("whole number"));
        assert!(JournalQuery::parse("page=1")
            .unwrap_err()
            .contains("since and limit"));
    }

    #[test]
    fn bearer_tokens() {
        assert!(bearer_matches(Some("Bearer t0k"), "t0k"));
        assert!(bearer_matches(Some("bearer  t0k "), "t0k"));
        assert!(!bearer_matches(Some("Bearer t0"), "t0k"));
        assert!(!bearer_matches(Some("Basic t0k"), "t0k"));
        assert!(!bearer_matches(None, "t0k"));
    }
}
