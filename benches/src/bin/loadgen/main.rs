//! Load generator: runs N MTN pay flows (payment request, then status checks until
//! confirmed) through the SDK and the real HTTP transport against any QosIc-compatible server.
//!
//! ```text
//! cargo build --release -p qosic-mock --features cli && target/release/qosic-mock &   # listening on http://127.0.0.1:PORT
//! cargo run --release -p qosic-bench --bin loadgen -- --base-url http://127.0.0.1:PORT --flows 10000 --concurrency 64
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

use clap::{CommandFactory, Parser};
use qosic::http::HttpTransport;
use qosic::PollingPolicy;
use qosic_bench::flows;

/// Runs N MTN pay flows (payment request, then status checks until confirmed) through the SDK
/// and the HTTP transport against any QosIc-compatible server, then prints one line of results.
#[derive(Debug, Parser)]
#[command(
    name = "loadgen",
    version,
    after_help = "\
Credentials: QOSIC_LOGIN, QOSIC_PASSWORD, QOSIC_MTN_CLIENT_ID (default merchant, secret,
MTN_CLIENT: qosic-mock's). Phone numbers are MTN numbers that qosic-mock approves.

Last line: flows=N concurrency=C seconds=S flows_per_sec=R p50_ms=A p99_ms=B
Exit status: 0 every flow confirmed, 1 some not, 2 bad arguments, 3 client set-up failed."
)]
struct Args {
    /// The server, e.g. http://127.0.0.1:8080 [default: $QOSIC_BASE_URL]
    #[arg(long, value_name = "URL", value_parser = base_url)]
    base_url: Option<String>,
    /// How many pay flows to run, a positive whole number
    #[arg(
        long,
        value_name = "N",
        default_value = "1000",
        value_parser = positive,
        allow_negative_numbers = true,
    )]
    flows: usize,
    /// How many flows at once, a positive whole number
    #[arg(
        long,
        value_name = "C",
        default_value = "1",
        value_parser = positive,
        allow_negative_numbers = true,
    )]
    concurrency: usize,
    /// Time between status checks in milliseconds, e.g. 5 or 0.5; 0 checks as soon as the
    /// answer before came back
    #[arg(
        long = "poll-step-ms",
        value_name = "MS",
        default_value = "0",
        value_parser = step_ms,
        allow_negative_numbers = true,
    )]
    step: Duration,
    /// Polling window per flow in seconds
    #[arg(
        long = "window-secs",
        value_name = "S",
        default_value = "120",
        value_parser = secs,
        allow_negative_numbers = true,
    )]
    window: Duration,
    /// HTTP timeout per request in seconds
    #[arg(
        long = "timeout-secs",
        value_name = "S",
        default_value = "30",
        value_parser = secs,
        allow_negative_numbers = true,
    )]
    timeout: Duration,
}

fn positive(raw: &str) -> Result<usize, String> {
    match raw.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err("expected a positive whole number".to_owned()),
    }
}

/// A duration of `raw` times `unit` seconds: finite, under 1,000,000 s, and positive (or zero
/// when `allow_zero`).
fn duration(raw: &str, unit: f64, allow_zero: bool) -> Result<Duration, String> {
    match raw.parse::<f64>() {
        Ok(v) if v.is_finite() && (v > 0.0 || (allow_zero && v == 0.0)) && v * unit < 1e6 => {
            Ok(Duration::from_secs_f64(v * unit))
        }
        _ if allow_zero => Err("expected a non-negative number, e.g. 5 or 0.5".to_owned()),
        _ => Err("expected a positive number, e.g. 5 or 0.5".to_owned()),
    }
}

fn step_ms(raw: &str) -> Result<Duration, String> {
    duration(raw, 1e-3, true)
}

fn secs(raw: &str) -> Result<Duration, String> {
    duration(raw, 1.0, false)
}

/// An http:// or https:// URL, without its trailing slashes.
fn base_url(raw: &str) -> Result<String, String> {
    if raw.starts_with("http://") || raw.starts_with("https://") {
        Ok(raw.trim_end_matches('/').to_owned())
    } else {
        Err("expected an http:// or https:// URL".to_owned())
    }
}

impl Args {
    /// The base URL given, else `QOSIC_BASE_URL` (when set and not empty), checked alike.
    fn base_url(&self, env: Option<String>) -> Result<String, clap::Error> {
        let command = || Args::command();
        match (&self.base_url, env.filter(|v| !v.is_empty())) {
            (Some(url), _) => Ok(url.clone()),
            (None, Some(url)) => base_url(&url).map_err(|why| {
                command().error(
                    clap::error::ErrorKind::ValueValidation,
                    format!("invalid QOSIC_BASE_URL {url:?}: {why}"),
                )
            }),
            (None, None) => Err(command().error(
                clap::error::ErrorKind::MissingRequiredArgument,
                "--base-url is required (or set QOSIC_BASE_URL)",
            )),
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    // --help and --version exit 0; bad arguments exit 2 (clap's convention), as documented.
    let args = Args::parse();
    let base_url = match args.base_url(std::env::var("QOSIC_BASE_URL").ok()) {
        Ok(url) => url,
        Err(e) => e.exit(),
    };
    // A zero step means "check at once": the SDK needs a positive step, and one nanosecond
    // is always already due when the client looks, so no timer is involved.
    let step = args.step.max(Duration::from_nanos(1));
    let setup = PollingPolicy::unbounded(step, args.window).and_then(|polling| {
        let transport = HttpTransport::builder()
            .timeout(args.timeout)
            .build()
            .map_err(|e| qosic::Error::setup("the HTTP transport", e))?;
        flows::Target::from_env(&base_url).client(transport, polling)
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
        args.flows, args.concurrency, base_url
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
mod contract;

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Args, clap::Error> {
        Args::try_parse_from(std::iter::once("loadgen").chain(args.iter().copied()))
    }

    #[test]
    fn the_command_is_well_formed() {
        Args::command().debug_assert();
    }

    #[test]
    fn defaults_are_the_documented_ones() {
        let a = parse(&[]).unwrap();
        assert_eq!((a.flows, a.concurrency), (1000, 1));
        assert_eq!(a.step, Duration::ZERO);
        assert_eq!(a.window, Duration::from_secs(120));
        assert_eq!(a.timeout, Duration::from_secs(30));
        let help = Args::command().render_long_help().to_string();
        for shown in [
            "--base-url <URL>",
            "$QOSIC_BASE_URL",
            "[default: 1000]",
            "[default: 120]",
            "flows_per_sec=R",
        ] {
            assert!(help.contains(shown), "{shown} missing from:\n{help}");
        }
    }

    #[test]
    fn flags_are_checked() {
        let a = parse(&["--base-url=http://x/", "--flows", "3", "--concurrency=2"]).unwrap();
        assert_eq!(
            (a.base_url(None).unwrap().as_str(), a.flows, a.concurrency),
            ("http://x", 3, 2)
        );
        assert_eq!(
            parse(&["--poll-step-ms", "0.5"]).unwrap().step,
            Duration::from_micros(500)
        );
        for (bad, flag) in [
            (&["--flows", "0"][..], "--flows"),
            (&["--base-url", "x"], "--base-url"),
            (&["--poll-step-ms", "-1"], "--poll-step-ms"),
            (&["--window-secs", "0"], "--window-secs"),
            (&["--timeout-secs", "inf"], "--timeout-secs"),
            (&["--concurency", "2"], "--concurency"),
        ] {
            let err = parse(bad).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{err}");
            assert!(err.to_string().contains(flag), "{bad:?}: {err}");
        }
        for shown in ["--help", "--version"] {
            assert_eq!(parse(&[shown]).unwrap_err().exit_code(), 0, "{shown}");
        }
    }

    #[test]
    fn the_base_url_comes_from_the_flag_then_the_environment() {
        let none = parse(&[]).unwrap();
        let env = |v: &str| Some(v.to_owned());
        assert_eq!(none.base_url(env("http://h:1/")).unwrap(), "http://h:1");
        let missing = none.base_url(env("")).unwrap_err();
        assert!(missing.to_string().contains("QOSIC_BASE_URL"), "{missing}");
        assert_eq!(missing.exit_code(), 2);
        let wrong = none.base_url(env("h:1")).unwrap_err();
        assert!(wrong.to_string().contains("http://"), "{wrong}");
        let flag = parse(&["--base-url", "https://a"]).unwrap();
        assert_eq!(flag.base_url(env("http://b")).unwrap(), "https://a");
    }
}
