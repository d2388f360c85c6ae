//! The admin API's callback routes, `/__admin/callbacks` and below: the URL, the faults,
//! forged callbacks and the journal of callbacks.

use serde::Deserialize;
use serde_json::json;

use crate::callback::CallbackFault;
use crate::reply::{admin_delay, parse, problem, render, Action, Reply};
use crate::shared::Shared;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UrlSpec {
    url: String,
}

/// The callback fault kinds of the admin API, by serde name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum FaultName {
    Dropped,
    Delayed,
    Duplicated,
    OutOfOrder,
    Forged,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultSpec {
    kind: FaultName,
    delay_ms: Option<u64>,
    times: Option<usize>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ForgeSpec {
    reference: String,
    amount: Option<u64>,
}

/// `/__admin/callbacks` and below (the admin router checked the access and the body).
pub(crate) fn admin(shared: &Shared, method: &str, route: &str, body: &[u8]) -> Action {
    let callbacks = &shared.callbacks;
    let reply = match (method, route) {
        ("GET", "/__admin/callbacks") => {
            let journal = callbacks.journal();
            // Serialized away from the lock and, over HTTP, away from the event loop.
            return Action::Render(Box::new(move || render(&journal)));
        }
        ("GET", "/__admin/callbacks/url") => Reply::json(200, &json!({"url": callbacks.url()})),
        ("PUT", "/__admin/callbacks/url") => {
            outcome(parse::<UrlSpec>(body).and_then(|spec| callbacks.set_url(Some(&spec.url))))
        }
        ("DELETE", "/__admin/callbacks/url") => outcome(callbacks.set_url(None)),
        ("POST", "/__admin/callbacks/faults") => outcome(
            parse::<FaultSpec>(body)
                .and_then(fault)
                .and_then(|f| callbacks.add_fault(f)),
        ),
        ("DELETE", "/__admin/callbacks/faults") => {
            callbacks.clear_faults();
            outcome(Ok(()))
        }
        ("POST", "/__admin/callbacks/forge") => outcome(
            parse::<ForgeSpec>(body)
                .and_then(|spec| shared.forge_callback(&spec.reference, spec.amount)),
        ),
        // The admin router sends only the routes above here.
        _ => problem(404, "Not Found", "no such callback route of the admin API"),
    };
    Action::Respond(reply)
}

fn outcome(result: Result<(), String>) -> Reply {
    match result {
        Ok(()) => Reply::json(200, &json!({"ok": true})),
        Err(e) => problem(400, "Bad Request", &e),
    }
}

fn fault(spec: FaultSpec) -> Result<CallbackFault, String> {
    let delay = spec
        .delay_ms
        .map(|ms| admin_delay("delay_ms", ms))
        .transpose()?;
    let mut fault = match (spec.kind, delay) {
        (FaultName::Delayed, Some(delay)) => CallbackFault::delayed(delay),
        (FaultName::Delayed, None) => {
            return Err("a delayed callback fault needs \"delay_ms\" (at most 600000)".to_owned())
        }
        (_, Some(_)) => return Err("only a delayed callback fault takes \"delay_ms\"".to_owned()),
        (FaultName::Dropped, None) => CallbackFault::dropped(),
        (FaultName::Duplicated, None) => CallbackFault::duplicated(),
        (FaultName::OutOfOrder, None) => CallbackFault::out_of_order(),
        (FaultName::Forged, None) => CallbackFault::forged(),
    };
    if let Some(n) = spec.times {
        fault = fault.times(n);
    }
    Ok(fault)
}
