//! The admin HTTP API under `/__admin/`: program subscribers and faults, read the journal,
//! the transactions and the ledger, reset the state. JSON in, JSON out, no auth.
//!
//! See the crate docs ("The admin API") for the endpoints and curl examples.

use std::time::Duration;

use serde::Deserialize;
use serde_json::{json, Value};

use crate::endpoint::Endpoint;
use crate::fault::Fault;
use crate::state::{problem, Incoming, Reply, Shared};
use crate::subscriber::Subscriber;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SubscriberSpec {
    phone: String,
    behaviour: String,
    after_checks: Option<u32>,
    after_ms: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultSpec {
    kind: String,
    status: Option<u16>,
    delay_ms: Option<u64>,
    times: Option<usize>,
    endpoint: Option<String>,
    after_recording: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectationSpec {
    endpoint: String,
    count: usize,
}

pub(crate) fn handle(shared: &Shared, req: &Incoming<'_>) -> Reply {
    let route = req
        .path
        .split(['?', '#'])
        .next()
        .unwrap_or_default()
        .trim_end_matches('/');
    let method = req.method.to_ascii_uppercase();
    if req.too_large {
        return problem(
            413,
            "Payload Too Large",
            "admin bodies are limited to 1 MiB",
        );
    }
    match (method.as_str(), route) {
        ("GET", "/__admin/health") => ok(&json!({
            "status": "ok",
            "connections": shared.connections.load(std::sync::atomic::Ordering::SeqCst),
            "requests": shared.journal_len(),
        })),
        ("GET", "/__admin/config") => ok(&json!({
            "login": shared.config.login,
            "mtn_client_id": shared.config.mtn_client_id,
            "moov_client_id": shared.config.moov_client_id,
            "celtiis_client_id": shared.config.celtiis_client_id,
            "phone_forms": shared.config.phone_forms,
            "refuse_wrong_carrier": shared.config.refuse_wrong_carrier,
        })),
        ("GET", "/__admin/ledger") => ok(&to_value(&shared.ledger())),
        ("GET", "/__admin/journal") => ok(&to_value(&shared.journal())),
        ("GET", "/__admin/transactions") => ok(&to_value(&shared.transactions())),
        ("GET", "/__admin/verify") => match shared.verification_report() {
            None => ok(&json!({"ok": true})),
            Some(report) => Reply::json(409, &json!({"ok": false, "report": report})),
        },
        ("GET", r) if r.starts_with("/__admin/transactions/") => {
            let reference = &r["/__admin/transactions/".len()..];
            match shared.transaction(reference) {
                Some(tx) => ok(&to_value(&tx)),
                None => problem(
                    404,
                    "Not Found",
                    &format!("no transaction with reference {reference:?}"),
                ),
            }
        }
        ("POST", "/__admin/subscribers") => parse::<SubscriberSpec>(req.body)
            .and_then(|spec| subscriber(shared, spec))
            .unwrap_or_else(|e| bad(&e)),
        ("DELETE", "/__admin/subscribers") => {
            shared.clear_subscribers();
            ok(&json!({"ok": true}))
        }
        ("POST", "/__admin/faults") => parse::<FaultSpec>(req.body)
            .and_then(fault)
            .map(|f| {
                shared.add_fault(f);
                ok(&json!({"ok": true}))
            })
            .unwrap_or_else(|e| bad(&e)),
        ("DELETE", "/__admin/faults") => {
            shared.clear_faults();
            ok(&json!({"ok": true}))
        }
        ("POST", "/__admin/expectations") => parse::<ExpectationSpec>(req.body)
            .and_then(|spec| {
                let endpoint: Endpoint = spec.endpoint.parse().map_err(|e| format!("{e}"))?;
                shared.expect(endpoint, spec.count);
                Ok(ok(&json!({"ok": true})))
            })
            .unwrap_or_else(|e| bad(&e)),
        ("POST", "/__admin/reset") => {
            shared.reset();
            ok(&json!({"ok": true}))
        }
        _ => problem(
            404,
            "Not Found",
            &format!(
                "no admin endpoint {method} {}; see the qosic-mock crate docs",
                route.chars().take(200).collect::<String>()
            ),
        ),
    }
}

fn ok(value: &Value) -> Reply {
    Reply::json(200, value)
}

fn bad(what: &str) -> Reply {
    problem(400, "Bad Request", what)
}

fn to_value<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    serde_json::from_slice(body).map_err(|e| format!("invalid JSON body: {e}"))
}

fn subscriber(shared: &Shared, spec: SubscriberSpec) -> Result<Reply, String> {
    let mut subscriber = Subscriber::from_name(&spec.behaviour).ok_or_else(|| {
        format!(
            "unknown behaviour {:?}: expected approves, declines, insufficient_funds, no_account, never_answers or server_error",
            spec.behaviour
        )
    })?;
    match (spec.after_checks, spec.after_ms) {
        (Some(_), Some(_)) => return Err("give after_checks or after_ms, not both".to_owned()),
        (Some(n), None) => subscriber = subscriber.after_checks(n),
        (None, Some(ms)) => subscriber = subscriber.after(Duration::from_millis(ms)),
        (None, None) => {}
    }
    shared.program_subscriber(&spec.phone, subscriber)?;
    Ok(ok(&json!({"ok": true})))
}

fn fault(spec: FaultSpec) -> Result<Fault, String> {
    let mut fault = match spec.kind.as_str() {
        "status" => Fault::status(
            spec.status
                .ok_or("a status fault needs \"status\"")?,
        ),
        "delay" => Fault::delay(Duration::from_millis(
            spec.delay_ms.ok_or("a delay fault needs \"delay_ms\"")?,
        )),
        "malformed_body" => Fault::malformed_body(),
        "empty_body" => Fault::empty_body(),
        "html_error" => Fault::html_error(),
        "dropped_connection" => Fault::dropped_connection(),
        "lost_answer" => Fault::lost_answer(),
        other => {
            return Err(format!(
                "unknown fault kind {other:?}: expected status, delay, malformed_body, empty_body, html_error, dropped_connection or lost_answer"
            ))
        }
    };
    if let Some(status) = spec.status.filter(|_| spec.kind != "status") {
        fault = fault.with_status(status);
    }
    if let Some(ms) = spec.delay_ms.filter(|_| spec.kind != "delay") {
        fault = fault.delayed(Duration::from_millis(ms));
    }
    if let Some(n) = spec.times {
        fault = fault.times(n);
    }
    if let Some(name) = spec.endpoint {
        fault = fault.on(name.parse::<Endpoint>().map_err(|e| e.to_string())?);
    }
    if spec.after_recording == Some(true) {
        fault = fault.after_recording();
    }
    Ok(fault)
}
