//! Load generator: runs N MTN pay flows (payment request, then status checks until
//! confirmed) through the SDK and the real HTTP transport against any QosIc-compatible server.
//!
//! ```text
//! cargo build --release -p qosic-mock && target/release/qosic-mock &   # listening on http://127.0.0.1:PORT
//! cargo run --release --example loadgen -- --base-url http://127.0.0.1:PORT --flows 10000 --concurrency 64
//! ```
//!
//! Credentials and the MTN client id come from `QOSIC_LOGIN`, `QOSIC_PASSWORD` and
//! `QOSIC_MTN_CLIENT_ID`, with qosic-mock's defaults (`merchant`, `secret`, `MTN_CLIENT`)
//! for those unset. Phone numbers are MTN numbers (`22997…`) whose last two digits are
//! below 90, which qosic-mock approves at the first status check.
//!
//! The last line on stdout is the contract other tooling reads:
//!
//! ```text
//! flows=N concurrency=C seconds=S flows_per_sec=R p50_ms=A p99_ms=B
//! ```
//!
//! (`p50_ms` and `p99_ms`: latency of a whole flow.) Exit status: 0 when every flow was
//! confirmed, 1 when some were not (the last line is still printed, after a line saying how
//! many failed), 2 on bad arguments, 3 when the client cannot be set up.

use std::process::ExitCode;
use std::time::Duration;

use qosic::http::HttpTransport;
use qosic::PollingPolicy;

#[path = "bench/flows.rs"]
mod flows;

const USAGE: &str = "\
usage: cargo run --release --example loadgen -- --base-url URL --flows N --concurrency C
                                                [--poll-step-ms MS] [--window-secs S] [--timeout-secs S]

  --base-url      the server, e.g. http://127.0.0.1:8080 (default: $QOSIC_BASE_URL)
  --flows         how many pay flows to run, a positive whole number (default 1000)
  --concurrency   how many flows at once, a positive whole number (default 1)
  --poll-step-ms  time between status checks in milliseconds, e.g. 5 or 0.5; 0 checks as
                  soon as the answer before came back (default 0)
  --window-secs   polling window per flow in seconds (default 120)
  --timeout-secs  HTTP timeout per request in seconds (default 30)

Credentials: QOSIC_LOGIN, QOSIC_PASSWORD, QOSIC_MTN_CLIENT_ID (default merchant, secret,
MTN_CLIENT: qosic-mock's). Last line: flows=N concurrency=C seconds=S flows_per_sec=R p50_ms=A p99_ms=B";

#[derive(Debug)]
struct Args {
    base_url: String,
    flows: usize,
    concurrency: usize,
    step: Duration,
    window: Duration,
    timeout: Duration,
}

fn positive(flag: &str, raw: &str) -> Result<usize, String> {
    match raw.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!(
            "{flag}: expected a positive whole number, got {raw:?}"
        )),
    }
}

fn seconds(flag: &str, raw: &str, unit: f64, allow_zero: bool) -> Result<Duration, String> {
    match raw.parse::<f64>() {
        Ok(v) if v.is_finite() && (v > 0.0 || (allow_zero && v == 0.0)) && v * unit < 1e6 => {
            Ok(Duration::from_secs_f64(v * unit))
        }
        _ => Err(format!(
            "{flag}: expected a {}number, e.g. 5 or 0.5, got {raw:?}",
            if allow_zero {
                "non-negative "
            } else {
                "positive "
            }
        )),
    }
}

fn parse_args(raw: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut base_url = std::env::var("QOSIC_BASE_URL")
        .ok()
        .filter(|v| !v.is_empty());
    let mut args = Args {
        base_url: String::new(),
        flows: 1000,
        concurrency: 1,
        step: Duration::ZERO,
        window: Duration::from_secs(120),
        timeout: Duration::from_secs(30),
    };
    let mut it = raw;
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        let mut value = |what: &str| {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or_else(|| format!("{flag} needs {what}"))
        };
        match flag.as_str() {
            "--base-url" => base_url = Some(value("a URL, e.g. http://127.0.0.1:8080")?),
            "--flows" => args.flows = positive("--flows", &value("a number")?)?,
            "--concurrency" => args.concurrency = positive("--concurrency", &value("a number")?)?,
            "--poll-step-ms" => {
                args.step = seconds("--poll-step-ms", &value("milliseconds")?, 1e-3, true)?;
            }
            "--window-secs" => {
                args.window = seconds("--window-secs", &value("seconds")?, 1.0, false)?;
            }
            "--timeout-secs" => {
                args.timeout = seconds("--timeout-secs", &value("seconds")?, 1.0, false)?;
            }
            "--help" | "-h" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    let base_url = base_url.ok_or("--base-url is required (or set QOSIC_BASE_URL)")?;
    if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
        return Err(format!(
            "--base-url: expected an http:// or https:// URL, got {base_url:?}"
        ));
    }
    args.base_url = base_url.trim_end_matches('/').to_owned();
    Ok(args)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) if message.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("error: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    // A zero step means "check at once": the SDK needs a positive step, and one nanosecond
    // is always already due when the client looks, so no timer is involved.
    let step = args.step.max(Duration::from_nanos(1));
    let setup = PollingPolicy::unbounded(step, args.window).and_then(|polling| {
        let transport = HttpTransport::builder()
            .timeout(args.timeout)
            .build()
            .map_err(|e| qosic::Error::setup("the HTTP transport", e))?;
        flows::Target::from_env(&args.base_url).client(transport, polling)
    });
    let client = match setup {
        Ok(client) => client,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(3);
        }
    };
    println!(
        "running {} MTN pay flows, {} at once, against {}",
        args.flows, args.concurrency, args.base_url
    );
    let report = flows::run(&client, args.flows, args.concurrency, 0).await;
    let code = if report.failures == 0 {
        ExitCode::SUCCESS
    } else {
        println!(
            "failed: {} of {} flows did not end confirmed (first: {})",
            report.failures,
            report.flows,
            report.first_failure.as_deref().unwrap_or("-")
        );
        ExitCode::from(1)
    };
    println!("{}", report.contract_line());
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Args, String> {
        parse_args(args.iter().map(|s| (*s).to_owned()))
    }

    #[test]
    fn flags_are_checked() {
        let a = parse(&["--base-url=http://x/", "--flows", "3", "--concurrency=2"]).unwrap();
        assert_eq!(
            (a.base_url.as_str(), a.flows, a.concurrency),
            ("http://x", 3, 2)
        );
        assert!(parse(&["--base-url", "http://x", "--flows", "0"])
            .unwrap_err()
            .contains("--flows"));
        assert!(parse(&["--base-url", "x"])
            .unwrap_err()
            .contains("--base-url"));
        assert!(parse(&["--base-url", "http://x", "--poll-step-ms", "-1"])
            .unwrap_err()
            .contains("--poll-step-ms"));
    }
}
