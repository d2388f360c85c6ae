//! Takes one mobile-money payment and follows it to the end.
//!
//! ```text
//! cargo run --example pay                                  # embedded fake QosIc, MTN number that approves
//! cargo run --example pay -- --phone 22997000190           # a customer who declines (exit 1)
//! cargo run --example pay -- --amount 2500 --refund        # pay, then refund
//! QOSIC_BASE_URL=https://… QOSIC_LOGIN=… QOSIC_PASSWORD=… QOSIC_MTN_CLIENT_ID=… cargo run --example pay -- --phone 229…
//! ```
//!
//! Without `QOSIC_BASE_URL` the program starts the fake QosIc server of `qosic-mock` on a
//! loopback port and pays through the real HTTP transport. With it, the program reads the
//! credentials and client ids from the environment (see the README) and pays for real.
//!
//! Exit status: 0 confirmed (and refunded, with `--refund`), 1 failed or refund refused,
//! 2 still pending or unknown when the polling window closed, 3 error, 64 bad arguments or
//! input refused before any request was sent.

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use qosic::mock::MockQosic;
use qosic::{Client, Error, Outcome, PaymentRequest, PollingPolicy, Status};

/// Takes one mobile-money payment and follows it to the end.
///
/// Runs against an embedded fake QosIc server unless QOSIC_BASE_URL is set; then QOSIC_LOGIN,
/// QOSIC_PASSWORD and a client id per carrier (QOSIC_MTN_CLIENT_ID, QOSIC_MOOV_CLIENT_ID…;
/// see the README) are read. Exit status: 0 confirmed, 1 failed, 2 pending or unknown, 3
/// error, 64 bad input.
#[derive(Debug, clap::Parser)]
#[command(name = "pay", version)]
struct Args {
    /// The subscriber to charge (on the fake server, numbers ending in 90 decline, 91 lack
    /// funds, 92 have no account, 93 never answer, 94 fail with a server error)
    #[arg(long, default_value = "22997000100")]
    phone: String,
    /// Whole XOF
    #[arg(long, default_value_t = 1000)]
    amount: u64,
    /// The customer's first name
    #[arg(long)]
    first_name: Option<String>,
    /// The customer's last name
    #[arg(long)]
    last_name: Option<String>,
    /// Name the carrier (MTN, MOOV…) instead of picking it by prefix, e.g. for a ported number
    #[arg(long)]
    carrier: Option<String>,
    /// Refund the payment once confirmed
    #[arg(long)]
    refund: bool,
    /// Print only the result, not each step (RUST_LOG, when set, still applies)
    #[arg(long, short)]
    quiet: bool,
}

/// Prints the SDK's own events (one per request and per status check), with masked numbers;
/// `RUST_LOG` (tracing-subscriber's env filter) replaces the default selection.
fn init_logging(quiet: bool) {
    use tracing_subscriber::filter::{EnvFilter, LevelFilter, Targets};
    use tracing_subscriber::prelude::*;
    let layer = tracing_subscriber::fmt::layer()
        .compact()
        .without_time()
        .with_target(false)
        .with_ansi(false);
    match std::env::var("RUST_LOG") {
        Ok(directives) if !directives.trim().is_empty() => tracing_subscriber::registry()
            .with(layer)
            .with(EnvFilter::new(directives))
            .init(),
        _ if quiet => {}
        _ => tracing_subscriber::registry()
            .with(layer)
            .with(
                Targets::new()
                    .with_target("qosic_core", LevelFilter::DEBUG)
                    .with_default(LevelFilter::WARN),
            )
            .init(),
    }
}

/// A client for the server named by the environment, or for an embedded fake server.
async fn client() -> Result<(Client, Option<MockQosic>), Error> {
    if std::env::var_os("QOSIC_BASE_URL").is_some() {
        let client = qosic::from_env()?;
        println!("paying through {}", client.base_url());
        return Ok((client, None));
    }
    let mock = MockQosic::start().await;
    // The fake server answers at once, so check every second instead of QosIc's 10 s.
    let polling = PollingPolicy::unbounded(Duration::from_secs(1), Duration::from_secs(120))?;
    // Every carrier the fake server serves, with its client ids, through the real HTTP
    // transport (qosic::builder()'s default), over loopback.
    let client = qosic::builder()
        .base_url(mock.uri())
        .credentials(mock.credentials())
        .carriers(mock.carriers(polling))
        .build()?;
    println!(
        "paying through the embedded fake QosIc server at {} (set QOSIC_BASE_URL to use another)",
        mock.uri()
    );
    Ok((client, Some(mock)))
}

fn describe(outcome: &Outcome) -> String {
    let mut line = format!("{}", outcome.status());
    match (outcome.code(), outcome.reason()) {
        (Some(code), Some(message)) => line.push_str(&format!(" (code {code}: {message})")),
        (Some(code), None) => line.push_str(&format!(" (code {code})")),
        (None, Some(message)) => line.push_str(&format!(" ({message})")),
        (None, None) => {}
    }
    line
}

fn exit_for(status: Status) -> ExitCode {
    match status {
        Status::Confirmed => ExitCode::SUCCESS,
        Status::Failed => ExitCode::from(1),
        _ => ExitCode::from(2),
    }
}

async fn run(args: Args) -> Result<ExitCode, Error> {
    let (client, _mock) = client().await?;
    let mut request = PaymentRequest::new(&args.phone, args.amount);
    if let Some(name) = &args.first_name {
        request = request.first_name(name);
    }
    if let Some(name) = &args.last_name {
        request = request.last_name(name);
    }
    if let Some(carrier) = &args.carrier {
        request = request.carrier(carrier);
    }
    println!(
        "requesting {} XOF; waiting for the customer to approve on their phone…",
        args.amount
    );
    let outcome = client.pay(request).await?;
    println!("reference: {}", outcome.reference());
    println!("carrier:   {}", outcome.carrier());
    println!("phone:     {}", outcome.phone().masked());
    println!(
        "status:    {} after {} status check(s)",
        describe(&outcome),
        outcome.status_checks()
    );
    match outcome.status() {
        Status::Confirmed => {}
        Status::Failed => return Ok(exit_for(Status::Failed)),
        other => {
            println!(
                "not final yet: the customer may still approve. Check later with reference {} (never pay again under a new one).",
                outcome.reference()
            );
            return Ok(exit_for(other));
        }
    }
    if args.refund {
        let refund = client.refund(outcome.lookup()).await?;
        println!("refund:    {}", describe(&refund));
        return Ok(exit_for(refund.status()));
    }
    Ok(ExitCode::SUCCESS)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(64);
        }
    };
    init_logging(args.quiet);
    match run(args).await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error}");
            if let Some(reference) = error.reference() {
                eprintln!("reference: {reference} (request {})", error.delivery());
            }
            if error.is_invalid_input() {
                ExitCode::from(64)
            } else {
                ExitCode::from(3)
            }
        }
    }
}
