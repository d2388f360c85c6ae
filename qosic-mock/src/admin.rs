//! The admin HTTP API under `/__admin/` (see the crate guide, "The admin API"): JSON in,
//! JSON out; names are read by serde derives, so an unknown name gets serde's error listing
//! the accepted ones.

use std::sync::atomic::Ordering;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use serde::{Deserialize, Serialize, Serializer};
use serde_json::{json, Value};

use crate::config::AdminAccess;
use crate::endpoint::Endpoint;
use crate::fault::Fault;
use crate::holder;
use crate::journal::Entry;
use crate::reply::{
    admin_delay, body_problem, clip, fail, pairs, parse, render, to_value, Action, Incoming, Reply,
};
use crate::shared::Shared;
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

/// The refusal of an admin call that changes state and that a web page on another site could
/// have sent: browsers send cross-site, unasked, only a form's content type (or none) and
/// safe-listed headers, so such a call needs a JSON `Content-Type`, [`crate::ADMIN_HEADER`]
/// or the admin token. Reads (`GET`, `HEAD`) change nothing and are unreadable cross-site.
fn cross_site(access: &AdminAccess, req: &Incoming<'_>) -> Option<Reply> {
    if matches!(req.method, "GET" | "HEAD")
        || req.admin_header
        || matches!(access, AdminAccess::Token(_))
    {
        return None;
    }
    let media = req.content_type.map(|v| {
        let essence = v.split_once(';').map_or(v, |(essence, _)| essence);
        essence.trim().to_ascii_lowercase()
    });
    match media.as_deref() {
        Some("application/json") => None,
        Some(other) => Some(fail(415, &format!(
                "admin calls that change state take `Content-Type: application/json`, got {other:?} \
                 (a web page on another site can send a form, so it is refused); or send the \
                 header `{}: 1`",
                crate::config::ADMIN_HEADER
            ),
        )),
        None => Some(fail(403, &format!(
                "admin calls that change state need `Content-Type: application/json` or the \
                 header `{}: 1` (a web page on another site can send neither, so it cannot \
                 reset or program this server)",
                crate::config::ADMIN_HEADER
            ),
        )),
    }
}

pub(crate) fn handle(shared: &Shared, req: &Incoming<'_>) -> Action {
    match &shared.config.admin {
        AdminAccess::Open => {}
        AdminAccess::Disabled => {
            return respond(fail(
                404,
                "the admin API is disabled on this server (--no-admin)",
            ))
        }
        AdminAccess::Token(token) => {
            if !bearer_matches(req.authorization, token.expose()) {
                return respond(fail(
                    401,
                    "the admin API needs the header `Authorization: Bearer <token>`, with the \
                     token the server was started with (--admin-token or QOSIC_MOCK_ADMIN_TOKEN)",
                ));
            }
        }
    }
    if let Some(refused) = cross_site(&shared.config.admin, req) {
        return respond(refused);
    }
    let split = req.path.split_once('?');
    let (path, inline_query) = split.map_or((req.path, None), |(p, q)| (p, Some(q)));
    let query = req.query.or(inline_query).unwrap_or("");
    let route = path.trim_end_matches('/');
    if let Some(problem) = req.problem {
        return respond(body_problem(problem, &shared.config.limits));
    }
    // Methods are case-sensitive, as on the wire endpoints.
    let found = ADMIN_ROUTES.iter().find_map(|&(method, pattern, handler)| {
        let param = (method == req.method).then(|| matches(pattern, route))??;
        Some((handler, param))
    });
    match found {
        Some((handler, param)) => handler(
            shared,
            &Call {
                req,
                route,
                query,
                param,
            },
        ),
        None => respond(not_found(req.method, route)),
    }
}

/// The answer to a call no route takes; when the path is served with other methods, it
/// names them.
fn not_found(method: &str, route: &str) -> Reply {
    let others: Vec<String> = ADMIN_ROUTES
        .iter()
        .filter(|(_, pattern, _)| matches(pattern, route).is_some())
        .map(|(method, pattern, _)| format!("{method} ({})", summary(method, pattern)))
        .collect();
    let hint = if others.is_empty() {
        "GET /__admin/openapi.json lists the admin routes, and so do the qosic-mock crate docs"
            .to_owned()
    } else {
        format!("{} takes {}", clip(route), others.join(", "))
    };
    fail(
        404,
        &format!("no admin endpoint {} {}; {hint}", clip(method), clip(route)),
    )
}

/// The OpenAPI 3.1 document of the admin API and of the QosIc routes, as JSON: a copy of
/// `docs/qosic-mock.openapi.json` kept in the crate (so that `cargo package` has it), served
/// at `GET /__admin/openapi.json`.
pub(crate) const OPENAPI_JSON: &str = include_str!("../openapi.json");

/// An admin call, as a route's handler gets it.
struct Call<'a, 'r> {
    req: &'a Incoming<'r>,
    /// The path without its query or a trailing `/`.
    route: &'a str,
    /// The query string (`since=1&limit=2`), or empty.
    query: &'a str,
    /// The value of the route's `{name}` segment, or empty.
    param: &'a str,
}

type Handler = fn(&Shared, &Call<'_, '_>) -> Action;

/// Every admin route: the method (case-sensitive), the path (one `{name}` segment matches
/// any non-empty value, slashes included when it ends the path) and the handler. A new
/// route is one line here, its handler, and its operation in
/// `docs/qosic-mock.openapi.yaml` (then `python python/tools/openapi.py write-json`), whose
/// `summary` is the route's one-line description; a test checks both ways.
const ADMIN_ROUTES: &[(&str, &str, Handler)] = &[
    ("GET", "/__admin/health", health),
    ("GET", "/__admin/config", config),
    ("GET", "/__admin/ledger", |s, _| {
        respond(render(&to_value(&s.lock().ledger())))
    }),
    ("GET", "/__admin/journal", journal),
    ("GET", "/__admin/transactions", transactions),
    ("GET", "/__admin/transactions/{reference}", transaction),
    ("POST", "/__admin/subscribers", program),
    ("DELETE", "/__admin/subscribers", forget),
    ("POST", "/__admin/holders", |s, c| {
        respond(holder::admin_set(&s.holders, c.req.body))
    }),
    ("DELETE", "/__admin/holders", forget),
    ("POST", "/__admin/faults", program),
    ("DELETE", "/__admin/faults", forget),
    ("POST", "/__admin/expectations", program),
    ("GET", "/__admin/verify", verify),
    ("POST", "/__admin/reset", forget),
    ("GET", "/__admin/openapi.json", |_, _| {
        respond(Reply::json_bytes(200, OPENAPI_JSON.into()))
    }),
    ("GET", "/__admin/callbacks", callbacks),
    ("GET", "/__admin/callbacks/url", callbacks),
    ("PUT", "/__admin/callbacks/url", callbacks),
    ("DELETE", "/__admin/callbacks/url", callbacks),
    ("POST", "/__admin/callbacks/faults", callbacks),
    ("DELETE", "/__admin/callbacks/faults", callbacks),
    ("POST", "/__admin/callbacks/forge", callbacks),
];

/// The value of the `{name}` segment of `pattern` (empty when it has none) if `route`
/// matches it.
fn matches<'p>(pattern: &str, route: &'p str) -> Option<&'p str> {
    let Some((prefix, rest)) = pattern.split_once('{') else {
        return (pattern == route).then_some("");
    };
    let suffix = rest.split_once('}').map_or("", |(_, suffix)| suffix);
    let value = route.strip_prefix(prefix)?.strip_suffix(suffix)?;
    let one_segment = suffix.is_empty() || !value.contains('/');
    (!value.is_empty() && one_segment).then_some(value)
}

/// The one-line `summary` of a route in the OpenAPI document.
fn summary(method: &str, path: &str) -> String {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    let document = DOCUMENT.get_or_init(|| serde_json::from_str(OPENAPI_JSON).unwrap_or_default());
    let operation = &document["paths"][path][method.to_ascii_lowercase().as_str()];
    operation["summary"].as_str().unwrap_or("").to_owned()
}

fn health(shared: &Shared, _: &Call<'_, '_>) -> Action {
    let state = shared.lock();
    let journal = &state.journal;
    respond(render(&json!({
        "status": "ok",
        "connections": shared.connections.load(Ordering::SeqCst),
        "open_connections": shared.open_connections.load(Ordering::SeqCst),
        "refused_connections": shared.refused_connections.load(Ordering::SeqCst),
        "requests": journal.received(),
        "journal": {
            "entries": journal.len(),
            "capacity": journal.capacity(),
            "dropped": journal.dropped(),
        },
    })))
}

fn config(shared: &Shared, _: &Call<'_, '_>) -> Action {
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
    respond(render(&settings))
}

fn journal(shared: &Shared, call: &Call<'_, '_>) -> Action {
    match journal_query(call.query) {
        Ok((since, limit)) => {
            let entries = shared.lock().journal.snapshot(since, limit);
            // Serialized away from the lock and, over HTTP, away from the event loop.
            Action::Render(Box::new(move || render(&Entries(entries))))
        }
        Err(e) => respond(bad(&e)),
    }
}

fn transactions(shared: &Shared, _: &Call<'_, '_>) -> Action {
    let snapshot = shared.transactions_snapshot();
    Action::Render(Box::new(move || render(&crate::state::views(snapshot))))
}

fn transaction(shared: &Shared, call: &Call<'_, '_>) -> Action {
    let missing = || format!("no transaction with reference {:?}", clip(call.param));
    respond(match shared.transaction(call.param) {
        Some(tx) => render(&to_value(&tx)),
        None => fail(404, &missing()),
    })
}

fn verify(shared: &Shared, _: &Call<'_, '_>) -> Action {
    respond(match shared.lock().verification_report() {
        None => done(),
        Some(report) => Reply::json(409, &json!({"ok": false, "report": report})),
    })
}

/// The calls that program: subscribers, faults, expectations.
fn program(shared: &Shared, call: &Call<'_, '_>) -> Action {
    let body = call.req.body;
    let programmed = match call.route {
        "/__admin/subscribers" => parse(body).and_then(|spec| subscriber(shared, spec)),
        "/__admin/faults" => parse(body)
            .and_then(fault)
            .and_then(|f| shared.add_fault(f)),
        _ => parse::<ExpectationSpec>(body).and_then(|e| shared.expect(e.endpoint, e.count)),
    };
    respond(programmed.map_or_else(|e| bad(&e), |()| done()))
}

/// The calls that forget: subscribers, holders, faults, or everything (reset).
fn forget(shared: &Shared, call: &Call<'_, '_>) -> Action {
    match call.route {
        "/__admin/subscribers" => shared.clear_subscribers(),
        "/__admin/holders" => shared.holders.clear(),
        "/__admin/faults" => shared.clear_faults(),
        _ => shared.reset(),
    }
    respond(done())
}

/// The callback routes, served by the callbacks' own module.
fn callbacks(shared: &Shared, call: &Call<'_, '_>) -> Action {
    crate::callback_admin::admin(shared, call.req.method, call.route, call.req.body)
}

/// `?since=SEQ&limit=N` of `GET /__admin/journal`.
fn journal_query(query: &str) -> Result<(u64, usize), String> {
    let (mut since, mut limit) = (0, usize::MAX);
    for (name, value) in pairs(query) {
        let got = clip(value);
        let number = || {
            let why = || format!("journal query: {name} must be a whole number, got {got:?}");
            value.parse::<u64>().map_err(|_| why())
        };
        match name {
            "since" => since = number()?,
            "limit" => limit = usize::try_from(number()?).unwrap_or(usize::MAX),
            other => {
                let other = clip(other);
                return Err(format!(
                    "journal query: unknown parameter {other:?} (expected since and limit)"
                ));
            }
        }
    }
    Ok((since, limit))
}

/// Journal entries, serialized one by one as [`crate::RecordedRequest`]s.
struct Entries(Vec<Arc<Entry>>);

impl Serialize for Entries {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|e| e.to_recorded()))
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

fn done() -> Reply {
    render(&json!({"ok": true}))
}

fn bad(what: &str) -> Reply {
    fail(400, what)
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
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
        let table = crate::endpoint::table();
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
    let delay = spec.delay_ms.map(|ms| admin_delay("delay_ms", ms));
    let delay = delay.transpose()?;
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
    // The optional settings, as the builder's setters would store them.
    fault.status = spec.status.filter(|_| spec.kind != FaultName::Status);
    fault.delay = delay.unwrap_or_default();
    fault.times = spec.times;
    fault.endpoint = spec.endpoint;
    fault.after_recording |= spec.after_recording == Some(true);
    fault.check()?;
    Ok(fault)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// The contract: the admin routes served are the ones `docs/qosic-mock.openapi.yaml`
    /// describes (through its JSON, which the server serves), each with a one-line summary.
    /// (`tests/it/admin.rs` checks the QosIc routes, and that the copy is the one in docs/.)
    #[test]
    fn every_admin_route_is_described_and_no_other() {
        let document: Value = serde_json::from_str(OPENAPI_JSON).expect("openapi.json is JSON");
        let mut described = BTreeSet::new();
        for (path, item) in document["paths"].as_object().expect("paths") {
            for method in item.as_object().expect("a path item").keys() {
                let verbs = ["get", "put", "post", "delete", "patch", "head", "options"];
                if path.starts_with("/__admin") && verbs.contains(&method.as_str()) {
                    described.insert((method.to_ascii_uppercase(), path.clone()));
                }
            }
        }
        let served: BTreeSet<_> = ADMIN_ROUTES
            .iter()
            .map(|(m, p, _)| {
                let about = summary(m, p);
                assert!(
                    !about.is_empty() && !about.contains('\n'),
                    "{m} {p}: one line"
                );
                (m.to_string(), p.to_string())
            })
            .collect();
        assert_eq!(served.len(), ADMIN_ROUTES.len(), "a route is listed twice");
        assert_eq!(
            served, described,
            "the admin routes served and those described in docs/qosic-mock.openapi.yaml \
             differ (then run python python/tools/openapi.py write-json)"
        );
    }
}
